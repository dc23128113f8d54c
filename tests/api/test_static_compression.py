"""The patient app's text files go gzipped to a browser that accepts it (api/pages.py)."""

import gzip
import os

import pytest

from api import pages

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.mark.parametrize(
    ("path", "on_disk"),
    [
        ("/", "index.html"),
        ("/sw.js", "sw.js"),
        ("/manifest.webmanifest", "manifest.webmanifest"),
        ("/pwa/js/app.js", "js/app.js"),
        ("/pwa/css/app.css", "css/app.css"),
        ("/clinic/", "clinic.html"),
    ],
)
def test_text_files_are_gzipped_for_a_browser_that_accepts_it(client, path, on_disk):
    original = (pages.PWA_DIR / on_disk).read_bytes()
    response = client.get(path, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.data) == original
    assert int(response.headers["Content-Length"]) == len(response.data) < len(original)
    assert response.headers["Cache-Control"] == "no-cache"


def test_a_client_that_does_not_accept_gzip_gets_the_file_as_it_is(client):
    with client.get("/pwa/js/app.js") as response:
        body = response.data
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]
    assert body == (pages.PWA_DIR / "js/app.js").read_bytes()


def test_each_encoding_has_its_own_etag_and_revalidates_to_a_304(client):
    with client.get("/pwa/js/app.js") as plain:
        assert plain.status_code == 200
    zipped = client.get("/pwa/js/app.js", headers=GZIP)
    assert plain.headers["ETag"] != zipped.headers["ETag"]
    again = client.get("/pwa/js/app.js", headers={**GZIP, "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    # A cache holding the plain bytes may keep them: they are still the file.
    crossed = {**GZIP, "If-None-Match": plain.headers["ETag"]}
    with client.get("/pwa/js/app.js", headers=crossed) as response:
        assert response.status_code == 304
    plain_again = {"If-None-Match": plain.headers["ETag"]}
    with client.get("/pwa/js/app.js", headers=plain_again) as response:
        assert response.status_code == 304


def test_images_go_as_they_are(client):
    with client.get("/pwa/icons/icon-192.png", headers=GZIP) as response:
        body = response.data
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert body == (pages.PWA_DIR / "icons/icon-192.png").read_bytes()


def test_an_edited_file_is_compressed_again(client, tmp_path, monkeypatch):
    monkeypatch.setattr(pages, "PWA_DIR", tmp_path)
    target = tmp_path / "note.txt"
    target.write_text("first version " * 20)
    first = client.get("/pwa/note.txt", headers=GZIP)
    assert gzip.decompress(first.data) == target.read_bytes()
    target.write_text("second, longer version " * 20)
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = client.get("/pwa/note.txt", headers=GZIP)
    assert gzip.decompress(second.data) == target.read_bytes()
    assert second.headers["ETag"] != first.headers["ETag"]


def test_a_missing_file_is_a_json_404_not_a_compressed_error(client):
    response = client.get("/pwa/js/no-such-file.js", headers=GZIP)
    assert response.status_code == 404
    assert response.is_json
    assert "Content-Encoding" not in response.headers
