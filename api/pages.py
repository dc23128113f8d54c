"""The web front end (``pwa/``): static files served by Flask, no server templates.

Text files go gzipped to a browser that accepts it: a patient opening the app for the first
time on a phone's data downloads about a third of the bytes (the scripts, styles and words are
some 250 KB as written, 80 KB gzipped). Each file is compressed once per version of it on disk
and kept in memory; images are compressed already and go as they are.
"""

import functools
import gzip
import os

from flask import Blueprint, current_app, request, send_from_directory
from werkzeug.security import safe_join

from .auth.policy import policy
from .config import ROOT

bp = Blueprint("pages", __name__)

#: Beside the api package in the repository and in an installed wheel (pyproject's package data).
PWA_DIR = ROOT / "pwa"


#: The files worth gzipping, by extension (PNG icons are compressed already).
COMPRESSIBLE = frozenset({".html", ".css", ".js", ".json", ".webmanifest", ".svg", ".txt"})


@functools.lru_cache(maxsize=512)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """The file gzipped; the key's modification time and size make an edited file a new entry."""
    with open(path, "rb") as handle:
        return gzip.compress(handle.read(), compresslevel=9, mtime=0)


def _send(filename: str, max_age: int = 0):
    response = send_from_directory(PWA_DIR, filename, max_age=max_age)
    # The service worker decides what is cached offline; HTTP caches must revalidate.
    response.headers["Cache-Control"] = "no-cache"
    if os.path.splitext(filename)[1] in COMPRESSIBLE:
        response.vary.add("Accept-Encoding")
        if response.status_code == 200 and "gzip" in request.accept_encodings:
            response = _as_gzip(response, safe_join(str(PWA_DIR), filename))
    return response


def _as_gzip(response, path: str):
    """The 200 of a static file as gzip, with an ETag of its own (a cache must not serve one
    encoding's bytes for the other's validator); a revalidation that names it is a 304."""
    stat = os.stat(path)
    if hasattr(response.response, "close"):
        response.response.close()  # the open file send_from_directory would have streamed
    response.direct_passthrough = False
    response.set_data(_gzipped(path, stat.st_mtime_ns, stat.st_size))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(f"{etag}-gzip", weak=weak)
    return response.make_conditional(request)


@bp.get("/")
@policy("public")
def patient_app():
    """The patient app's shell."""
    return _send("index.html")


@bp.get("/join/<string:token>")
@bp.get("/join/<any(en, es):language>/<string:token>")
@policy("public")
def join(token, language=None):
    """The invite landing page; only its button's POST redeems the token."""
    return _send("join.html")


@bp.get("/stop/<string:token>")
@policy("public")
def stop_reminders(token):
    """The opt-out page of a reminder's link; only its button's POST (to the API) stops them."""
    return _send("stop.html")


@bp.get("/clinic/")
@bp.get("/clinic/<path:subpath>")
@policy("public")
def clinic_app(subpath=None):
    """The clinician views' shell (the API enforces who sees what)."""
    return _send("clinic.html")


@bp.get("/sw.js")
@policy("public")
def service_worker():
    """The service worker, served from the root so that its scope is the whole app."""
    return _send("sw.js")


@bp.get("/manifest.webmanifest")
@policy("public")
def manifest():
    """The web app manifest."""
    response = _send("manifest.webmanifest")
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/pwa/<path:filename>")
@policy("public")
def asset(filename):
    """Scripts, styles, icons and vendored libraries."""
    return _send(filename, max_age=current_app.config.get("ASSET_MAX_AGE", 0))
