"""The patient app is installable: a valid manifest with real icons, a controlling service
worker, and nothing Chromium would refuse to install."""

import struct

import pytest

from tests.support.browser import screenshot, wait_for_app, wait_for_service_worker
from tests.support.live import CHROMIUM, CHROMIUM_ARGS, assert_accessible

pytestmark = pytest.mark.browser


def png_size(body: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    assert body[12:16] == b"IHDR"
    return struct.unpack(">II", body[16:24])


def test_manifest_and_icons_are_valid(context):
    response = context.request.get("/manifest.webmanifest")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "Waypoint"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    icons = {(icon["sizes"], icon["purpose"]): icon["src"] for icon in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _purpose), src in icons.items():
        icon = context.request.get(src)
        assert icon.status == 200, src
        assert icon.headers["content-type"] == "image/png"
        width, height = png_size(icon.body())
        assert f"{width}x{height}" == sizes


def test_service_worker_controls_the_app_and_chromium_can_install_it(page, context):
    page.goto("/")
    wait_for_app(page)
    # Nobody is signed in on this fresh profile: the app says how to start.
    page.get_by_role("heading", name="Welcome to Waypoint").wait_for()
    assert_accessible(page, "welcome")
    screenshot(page, "welcome")
    wait_for_service_worker(page)
    registration = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            const shell = await caches.match("/", {ignoreVary: true});
            return {
                script: registration.active.scriptURL,
                scope: registration.scope,
                shellCached: Boolean(shell),
            };
        }"""
    )
    assert registration["script"].endswith("/sw.js")
    assert registration["scope"] == page.url.split("#")[0].rstrip("/") + "/"
    assert registration["shellCached"] is True


def test_chromium_finds_nothing_that_stops_installing(playwright, live_server, tmp_path):
    # Installing is refused in incognito profiles (Playwright's usual kind): use a real one.
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(f"{live_server.url}/")
        wait_for_app(page)
        wait_for_service_worker(page)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getAppManifest")["errors"] == []
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
    finally:
        context.close()


def test_service_worker_precaches_every_module_of_the_app():
    """A module missing from the list would break the app offline, silently."""
    import re
    from pathlib import Path

    pwa = Path(__file__).resolve().parents[2] / "pwa"
    listed = set(re.findall(r'"(/pwa/js/[^"]+)"', (pwa / "sw.js").read_text()))
    modules = {
        "/pwa/" + str(path.relative_to(pwa))
        for path in (pwa / "js").rglob("*.js")
        if path.name != "join.js"  # the invite page needs the network anyway
    }
    assert listed == modules


def test_index_preloads_exactly_the_modules_the_app_imports():
    """modulepreload turns the import waterfall into one round of requests; a stale list
    would fetch a module for nothing or leave one in the waterfall."""
    import re
    from pathlib import Path, PurePosixPath

    js = Path(__file__).resolve().parents[2] / "pwa" / "js"
    graph, todo = set(), ["app.js"]
    while todo:
        module = todo.pop()
        if module in graph:
            continue
        graph.add(module)
        source = (js / module).read_text()
        for target in re.findall(r'^(?:import|export)\b[^;]*?from\s+"([^"]+)"', source, re.M):
            parts = []
            for part in (PurePosixPath(module).parent / target).parts:
                if part == "..":
                    parts.pop()
                elif part != ".":
                    parts.append(part)
            todo.append("/".join(parts))
    index = (js.parent / "index.html").read_text()
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/pwa/js/([^"]+)"\s*/?>', index))
    assert len(graph) > 10  # the walk found the imports
    assert preloaded == graph - {"app.js"}
