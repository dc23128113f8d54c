"""What the benchmark runs around Waypoint: an SMTP sink, a webhook receiver, processes.

The sink and the receiver live in the benchmark's own process and timestamp each arrival
with ``time.time()``, the clock the load generator stamps each POST with (same machine).
"""

import ctypes
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

ALERT_LINK = re.compile(r"/clinic/alerts/([0-9a-f-]{36})")


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Arrivals:
    """Thread-safe log of what reached the sink or the receiver: (kind, key, time)."""

    items: list = field(default_factory=list)
    bad: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, key: str, at: float) -> None:
        with self.lock:
            self.items.append((kind, key, at))

    def of(self, kind: str) -> list[tuple[str, float]]:
        with self.lock:
            return [(key, at) for k, key, at in self.items if k == kind]

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.bad = 0


class _SinkHandler:
    def __init__(self, arrivals: Arrivals):
        self.arrivals = arrivals

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        at = time.time()
        message = message_from_bytes(envelope.content)
        body = message.get_payload(decode=True) or b""
        match = ALERT_LINK.search(body.decode("utf-8", "replace"))
        if match:
            self.arrivals.add("email", match.group(1), at)
        else:
            with self.arrivals.lock:
                self.arrivals.bad += 1
        return "250 OK"


def start_smtp_sink(arrivals: Arrivals) -> tuple[Controller, int]:
    """An aiosmtpd server on a free port that logs each alert email's arrival."""
    port = free_port()
    controller = Controller(_SinkHandler(arrivals), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def start_receiver(arrivals: Arrivals, secret: str) -> tuple[ThreadingHTTPServer, int]:
    """An HTTP server that checks each webhook's signature and logs its arrival."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            at = time.time()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/noop/"):
                arrivals.add("noop", self.path.removeprefix("/noop/"), at)
            elif self.path == "/webhook" and _signed(self.headers, body, secret):
                payload = json.loads(body)
                arrivals.add("webhook", payload["alert_id"], at)
            else:
                with arrivals.lock:
                    arrivals.bad += 1
                self.send_response(400)
                self.end_headers()
                return
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def _signed(headers, body: bytes, secret: str) -> bool:
    parts = dict(
        p.split("=", 1) for p in headers.get("X-Waypoint-Signature", "").split(",") if "=" in p
    )
    if "t" not in parts or "v1" not in parts:
        return False
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


#: prctl(2), looked up once here: a forked child must not load libraries (other threads run).
_prctl = ctypes.CDLL(None, use_errno=True).prctl
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: SIGTERM when the benchmark dies, even by SIGKILL (Linux prctl).

    A worker left behind by a killed run would go on consuming the benchmark's Redis
    database and steal the next run's tasks.
    """
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Processes:
    """The child processes this run started; stopped by their own ids, never by name."""

    def __init__(self, logdir: Path):
        self.logdir = logdir
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict, cwd: Path) -> subprocess.Popen:
        """Start ``argv`` in its own session, output to ``<logdir>/<name>.log``."""
        log = open(self.logdir / f"{name}.log", "ab")  # noqa: SIM115 (kept open by the child)
        process = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        self.running[name] = process
        return process

    def stop(self, name: str, timeout: float = 15) -> None:
        """SIGTERM the process group we started, SIGKILL it if it lingers."""
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    def stop_all(self) -> None:
        """Stop every process still running, newest first."""
        for name in reversed(list(self.running)):
            self.stop(name)

    def check(self) -> None:
        """Raise if a process we need died; its log says why."""
        for name, process in self.running.items():
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited ({process.returncode}); see {self.logdir}/{name}.log"
                )


def wait_http(url: str, timeout: float, processes: Processes | None = None) -> None:
    """Poll ``url`` until it answers 200 (short sleeps, bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if processes is not None:
            processes.check()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.2)


def redis_ping(port: int) -> bool:
    """True if a Redis server answers PING on the loopback port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_until(predicate, timeout: float, interval: float = 0.2) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True
