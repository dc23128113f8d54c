"""Each figure measured beside its floor, as one printed line.

A line reads ``name | value | floor ... | target ... | verdict`` where the verdict is
``met``, ``missed`` or ``not measured: <why>``: a figure whose feature is missing says so
and never shows a number it did not measure.
"""

import json
import math
import os
import shutil
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa

from .services import Arrivals, wait_until
from .stack import Session, Stack, locust

MB = 1024 * 1024


@dataclass
class Line:
    """One figure's result."""

    key: str
    name: str
    target: str
    value: str = "-"
    floor: str = "-"
    verdict: str = "not measured: not run"
    numbers: dict = field(default_factory=dict)

    def render(self) -> str:
        parts = [self.name, self.value, f"floor {self.floor}", f"target {self.target}"]
        return " | ".join([*parts, self.verdict])


FIGURES = {
    "throughput": ("check-in POST throughput", ">= 0.6 x floor"),
    "latency": ("check-in POST latency", "p99 <= 100 ms at 50 check-ins/s"),
    "urgent": ("urgent alert, end to end", "p50 <= 150 ms, p99 <= 500 ms"),
    "recovery": (
        "recovery after a Redis outage",
        "all evaluated and alerted within 60 s, none twice",
    ),
    "panel": ("clinician panel", "p95 <= 100 ms"),
    "trend": ("trend", "p95 <= 30 ms"),
    # The chart's other read: the booster forecast's band drawn over the trend (issue #24).
    "forecast": ("booster forecast band", "p95 <= 30 ms"),
    # Issue #23: the FHIR export of the trend patient's 500 check-ins, against the trend's target.
    "fhir_export": ("FHIR export", "p95 <= 30 ms"),
    "lighthouse": (
        "patient app (Lighthouse)",
        "performance >= 95, accessibility 100, best practices 100",
    ),
    "tick": (
        "schedule tick",
        "each tick <= half of SCHEDULE_SECONDS, no transaction > 5 s",
    ),
    "memory_web": ("memory: web worker", "RSS <= 150 MB"),
    "memory_celery": ("memory: Celery worker", "RSS <= 150 MB"),
}


def line(key: str) -> Line:
    """An empty line for figure ``key``."""
    name, target = FIGURES[key]
    return Line(key, name, target)


def not_measured(key: str, reason: str) -> Line:
    """A line that says plainly why there is no number."""
    result = line(key)
    result.verdict = f"not measured: {reason}"
    return result


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def steady(records: list, warmup: float) -> tuple[int, float]:
    """Successful requests after the first ``warmup`` seconds, and the seconds they took."""
    if not records:
        return 0, 0.0
    begin = min(r[0] for r in records) + warmup
    ends = [r[0] + r[1] / 1000 for r in records if r[0] >= begin and r[2]]
    return (len(ends), max(ends) - begin) if ends else (0, 0.0)


def alternate(stack: Stack, sessions, users: int, cfg, rundir: Path, rate: float = 0):
    """Floor and Waypoint in alternating slices (``cfg.rounds`` each) of ``cfg.duration`` in all.

    Other work on the machine comes and goes; alternating gives both the same share of it.
    """
    floor, real = [], []
    seconds = cfg.duration / cfg.rounds
    for _ in range(cfg.rounds):
        floor.append(locust(stack, "floor", sessions, users, seconds, rundir, rate=rate))
        real.append(locust(stack, "checkin", sessions, users, seconds, rundir, rate=rate))
    return floor, real


def pooled_rate(rounds: list[list], warmup: float) -> float:
    """Successful requests per second over every round's steady part."""
    parts = [steady(records, warmup) for records in rounds]
    seconds = sum(s for _, s in parts)
    return sum(n for n, _ in parts) / seconds if seconds else 0.0


def throughput(stack: Stack, sessions: list[Session], cfg, rundir: Path) -> Line:
    """Check-ins per second at saturation against the bare insert, same users, same time."""
    result = line("throughput")
    warm = min(2.0, cfg.duration / cfg.rounds / 5)
    floor, real = alternate(stack, sessions, cfg.users, cfg, rundir)
    floor_rate, real_rate = pooled_rate(floor, warm), pooled_rate(real, warm)
    errors = sum(1 for records in real for r in records if not r[2])
    if not floor_rate or not real_rate:
        return not_measured("throughput", f"no successful requests (floor {floor_rate:.0f}/s)")
    ratio = real_rate / floor_rate
    result.value = (
        f"{real_rate:.1f} req/s = {ratio:.2f} x floor ({cfg.users} users, rounds {cfg.rounds}, "
        f"{errors} errors)"
    )
    result.floor = f"{floor_rate:.1f} req/s (bare insert, alternating with it)"
    result.verdict = "met" if ratio >= 0.6 and not errors else "missed"
    result.numbers = {"rate": real_rate, "floor": floor_rate, "ratio": ratio, "errors": errors}
    return result


def latency(stack: Stack, sessions: list[Session], cfg, rundir: Path) -> Line:
    """p99 of the POST at a fixed rate, beside the bare insert at the same rate."""
    result = line("latency")
    users = max(1, math.ceil(cfg.rate / 2))
    floor_rounds, real_rounds = alternate(stack, sessions, users, cfg, rundir, cfg.rate / users)
    real = [r for records in real_rounds for r in records]
    real_ok = [r[1] for r in real if r[2]]
    floor_ok = [r[1] for records in floor_rounds for r in records if r[2]]
    if not real_ok or not floor_ok:
        return not_measured("latency", "no successful requests")
    errors = len(real) - len(real_ok)
    spans = [max(r[0] for r in rs) - min(r[0] for r in rs) for rs in real_rounds if len(rs) > 1]
    achieved = len(real) / max(1e-6, sum(spans))
    p99, floor_p99 = percentile(real_ok, 99), percentile(floor_ok, 99)
    result.value = (
        f"p99 {p99:.1f} ms, p50 {percentile(real_ok, 50):.1f} ms at {achieved:.1f}/s "
        f"({len(real)} requests, {errors} errors)"
    )
    result.floor = (
        f"p99 {floor_p99:.1f} ms, p50 {percentile(floor_ok, 50):.1f} ms "
        "(bare insert at the same rate, alternating)"
    )
    result.verdict = "met" if p99 <= 100 and not errors and achieved >= 0.9 * cfg.rate else "missed"
    result.numbers = {"p99": p99, "floor_p99": floor_p99, "rate": achieved, "errors": errors}
    return result


def settle(stack: Stack, engine: sa.Engine) -> int:
    """Mark the check-ins of web-only figures evaluated and purge their queued tasks.

    Those figures measure the POST alone (the worker was paused); evaluating their
    thousands of check-ins afterwards would only delay the figures that follow.
    """
    with engine.begin() as conn:
        marked = conn.execute(
            sa.text("UPDATE checkins SET evaluated_at = now() WHERE evaluated_at IS NULL")
        ).rowcount
    stack.celery.control.purge()
    return marked


def urgent(stack, sessions, cfg, rundir, engine, arrivals: Arrivals, receiver: str) -> Line:
    """From the POST with item 9 endorsed to the email and the webhook, beside a no-op task.

    ``unfinished_fraction`` of those POSTs are an unfinished check-in's safety signal
    (``POST /api/v1/checkins/partial``, the patient never finishes): their alerts are part
    of the figure, and their own p50 and p99 are given beside it.
    """
    result = line("urgent")
    arrivals.clear()
    sent: dict[str, float] = {}
    done = threading.Event()

    def publish_noops():
        while not done.is_set():
            token = uuid.uuid4().hex
            sent[token] = time.time()
            stack.celery.send_task("bench.noop", args=[token, receiver], queue="urgent")
            done.wait(1 / cfg.noop_rate)

    publisher = threading.Thread(target=publish_noops, daemon=True)
    publisher.start()
    users = max(1, math.ceil(cfg.urgent_rate / 2))
    records = locust(
        stack,
        "checkin",
        sessions,
        users,
        cfg.urgent_seconds,
        rundir,
        rate=cfg.urgent_rate / users,
        urgent=cfg.urgent_fraction,
        unfinished=cfg.unfinished_fraction,
    )
    done.set()
    publisher.join()
    posted = {r[3]: r[0] for r in records if r[2] and r[4]}
    unfinished = {r[3] for r in records if r[2] and r[4] and r[5]}
    if not posted:
        return not_measured("urgent", "no urgent check-in was accepted")
    alerts = _alerts_of(engine, list(posted))

    def arrived() -> dict:
        email = _first(arrivals.of("email"))
        webhook = _first(arrivals.of("webhook"))
        return {a: max(email[a], webhook[a]) for a in alerts if a in email and a in webhook}

    wait_until(lambda: len(arrived()) >= len(alerts), cfg.alert_wait, interval=0.25)
    complete = arrived()
    noops = _first(arrivals.of("noop"))
    noop_ms = [(noops[t] - sent[t]) * 1000 for t in sent if t in noops]
    ms = [(at - posted[alerts[a]]) * 1000 for a, at in complete.items()]
    partial_ms = [
        (at - posted[alerts[a]]) * 1000 for a, at in complete.items() if alerts[a] in unfinished
    ]
    if not ms:
        return not_measured(
            "urgent", f"none of {len(posted)} urgent check-ins reached both the sink and receiver"
        )
    # A safety answer of a patient whose safety alert is still open joins that alert (one
    # episode, one round of sends: api/pipeline/alerts.py): no new notification is due.
    attached = _attached(engine, [c for c in posted if c not in set(alerts.values())])
    quiet = len(_alerts_of(engine, list(posted), notify=False))
    lost = len(posted) - len(complete) - attached - quiet
    p50, p99 = percentile(ms, 50), percentile(ms, 99)
    stages = _stages(engine, posted, alerts, complete)
    partial_line = (
        f", {len(partial_ms)} from unfinished check-ins: p50 "
        f"{percentile(partial_ms, 50):.0f} ms, p99 {percentile(partial_ms, 99):.0f} ms"
        if partial_ms
        else f", none of {len(unfinished)} unfinished check-ins notified"
    )
    result.value = (
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms ({len(complete)} of {len(posted)} urgent"
        + partial_line
        + (f", {attached} joined an open alert" if attached else "")
        + (f", {quiet} filed into an open case of the same signal" if quiet else "")
        + f" at {len(records) / cfg.urgent_seconds:.1f} check-ins/s; stage p50s "
        + ", ".join(f"{k} {v:.0f}" for k, v in stages.items())
        + " ms)"
    )
    if noop_ms:
        result.floor = (
            f"p50 {percentile(noop_ms, 50):.0f} ms, p99 {percentile(noop_ms, 99):.0f} ms "
            f"(no-op task round trip, {len(noop_ms)} tasks)"
        )
    else:
        result.floor = "none arrived (no-op task round trip)"
    result.verdict = "met" if p50 <= 150 and p99 <= 500 and not lost else "missed"
    if lost:
        result.verdict += f" ({lost} not notified within {cfg.alert_wait:.0f} s)"
    result.numbers = {
        "p50": p50, "p99": p99, "lost": lost, "attached": attached, "quiet": quiet,
        "noop_ms": sorted(noop_ms), "stages": stages,
        "unfinished": len(unfinished), "unfinished_notified": len(partial_ms),
        "unfinished_p50": percentile(partial_ms, 50) if partial_ms else None,
        "unfinished_p99": percentile(partial_ms, 99) if partial_ms else None,
    }  # fmt: skip
    return result


def _stages(engine: sa.Engine, posted: dict, alerts: dict, complete: dict) -> dict[str, float]:
    """Median milliseconds of each stage, from the rows' own timestamps.

    received: from sending the POST until the server stamped the answer's arrival (the
    alert's ``received_at``: the check-in's, or the unfinished one's signal); queued: the rest
    of the request, its commit, the publish and the wait until the last delivery task
    started; sent: that delivery's SMTP or HTTP send until the sink or receiver had it.
    """
    if not complete:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT a.id, a.received_at, max(d.sent_at) AS sent_at"
                " FROM alerts a JOIN notification_deliveries d ON d.alert_id = a.id"
                " WHERE a.id = ANY(:ids) AND d.round = 0 GROUP BY a.id"
            ),
            {"ids": [uuid.UUID(a) for a in complete]},
        ).all()
    spans: dict[str, list[float]] = {"received": [], "queued": [], "sent": []}
    for row in rows:
        if row.sent_at is None or row.received_at is None:
            continue
        marks = [
            posted[alerts[str(row.id)]],
            row.received_at.timestamp(),
            row.sent_at.timestamp(),
            complete[str(row.id)],
        ]
        for name, begin, end in zip(spans, marks, marks[1:], strict=False):
            spans[name].append((end - begin) * 1000)
    return {name: percentile(values, 50) for name, values in spans.items() if values}


def _first(items) -> dict:
    first: dict = {}
    for key, at in items:
        first[key] = min(at, first.get(key, at))
    return first


#: The safety rule a bench urgent POST (PHQ-9 item 9) raises; its hit key names the check-in.
URGENT_RULE = "suicidal_ideation"


def _keys(checkin_ids: list[str]) -> list[str]:
    """The rule-hit keys of these check-ins' item-9 answers (finished or not)."""
    return [f"checkin:{c}:{URGENT_RULE}" for c in checkin_ids]


def _attached(engine: sa.Engine, checkin_ids: list[str]) -> int:
    """How many of these check-ins joined an alert already open (a "repeated" event, keyed by
    the hit: an unfinished check-in's has no check-in id in its detail)."""
    if not checkin_ids:
        return 0
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT count(*) FROM alert_events"
                " WHERE kind = 'repeated' AND dedupe_key = ANY(:keys)"
            ),
            {"keys": _keys(checkin_ids)},
        ).scalar()


def _alerts_of(engine: sa.Engine, checkin_ids: list[str], notify: bool = True) -> dict[str, str]:
    """Alert id -> check-in id of the urgent alerts raised for these check-ins, finished or
    not (an unfinished check-in's alert has no check-in row; its key names the id), that
    are to be notified; ``notify=False``: those filed quietly instead, into the patient's case
    that already holds the same signal and still waits for its acknowledgement (one round of
    sends per case: api/pipeline/cases.py), which no new notification is due for."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, split_part(dedupe_key, ':', 2) AS checkin_id FROM alerts"
                " WHERE dedupe_key = ANY(:keys) AND priority IN ('urgent', 'imminent')"
                " AND notify = :notify"
            ),
            {"keys": _keys(checkin_ids), "notify": notify},
        ).all()
    return {str(r.id): r.checkin_id for r in rows}


#: Unmeasured pairs of GETs before the measured ones, per web worker: a worker's first
#: requests of a route build its statements, and a connection plans a statement afresh until
#: its fifth execution (psycopg prepares it then). Three pairs in all (runs up to 68) left
#: most of four workers cold, and their first requests made the figures' p95.
WARM_UPS_PER_WORKER = 5


def paired_gets(url: str, floor_url: str, session: Session, count: int, workers: int = 1):
    """``count`` GETs of ``url``, each right after one of ``floor_url`` (same contention),
    after ``WARM_UPS_PER_WORKER`` unmeasured pairs per web worker (``workers``).

    Returns the milliseconds of each, the last status of ``url`` and its last JSON body.
    """
    client = requests.Session()
    client.headers.update(session.headers())
    times, floor, response = [], [], None
    warm = WARM_UPS_PER_WORKER * max(1, workers)
    for n in range(count + warm):
        start = time.perf_counter()
        client.get(floor_url, timeout=30).raise_for_status()
        middle = time.perf_counter()
        response = client.get(url, timeout=30)
        end = time.perf_counter()
        if n >= warm:
            floor.append((middle - start) * 1000)
            times.append((end - middle) * 1000)
        if response.status_code != 200:
            break
    json_body = response.headers.get("Content-Type", "").startswith("application/json")
    return times, floor, response.status_code, response.json() if json_body else {}


def read_figure(key: str, stack: Stack, staff: Session, path: str, count: int, limit: float,
                detail) -> Line:  # fmt: skip
    """p95 of a clinician's GET beside the bare signed-in GET, request by request."""
    times, floor, status, body = paired_gets(
        stack.url + path, stack.url + "/bench/floor", staff, count, stack.web_workers
    )
    if status in (404, 405):
        return not_measured(key, f"GET {path.split('?')[0]} is not there yet (HTTP {status})")
    if status != 200:
        return not_measured(key, f"GET {path} answered HTTP {status}")
    result = line(key)
    p95, floor_p95 = percentile(times, 95), percentile(floor, 95)
    result.value = (
        f"p95 {p95:.1f} ms, p50 {percentile(times, 50):.1f} ms ({count} GETs, {detail(body)})"
    )
    result.floor = (
        f"p95 {floor_p95:.1f} ms, p50 {percentile(floor, 50):.1f} ms "
        "(bare signed-in GET, each just before)"
    )
    result.verdict = "met" if p95 <= limit else "missed"
    result.numbers = {"p95": p95, "floor_p95": floor_p95}
    return result


#: Lighthouse's own advice on variability: run it several times and read the median.
LIGHTHOUSE_RUNS = 3
#: A run whose trace Lighthouse could not record (its message: "Please run Lighthouse
#: again", e.g. NO_NAVSTART, seen once in three runs with Chromium 156) is repeated.
LIGHTHOUSE_RETRIES = 2


def lighthouse(stack: Stack, patient: Session, rundir: Path) -> Line:
    """Lighthouse 12.2.3, mobile (its default), on the check-in page with Debian's Chromium.

    Run ``LIGHTHOUSE_RUNS`` times; the line is the run with the median performance score
    (a single run on a shared 2-core machine moved by 6 points between two benchmark runs).
    """
    chromium = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if shutil.which("npx") is None:
        return not_measured("lighthouse", "npx is not installed")
    if not Path(chromium).exists():
        return not_measured("lighthouse", f"no Chromium at {chromium}")
    page = requests.get(stack.url + "/", timeout=10)
    if page.status_code != 200 or "<html" not in page.text.lower():
        return not_measured(
            "lighthouse", f"the patient app page is not there (HTTP {page.status_code})"
        )
    runs, retried = [], []
    for n in range(LIGHTHOUSE_RUNS):
        for attempt in range(1 + LIGHTHOUSE_RETRIES):
            out = rundir / f"lighthouse-{n}-{attempt}.json"
            scores = _lighthouse_once(stack, patient, chromium, out)
            if not (isinstance(scores, str) and "Please run Lighthouse again" in scores):
                break
            retried.append(scores.rsplit("(", 1)[-1].rstrip(")"))
        if isinstance(scores, str):
            return not_measured("lighthouse", scores)
        runs.append(scores)
    runs.sort(key=lambda scores: scores["performance"])
    scores = runs[len(runs) // 2]
    perf, a11y, best = scores["performance"], scores["accessibility"], scores["best-practices"]
    all_perf = ", ".join(str(run["performance"]) for run in runs)
    result = line("lighthouse")
    result.value = (
        f"performance {perf}, accessibility {a11y}, best practices {best} "
        f"(median of {len(runs)} runs; performance {all_perf})"
    )
    if retried:
        result.value += f"; {len(retried)} run(s) repeated after {', '.join(retried)}"
    result.floor = "none applies (absolute scores)"
    result.verdict = "met" if perf >= 95 and a11y == 100 and best == 100 else "missed"
    result.numbers = {**scores, "performance_runs": [run["performance"] for run in runs]}
    return result


def _lighthouse_once(stack: Stack, patient: Session, chromium: str, out: Path) -> dict | str:
    """One audit's category scores (0-100), or why there are none."""
    flags = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
    argv = [
        "npx",
        "--yes",
        "lighthouse@12.2.3",
        f"{stack.url}/#/checkin/phq9",
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        "--only-categories=performance,accessibility,best-practices",
        f"--chrome-flags={flags}",
        f"--extra-headers={json.dumps({'Cookie': patient.headers()['Cookie']})}",
    ]
    try:
        run = subprocess.run(
            argv, env={**os.environ, "CHROME_PATH": chromium}, capture_output=True, timeout=300
        )
    except subprocess.TimeoutExpired:
        return "Lighthouse did not finish within 300 s"
    if run.returncode != 0 or not out.exists():
        tail = run.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return f"Lighthouse failed: {tail[0][:160]}"
    categories = json.loads(out.read_text())["categories"]
    return {k: round((v.get("score") or 0) * 100) for k, v in categories.items()}


def memory(key: str, now: list[int], start: list[int], what: str) -> Line:
    """The largest RSS of a process group after the run, beside it at start-up."""
    if not now:
        return not_measured(key, f"no {what} process was running")
    result = line(key)
    peak = max(now) / MB
    result.value = f"{peak:.0f} MB ({what}, largest of {len(now)} processes after the run)"
    result.floor = f"{max(start) / MB:.0f} MB (same processes at start-up)" if start else "-"
    result.verdict = "met" if peak <= 150 else "missed"
    result.numbers = {"rss_mb": peak, "start_mb": max(start) / MB if start else None}
    return result
