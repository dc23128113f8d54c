"""The app on a real port and Chromium's settings, shared by tests/browser and tests/clinician.

A plain module rather than fixtures: each folder's conftest builds its own fixtures on it
(a conftest's fixtures are not visible from a sibling folder).
"""

import base64
import json
import threading
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: How long a request waits while the server is made to hang (longer than any test needs).
HANG_LIMIT_S = 60


def vapid_public_key() -> str:
    """A real P-256 public key, so the app can offer Web Push (no push is sent in tests)."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    raw = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _closed_when_done(body):
    """The response body, closed as soon as it has been sent or abandoned.

    werkzeug's development server calls ``close()`` only after draining the request socket,
    and a browser that cancels a request (a module fetch overtaken by navigation) makes that
    drain raise first: the body of a static file then kept its file open until the garbage
    collector found it, and the ResourceWarning failed whichever test was running then.
    """
    try:
        yield from body
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


class LiveServer:
    """The app served by werkzeug in a background thread."""

    def __init__(self, app):
        self.app = app
        self.answering = threading.Event()
        self.answering.set()
        self.server = make_server("127.0.0.1", 0, self._gate, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _gate(self, environ, start_response):
        # While the server hangs, every request (the service worker's too) waits for it.
        if not self.answering.wait(timeout=HANG_LIMIT_S):
            start_response("503 SERVICE UNAVAILABLE", [("Content-Type", "text/plain")])
            return [b"hung"]
        return _closed_when_done(self.app(environ, start_response))

    @contextmanager
    def hanging(self):
        """Within the block no request is answered (a network that stalls); afterwards all are."""
        self.answering.clear()
        try:
            yield
        finally:
            self.answering.set()

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@contextmanager
def serving(database_url, redis_url, **config):
    """A new app over plain HTTP on a free 127.0.0.1 port, on this run's database.

    Plain HTTP, so the session cookie is not Secure (and so cannot carry the __Host- prefix).
    """
    from api.app import create_app

    live = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SESSION_COOKIE_SECURE": False,
            "SESSION_COOKIE_NAME": "waypoint",
            "RATELIMIT_STORAGE_URI": redis_url,
            "CELERY": {"broker_url": redis_url, "task_ignore_result": True},
            **config,
        }
    )
    server = LiveServer(live)
    live.config["PUBLIC_URL"] = server.url
    server.start()
    try:
        yield server
    finally:
        server.stop()
        with live.app_context():
            from api.extensions import db

            db.engine.dispose()


def assert_accessible(page, screen):
    """axe-core (vendored, same origin so the CSP allows it) finds no WCAG 2.2 AA violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url="/pwa/vendor/axe.min.js")
    # Judged settled: a CSS transition caught midway (a button under the pointer fading to
    # its hover colours) is a frame, not the page, and its blend fails contrast checks.
    violations = page.evaluate(
        """async (tags) => {
            const ending = document.getAnimations().filter(
                (a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
            await Promise.all(ending.map((a) => a.finished.catch(() => null)));
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
            }));
        }""",
        AXE_TAGS,
    )
    assert violations == [], f"{screen}: {json.dumps(violations, indent=1)}"
