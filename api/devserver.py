"""``make run``: migrate, seed the demo once, then run web, worker and beat until Ctrl-C.

With no configuration everything lives in ``instance/``: SQLite for data and a SQLite
file as the Celery broker (kombu's SQLAlchemy transport), so no service is needed.
Set DATABASE_URL and CELERY_BROKER_URL to use PostgreSQL and Redis instead.
"""

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time

from .config import INSTANCE, limit_storage_uri
from .pipeline.routing import QUEUES


def main() -> int:
    """Start the three processes and stop them all when one stops or on Ctrl-C."""
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
        subprocess.run([os.path.join(bin_dir, "waypoint"), *args], env=env, check=True)

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
            "--beat",
            "--schedule",
            str(INSTANCE / "celerybeat-schedule"),
            "--queues",
            ",".join(QUEUES),
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
        ],
    }
    children = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}
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
        while not stopping and all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [name for name, child in children.items() if child.returncode not in (0, -15)]
    return 1 if failed and not stopping else 0


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
