"""The chaos soak's stack and the outside world it talks to (``bench/chaos.py`` runs them).

gunicorn, several Celery workers and beat as real processes that a fault can kill and a
supervisor loop restarts; the SMTP sink that keeps each email's recipient, alert link and
Message-ID; the seed of clinics, clinicians and patients with an invite each.
"""

import os
import random
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path

import sqlalchemy as sa

from .services import ALERT_LINK, Processes, wait_http, wait_until
from .stack import BIN, ROOT, Stack

#: Every queue a production worker takes (api/pipeline/routing.py QUEUES).
QUEUES = "urgent,periodic,default,planning,bulk"

_STARTED = time.monotonic()


def log(message: str) -> None:
    """Progress on stderr, with the seconds since the start."""
    print(f"chaos: [{time.monotonic() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


# --- what reached the outside world ---------------------------------------------------------


@dataclass
class Mail:
    rcpt: str
    alert_id: str | None
    message_id: str
    at: float


class Sink:
    """An aiosmtpd handler keeping each email's recipient, alert link and Message-ID."""

    def __init__(self):
        self.mails: list[Mail] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        at = time.time()
        message = message_from_bytes(envelope.content)
        body = (message.get_payload(decode=True) or b"").decode("utf-8", "replace")
        match = ALERT_LINK.search(body)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.mails.append(
                    Mail(rcpt, match and match.group(1), message.get("Message-ID", ""), at)
                )
        return "250 OK"

    def received(self) -> list[Mail]:
        with self.lock:
            return list(self.mails)


class Stamped(list):
    """The webhook receiver's list of requests, each stamped with its arrival time."""

    def append(self, item: dict) -> None:
        super().append({**item, "at": time.time()})


# --- the stack: gunicorn, N workers, beat ----------------------------------------------------


class ChaosStack(Stack):
    """Waypoint as production runs it, with several workers whose processes can be killed."""

    def __init__(self, env: dict, processes: Processes, cfg):
        super().__init__(env, processes, cfg.web_workers, cfg.concurrency)
        self.cfg = cfg
        self.host = f"chaos{os.getpid()}"
        self.workers = [f"worker-{n + 1}" for n in range(cfg.workers)]
        #: Processes a fault is handling right now: the supervisor leaves them alone.
        self.handled: set[str] = set()
        self.lock = threading.Lock()
        self.unplanned: list[dict] = []
        #: Where each process's log stood when it was last started.
        self.log_offsets: dict[str, int] = {}

    def _start(self, name: str, argv: list[str]) -> None:
        path = self.processes.logdir / f"{name}.log"
        self.log_offsets[name] = path.stat().st_size if path.exists() else 0
        self.processes.start(name, argv, self.full_env(), ROOT)

    def full_env(self) -> dict:
        return {**os.environ, **self.env, "PUBLIC_URL": self.url}

    def start_web(self) -> None:
        argv = [
            str(BIN / "gunicorn"),
            "-c",
            "python:api.gunicorn_conf",
            "-w",
            str(self.web_workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "api.app:create_app()",
        ]
        self.processes.start("gunicorn", argv, self.full_env(), ROOT)

    def node(self, name: str) -> str:
        return f"{name}@{self.host}"

    def start_worker(self, name: str) -> None:
        argv = [
            str(BIN / "celery"),
            "-A",
            "worker.celery_app:celery_app",
            "worker",
            "-Q",
            QUEUES,
            "-c",
            str(self.concurrency),
            "-n",
            self.node(name),
            "-l",
            "WARNING",
        ]
        self._start(name, argv)

    def start_beat(self) -> None:
        schedule = Path(self.env["WAYPOINT_INSTANCE"]) / f"beat-schedule-{self.port}"
        argv = [str(BIN / "celery"), "-A", "worker.celery_app:celery_app", "beat", "-l", "WARNING"]
        self._start("beat", [*argv, "-s", str(schedule)])

    def start(self) -> None:
        Path(self.env["WAYPOINT_INSTANCE"]).mkdir(parents=True, exist_ok=True)
        self.start_web()
        for name in self.workers:
            self.start_worker(name)
        self.start_beat()
        wait_http(f"{self.url}/healthz", 120, self.processes)
        self.celery = self._client()
        if not wait_until(lambda: len(self.answering()) == len(self.workers), 120, interval=0.5):
            raise RuntimeError(f"workers answering a ping: {sorted(self.answering())}")

    def answering(self) -> set[str]:
        try:
            replies = self.celery.control.ping(timeout=1.0)
        except Exception:  # the broker may be down
            return set()
        nodes = {self.node(n): n for n in self.workers}
        return {nodes[name] for reply in replies for name in reply if name in nodes}

    def stop(self) -> None:
        if self.celery is not None:
            self.celery.close()
        for name in ("beat", *self.workers, "gunicorn"):
            self.processes.stop(name)

    def pid(self, name: str) -> int | None:
        process = self.processes.running.get(name)
        return process.pid if process is not None and process.poll() is None else None

    def supervise(self, stop: threading.Event) -> None:
        """Restart a worker or beat that exited on its own (a supervisor's job), and say so."""
        while not stop.wait(0.5):
            for name in (*self.workers, "beat"):
                with self.lock:
                    if name in self.handled:
                        continue
                    process = self.processes.running.get(name)
                    if process is None or process.poll() is None:
                        continue
                    self.handled.add(name)
                reason = last_error_line(
                    self.processes.logdir / f"{name}.log", self.log_offsets.get(name, 0)
                )
                self.unplanned.append(
                    {"name": name, "at": time.time(), "code": process.returncode, "why": reason}
                )
                log(f"{name} exited on its own ({process.returncode}): {reason}; restarting it")
                time.sleep(self.cfg.restart_after)
                (self.start_beat if name == "beat" else lambda n=name: self.start_worker(n))()
                with self.lock:
                    self.handled.discard(name)


def last_error_line(path: Path, offset: int = 0) -> str:
    """The last line since ``offset`` of a log that says why a process stopped."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            lines = handle.read().decode(errors="replace").splitlines()
    except OSError:
        return "no log"
    marks = ("Unrecoverable error", "Error", "Traceback", "CRITICAL")
    for text in reversed(lines):
        if any(mark in text for mark in marks):
            return text.strip()[:300]
    return (lines[-1].strip()[:300] if lines else "empty log") or "empty log"


def phq9(rng: random.Random, urgent: bool) -> dict:
    """A plausible PHQ-9; item 9 endorsed only when ``urgent``."""
    answers = {f"phq9_{n}": rng.randint(0, 2) for n in range(1, 9)}
    answers["phq9_9"] = rng.randint(1, 3) if urgent else 0
    if any(answers.values()):  # the difficulty item is asked only after a symptom
        answers["phq9_difficulty"] = rng.randint(0, 3)
    return answers


def seed(engine, webhook_url: str, secret: str, urgent: int, pool: int):
    """Two clinics, their clinicians, patients with a care team and an invite each.

    Escalation is set to its longest (a day): every notification of the soak is its alert's
    first round, so that each delivery is expected exactly once.
    """
    from .seed import Sizes, _clinics, _invites, _patients, _staff

    rng = random.Random(16)
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        clinic_ids = _clinics(conn, 2, webhook_url, secret)
        conn.execute(
            sa.text("UPDATE clinics SET escalate_urgent_minutes = 1440,"
                    " escalate_imminent_minutes = 1440")
        )  # fmt: skip
        staff = _staff(conn, clinic_ids)
        patients = _patients(conn, Sizes(urgent + pool, 0, 2), clinic_ids, rng, now)
        conn.execute(
            sa.text("INSERT INTO care_team (patient_id, staff_id) VALUES (:p, :s)"),
            [{"p": p, "s": rng.choice(staff[c])} for p, c in patients],
        )
        ids = [p for p, _ in patients]
        rng.shuffle(ids)
        urgent_tokens = _invites(conn, ids[:urgent], now)
        pool_tokens = _invites(conn, ids[urgent:], now)
        emails = dict(conn.execute(sa.text("SELECT id, email FROM staff_users")).all())
    return urgent_tokens, pool_tokens, emails
