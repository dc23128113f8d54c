"""Real servers on 127.0.0.1 for the outbound guard's tests: an HTTP(S) receiver that records
what it is sent and answers a chosen status (a redirect too), and listeners that speak no HTTP."""

import http.server
import socket
import ssl
import threading
from contextlib import contextmanager


class Receiver:
    """What one receiver was sent, and how it answers."""

    def __init__(self, status: int = 204, location: str | None = None, fail_first: int = 0):
        self.status = status
        #: Answer 500 to this many requests first (a receiver that is down, then back).
        self.fail_first = fail_first
        self.location = location
        self.requests = []
        self.lock = threading.Lock()
        self.port = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def received(self) -> list[dict]:
        with self.lock:
            return list(self.requests)


@contextmanager
def receiving(
    status: int = 204,
    location: str | None = None,
    tls: ssl.SSLContext | None = None,
    fail_first: int = 0,
):
    """A running receiver (HTTPS when ``tls`` is a server context); stopped after."""
    receiver = Receiver(status, location, fail_first)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = receiver.status if len(receiver.requests) > receiver.fail_first else 500
            self.send_response(status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST  # a followed redirect may arrive as a GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def listener(reply: bytes | None):
    """A TCP port that accepts and sends ``reply`` then closes, or (None) never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held, stop = [], threading.Event()

    def serve():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if reply is None:
                held.append(conn)  # keep it open, silent: the client's timeout ends it
            else:
                conn.sendall(reply)
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        sock.close()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
