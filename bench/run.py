"""``make bench``: Waypoint's figures at clinic-network scale, each beside its floor.

Usage: ``python -m bench.run [--quick] [--patients N] [--checkins N] ... [--json PATH]``.
Every size has an environment twin (``--patients`` <- ``BENCH_PATIENTS``). Progress goes
to stderr; stdout gets one line per figure (see bench/README.md). The exit status is 0
whenever the harness ran, whether or not the targets were met.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from . import explain, figures, loading, raised
from .app import floor_metadata
from .figures import FIGURES, Line, not_measured
from .recovery import recovery
from .seed import BENCH_PASSWORD, Sizes, seed
from .services import Arrivals, Processes, start_receiver, start_smtp_sink
from .stack import BIN, ROOT, Stack, stack_env
from .tick import tick

FULL = {
    "patients": 10_000,
    "checkins": 500_000,
    "clinics": 5,
    "trend_checkins": 500,
    "duration": 30,
    "users": 32,
    "rate": 50,
    "urgent_rate": 20,
    "urgent_seconds": 60,
    "urgent_fraction": 0.1,
    #: Of those, sent as an unfinished check-in's safety signal (never finished).
    "unfinished_fraction": 0.5,
    "noop_rate": 2,
    "alert_wait": 30,
    "recovery_checkins": 1000,
    "recovery_rate": 50,
    "recovery_wait": 150,
    "gets": 200,
    "web_workers": 4,
    "concurrency": 2,
    "sessions": 2000,
    "rounds": 3,
    "tick_patients": 100_000,
    #: Share of all patients in the clinic whose panel is measured.
    "big_share": 0.5,
}
#: A network of fifty clinics (issue 24): the panel's clinic has 10,000 of its patients.
NETWORK = {
    **FULL,
    "patients": 100_000,
    "checkins": 5_000_000,
    "clinics": 50,
    "big_share": 0.1,
}
QUICK = {
    **FULL,
    "patients": 1000,
    "checkins": 20_000,
    "clinics": 3,
    "duration": 10,
    "users": 16,
    "urgent_seconds": 15,
    "recovery_checkins": 300,
    "gets": 60,
    "web_workers": 2,
    "sessions": 300,
    "rounds": 2,
    "tick_patients": 10_000,
}


def parse_args(argv=None) -> argparse.Namespace:
    """Flags over environment over the preset (full, or --quick)."""
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1"
    )
    parser.add_argument(
        "--network",
        action="store_true",
        default=os.environ.get("BENCH_NETWORK") == "1",
        help="fifty clinics, 100,000 patients, 5,000,000 check-ins, and the raised targets",
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        default=os.environ.get("BENCH_LOAD_ONLY") == "1",
        help="load the network, report the loading (and --explain), measure no figure",
    )
    parser.add_argument(
        "--explain",
        type=Path,
        default=os.environ.get("BENCH_EXPLAIN") or None,
        help="write EXPLAIN (ANALYZE, BUFFERS) of the panel, trend, inbox and reconciler here",
    )
    for name, value in FULL.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=None)
    parser.add_argument(
        "--reconcile-seconds",
        type=float,
        default=None,
        help="the worker's reconciler period (default: the app's, 30 s)",
    )
    parser.add_argument(
        "--skip",
        default=os.environ.get("BENCH_SKIP", ""),
        help=f"comma-separated figures to skip: {', '.join(FIGURES)}",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the lines as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the run's logs directory")
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the run's database (its name is printed), to read its plans by hand",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://localhost:6379/7")
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://localhost/postgres"),
    )
    args = parser.parse_args(argv)
    if args.quick and args.network:
        parser.error("--quick and --network are two sizes: choose one")
    preset = QUICK if args.quick else NETWORK if args.network else FULL
    for name, value in preset.items():
        if getattr(args, name) is None:
            from_env = os.environ.get(f"BENCH_{name.upper()}")
            setattr(args, name, type(value)(from_env) if from_env else value)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = args.skip - set(FIGURES) - {"memory"}
    if unknown:
        parser.error(f"unknown figures to skip: {', '.join(sorted(unknown))}")
    return args


_STARTED = time.monotonic()


def log(message: str) -> None:
    """Progress, on stderr, with the seconds since the start."""
    print(f"bench: [{time.monotonic() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def machine() -> str:
    """Cores, memory and CPU model, for the header and RESULTS.md."""
    model = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, {model}, Python {platform.python_version()}"


class Run:
    """One benchmark run: its database, services, stack and lines."""

    def __init__(self, cfg: argparse.Namespace):
        self.cfg = cfg
        self.rundir = Path(tempfile.mkdtemp(prefix="waypoint-bench-"))
        self.processes = Processes(self.rundir)
        self.arrivals = Arrivals()
        self.lines: dict[str, Line] = {}
        self.warnings: list[str] = []
        self.secret = secrets.token_hex(16)
        base = make_url(cfg.database_url).set(drivername="postgresql+psycopg")
        self.admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        self.dbname = f"bench_{os.getpid()}"
        self.db_url = base.set(database=self.dbname)
        self.engine: sa.Engine | None = None
        self.loading: dict = {}
        #: Other work on the machine (test suites of other engineers) skews every figure.
        self.load_at_start = ", ".join(f"{x:.1f}" for x in os.getloadavg())

    def env(self, broker: str) -> dict:
        """The stack's environment: production settings but for the loopback services."""
        return stack_env(
            self.db_url,
            broker,
            secret=self.secret,
            smtp_port=self.smtp_port,
            rundir=self.rundir,
            reconcile_seconds=self.cfg.reconcile_seconds,
        )

    def stack(self, broker: str) -> Stack:
        return Stack(self.env(broker), self.processes, self.cfg.web_workers, self.cfg.concurrency)

    def figure(self, key: str, measure) -> None:
        """Measure one figure unless skipped; a harness error becomes a plain line."""
        if key in self.cfg.skip or (key.startswith("memory") and "memory" in self.cfg.skip):
            self.lines[key] = not_measured(key, "skipped (--skip)")
            if self.cfg.network:
                self.lines[key] = raised.judge(self.lines[key], self.cfg.rate)
            return
        log(f"measuring {FIGURES[key][0]}")
        try:
            self.lines[key] = measure()
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            self.lines[key] = not_measured(key, f"harness error {type(exc).__name__}: {exc}"[:200])
        if self.cfg.network:  # the network's raised targets (bench/raised.py)
            self.lines[key] = raised.judge(self.lines[key], self.cfg.rate)
        log(self.lines[key].render())

    def setup(self) -> None:
        self.sink, self.smtp_port = start_smtp_sink(self.arrivals)
        self.receiver, receiver_port = start_receiver(self.arrivals, self.secret)
        self.receiver_url = f"http://127.0.0.1:{receiver_port}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.dbname}"'))
        env = {**os.environ, **self.env(self.cfg.redis_url)}
        subprocess.run(
            [str(BIN / "waypoint"), "db", "upgrade"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.engine = sa.create_engine(self.db_url)
        floor_metadata.create_all(self.engine)
        cfg = self.cfg
        sizes = Sizes(
            patients=cfg.patients,
            checkins=cfg.checkins,
            clinics=cfg.clinics,
            big_share=cfg.big_share,
            trend_checkins=cfg.trend_checkins,
            invites=cfg.sessions,
        )
        self.loading = loading.check_room(self.engine, cfg.checkins)
        log(f"room for the load: {self.loading['room']}")
        started = time.monotonic()
        self.network = seed(self.engine, sizes, f"{self.receiver_url}/webhook", self.secret)
        self.loading.update(loading.measured(self.engine, time.monotonic() - started))
        counts = ", ".join(f"{v:,} {k}" for k, v in self.network.counts.items())
        log(f"seeded {counts}; {loading.render(self.loading)}")
        if cfg.explain:
            log("EXPLAIN (ANALYZE, BUFFERS) of the clinician's reads and the reconciler")
            explain.write(self.engine, self.env(cfg.redis_url), self.network, cfg.explain)
            log(f"plans written to {cfg.explain}")

    def measure(self) -> None:
        cfg, network = self.cfg, self.network
        stack = self.stack(cfg.redis_url)
        stack.start()
        log(f"stack up at {stack.url}")
        if stack.other_workers:
            self.warnings.append(
                f"other Celery workers consume {cfg.redis_url} and may take this run's tasks: "
                + ", ".join(stack.other_workers)
            )
            log(self.warnings[-1])
        sessions = stack.redeem(network.invite_tokens)
        staff = stack.login(network.clinician_email, BENCH_PASSWORD)
        web_start, celery_start = stack.web_workers_rss(), stack.celery_rss()
        worker_ok = stack.worker_error is None
        if worker_ok:
            stack.pause_worker()
        self.figure("throughput", lambda: figures.throughput(stack, sessions, cfg, self.rundir))
        self.figure("latency", lambda: figures.latency(stack, sessions, cfg, self.rundir))
        settle = figures.settle(stack, self.engine)
        log(f"marked the {settle} check-ins of the web-only figures evaluated, purged their tasks")
        if worker_ok:
            stack.resume_worker()
        registered = stack.registered_tasks() if worker_ok else set()

        def urgent() -> Line:
            if not worker_ok:
                return not_measured("urgent", stack.worker_error)
            if "waypoint.evaluate_checkin" not in registered:
                return not_measured("urgent", "the task waypoint.evaluate_checkin is not there")
            return figures.urgent(
                stack, sessions, cfg, self.rundir, self.engine, self.arrivals, self.receiver_url
            )

        self.figure("urgent", urgent)
        # What beat's refresh (every PANEL_RANK_SECONDS) would have done by now: the panel
        # ranks the patients the figures above changed from their stored rows again.
        refreshed = subprocess.run(
            [str(BIN / "waypoint"), "refresh-panel-ranks"],
            env={**os.environ, **self.env(cfg.redis_url)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        log(f"panel ranks: {(refreshed.stdout or refreshed.stderr).strip()}")
        panel = "/api/v1/patients?sort=risk&limit=50"
        trend = f"/api/v1/patients/{network.trend_patient_id}/trend?instrument=phq9"
        clinic = network.big_clinic_patients
        self.figure(
            "panel",
            lambda: figures.read_figure(
                "panel",
                stack,
                staff,
                panel,
                cfg.gets,
                100,
                lambda body: (
                    f"{len(body.get('items', []))} rows of a clinic of {clinic:,} patients"
                ),
            ),
        )
        self.figure(
            "trend",
            lambda: figures.read_figure(
                "trend",
                stack,
                staff,
                trend,
                cfg.gets,
                30,
                lambda body: f"{len(body.get('points', []))} points",
            ),
        )
        self.figure(
            "forecast",
            lambda: figures.read_figure(
                "forecast",
                stack,
                staff,
                f"/api/v1/patients/{network.trend_patient_id}/forecast",
                cfg.gets,
                30,
                lambda body: f"{len(body.get('curve') or [])} days of curve, {body.get('reason')}",
            ),
        )
        export = f"/api/v1/patients/{network.trend_patient_id}/fhir"
        self.figure(
            "fhir_export",
            lambda: figures.read_figure(
                "fhir_export",
                stack,
                staff,
                export,
                # Each GET is a Bundle of some 7 MB: a tenth of the trend's GETs (at least 5).
                max(5, cfg.gets // 10),
                30,
                lambda _: f"a Bundle of {cfg.trend_checkins} check-ins",
            ),
        )
        self.figure("lighthouse", lambda: figures.lighthouse(stack, sessions[0], self.rundir))
        self.figure(
            "memory_web",
            lambda: figures.memory(
                "memory_web", stack.web_workers_rss(), web_start, "gunicorn worker"
            ),
        )
        self.figure(
            "memory_celery",
            lambda: figures.memory(
                "memory_celery", stack.celery_rss(), celery_start, "Celery worker"
            ),
        )
        stack.stop()
        self.figure(
            "recovery",
            lambda: recovery(
                self.stack, sessions, cfg, self.rundir, self.engine, self.arrivals, self.processes
            ),
        )
        # Last: its patients would otherwise be in every figure above.
        env = {**os.environ, **self.env(cfg.redis_url), "PUBLIC_URL": "http://127.0.0.1"}
        self.figure("tick", lambda: tick(cfg, self.engine, env, self.processes, self.rundir))

    def teardown(self, failed: bool) -> None:
        self.processes.stop_all()
        for stop in (
            getattr(self, "sink", None) and self.sink.stop,
            getattr(self, "receiver", None) and self.receiver.shutdown,
        ):
            if stop:
                stop()
        if self.engine is not None:
            self.engine.dispose()
        if self.cfg.keep_db:
            log(f"database kept: {self.db_url.set(password=None).render_as_string()}")
        else:
            with self.admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)'))
        self.admin.dispose()
        if failed or self.cfg.keep:
            log(f"logs kept in {self.rundir}")
        else:
            shutil.rmtree(self.rundir, ignore_errors=True)


def main(argv=None) -> int:
    """Run the benchmark and print one line per figure."""
    cfg = parse_args(argv)
    # SIGTERM (a timeout, Ctrl-C's cousin) still tears down: processes, database, files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run = Run(cfg)
    mode = "quick" if cfg.quick else "network" if cfg.network else "full"
    started = time.monotonic()
    failed = True
    try:
        run.setup()
        if not cfg.load_only:
            run.measure()
        failed = False
    finally:
        run.teardown(failed)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Waypoint benchmark ({mode}) {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; {machine()}")
    print(f"load average at the end (1, 5, 15 min): {load}; at the start: {run.load_at_start}")
    counts = run.network.counts
    print(
        f"data: {counts['patients']:,} patients, {counts['checkins']:,} check-ins, "
        f"{counts['clinics']} clinics; {cfg.web_workers} gunicorn workers, "
        f"Celery concurrency {cfg.concurrency}; {time.monotonic() - started:.0f} s"
    )
    print(f"loading: {loading.render(run.loading)}")
    for warning in run.warnings:
        print(f"warning: {warning}")
    if cfg.load_only:
        if cfg.json:
            cfg.json.write_text(json.dumps({"loading": run.loading}, indent=2, default=str))
        return 0
    print("figure | value | floor | target | verdict")
    for key in FIGURES:
        print(run.lines.get(key, not_measured(key, "the run stopped before it")).render())
    if cfg.json:
        lines = {k: v.__dict__ for k, v in run.lines.items()}
        cfg.json.write_text(json.dumps({**lines, "loading": run.loading}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
