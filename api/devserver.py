"""``make run``: migrate, seed the demo once, then run web, worker and beat until Ctrl-C.

With no configuration everything lives in ``instance/``: SQLite for data and a SQLite
file as the Celery broker (kombu's SQLAlchemy transport), so no service is needed.
Set DATABASE_URL and CELERY_BROKER_URL to use PostgreSQL and Redis instead.

It supervises what it starts, as systemd does in production (deploy/systemd/): a process
that exits is started again after a backoff (1 s, doubling per quick exit up to 30 s, back
to 1 s once it has run a minute), and the console says which, why and when.
"""

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time

from .config import INSTANCE, limit_storage_uri
from .pipeline.routing import QUEUES

#: The first restart waits this long (seconds); each quick exit doubles it, up to the cap.
RESTART_FIRST_SECONDS = 1.0
RESTART_MAX_SECONDS = 30.0
#: A process that ran this long had recovered: its next restart waits RESTART_FIRST_SECONDS.
HEALTHY_AFTER_SECONDS = 60.0
#: How long a process has to stop on Ctrl-C (a worker finishes its task: warm shutdown).
STOP_SECONDS = 10.0


def main() -> int:
    """Start web, worker, beat (and a mail sink); restart any that exits; stop all on Ctrl-C."""
    env = dict(os.environ)
    env.setdefault("COOKIE_SECURE", "false")  # plain http on 127.0.0.1
    port = env.get("PORT", "5000")
    env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{port}")
    # Whatever the children create in instance/ (beat's schedule, SQLite's journals) is
    # theirs alone; the app makes the folder 0700 and tightens its files at start.
    os.umask(0o077)
    INSTANCE.mkdir(mode=0o700, parents=True, exist_ok=True)
    bin_dir = os.path.dirname(sys.executable)

    def waypoint(*args):
        # This interpreter and this checkout's code (not the `waypoint` script, which imports
        # whatever checkout the virtualenv was installed from): the migrations and the seed
        # reach the same instance folder as the processes started below.
        command = [sys.executable, "-c", "from api.cli import main; main()", *args]
        subprocess.run(command, env=env, check=True)

    waypoint("db", "upgrade")
    waypoint("seed-demo")

    commands = {}
    # aiosmtpd comes with the dev extra (`make run`); an installed package may not have it.
    if "SMTP_HOST" not in os.environ and importlib.util.find_spec("aiosmtpd"):
        # No mail relay configured: a local sink prints each notification email to this
        # console, so the alert path can be watched end to end on a laptop.
        port_given = "SMTP_PORT" in env
        mail_port = free_mail_port(int(env.get("SMTP_PORT", "8025")), fall_back=not port_given)
        if mail_port is None:
            print(
                f"Port {env['SMTP_PORT']} (SMTP_PORT) is taken by another program: stop it, "
                "or choose another SMTP_PORT.",
                file=sys.stderr,
            )
            return 1
        env["SMTP_HOST"], env["SMTP_PORT"] = "127.0.0.1", str(mail_port)
        print(f"Emails are printed here (a mail sink on 127.0.0.1:{mail_port}).", flush=True)
        commands["mail"] = [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{env['SMTP_PORT']}",
            "-c",
            "aiosmtpd.handlers.Debugging",
        ]
    # Without Redis the sign-in limits count in memory: one web process (threads for
    # concurrency), since several would each keep a budget (api/gunicorn_conf.py refuses).
    in_memory = limit_storage_uri(env).startswith("memory://")
    web_processes = ["--workers", "1", "--threads", "4"] if in_memory else ["--workers", "2"]
    commands |= {
        "web": [
            os.path.join(bin_dir, "gunicorn"),
            "--config",
            "python:api.gunicorn_conf",
            *web_processes,
            "--bind",
            f"127.0.0.1:{port}",
            # No gunicorn access log: it prints raw paths (invite tokens); the app logs
            # each request by its route template (api/logging.py).
            "api.app:create_app()",
        ],
        "worker": [
            os.path.join(bin_dir, "celery"),
            "-A",
            "worker.celery_app",
            "worker",
            "--queues",
            ",".join(QUEUES),
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
        ],
        # Beat apart from the worker, as in production: either can die and come back alone.
        "beat": [
            os.path.join(bin_dir, "celery"),
            "-A",
            "worker.celery_app",
            "beat",
            "--schedule",
            str(INSTANCE / "celerybeat-schedule"),
            "--loglevel",
            "INFO",
        ],
    }
    children = {name: Supervised(name, cmd, env) for name, cmd in commands.items()}
    for child in children.values():
        child.start()
        say(f"{child.name} started (pid {child.process.pid})")
    print(
        f"\nWaypoint is running on http://127.0.0.1:{port}  (Ctrl-C stops everything)\n", flush=True
    )

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for child in children.values():
                child.tend()
            time.sleep(0.2)
    finally:
        for child in children.values():
            child.terminate()
        for child in children.values():
            child.reap()
    return 0


def say(message: str) -> None:
    """One line of the supervisor's own on the console, told apart from the children's."""
    print(f"[make run] {message}", flush=True)


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


class Supervised:
    """One child process, started again with backoff whenever it exits."""

    def __init__(self, name: str, command: list[str], env: dict):
        self.name, self.command, self.env = name, command, env
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.delay = RESTART_FIRST_SECONDS
        self.due: float | None = None  # when the next start is due, while it is down
        self.restarts = 0

    def start(self) -> None:
        # A process group of its own: Ctrl-C reaches only this supervisor, which stops the
        # children in order, and a dead worker's pool processes can be found and ended.
        self.process = subprocess.Popen(self.command, env=self.env, start_new_session=True)
        self.started = time.monotonic()
        self.due = None

    def tend(self) -> None:
        """Notice an exit and schedule the restart; restart when it is due."""
        now = time.monotonic()
        if self.due is None:
            code = self.process.poll()
            if code is None:
                return
            self._end_group()  # a killed worker's pool processes, orphaned
            if now - self.started >= HEALTHY_AFTER_SECONDS:
                self.delay = RESTART_FIRST_SECONDS
            self.due = now + self.delay
            say(
                f"{self.name} (pid {self.process.pid}) {_exit_reason(code)}; "
                f"restarting it in {self.delay:g} s"
            )
            self.delay = min(self.delay * 2, RESTART_MAX_SECONDS)
        elif now >= self.due:
            self.restarts += 1
            self.start()
            say(f"{self.name} restarted (pid {self.process.pid}, restart {self.restarts})")

    def terminate(self) -> None:
        if self.due is None and self.process.poll() is None:
            self.process.terminate()

    def reap(self) -> None:
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            say(f"{self.name} did not stop within {STOP_SECONDS:g} s; killing it")
        self._end_group()
        self.process.wait()

    def _end_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def free_mail_port(wanted: int, *, fall_back: bool) -> int | None:
    """``wanted`` if 127.0.0.1 has it free; else a free port if ``fall_back``, else None.

    Another ``make run`` (or any program) may hold the default: the sink then takes a free
    port rather than dying with a traceback; a port the user chose is not silently moved.
    """
    for port in (wanted, 0) if fall_back else (wanted,):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    return None


if __name__ == "__main__":
    sys.exit(main())
