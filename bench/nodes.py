"""``make nodes``: the reference production layout on one machine, proven under load and loss.

Usage: ``python -m bench.nodes [--seconds S] [--rate R] [--record]`` (as root: it makes network
namespaces). Five network namespaces joined by a bridge that only they and this process sit on
(no route anywhere else): ``data`` runs a PostgreSQL cluster of its own (initdb) and Redis;
``web1`` and ``web2`` each run gunicorn; ``work1`` and ``work2`` each run a Celery worker on
every queue and a beat (one leads, the other stands by: worker/beat.py). This process is the
load balancer and the outside world: it sends each request to the web nodes in turn (and to
the other one when a node does not answer, with the same check-in id), and runs the SMTP sink
the workers mail alerts to.

It checks, whichever node answers: a session and its CSRF token made on one node work on the
other, a request without the token is refused on both, a replayed check-in is stored once, the
check-in rate limit counts across nodes, a clinician signed in on one node reads the panel on
the other. Then it posts check-ins at ``--rate`` for ``--seconds`` (a tenth endorsing PHQ-9
item 9, one patient each), starts a beat by mistake on a web node, SIGKILLs web1 and then the
worker node whose beat leads, and verifies from the database and the sink: every 2xx check-in
stored once and evaluated, exactly one urgent alert per item-9 check-in and each mailed to its
care team, no two beats sending at once, and the standby leading within ``BEAT_LOCK_SECONDS``.
The exit status is 1 on any broken promise, 2 if the harness itself failed.
"""

import argparse
import contextlib
import os
import random
import re
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import redis
import requests
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from worker.beat import BEAT_LOCK_KEY, holder_pid

from . import chaos
from .chaos_report import Report, commit, ms, record
from .chaos_stack import Sink, phq9, seed
from .run import machine
from .seed import BENCH_PASSWORD
from .services import Processes, free_port, wait_until
from .stack import BIN, COOKIE, ROOT, Session

SUBNET = "10.231.0"
HOST_IP = f"{SUBNET}.1"  # this process, on the bridge: the load balancer and the SMTP sink
NODES = {"data": 10, "web1": 21, "web2": 22, "work1": 31, "work2": 32}
PREFIX = "wpn-"
BRIDGE = f"{PREFIX}br"
WEB_PORT = 8000
#: Short enough that the run sees a take-over; production keeps the default of 15 s.
BEAT_LOCK_SECONDS = 10  # the shortest allowed (worker/beat.py)
RECONCILE_SECONDS = 5
RESULTS = ROOT / "bench" / "RESULTS.md"
RESULTS_HEADING = "## Multi-node runs (`make nodes`)"
SENT = re.compile(
    r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/MainProcess\] Scheduler: Sending"
)

_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"nodes: [{time.monotonic() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def ip_of(node: str) -> str:
    return f"{SUBNET}.{NODES[node]}"


def ns(node: str) -> str:
    return f"{PREFIX}{node}"


def run(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")


# --- the network ------------------------------------------------------------------------------


def make_network() -> None:
    """The bridge on this machine's side, and one namespace per node on a veth pair to it."""
    remove_network()
    run("ip", "link", "add", BRIDGE, "type", "bridge")
    run("ip", "addr", "add", f"{HOST_IP}/24", "dev", BRIDGE)
    run("ip", "link", "set", BRIDGE, "up")
    for node in NODES:
        name, outer, inner = ns(node), f"{PREFIX}h-{node}", f"{PREFIX}n-{node}"
        run("ip", "netns", "add", name)
        run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
        run("ip", "link", "set", inner, "netns", name)
        run("ip", "link", "set", outer, "master", BRIDGE, "up")
        inside = ("ip", "netns", "exec", name, "ip")
        run(*inside, "addr", "add", f"{ip_of(node)}/24", "dev", inner)
        run(*inside, "link", "set", inner, "up")
        run(*inside, "link", "set", "lo", "up")


def node_pids(node: str) -> list[int]:
    out = subprocess.run(["ip", "netns", "pids", ns(node)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def kill_node(node: str, sig=signal.SIGKILL) -> int:
    """Every process of the node, at once (a machine lost); how many there were."""
    pids = node_pids(node)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    return len(pids)


def remove_network() -> None:
    """Whatever a run left (this one's or a killed one's): processes, namespaces, links."""
    for node in NODES:
        if Path(f"/run/netns/{ns(node)}").exists():
            kill_node(node, signal.SIGTERM)
    time.sleep(0.5)
    for node in NODES:
        if Path(f"/run/netns/{ns(node)}").exists():
            kill_node(node)
            subprocess.run(["ip", "netns", "del", ns(node)], capture_output=True)
        subprocess.run(["ip", "link", "del", f"{PREFIX}h-{node}"], capture_output=True)
    subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)


# --- the run ----------------------------------------------------------------------------------


@dataclass
class Post(chaos.Post):
    """A check-in POST as the soak keeps it, with the node that answered last and each
    node's answer in turn (a status or the client's exception)."""

    node: str = ""
    answers: list = field(default_factory=list)


class Nodes:
    def __init__(self, cfg):
        self.cfg = cfg
        self.rundir = Path(tempfile.mkdtemp(prefix="waypoint-nodes-"))
        self.rundir.chmod(0o755)  # PostgreSQL's cluster inside it runs as postgres
        self.processes = Processes(self.rundir)
        self.secret = secrets.token_hex(16)
        self.sink = Sink()
        self.report = Report()
        self.posts: list[Post] = []
        self.events: list[tuple[float, str]] = []
        self.down: set[str] = set()
        self.turn = 0
        self.lock = threading.Lock()
        self.db_url = f"postgresql+psycopg://postgres@{ip_of('data')}:5432/waypoint"
        self.broker = f"redis://{ip_of('data')}:6379/0"

    # --- set-up ---

    def env(self, node: str) -> dict:
        instance = self.rundir / node
        instance.mkdir(exist_ok=True)
        return {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "CELERY_BROKER_URL": self.broker,
            "RATELIMIT_STORAGE_URI": self.broker,
            "SECRET_KEY": self.secret,
            "COOKIE_SECURE": "false",  # plain HTTP on the bridge
            "PUBLIC_URL": "http://waypoint.nodes.test",  # the load balancer's name
            "SMTP_HOST": HOST_IP,
            "SMTP_PORT": str(self.smtp_port),
            "OUTBOUND_ALLOW_HOSTS": HOST_IP,
            "WAYPOINT_INSTANCE": str(instance),
            # One role: the run proves the layout, which the owner/runtime split does not change.
            "ALLOW_DATABASE_OWNER": "true",
            "RECONCILE_SECONDS": str(RECONCILE_SECONDS),
            "BEAT_LOCK_SECONDS": str(BEAT_LOCK_SECONDS),
        }

    def start(self, name: str, node: str, argv: list[str], env: dict | None = None) -> None:
        self.processes.start(
            name, ["ip", "netns", "exec", ns(node), *argv], env or self.env(node), ROOT
        )

    def setup(self) -> None:
        make_network()
        controller = Controller(self.sink, hostname=HOST_IP, port=free_port())
        controller.start()
        self.smtp = controller
        self.smtp_port = controller.port
        self.start_data()
        subprocess.run(
            [str(BIN / "waypoint"), "db", "upgrade"],
            env=self.env("data"),
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        self.engine = sa.create_engine(self.db_url)
        urgent = round(self.cfg.rate * self.cfg.seconds * 0.1)
        self.urgent_tokens, pool, self.emails = seed(
            self.engine, "https://hooks.invalid/none", self.secret, urgent, self.cfg.pool + 2
        )
        with self.engine.begin() as conn:  # alerts go by email here; no webhook receiver
            conn.execute(sa.text("UPDATE clinics SET webhook_url = NULL, webhook_secret = NULL"))
        self.check_tokens, self.pool_tokens = pool[:2], pool[2:]
        log(f"seeded {urgent} urgent and {self.cfg.pool} other patients")
        for web in ("web1", "web2"):
            self.start(
                web,
                web,
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    "python:api.gunicorn_conf",
                    "-w",
                    "2",
                    "-b",
                    f"{ip_of(web)}:{WEB_PORT}",
                    "api.app:create_app()",
                ],
            )
        for work in ("work1", "work2"):
            celery = [str(BIN / "celery"), "-A", "worker.celery_app:celery_app"]
            self.start(
                work,
                work,
                [
                    *celery,
                    "worker",
                    "-Q",
                    "urgent,periodic,default,planning,bulk",
                    "-c",
                    "2",
                    "-n",
                    f"{work}@nodes",
                    "-l",
                    "WARNING",
                ],
            )
            self.start_beat(f"beat-{work}", work)
        for web in ("web1", "web2"):
            if not wait_until(lambda w=web: self.healthy(w), 120, 0.5):
                raise RuntimeError(f"{web} did not answer /healthz within 120 s")
        if not wait_until(lambda: self.leader() is not None, 30, 0.5):
            raise RuntimeError("no beat took the leader lock within 30 s")
        log(f"up: {', '.join(NODES)}; beat leader on {self.leader()}")

    def start_data(self) -> None:
        pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not pgbin:
            raise RuntimeError("PostgreSQL's initdb is not installed")
        pgdir = self.rundir / "pg"
        pgdir.mkdir()
        shutil.chown(pgdir, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
        run(
            *as_postgres,
            str(pgbin[-1]),
            "-D",
            str(pgdir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        with (pgdir / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {SUBNET}.0/24 trust\n")
        self.start(
            "postgres",
            "data",
            [
                *as_postgres,
                str(pgbin[-1].parent / "postgres"),
                "-D",
                str(pgdir),
                "-c",
                f"listen_addresses={ip_of('data')}",
                "-c",
                f"unix_socket_directories={pgdir}",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=300",
            ],
            os.environ.copy(),
        )
        self.start(
            "redis",
            "data",
            [
                "redis-server",
                "--bind",
                ip_of("data"),
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
            os.environ.copy(),
        )
        admin = sa.create_engine(
            f"postgresql+psycopg://postgres@{ip_of('data')}:5432/postgres",
            isolation_level="AUTOCOMMIT",
        )

        def reachable() -> bool:
            try:
                with admin.connect() as conn:
                    conn.execute(sa.text("SELECT 1"))
                return redis.Redis(host=ip_of("data"), socket_timeout=1).ping()
            except Exception:
                return False

        if not wait_until(reachable, 60, 0.5):
            raise RuntimeError("PostgreSQL or Redis in the data namespace did not come up")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE waypoint"))
        admin.dispose()

    def start_beat(self, name: str, node: str) -> None:
        schedule = self.rundir / node / f"{name}-schedule"
        argv = [str(BIN / "celery"), "-A", "worker.celery_app:celery_app", "beat", "-l", "INFO"]
        self.start(name, node, [*argv, "-s", str(schedule)])

    # --- what the nodes say ---

    def url(self, node: str) -> str:
        return f"http://{ip_of(node)}:{WEB_PORT}"

    def healthy(self, node: str) -> bool:
        try:
            return requests.get(f"{self.url(node)}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def leader(self) -> str | None:
        """The node whose beat holds the lock, or None (also while a dead leader's lock has
        not expired yet: no beat leads then). Raises on a Redis that does not answer."""
        client = redis.Redis(host=ip_of("data"), socket_timeout=5)
        try:
            pid = holder_pid(client.get(BEAT_LOCK_KEY))
        finally:
            client.close()
        return next((node for node in NODES if pid in node_pids(node)), None) if pid else None

    def beat_sends(self) -> dict[str, list[float]]:
        """When each beat sent a task, from its own log (INFO)."""
        sends = {}
        for path in self.rundir.glob("beat-*.log"):
            times = [
                datetime.strptime(m, "%Y-%m-%d %H:%M:%S,%f").timestamp()
                for m in SENT.findall(path.read_text(errors="replace"))
            ]
            sends[path.stem] = sorted(times)
        return sends

    # --- the checks across nodes ---

    def redeem(self, token: str, node: str) -> Session:
        response = requests.post(
            f"{self.url(node)}/api/v1/auth/redeem", json={"token": token}, timeout=30
        )
        response.raise_for_status()
        return Session(response.cookies[COOKIE], response.json()["csrf_token"])

    def redeem_anywhere(self, token: str) -> Session:
        with self.lock:
            self.turn += 1
            node = ("web1", "web2")[self.turn % 2]
        return self.redeem(token, node)

    def claim(self, text: str, ok: bool, detail: str = "") -> None:
        self.report.add(
            f"  {'ok    ' if ok else 'BROKEN'} {text}" + (f": {detail}" if detail else "")
        )
        if not ok:
            self.report.losses.append(text)

    def across(self) -> None:
        """Sessions, CSRF, idempotency, rate limits and sign-in, whichever node answers."""
        self.report.add("across the web nodes:")
        one, two = self.url("web1"), self.url("web2")
        session = self.redeem(self.check_tokens[0], "web1")
        me = requests.get(f"{two}/api/v1/me", headers=session.headers(), timeout=10)
        self.claim(
            "a patient's session made on web1 is signed in on web2",
            me.status_code == 200,
            str(me.status_code),
        )
        body = {
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "answers": {f"phq9_{n}": 0 for n in range(1, 10)},
            "completed_at": datetime.now(UTC).isoformat(),
        }
        bare = {"Cookie": f"{COOKIE}={session.cookie}"}
        refused = [
            requests.post(f"{url}/api/v1/checkins", json=body, headers=bare, timeout=10)
            for url in (one, two)
        ]
        self.claim(
            "a POST without the CSRF token is refused on both nodes (403, JSON)",
            all(r.status_code == 403 and r.json().get("message") for r in refused),
            ", ".join(str(r.status_code) for r in refused),
        )
        first = requests.post(
            f"{two}/api/v1/checkins", json=body, headers=session.headers(), timeout=10
        )
        replay = requests.post(
            f"{one}/api/v1/checkins", json=body, headers=session.headers(), timeout=10
        )
        with self.engine.connect() as conn:
            stored = conn.scalar(
                sa.text("SELECT count(*) FROM checkins WHERE id = :id"), {"id": body["id"]}
            )
        self.claim(
            "web1's CSRF token is taken on web2, and a replay on web1 is the same check-in",
            (first.status_code, replay.status_code, stored) == (201, 200, 1)
            and replay.json()["id"] == body["id"],
            f"{first.status_code} then {replay.status_code}, {stored} stored",
        )
        # The per-device limit (CHECKIN_LIMIT_PER_DEVICE, 6 a minute) counts in Redis: the
        # seventh plain check-in of a minute is refused whichever node it reaches.
        limited = self.redeem(self.check_tokens[1], "web2")
        statuses = []
        for n in range(7):
            attempt = {
                **body,
                "id": str(uuid.uuid4()),
                "completed_at": datetime.now(UTC).isoformat(),
            }
            url = (one, two)[n % 2]
            response = requests.post(
                f"{url}/api/v1/checkins", json=attempt, headers=limited.headers(), timeout=10
            )
            statuses.append(response.status_code)
        self.claim(
            "the check-in rate limit counts across nodes (6 a minute, alternating nodes)",
            statuses == [201] * 6 + [429],
            " ".join(map(str, statuses)),
        )
        email = next(iter(self.emails.values()))
        login = requests.post(
            f"{one}/api/v1/auth/login",
            json={"email": email, "password": BENCH_PASSWORD},
            timeout=10,
        )
        staff = Session(login.cookies.get(COOKIE, ""), login.json().get("csrf_token", ""))
        panel = requests.get(f"{two}/api/v1/patients", headers=staff.headers(), timeout=30)
        self.claim(
            "a clinician signed in on web1 reads the panel on web2",
            login.status_code == 200 and panel.status_code == 200,
            f"sign-in {login.status_code}, panel {panel.status_code}",
        )

    # --- the load and the faults ---

    def post(self, session: Session, body: dict, urgent: bool, due: float) -> None:
        """To the next node in turn; to the other when it does not answer (same id)."""
        with self.lock:
            self.turn += 1
            order = ["web1", "web2"] if self.turn % 2 else ["web2", "web1"]
        order.sort(key=lambda n: n in self.down)  # a balancer's health check, roughly
        answers: list[int | str] = []
        for node in order:
            try:
                response = requests.post(
                    f"{self.url(node)}/api/v1/checkins",
                    json=body,
                    headers=session.headers(),
                    timeout=30,
                )
                answers.append(response.status_code)
                if response.status_code < 500:
                    break
            except requests.RequestException as exc:
                answers.append(type(exc).__name__)
        with self.lock:
            self.posts.append(
                Post(due, (time.time() - due) * 1000, answers[-1], body["id"], urgent, node,
                     answers)
            )  # fmt: skip

    def load(self) -> None:
        cfg = self.cfg
        # Each patient signs in on either node (the balancer's turn), and posts to both.
        with ThreadPoolExecutor(8) as executor:
            urgent_sessions = list(executor.map(self.redeem_anywhere, self.urgent_tokens))
            pool = list(executor.map(self.redeem_anywhere, self.pool_tokens))
        count = round(cfg.rate * cfg.seconds)
        plan = [True] * len(urgent_sessions) + [False] * (count - len(urgent_sessions))
        rng = random.Random(24)
        rng.shuffle(plan)
        urgent_iter = iter(urgent_sessions)
        faults = threading.Thread(target=self.faults, daemon=True)
        self.t0 = time.time()
        faults.start()
        log(f"posting {count} check-ins at {cfg.rate}/s over both web nodes")
        with ThreadPoolExecutor(32) as executor:
            stray_at = self.t0 + cfg.seconds * 0.15
            for n, urgent in enumerate(plan):
                due = self.t0 + n / cfg.rate
                time.sleep(max(0.0, due - time.time()))
                if stray_at and time.time() >= stray_at:
                    stray_at = 0
                    self.start_beat("beat-stray", "web2")
                    self.event("a third beat started by mistake on web2")
                body = {
                    "id": str(uuid.uuid4()),
                    "instrument": "phq9",
                    "answers": phq9(rng, urgent),
                    "completed_at": datetime.now(UTC).isoformat(),
                }
                session = next(urgent_iter) if urgent else rng.choice(pool)
                executor.submit(self.post, session, body, urgent, due)
        faults.join()

    def event(self, text: str) -> None:
        self.events.append((time.time(), text))
        log(text)

    def faults(self) -> None:
        """Web1, then the worker node whose beat leads, lost outright (the load loop starts
        the stray beat: a process's death signal follows the thread that started it)."""
        seconds = self.cfg.seconds
        time.sleep(seconds * 0.35)
        with self.lock:
            self.down.add("web1")
        killed = kill_node("web1")
        self.event(f"web1 lost: {killed} processes SIGKILLed")
        time.sleep(seconds * 0.2)
        victim = self.leader()
        if victim not in ("work1", "work2"):
            self.event(f"the beat lock names {victim}, not a worker node: no take-over to test")
            self.report.losses.append("the leading beat was not on a worker node")
            return
        killed = kill_node(victim)
        self.killed_leader_at = time.time()
        self.killed_worker = victim
        self.event(f"{victim} lost with its leading beat: {killed} processes SIGKILLed")
        wait_until(lambda: self.leader() not in (None, victim), BEAT_LOCK_SECONDS * 3, 0.2)
        self.event(f"beat leader now on {self.leader()}")

    # --- the verdict ---

    def outcome(self) -> dict:
        """What the database holds now: check-ins evaluated, urgent alerts, each alert's care
        team's emails."""
        urgent = "a.priority IN ('urgent', 'imminent')"
        with self.engine.connect() as conn:
            checkins = {
                str(r.id): r for r in conn.execute(sa.text("SELECT id, evaluated_at FROM checkins"))
            }
            alerts = conn.execute(
                sa.text(f"SELECT a.id, a.checkin_id FROM alerts a WHERE {urgent}")
            ).all()
            team = conn.execute(
                sa.text(
                    "SELECT a.id, s.email FROM alerts a"
                    " JOIN care_team c ON c.patient_id = a.patient_id"
                    f" JOIN staff_users s ON s.id = c.staff_id WHERE {urgent}"
                )
            ).all()
        return {"checkins": checkins, "alerts": alerts, "team": {(str(a), e) for a, e in team}}

    def settled(self) -> bool:
        found = self.outcome()
        evaluated = {c for c, r in found["checkins"].items() if r.evaluated_at is not None}
        alerted = {str(a.checkin_id) for a in found["alerts"]}
        mailed = {(m.alert_id, m.rcpt) for m in self.sink.received()}
        return (
            {p.checkin_id for p in self.posts if p.ok} <= evaluated
            and {p.checkin_id for p in self.posts if p.ok and p.urgent} <= alerted
            and found["team"] <= mailed
        )

    def verify(self) -> None:
        cfg, report = self.cfg, self.report
        posts = self.posts
        ok = [p for p in posts if p.ok]
        ok_ids = {p.checkin_id for p in ok}
        urgent_ids = {p.checkin_id for p in ok if p.urgent}
        report.add(
            f"load: {len(posts)} check-ins at {cfg.rate:g}/s, {len(urgent_ids)} item-9 "
            f"ones 2xx; {len(ok)}/{len(posts)} 2xx"
        )
        for at, text in self.events:
            report.add(f"  +{at - self.t0:5.1f} s {text}")
        by_node = Counter(p.node for p in ok)
        report.add(
            f"  answered by: {', '.join(f'{n} {c}' for n, c in sorted(by_node.items()))}; "
            f"{sum(len(p.answers) > 1 for p in posts)} sent again to the other node (same id)"
        )
        report.add(f"  latency from when each POST was due: {ms([p.ms for p in posts])}")
        answers = Counter(str(a) for p in posts for a in p.answers)
        report.add(f"  every answer: {', '.join(f'{n} x {a}' for a, n in sorted(answers.items()))}")
        server_errors = sum(n for a, n in answers.items() if a.isdigit() and int(a) >= 500)
        found = self.outcome()
        checkins, alerts = found["checkins"], found["alerts"]
        report.add("promises:")
        self.claim("no node answered 5xx (first tries and retries)", server_errors == 0,
                   f"{server_errors}")  # fmt: skip
        lost = ok_ids - set(checkins)
        unevaluated = {c for c in ok_ids & set(checkins) if checkins[c].evaluated_at is None}
        self.claim(
            "every 2xx check-in stored (once: the id is the key) and evaluated",
            not lost and not unevaluated,
            f"{len(lost)} lost, {len(unevaluated)} not evaluated",
        )
        per_checkin = Counter(str(a.checkin_id) for a in alerts)
        missing = [c for c in urgent_ids if per_checkin[c] == 0]
        doubled = [c for c in urgent_ids if per_checkin[c] > 1]
        self.claim(
            "exactly one urgent alert per item-9 check-in",
            not missing and not doubled,
            f"{len(missing)} with none, {len(doubled)} with more",
        )
        mails = self.sink.received()
        unmailed = found["team"] - {(m.alert_id, m.rcpt) for m in mails}
        self.claim(
            "every urgent alert mailed to each clinician of the patient's care team",
            not unmailed and bool(found["team"]),
            f"{len(found['team']) - len(unmailed)}/{len(found['team'])} (alert, clinician) pairs",
        )
        by_pair: dict = {}
        for m in mails:
            by_pair.setdefault((m.alert_id, m.rcpt), set()).add(m.message_id)
        repeats = sum(1 for ids in by_pair.values() if len(ids) > 1)
        self.claim(
            "no alert mailed twice as two messages (a resend keeps its Message-ID)",
            repeats == 0,
            f"{len(mails) - len(by_pair)} resent with the same Message-ID, {repeats} as new",
        )
        self.verify_beats()

    def verify_beats(self) -> None:
        report = self.report
        sends = self.beat_sends()
        report.add(
            "  beats: "
            + "; ".join(
                f"{name} sent {len(t)} tasks"
                + (f" from +{t[0] - self.t0:.1f} s to +{t[-1] - self.t0:.1f} s" if t else "")
                for name, t in sorted(sends.items())
            )
        )
        windows = sorted((t[0], t[-1], name) for name, t in sends.items() if t)
        overlaps = [
            f"{a[2]} and {b[2]}" for a, b in zip(windows, windows[1:], strict=False) if b[0] < a[1]
        ]
        self.claim("never two beats sending at once", not overlaps, ", ".join(overlaps))
        killed_at = getattr(self, "killed_leader_at", None)
        if killed_at is None:
            self.claim("the leading beat's worker node was lost", False, "it was not")
            return
        victim = f"beat-{self.killed_worker}"
        before = [t for t in sends.get(victim, []) if t <= killed_at]
        self.claim(
            "the lost node's beat was leading when it was lost",
            bool(before) and killed_at - before[-1] <= BEAT_LOCK_SECONDS / 3 + 2,
            f"its last send {killed_at - before[-1]:.1f} s before" if before else "it never sent",
        )
        stray = sends.get("beat-stray", [])
        self.claim(
            "the beat started by mistake sent nothing while another led",
            all(t > killed_at for t in stray),
            f"{sum(t <= killed_at for t in stray)} sends before the leader's loss",
        )
        # A standby: a beat that had sent nothing before the leader was lost.
        standby = [t for ts in sends.values() if not any(x <= killed_at for x in ts) for t in ts]
        gap = min(standby) - killed_at if standby else None
        limit = BEAT_LOCK_SECONDS * 4 / 3 + 2
        self.claim(
            f"a standby beat took over within the lock's {BEAT_LOCK_SECONDS} s and a third",
            gap is not None and gap <= limit,
            f"its first send {gap:.1f} s after the loss" if gap is not None else "none sent",
        )
        alive = [n for n in ("beat-stray",) if self.processes.running[n].poll() is not None]
        self.claim("the stray beat ran to the end", not alive, ", ".join(alive))

    def teardown(self) -> None:
        self.processes.stop_all()
        remove_network()
        if getattr(self, "smtp", None) is not None:
            self.smtp.stop()
        if getattr(self, "engine", None) is not None:
            self.engine.dispose()
        if not self.cfg.keep:
            shutil.rmtree(self.rundir, ignore_errors=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.nodes", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0, help="length of the load (40)")
    parser.add_argument("--rate", type=float, default=8.0, help="check-ins per second (8)")
    parser.add_argument(
        "--pool",
        type=int,
        default=160,
        help="patients of the plain check-ins (160: 2 each, within the limits)",
    )
    parser.add_argument(
        "--recovery-wait",
        type=float,
        default=120.0,
        help="seconds to wait after the load for all to be done (120)",
    )
    parser.add_argument("--record", action="store_true", help="append the report to RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the logs directory")
    args = parser.parse_args(argv)
    if args.seconds < 20 or args.rate <= 0:
        parser.error("--seconds must be at least 20 and --rate positive")
    return args


def main(argv=None) -> int:
    cfg = parse_args(argv)
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("bench.nodes needs root and iproute2 (`ip netns`)", file=sys.stderr)
        return 2
    nodes = Nodes(cfg)
    report = nodes.report
    report.add(f"Waypoint multi-node run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit()}")
    report.add(f"machine: {machine()}")
    report.add(
        "layout: data (PostgreSQL, Redis), web1 and web2 (gunicorn x2), work1 and work2 (a "
        "worker on every queue x2, a beat); each its own network namespace on one bridge"
    )
    # A SIGTERM (CI's timeout, a supervisor) tears the namespaces down like any failure.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
    failed = False
    try:
        nodes.setup()
        nodes.across()
        nodes.load()
        log("load done; waiting for every check-in and alert")
        wait_until(nodes.settled, cfg.recovery_wait, 1.0)
        time.sleep(3)  # a duplicate would arrive right behind the first
        nodes.verify()
    except BaseException:
        failed = True
        traceback.print_exc()
        print(f"bench.nodes: the harness failed; logs in {nodes.rundir}", file=sys.stderr)
        cfg.keep = True
    finally:
        try:
            nodes.teardown()
        except Exception:
            traceback.print_exc()
            failed = True
    if failed:
        return 2
    broken = "BROKEN: " + "; ".join(report.losses)
    report.add(f"verdict: {broken if report.losses else 'every promise kept'}")
    print(report.text())
    if cfg.record:
        record(report, RESULTS, RESULTS_HEADING, "make nodes")
    return 1 if report.losses else 0


if __name__ == "__main__":
    sys.exit(main())
