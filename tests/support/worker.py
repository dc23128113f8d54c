"""Helpers of the worker tests: the webhook secret, waiting, an HTTPS test client."""

import contextvars
import socket
import time

from tests.support.answers import checkin_body, phq9  # noqa: F401  (the fixtures use them)

WEBHOOK_SECRET = "test-webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=20.0, interval=0.1, what="condition"):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def https_client(flask_app):
    """A test client over HTTPS whose every request runs in a context of its own."""
    from flask.testing import FlaskClient

    class Isolated(FlaskClient):
        def open(self, *args, **kwargs):
            return contextvars.Context().run(super().open, *args, **kwargs)

    flask_app.test_client_class = Isolated
    client = flask_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    client.environ_base["HTTP_HOST"] = "localhost"
    return client
