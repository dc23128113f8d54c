"""The stack under test: gunicorn, a Celery worker and beat, on one database and one Redis."""

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests
from celery import Celery

from api.queue import celery_init_app

from .services import Processes, free_port, wait_http, wait_until

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COOKIE = "waypoint"  # COOKIE_SECURE=false: plain HTTP on the loopback, no __Host- prefix
#: The stack's worker takes the alerts and beat's reconciler and escalation; never the
#: schedule batches (``planning``) or reminders, so that a tick cannot land in the middle of a
#: figure: the tick has a figure of its own, on a worker of its own (``bench/tick.py``).
WORKER_QUEUES = ("urgent", "periodic", "default")


def stack_env(
    db_url,
    broker: str,
    *,
    secret: str,
    smtp_port: int,
    rundir: Path,
    reconcile_seconds: float | None,
) -> dict:
    """A stack's environment (bench and chaos): production settings but for the loopback
    services."""
    env = {
        "DATABASE_URL": db_url.render_as_string(hide_password=False),
        "CELERY_BROKER_URL": broker,
        "RATELIMIT_STORAGE_URI": broker,
        "SECRET_KEY": secret,
        "COOKIE_SECURE": "false",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "OUTBOUND_ALLOW_HOSTS": "127.0.0.1",  # the webhook receiver is on loopback
        "WAYPOINT_INSTANCE": str(rundir / "instance"),
        # One role for migrations, seeding and the stack: the runs measure speed and loss,
        # which the owner/runtime role split (SECURITY.md) does not change.
        "ALLOW_DATABASE_OWNER": "true",
        # Each POST comes far faster than people answer: the runs measure the pipeline, not
        # the check-in limits (tests/api/test_checkin_flood.py).
        "CHECKIN_LIMIT_PER_DEVICE": "100000 per minute",
        "CHECKIN_LIMIT_PER_PATIENT": "100000 per minute",
    }
    if reconcile_seconds is not None:
        env["RECONCILE_SECONDS"] = str(reconcile_seconds)
    return env


@dataclass
class Session:
    """A signed-in device: the cookie value and the CSRF token to send back."""

    cookie: str
    csrf: str

    def headers(self) -> dict:
        return {"Cookie": f"{COOKIE}={self.cookie}", "X-CSRF-Token": self.csrf}


class Stack:
    """Start and stop the app's processes with one configuration."""

    def __init__(self, env: dict, processes: Processes, web_workers: int, concurrency: int):
        self.env = env
        self.processes = processes
        self.web_workers = web_workers
        self.concurrency = concurrency
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.worker_name = f"bench-{os.getpid()}@bench"
        self.celery: Celery | None = None
        self.worker_error: str | None = None
        self.other_workers: list[str] = []

    def start(self) -> None:
        """Start gunicorn, the worker and beat; wait until the web answers and the worker pings."""
        env = {**os.environ, **self.env, "PUBLIC_URL": self.url}
        self.processes.start(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:api.gunicorn_conf",
                "-w",
                str(self.web_workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "bench.app:create_bench_app()",
            ],
            env,
            ROOT,
        )
        celery = [str(BIN / "celery"), "-A", "bench.worker:celery_app"]
        self.processes.start(
            "worker",
            [
                *celery,
                "worker",
                "-Q",
                ",".join(WORKER_QUEUES),
                "-c",
                str(self.concurrency),
                "-n",
                self.worker_name,
                "-l",
                "WARNING",
            ],
            env,
            ROOT,
        )
        instance = Path(self.env["WAYPOINT_INSTANCE"])
        instance.mkdir(parents=True, exist_ok=True)
        schedule = instance / f"beat-schedule-{self.port}"
        self.processes.start(
            "beat", [*celery, "beat", "-l", "WARNING", "-s", str(schedule)], env, ROOT
        )
        wait_http(f"{self.url}/healthz", 90, self.processes)
        self.celery = self._client()
        if not wait_until(self._worker_answers, 90, interval=0.5):
            self.worker_error = "the Celery worker did not answer a ping within 90 s"
        self.other_workers = self._other_workers()

    def _other_workers(self) -> list[str]:
        """Celery workers on this broker that are not ours (they would steal our tasks)."""
        try:
            replies = self.celery.control.ping(timeout=1.0)
        except Exception:
            return []
        return sorted(name for reply in replies for name in reply if name != self.worker_name)

    def _client(self) -> Celery:
        """A Celery client configured like the app's (same queues and exchanges)."""
        from flask import Flask

        flask_app = Flask("bench-client")
        flask_app.config["CELERY"] = {"broker_url": self.env["CELERY_BROKER_URL"]}
        return celery_init_app(flask_app)

    def _worker_answers(self) -> bool:
        if self.processes.running.get("worker") is None:
            return False
        if self.processes.running["worker"].poll() is not None:
            return False
        try:
            return bool(self.celery.control.ping(destination=[self.worker_name], timeout=1.0))
        except Exception:  # the broker may still be starting
            return False

    def registered_tasks(self) -> set[str]:
        """Task names the worker has registered (empty if it does not answer)."""
        try:
            replies = self.celery.control.inspect(
                destination=[self.worker_name], timeout=2.0
            ).registered()
        except Exception:
            return set()
        return {name.split(" ")[0] for names in (replies or {}).values() for name in names}

    def pause_worker(self) -> None:
        """Stop the worker consuming, so that a web-only figure has the CPUs to itself."""
        for queue in WORKER_QUEUES:
            self.celery.control.cancel_consumer(
                queue, destination=[self.worker_name], reply=True, timeout=5
            )

    def resume_worker(self) -> None:
        """Consume again."""
        for queue in WORKER_QUEUES:
            self.celery.control.add_consumer(
                queue, destination=[self.worker_name], reply=True, timeout=5
            )

    def stop(self) -> None:
        """Stop beat, the worker and gunicorn."""
        if self.celery is not None:
            self.celery.close()
        for name in ("beat", "worker", "gunicorn"):
            self.processes.stop(name)

    # --- clients ------------------------------------------------------------------------

    def redeem(self, tokens: list[str]) -> list[Session]:
        """Turn invites into signed-in patient sessions, as the patient app does (8 at a time)."""

        def one(token: str) -> Session:
            response = requests.post(
                f"{self.url}/api/v1/auth/redeem", json={"token": token}, timeout=30
            )
            response.raise_for_status()
            return Session(response.cookies[COOKIE], response.json()["csrf_token"])

        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(one, tokens))

    def login(self, email: str, password: str) -> Session:
        """A clinician's signed-in session."""
        response = requests.post(
            f"{self.url}/api/v1/auth/login",
            json={"email": email, "password": password},
            timeout=10,
        )
        response.raise_for_status()
        return Session(response.cookies[COOKIE], response.json()["csrf_token"])

    # --- processes ----------------------------------------------------------------------

    def web_workers_rss(self) -> list[int]:
        """Resident set sizes (bytes) of the gunicorn worker processes."""
        master = self.processes.running.get("gunicorn")
        if master is None:
            return []
        return [child.memory_info().rss for child in psutil.Process(master.pid).children()]

    def celery_rss(self) -> list[int]:
        """Resident set sizes (bytes) of the Celery worker's main and pool processes."""
        worker = self.processes.running.get("worker")
        if worker is None or worker.poll() is not None:
            return []
        main = psutil.Process(worker.pid)
        return [main.memory_info().rss] + [c.memory_info().rss for c in main.children()]


def locust(
    stack: Stack,
    scenario: str,
    sessions: list[Session],
    users: int,
    seconds: float,
    rundir: Path,
    rate: float = 0,
    urgent: float = 0,
    limit: int = 0,
    unfinished: float = 0,
) -> list:
    """Run Locust headless; every request as [start, ms, ok, checkin id, urgent, unfinished]."""
    tag = f"{scenario}-{int(time.time() * 1000)}"
    sessions_file = rundir / f"{tag}-sessions.json"
    sessions_file.write_text(json.dumps([s.__dict__ for s in sessions]))
    out = rundir / f"{tag}-requests.json"
    env = {
        **os.environ,
        "BENCH_SCENARIO": scenario,
        "BENCH_SESSIONS": str(sessions_file),
        "BENCH_COOKIE": COOKIE,
        "BENCH_RATE": str(rate),
        "BENCH_URGENT": str(urgent),
        "BENCH_UNFINISHED": str(unfinished),
        "BENCH_LIMIT": str(limit),
        "BENCH_OUT": str(out),
    }
    argv = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--only-summary",
        "--host",
        stack.url,
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{max(1, round(seconds))}s",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    name = f"locust-{tag}"
    stack.processes.start(name, argv, env, ROOT)
    try:
        stack.processes.running[name].wait(seconds + 60)
    finally:
        stack.processes.stop(name)
    return json.loads(out.read_text()) if out.exists() else []
