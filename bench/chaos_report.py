"""What the chaos soak found: its checks from the database, the sink and the receiver, as text.

A loss is a 2xx check-in not stored or not evaluated, an item-9 check-in without exactly one
urgent alert, or an urgent alert whose email or webhook was not delivered; any of them (and
any 5xx answer) fails the run. Duplicate notifications are counted and shown, not failed:
delivery is at least once (docs/reliability.md), and the receiver can drop them by the
delivery id or the Message-ID.
"""

import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from .figures import percentile

#: A POST counts as "during a fault" from the fault's start until this long after its end.
FAULT_TAIL = 5.0
#: The promise of docs/reliability.md section 8: recovery after a Redis outage within a minute.
RECOVERY_TARGET = 60.0

REQUEUED = re.compile(r"reconciler re-enqueued (\d+) (check-in|delivery)")
#: Celery's line for a task whose pool child died under it (once per lost task).
WORKER_LOST = re.compile(r"Task handler raised error: WorkerLostError")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)
    numbers: dict = field(default_factory=dict)

    def add(self, text: str = "") -> None:
        self.lines.append(text)

    def text(self) -> str:
        return "\n".join(self.lines)


def ms(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"p50 {percentile(values, 50):.0f} ms, p99 {percentile(values, 99):.0f} ms, "
        f"max {max(values):.0f} ms"
    )


def commit() -> str:
    """The checked-out commit (short), with "+changes" when the code differs from it."""
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(  # the results file a --record run appends to is not code
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
             ":!bench/RESULTS.md"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )  # fmt: skip
        return out.stdout.strip() + (" +changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def verify(soak, machine: str) -> Report:
    """Check every promise of the soak; the report's losses decide the exit status."""
    cfg, report = soak.cfg, Report()
    t0 = soak.t0
    posts = soak.posts
    ok = [p for p in posts if p.ok]
    failed = [p for p in posts if not p.ok]
    ok_ids = {p.checkin_id for p in ok}
    urgent_ids = {p.checkin_id for p in ok if p.urgent}
    with soak.engine.connect() as conn:
        checkins = {
            str(r.id): r
            for r in conn.execute(
                sa.text("SELECT id, received_at, evaluated_at, enqueue_count FROM checkins")
            )
        }
        alerts = conn.execute(
            sa.text("SELECT id, checkin_id FROM alerts WHERE priority IN ('urgent', 'imminent')")
        ).all()
        deliveries = conn.execute(
            sa.text("SELECT id, alert_id, channel, recipient, status, attempts, sent_at, round"
                    " FROM notification_deliveries")
        ).all()  # fmt: skip
    mode = "short" if cfg.short else "full"
    now = datetime.now(UTC)
    report.add(f"Waypoint chaos soak ({mode}) {now:%Y-%m-%d %H:%M} UTC; commit {soak.commit}")
    report.add(f"machine: {machine}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    report.add(
        f"load average at the end (1, 5, 15 min): {load}; at the start: {soak.load_at_start}"
    )
    reconcile = cfg.reconcile_seconds if cfg.reconcile_seconds is not None else "30 (default)"
    report.add(
        f"setup: {len(posts)} check-ins at {cfg.rate:g}/s over "
        f"{max(p.start for p in posts) - t0:.0f} s, "
        f"{len(urgent_ids)}/{sum(p.urgent for p in posts)} item-9 ones 2xx (one patient each), "
        f"gunicorn x{cfg.web_workers}, {cfg.workers} workers x{cfg.concurrency}, beat; "
        f"PostgreSQL and a private redis-server; RECONCILE_SECONDS {reconcile}"
    )

    # Faults.
    kinds = Counter(f.kind for f in soak.faults)
    report.add(
        f"faults: {len(soak.faults)} every {cfg.fault_every:g} s ("
        + ", ".join(f"{n} {k}" for k, n in kinds.items())
        + ")"
    )
    for fault in soak.faults:
        report.add(
            f"  +{fault.start - t0:6.1f} s {fault.kind:6} {fault.end - fault.start:5.1f} s  "
            f"{fault.detail}"
        )
    lost_children = sum(
        len(WORKER_LOST.findall(_read(soak.rundir / f"{name}.log"))) for name in soak.stack.workers
    )
    report.add(f"  pool children lost while running a task (WorkerLostError in the logs): "
               f"{lost_children}")  # fmt: skip
    unplanned = soak.stack.unplanned
    report.add(f"  processes that exited on their own and were restarted: {len(unplanned)}")
    for exit_ in unplanned:
        report.add(f"    +{exit_['at'] - t0:6.1f} s {exit_['name']} exit {exit_['code']}: "
                   f"{exit_['why']}")  # fmt: skip

    # The POSTs.
    server_errors = [p for p in failed if isinstance(p.status, int) and p.status >= 500]
    failures = Counter(str(p.status) for p in failed)
    windows = [(f.start, f.end + FAULT_TAIL) for f in soak.faults]
    during = [p.ms for p in posts if any(a <= p.start <= b for a, b in windows)]
    report.add(
        f"POSTs: {len(ok)}/{len(posts)} 2xx; failed: {len(failed)}"
        + (" (" + ", ".join(f"{n} x {s}" for s, n in failures.items()) + ")" if failed else "")
    )
    ends = [p.start + p.ms / 1000 for p in ok]
    span = max(ends) - min(p.start for p in ok) if ok else 0.0
    report.add(
        f"  achieved {len(ok) / span if span else 0:.1f} 2xx/s; latency from when each POST "
        "was due (open loop)"
    )
    report.add(f"  latency, all: {ms([p.ms for p in posts])}")
    calm = [p.ms for p in posts if not any(a <= p.start <= b for a, b in windows)]
    report.add(f"  latency during faults (start to end + 5 s, {len(during)} POSTs): {ms(during)}")
    report.add(f"  latency outside faults ({len(calm)} POSTs): {ms(calm)}")
    if server_errors:
        report.losses.append(f"{len(server_errors)} POSTs answered 5xx")

    # Stored once, evaluated.
    lost = sorted(ok_ids - set(checkins))
    unevaluated = sorted(c for c in ok_ids & set(checkins) if checkins[c].evaluated_at is None)
    extra = len(set(checkins) - ok_ids)
    report.add(
        f"check-ins: {len(ok_ids & set(checkins))}/{len(ok_ids)} 2xx stored (ids are the primary "
        f"key: once each), {len(ok_ids) - len(lost) - len(unevaluated)} evaluated; "
        f"{extra} stored whose POST failed on the client"
    )
    if lost:
        report.losses.append(f"{len(lost)} 2xx check-ins not stored: {', '.join(lost[:5])}")
    if unevaluated:
        report.losses.append(
            f"{len(unevaluated)} check-ins not evaluated {cfg.recovery_wait:.0f} s after the load "
            f"(--recovery-wait): {', '.join(unevaluated[:5])}"
        )
    enqueues = [r.enqueue_count for r in checkins.values()]
    requeued = Counter()
    for name in soak.stack.workers:
        for n, what in REQUEUED.findall(_read(soak.rundir / f"{name}.log")):
            requeued[what] += int(n)
    report.add(
        f"  reconciler: {sum(enqueues)} check-in re-enqueues for {sum(1 for e in enqueues if e)} "
        f"check-ins (at most {max(enqueues, default=0)} for one); {requeued['delivery']} "
        "delivery re-enqueues (worker logs)"
    )

    # One urgent alert per item-9 check-in.
    per_checkin = Counter(str(a.checkin_id) for a in alerts)
    missing = sorted(c for c in urgent_ids if per_checkin[c] == 0)
    doubled = sorted(c for c in urgent_ids if per_checkin[c] > 1)
    unexpected = sum(n for c, n in per_checkin.items() if c not in urgent_ids)
    report.add(
        f"urgent alerts: {sum(1 for c in urgent_ids if per_checkin[c] == 1)}/{len(urgent_ids)} "
        f"item-9 check-ins with exactly one; {len(missing)} with none, {len(doubled)} with more; "
        f"{unexpected} other urgent alerts"
    )
    if missing:
        report.losses.append(f"{len(missing)} item-9 check-ins without an urgent alert")
    if doubled:
        report.losses.append(f"{len(doubled)} item-9 check-ins with more than one urgent alert")

    # Each delivered: the database says sent, the sink or the receiver has it.
    ours = {str(a.id) for a in alerts if str(a.checkin_id) in urgent_ids}
    mails = soak.sink.received()
    hooks = soak.receiver.received()
    mailed = Counter((m.alert_id, m.rcpt.lower()) for m in mails)
    hook_ids = Counter(h["headers"].get("X-Waypoint-Delivery") for h in hooks)
    from .services import _signed

    unsigned = sum(1 for h in hooks if not _signed(h["headers"], h["body"], soak.secret))
    undelivered, channels = [], Counter()
    for alert_id in ours:
        sends = [d for d in deliveries if str(d.alert_id) == alert_id]
        kinds_of = {d.channel for d in sends}
        for needed in ("email", "webhook"):
            if needed not in kinds_of:
                undelivered.append(f"alert {alert_id} has no {needed} delivery")
        for d in sends:
            channels[d.channel] += 1
            if d.status != "sent":
                undelivered.append(f"delivery {d.id} ({d.channel}) is {d.status}")
            elif d.channel == "email":
                staff_id = int(d.recipient.split(":", 1)[1])
                address = soak.staff_emails.get(staff_id, "").lower()
                if not mailed[(alert_id, address)]:
                    undelivered.append(f"delivery {d.id} (email) never reached the sink")
            elif d.channel == "webhook" and not hook_ids[str(d.id)]:
                undelivered.append(f"delivery {d.id} (webhook) never reached the receiver")
    report.add(
        f"deliveries: {sum(channels.values()) - len(undelivered)}/{sum(channels.values())} of "
        f"the {len(ours)} urgent alerts sent and received ("
        + ", ".join(f"{n} {c}" for c, n in sorted(channels.items()))
        + f"); {len(undelivered)} undelivered; {unsigned} webhooks with a bad signature"
    )
    if undelivered:
        report.losses.append(f"{len(undelivered)} undelivered: {'; '.join(undelivered[:5])}")
    if unsigned:
        report.losses.append(f"{unsigned} webhooks with a bad signature")

    # Duplicates, and how each can be dropped.
    mail_dups = sum(n - 1 for n in mailed.values() if n > 1)
    by_key: dict = {}
    for m in mails:
        by_key.setdefault((m.alert_id, m.rcpt.lower()), []).append(m)
    same_id = sum(len(group) - len({m.message_id for m in group}) for group in by_key.values())
    hook_dups = sum(n - 1 for n in hook_ids.values() if n > 1)
    report.add(
        f"duplicate notifications: {mail_dups} emails (same alert and recipient; {same_id} of "
        f"them with the first one's Message-ID), {hook_dups} webhooks (same "
        "X-Waypoint-Delivery id)"
    )
    attempts = {str(d.id): d.attempts for d in deliveries}
    for (alert_id, _rcpt), group in by_key.items():
        if len(group) > 1:
            ats = ", ".join(f"+{m.at - t0:.1f} s" for m in group)
            report.add(f"  email for alert {alert_id[:8]} arrived {len(group)} times at {ats}; "
                       f"the first {_near(soak, group[0].at)}")  # fmt: skip
    for delivery_id, n in hook_ids.items():
        if n > 1:
            ats = [h["at"] for h in hooks if h["headers"].get("X-Waypoint-Delivery") == delivery_id]
            report.add(
                f"  webhook delivery {delivery_id} arrived {n} times at "
                + ", ".join(f"+{at - t0:.1f} s" for at in ats)
                + f" ({attempts.get(delivery_id, '?')} attempts recorded); the first "
                + _near(soak, min(ats))
            )

    # The worst queue depth.
    depth = soak.depth
    queues = ", ".join(f"{q} {n}" for q, n in sorted(depth.worst_by_queue.items()) if n)
    report.add(
        f"worst queue depth: {depth.worst} messages at +{max(0.0, depth.worst_at - t0):.0f} s "
        f"({queues or 'empty'}); at most {depth.worst_unacked} unacknowledged"
    )

    # Recovery after the last Redis outage, beside the workers' own evaluation span.
    outages = [f for f in soak.faults if f.kind == "redis"]
    if outages:
        back = outages[-1].end
        _recovery(report, soak, back, checkins, alerts, deliveries)
    else:
        report.add("recovery after the last Redis outage: no Redis outage in this run")
    if soak.recovered_at is None:
        report.add(
            f"not everything was done {soak.cfg.recovery_wait:.0f} s after the load "
            "(--recovery-wait): what is left is counted as lost below"
        )
    report.add("verdict: " + ("LOSS: " + "; ".join(report.losses) if report.losses else "no loss"))
    report.numbers |= {
        "posts": len(posts), "ok": len(ok), "failed": len(failed), "lost": len(lost),
        "unevaluated": len(unevaluated), "urgent": len(urgent_ids), "missing": len(missing),
        "doubled": len(doubled), "undelivered": len(undelivered), "mail_dups": mail_dups,
        "hook_dups": hook_dups, "worst_depth": depth.worst, "faults": dict(kinds),
    }  # fmt: skip
    return report


def _recovery(report, soak, back: float, checkins, alerts, deliveries) -> None:
    backlog = [
        r for r in checkins.values()
        if r.received_at.timestamp() < back
        and (r.evaluated_at is None or r.evaluated_at.timestamp() > back)
    ]  # fmt: skip
    if not backlog:
        report.add("recovery after the last Redis outage: nothing was outstanding when it returned")
        return
    done = [r.evaluated_at.timestamp() for r in backlog if r.evaluated_at is not None]
    backlog_ids = {str(r.id) for r in backlog}
    alert_ids = {str(a.id) for a in alerts if str(a.checkin_id) in backlog_ids}
    sent = [
        d.sent_at.timestamp()
        for d in deliveries
        if str(d.alert_id) in alert_ids and d.sent_at is not None
    ]
    if len(done) < len(backlog):
        report.add(
            f"recovery after the last Redis outage (+{back - soak.t0:.0f} s): "
            f"{len(backlog) - len(done)} of {len(backlog)} outstanding check-ins not evaluated "
            "by the end of the wait"
        )
        return
    evaluated_s = max(done) - back
    alerted_s = (max(sent) - back) if sent else 0.0
    span = max(done) - min(done)
    verdict = "met" if max(evaluated_s, alerted_s) <= RECOVERY_TARGET else "missed"
    report.add(
        f"recovery after the last Redis outage (+{back - soak.t0:.0f} s): {len(backlog)} "
        f"outstanding check-ins evaluated by +{evaluated_s:.1f} s, their {len(alert_ids)} urgent "
        f"alerts sent by +{alerted_s:.1f} s | floor {span:.1f} s (the workers' own evaluation "
        f"span of that backlog) | target within {RECOVERY_TARGET:.0f} s | {verdict}"
    )
    report.numbers.update(evaluated_s=evaluated_s, alerted_s=alerted_s, span_s=span)


def _near(soak, at: float) -> str:
    """The fault around or before ``at``: what most likely caused the repeat."""
    before = [f for f in soak.faults if f.start <= at]
    if not before:
        return "before any fault"
    fault = before[-1]
    when = "during" if at <= fault.end + FAULT_TAIL else "after"
    return f"{when} the {fault.kind} fault of +{fault.start - soak.t0:.1f} s"


def _read(path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def record(report: Report, path, heading: str, command: str = "make chaos") -> None:
    """Append the report to RESULTS.md under ``heading`` (added once), titled by its first line
    without the "Waypoint <what>" it starts with."""
    text = path.read_text()
    if heading not in text:
        text = text.rstrip("\n") + f"\n\n{heading}\n\nEach run as `{command}` printed it, "
        text += "appended by `--record` (newest last).\n"
    first = report.lines[0]
    title = re.sub(r"^Waypoint (chaos soak|multi-node run) ", "", first)
    text = text.rstrip("\n") + f"\n\n### {title}\n\n```\n"
    text += report.text() + "\n```\n"
    path.write_text(text)
