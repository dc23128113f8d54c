"""``make chaos``: a bounded soak under a rotation of faults, then a check that nothing was lost.

Usage: ``python -m bench.chaos [--short] [--checkins N] [--rate R] [--fault-every S] ...
[--record]``. Check-ins are posted at a set rate to gunicorn over PostgreSQL and a private
``redis-server`` (its own port, started and stopped by its process id; the shared Redis is
never touched), with two Celery workers and beat as real processes. Every ``--fault-every``
seconds the next fault of the rotation strikes: the Redis server stopped (and started again,
empty), a worker's whole process group SIGKILLed (restarted after ``--restart-after``, as a
supervisor would), a busy pool child SIGKILLed, beat restarted. A share of the check-ins
endorse PHQ-9 item 9, each from a patient of its own (so that each must raise an urgent alert
of its own, not join an open one).

Then it waits for recovery and verifies from the database, a real SMTP sink (aiosmtpd) and a
real webhook receiver (``tests/support/receivers.py``): every 2xx check-in stored once and
evaluated, exactly one urgent alert per item-9 check-in, each emailed and webhooked;
duplicate notifications are counted (by delivery id and by Message-ID) and shown. It prints
POST latency during faults, failed POSTs, the worst queue depth, and the recovery time after
the last Redis outage beside its floor (the workers' own evaluation span of the same backlog).
The exit status is 1 on any loss, 2 if the harness itself failed, 0 otherwise. ``--record``
appends the report to bench/RESULTS.md with the date, the commit and the machine.
"""

import argparse
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
import redis
import requests
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from .chaos_report import commit
from .chaos_stack import ChaosStack, Sink, Stamped, log, phq9, seed
from .recovery import private_redis
from .run import machine
from .services import Processes, free_port, redis_ping, wait_until
from .stack import BIN, ROOT, stack_env

#: The soak's default, as in issue #16: 10,000 check-ins at 25/s, a fault every 30 s.
FULL = {
    "checkins": 10_000,
    "rate": 25.0,
    "fault_every": 30.0,
    "outage": 10.0,
    "restart_after": 2.0,
    "urgent_fraction": 0.1,
    "pool_patients": 300,
    "workers": 2,
    "concurrency": 2,
    "web_workers": 2,
    "recovery_wait": 300.0,
    "settle": 10.0,
    "reconcile_seconds": None,
}
#: A few hundred check-ins and one fault of each kind, within two minutes (CI).
SHORT = {
    **FULL,
    "checkins": 500,
    "fault_every": 4.0,
    "outage": 3.0,
    "pool_patients": 60,
    "recovery_wait": 90.0,
    # A reconciler tick every 10 s instead of the app's 30: the backlog of the outage is
    # re-published within about 20 s, and the run ends within two minutes.
    "reconcile_seconds": 10.0,
    "settle": 3.0,
}
FAULTS = ("redis", "worker", "child", "beat")
RESULTS = ROOT / "bench" / "RESULTS.md"
RESULTS_HEADING = "## Chaos soaks (`make chaos`)"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="CI size: 500 check-ins, 4 faults")
    help_of = {
        "checkins": "check-ins to post (default 10,000; --short 500)",
        "rate": "check-ins per second (25)",
        "fault_every": "seconds between faults (30; --short 4)",
        "outage": "seconds the Redis server stays down (10; --short 3)",
        "restart_after": "seconds a SIGKILLed worker stays down before it is restarted (2)",
        "urgent_fraction": "share of check-ins endorsing PHQ-9 item 9 (0.1)",
        "pool_patients": "patients the other check-ins are drawn from (300; --short 60)",
        "workers": "Celery worker processes (2)",
        "concurrency": "pool children per worker (2)",
        "web_workers": "gunicorn workers (2)",
        "recovery_wait": "seconds to wait after the load for everything to be done (300)",
        "settle": "seconds to wait after that for late duplicates (10; --short 3)",
    }
    for name, value in FULL.items():
        if name == "reconcile_seconds":
            continue
        flag = f"--{name.replace('_', '-')}"
        parser.add_argument(flag, type=type(value), default=None, help=help_of[name])
    parser.add_argument(
        "--reconcile-seconds",
        type=float,
        default=None,
        help="the reconciler's period (default: the app's RECONCILE_SECONDS, 30; --short 10)",
    )
    parser.add_argument(
        "--faults",
        default=",".join(FAULTS),
        help=f"the rotation, in order (default {','.join(FAULTS)})",
    )
    parser.add_argument("--seed", type=int, default=16, help="which check-ins are urgent")
    parser.add_argument("--record", action="store_true", help="append the report to RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the logs directory")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CHAOS_DATABASE_URL", "postgresql://localhost/postgres"),
        help="where to create the soak's own database chaos_<pid> (CHAOS_DATABASE_URL)",
    )
    args = parser.parse_args(argv)
    preset = SHORT if args.short else FULL
    for name, value in preset.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = set(args.faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))} (known: {', '.join(FAULTS)})")
    if args.rate <= 0 or args.checkins <= 0:
        parser.error("--rate and --checkins must be positive")
    return args


def fault_plan(cfg) -> list[tuple[float, str]]:
    """(seconds after the load's start, fault) for every fault due while the load runs."""
    duration = cfg.checkins / cfg.rate
    offsets = [cfg.fault_every * n for n in range(1, int(duration / cfg.fault_every) + 1)]
    offsets = [at for at in offsets if at < duration]
    return [(at, cfg.faults[n % len(cfg.faults)]) for n, at in enumerate(offsets)]


# --- the soak ---------------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str
    start: float
    end: float = 0.0
    detail: str = ""


@dataclass
class Post:
    start: float
    ms: float
    status: int | str
    checkin_id: str
    urgent: bool

    @property
    def ok(self) -> bool:
        return isinstance(self.status, int) and 200 <= self.status < 300


@dataclass
class Depth:
    worst: int = 0
    worst_at: float = 0.0
    worst_by_queue: dict = field(default_factory=dict)
    worst_unacked: int = 0


class Soak:
    def __init__(self, cfg):
        self.cfg = cfg
        self.rundir = Path(tempfile.mkdtemp(prefix="waypoint-chaos-"))
        self.processes = Processes(self.rundir)
        self.secret = secrets.token_hex(16)
        base = make_url(cfg.database_url).set(drivername="postgresql+psycopg")
        self.admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        self.dbname = f"chaos_{os.getpid()}"
        self.db_url = base.set(database=self.dbname)
        self.engine: sa.Engine | None = None
        self.redis_port = free_port()
        self.sink = Sink()
        self.posts: list[Post] = []
        self.faults: list[Fault] = []
        self.depth = Depth()
        self.stop_event = threading.Event()
        self.faults_done = threading.Event()
        self.stack: ChaosStack | None = None
        self.load_at_start = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        self.commit = commit()  # what runs, whatever is checked out by the end

    # --- set-up ---

    def env(self) -> dict:
        return stack_env(
            self.db_url,
            f"redis://127.0.0.1:{self.redis_port}/0",
            secret=self.secret,
            smtp_port=self.smtp_port,
            rundir=self.rundir,
            reconcile_seconds=self.cfg.reconcile_seconds,
        )

    def setup(self, stack: ExitStack) -> None:
        from tests.support.receivers import receiving

        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed")
        controller = Controller(self.sink, hostname="127.0.0.1", port=free_port())
        controller.start()
        stack.callback(controller.stop)
        self.smtp_port = controller.port
        self.receiver = stack.enter_context(receiving(204))
        self.receiver.requests = Stamped()
        if not private_redis(self.processes, self.rundir, self.redis_port):
            raise RuntimeError("the private redis-server did not start")
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{self.dbname}"'))
        subprocess.run(
            [str(BIN / "waypoint"), "db", "upgrade"],
            env={**os.environ, **self.env()},
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.engine = sa.create_engine(self.db_url)
        urgent_count = round(self.cfg.checkins * self.cfg.urgent_fraction)
        self.urgent_tokens, self.pool_tokens, self.staff_emails = seed(
            self.engine,
            f"{self.receiver.url}/webhook",
            self.secret,
            urgent_count,
            self.cfg.pool_patients,
        )
        log(f"seeded {urgent_count} urgent and {self.cfg.pool_patients} other patients")

    # --- the run ---

    def run(self) -> None:
        cfg = self.cfg
        self.stack = stack = ChaosStack(self.env(), self.processes, cfg)
        stack.start()
        log(f"stack up at {stack.url}: gunicorn x{cfg.web_workers}, {cfg.workers} workers, beat")
        urgent_sessions = stack.redeem(self.urgent_tokens)
        pool_sessions = stack.redeem(self.pool_tokens)
        plan = [True] * len(urgent_sessions) + [False] * (cfg.checkins - len(urgent_sessions))
        random.Random(cfg.seed).shuffle(plan)
        threads = [
            threading.Thread(target=stack.supervise, args=(self.stop_event,), daemon=True),
            threading.Thread(target=self.sample_depth, daemon=True),
        ]
        for thread in threads:
            thread.start()
        duration = cfg.checkins / cfg.rate
        log(f"posting {cfg.checkins} check-ins at {cfg.rate}/s ({duration:.0f} s), faults every "
            f"{cfg.fault_every:.0f} s: {', '.join(cfg.faults)}")  # fmt: skip
        self.t0 = time.time()
        faults = threading.Thread(target=self.inject, daemon=True)
        faults.start()
        self.load(plan, urgent_sessions, pool_sessions)
        self.faults_done.wait()
        self.load_end = time.time()
        log(f"load done: {sum(p.ok for p in self.posts)}/{len(self.posts)} POSTs 2xx; waiting")
        self.ensure_up()
        self.recovered_at = self.wait_recovery()
        time.sleep(cfg.settle)  # a duplicate would arrive right behind the first
        self.stop_event.set()
        for thread in [*threads, faults]:
            thread.join(5)

    def load(self, plan: list[bool], urgent_sessions, pool_sessions) -> None:
        """POST one check-in every 1/rate seconds (open loop: a slow answer delays no other)."""
        urgent_iter = iter(urgent_sessions)
        rng = random.Random(self.cfg.seed + 1)
        lock = threading.Lock()

        def post(session, urgent: bool, due: float) -> None:
            checkin_id = str(uuid.uuid4())
            body = {
                "id": checkin_id,
                "instrument": "phq9",
                "answers": phq9(rng, urgent),
                "completed_at": datetime.now(UTC).isoformat(),
            }
            try:
                response = requests.post(
                    f"{self.stack.url}/api/v1/checkins",
                    json=body,
                    headers=session.headers(),
                    timeout=30,
                )
                status: int | str = response.status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            with lock:
                # From when it was due, not when a client thread took it: a slow server
                # shows as latency, not as a lower rate (no coordinated omission).
                self.posts.append(Post(due, (time.time() - due) * 1000, status, checkin_id, urgent))

        with ThreadPoolExecutor(64) as pool:
            for n, urgent in enumerate(plan):
                due = self.t0 + n / self.cfg.rate
                time.sleep(max(0.0, due - time.time()))
                session = next(urgent_iter) if urgent else rng.choice(pool_sessions)
                pool.submit(post, session, urgent, due)

    def inject(self) -> None:
        """One fault every ``fault_every`` seconds while the load runs, in rotation."""
        for offset, kind in fault_plan(self.cfg):
            time.sleep(max(0.0, self.t0 + offset - time.time()))
            fault = Fault(kind, time.time())
            try:
                getattr(self, f"fault_{kind}")(fault)
            except Exception as exc:
                fault.detail += f" (harness error {type(exc).__name__}: {exc})"
                traceback.print_exc(file=sys.stderr)
            fault.end = time.time()
            self.faults.append(fault)
            log(f"fault {kind} at +{fault.start - self.t0:.1f} s, {fault.end - fault.start:.1f} s:"
                f" {fault.detail}")  # fmt: skip
        self.faults_done.set()
        # Alive until the end: the processes it restarted die with the thread that started
        # them (PR_SET_PDEATHSIG is per thread, bench/services.py).
        self.stop_event.wait()

    def fault_redis(self, fault: Fault) -> None:
        self.processes.stop("redis-private")
        time.sleep(self.cfg.outage)
        if not private_redis(self.processes, self.rundir, self.redis_port):
            raise RuntimeError("the private redis-server did not come back")
        fault.detail = f"redis-server stopped for {self.cfg.outage:.0f} s, started again empty"

    def fault_worker(self, fault: Fault) -> None:
        stack = self.stack
        name = stack.workers[
            len([f for f in self.faults if f.kind == "worker"]) % len(stack.workers)
        ]
        with stack.lock:
            stack.handled.add(name)
        try:
            pid = stack.pid(name)
            if pid is None:
                fault.detail = f"{name} was not running"
                return
            os.killpg(pid, signal.SIGKILL)
            stack.processes.running[name].wait(10)
            time.sleep(self.cfg.restart_after)
            stack.start_worker(name)
        finally:
            with stack.lock:
                stack.handled.discard(name)
        fault.detail = (
            f"{name}'s process group SIGKILLed, restarted after {self.cfg.restart_after:.0f} s"
        )

    def fault_child(self, fault: Fault) -> None:
        """SIGKILL a pool child while it runs a task (inspect's ``active`` names its pid)."""
        stack = self.stack

        def children() -> dict[int, str]:
            found = {}
            for name in stack.workers:
                pid = stack.pid(name)
                try:
                    found.update({c.pid: name for c in psutil.Process(pid).children()})
                except (psutil.Error, ValueError, TypeError):
                    continue  # not running, or restarting
            return found

        # A busy child for up to 15 s; then any child (both workers may be starting, after
        # a worker fault or a crash), for up to a minute in all.
        began = time.time()
        while time.time() < began + 60:
            try:
                active = stack.celery.control.inspect(timeout=0.5).active() or {}
            except Exception:  # the broker may be down, a worker restarting
                active = {}
            ours = children()
            for tasks in active.values():
                for task in tasks:
                    pid = task.get("worker_pid")
                    if pid in ours:
                        os.kill(pid, signal.SIGKILL)
                        fault.detail = (
                            f"pool child {pid} of {ours[pid]} SIGKILLed while it ran {task['name']}"
                        )
                        return
            if ours and time.time() > began + 15:
                pid, name = next(iter(ours.items()))
                os.kill(pid, signal.SIGKILL)
                fault.detail = f"pool child {pid} of {name} SIGKILLed (none seen busy in 15 s)"
                return
            time.sleep(0.05)
        fault.detail = "no pool child found in 60 s"

    def fault_beat(self, fault: Fault) -> None:
        stack = self.stack
        with stack.lock:
            stack.handled.add("beat")
        try:
            self.processes.stop("beat")
            stack.start_beat()
        finally:
            with stack.lock:
                stack.handled.discard("beat")
        fault.detail = "beat stopped (SIGTERM) and started again"

    def ensure_up(self) -> None:
        if not redis_ping(self.redis_port):
            private_redis(self.processes, self.rundir, self.redis_port)
        wait_until(lambda: len(self.stack.answering()) == len(self.stack.workers), 60, 0.5)

    def sample_depth(self) -> None:
        """The queues' length in the private Redis, once a second; the worst is kept."""
        client = redis.Redis(port=self.redis_port, socket_timeout=1, socket_connect_timeout=1)
        while not self.stop_event.wait(1.0):
            try:
                by_queue: Counter = Counter()
                for key in client.scan_iter(count=1000):
                    if client.type(key) == b"list":
                        name = key.decode(errors="replace").split("\x06")[0]
                        by_queue[name] += client.llen(key)
                unacked = client.hlen("unacked")
            except redis.RedisError:
                continue
            total = sum(by_queue.values())
            if total > self.depth.worst:
                self.depth = Depth(total, time.time(), dict(by_queue), self.depth.worst_unacked)
            self.depth.worst_unacked = max(self.depth.worst_unacked, unacked)

    def wait_recovery(self) -> float | None:
        """Until every 2xx check-in is evaluated and every urgent alert's sends arrived."""
        ok = [p for p in self.posts if p.ok]
        ids = [uuid.UUID(p.checkin_id) for p in ok]
        urgent = [uuid.UUID(p.checkin_id) for p in ok if p.urgent]

        def done() -> bool:
            with self.engine.connect() as conn:
                evaluated = conn.scalar(
                    sa.text("SELECT count(*) FROM checkins WHERE id = ANY(:ids)"
                            " AND evaluated_at IS NOT NULL"),
                    {"ids": ids},
                )  # fmt: skip
                sends = conn.execute(
                    sa.text("SELECT d.channel, d.status, count(*) AS n FROM alerts a"
                            " JOIN notification_deliveries d ON d.alert_id = a.id"
                            " WHERE a.checkin_id = ANY(:ids) GROUP BY 1, 2"),
                    {"ids": urgent},
                ).all()  # fmt: skip
            pending = sum(r.n for r in sends if r.status == "pending")
            webhooks = sum(r.n for r in sends if r.channel == "webhook")
            return evaluated == len(ids) and not pending and webhooks >= len(urgent)

        deadline = time.time() + self.cfg.recovery_wait
        while time.time() < deadline:
            if done():
                return time.time()
            time.sleep(1)
        return None

    # --- teardown ---

    def teardown(self, failed: bool) -> None:
        if self.stack is not None:
            self.stack.stop()
        self.processes.stop_all()
        if self.engine is not None:
            self.engine.dispose()
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)'))
        self.admin.dispose()
        if failed or self.cfg.keep:
            log(f"logs kept in {self.rundir}")
        else:
            shutil.rmtree(self.rundir, ignore_errors=True)


def main(argv=None) -> int:
    """Run the soak, print the report; 1 on any loss, 2 if the harness failed."""
    from .chaos_report import record, verify

    cfg = parse_args(argv)
    # SIGTERM (a CI timeout) still tears down: processes, database, files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    soak = Soak(cfg)
    failed = True
    try:
        with ExitStack() as services:
            soak.setup(services)
            soak.run()
            report = verify(soak, machine())
            failed = bool(report.losses)
    except Exception:
        traceback.print_exc(file=sys.stderr)
        log("the harness failed before it could verify the run")
        return 2
    finally:
        soak.teardown(failed)
    print(report.text(), flush=True)
    if cfg.record:
        record(report, RESULTS, RESULTS_HEADING)
        log(f"recorded in {RESULTS.relative_to(ROOT)}")
    return 1 if report.losses else 0


if __name__ == "__main__":
    sys.exit(main())
