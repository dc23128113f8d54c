"""A synthetic clinic network loaded fast: COPY through SQLAlchemy's connection.

Every check-in is valid: its answers are scored by ``surveys.score`` (each distinct answer
vector once), its safety alerts come from ``surveys.safety_hits``, and each patient's
stored summary from ``surveys.summary`` (the functions the app itself uses). History
is already evaluated, and seeded alerts never escalate, so the worker starts idle and the
only notifications in a run are the ones the run itself causes.
"""

import hashlib
import json
import random
import secrets
import uuid
from collections import Counter, namedtuple
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

import surveys
from api.auth.passwords import hash_password
from api.auth.principal import hash_token
from api.models.patients import DEFAULT_SCHEDULE
from surveys.rules import is_red_flag

from . import clinical

BENCH_PASSWORD = "bench-password-not-for-production"  # noqa: S105 (synthetic staff only)
Row = namedtuple("Row", "id instrument completed_at total safety_endorsed")
# fmt: off
ALERT_COLUMNS = [
    "id", "clinic_id", "patient_id", "checkin_id", "dedupe_key", "rule", "priority", "reason",
    "answered_at", "status", "created_at", "escalation_level", "red_flag", "resolved_at",
    "case_id",
]
#: Table -> columns, in the order each chunk is copied (a row's foreign keys come first).
COPY_ORDER = {
    "checkins": [
        "id", "patient_id", "clinic_id", "instrument", "instrument_version", "answers",
        "payload_hash", "total", "severity", "safety_endorsed", "safety_level", "result",
        "prorated", "completed_at", "received_at", "evaluated_at", "enqueue_count",
    ],
    "treatment_courses": ["id", "patient_id", "label", "started_at", "created_at", "plan"],
    **clinical.TABLES,
    "cases": clinical.CASE_COLUMNS,
    "alerts": ALERT_COLUMNS,
    "case_contacts": clinical.CONTACT_COLUMNS,
    "patient_follow_ups": clinical.FOLLOW_UP_COLUMNS,
    "risk_flags": [
        "clinic_id", "patient_id", "kind", "instrument", "dedupe_key", "lowest", "lowest_at",
        "latest", "latest_at", "raised_at",
    ],
    "checkins_due": ["patient_id", "instrument", "due_at", "reason"],
    "patient_summaries": [
        "patient_id", "worsening", "severity_rank", "trend_status", "last_checkin_at",
        "course_start", "instruments", "updated_at",
    ],
}
# fmt: on


@dataclass
class Sizes:
    """How big the network is."""

    patients: int
    checkins: int
    clinics: int = 5
    #: Share of all patients in the clinic whose panel is measured (the largest).
    big_share: float = 0.5
    trend_checkins: int = 500
    #: Patients across the network given an invite for the load generator's sessions.
    invites: int = 100
    #: Patients whose rows are built and copied together (bounds the loader's memory).
    chunk: int = 2000


@dataclass
class Network:
    """What the benchmark needs to know about the seeded data."""

    big_clinic_id: int
    big_clinic_patients: int
    clinician_email: str
    trend_patient_id: uuid.UUID
    invite_tokens: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)


class AnswerPool:
    """Valid, scored answer vectors by instrument and total, sampled for the history."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.cache: dict = {}
        self.versions = {code: surveys.get_definition(code).version for code in ("phq9", "gad7")}
        self.settings = surveys.RuleSettings()

    def draw(self, code: str, target: int, endorse_item9: bool = False):
        """Answers whose total is near ``target``, and their score."""
        definition = surveys.get_definition(code)
        items = list(definition.scored_item_ids)
        values = [0] * len(items)
        for _ in range(max(0, min(target, 3 * len(items)))):
            choices = [i for i, v in enumerate(values) if v < 3 and items[i] != "phq9_9"]
            if not choices:
                break
            values[self.rng.choice(choices)] += 1
        if code == "phq9":
            values[items.index("phq9_9")] = self.rng.randint(1, 2) if endorse_item9 else 0
        answers = dict(zip(items, values, strict=True))
        if code == "phq9" and any(values):
            answers["phq9_difficulty"] = self.rng.randint(0, 3)
        key = (code, tuple(sorted(answers.items())))
        if key not in self.cache:
            self.cache[key] = surveys.score(definition, answers)
        return answers, self.cache[key]


def copy_rows(conn: sa.Connection, table: str, columns: list[str], rows) -> int:
    """COPY ``rows`` (tuples in ``columns`` order) into ``table``; how many."""
    raw = conn.connection.driver_connection
    count = 0
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def seed(
    engine: sa.Engine, sizes: Sizes, webhook_url: str, webhook_secret: str, seed_value: int = 8
) -> Network:
    """Load the network into an empty, migrated database."""
    rng = random.Random(seed_value)
    pool = AnswerPool(rng)
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        clinic_ids = _clinics(conn, sizes.clinics, webhook_url, webhook_secret)
        staff = _staff(conn, clinic_ids)
        patients = _patients(conn, sizes, clinic_ids, rng, now)
        copy_rows(
            conn,
            "care_team",
            ["patient_id", "staff_id"],
            ((p, rng.choice(staff[c])) for p, c in patients),
        )
        big = clinic_ids[0]
        trend_patient = next(p for p, c in patients if c == big)
        totals = _history(conn, sizes, patients, staff, trend_patient, pool, rng, now)
        others = [p for p, _ in patients if p != trend_patient]
        invitees = rng.sample(others, min(sizes.invites, len(others)))
        tokens = _invites(conn, invitees, now)
    return Network(
        big_clinic_id=big,
        big_clinic_patients=sum(1 for _, c in patients if c == big),
        clinician_email=f"clinician0@clinic{big}.bench",
        trend_patient_id=trend_patient,
        invite_tokens=tokens,
        counts={
            "clinics": len(clinic_ids),
            "patients": len(patients),
            "checkins": totals["checkins"],
            "alerts": totals["alerts"],
            "cases": totals["cases"],
            "summaries": totals["patient_summaries"],
            "sessions": totals["treatment_sessions"],
            "session readings": totals["session_readings"],
            "REMS records": totals["rems_records"],
            "intake answers": totals["intake_answers"],
            "home doses": totals["home_doses"],
            "forecasts": totals["booster_forecasts"],
        },
    )


def _clinics(conn, count: int, webhook_url: str, secret: str) -> list[int]:
    insert = sa.text(
        "INSERT INTO clinics (name, timezone, crisis_resources, rule_settings, webhook_url,"
        " webhook_secret, created_at) VALUES (:name, 'America/New_York', '[]', '{}', :url,"
        " :secret, now()) RETURNING id"
    )
    return [
        conn.scalar(insert, {"name": f"Bench clinic {n}", "url": webhook_url, "secret": secret})
        for n in range(count)
    ]


def _staff(conn, clinic_ids: list[int]) -> dict[int, list[int]]:
    password_hash = hash_password(BENCH_PASSWORD)
    staff: dict[int, list[int]] = {}
    for clinic_id in clinic_ids:
        for n in range(3):
            staff_id = conn.scalar(
                sa.text(
                    "INSERT INTO staff_users (clinic_id, email, name, role, password_hash,"
                    " recovery_codes, created_at) VALUES (:c, :e, :n, 'clinician', :h, '[]', now())"
                    " RETURNING id"
                ),
                {
                    "c": clinic_id,
                    "e": f"clinician{n}@clinic{clinic_id}.bench",
                    "n": f"Clinician {n}",
                    "h": password_hash,
                },
            )
            staff.setdefault(clinic_id, []).append(staff_id)
    return staff


def _patients(conn, sizes: Sizes, clinic_ids, rng, now) -> list[tuple[uuid.UUID, int]]:
    big_count = (
        max(2, round(sizes.patients * sizes.big_share)) if len(clinic_ids) > 1 else sizes.patients
    )
    patients = []
    for n in range(sizes.patients):
        clinic = clinic_ids[0] if n < big_count else clinic_ids[1 + n % (len(clinic_ids) - 1)]
        patients.append((uuid.UUID(int=rng.getrandbits(128), version=4), clinic))
    schedule = json.dumps(DEFAULT_SCHEDULE)
    copy_rows(
        conn,
        "patients",
        ["id", "clinic_id", "ref", "display_name", "timezone", "schedule", "status", "created_at"],
        (
            (
                pid,
                clinic,
                f"B-{n:06d}",
                f"Bench Patient {n:06d}",
                "America/New_York",
                schedule,
                "active",
                now - timedelta(days=400),
            )
            for n, (pid, clinic) in enumerate(patients)
        ),
    )
    return patients


def _history(conn, sizes: Sizes, patients, staff, trend_patient, pool: AnswerPool, rng, now):
    """Check-ins, care (``bench.clinical``), alerts and cases, dues and summaries of every
    patient, built and copied ``sizes.chunk`` patients at a time (the loader's memory stays
    that of one chunk whatever the network's size)."""
    counts = _counts(sizes, patients, trend_patient, rng)
    totals: Counter = Counter()
    course_id = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM treatment_courses"))
    for first in range(0, len(patients), sizes.chunk):
        out: dict[str, list] = {table: [] for table in COPY_ORDER}
        for pid, clinic in patients[first : first + sizes.chunk]:
            course_id += 1
            _patient(out, pid, clinic, staff[clinic], counts[pid], pid == trend_patient,
                     course_id, pool, rng, now)  # fmt: skip
        for table in COPY_ORDER:
            totals[table] += copy_rows(conn, table, COPY_ORDER[table], out[table])
    conn.execute(
        sa.text(
            "SELECT setval('treatment_courses_id_seq',"
            " (SELECT coalesce(max(id), 1) FROM treatment_courses))"
        )
    )
    # As the worker's refresh would: every patient's panel row stored, none left listed.
    from api.panel.ranks import rebuild_ranks

    totals["panel_ranks"] = rebuild_ranks(conn)
    conn.execute(sa.text("ANALYZE"))
    return totals


def _patient(out, pid, clinic, staff, n, is_trend, course_id, pool, rng, now) -> None:
    """One patient's rows into ``out`` (table -> rows)."""
    from surveys.summary import courses_of, summarise, trend_points

    clinician = rng.choice(staff)
    step = timedelta(hours=12) if is_trend else timedelta(days=3)
    first = now - step * n - timedelta(hours=1)
    baseline, gain = rng.randint(10, 24), rng.uniform(-0.2, 0.8)
    history, times, plan = [], [], None
    # The trend patient is on a course: its chart has the forecast band.
    if is_trend or rng.random() < 0.7:
        esketamine = not is_trend and rng.random() < clinical.ESKETAMINE_SHARE
        start = first + timedelta(days=2)
        plan, times = clinical.plan_sessions(
            "esketamine_label" if esketamine else "iv_series", start, now
        )
        label = "Esketamine course" if esketamine else "Ketamine course"
        out["treatment_courses"].append((course_id, pid, label, start, start, json.dumps(plan)))
        clinical.session_rows(rng, pid, clinic, course_id, esketamine, times, clinician, now, out)
        clinical.intake_rows(pid, clinician, start - timedelta(days=7), out)
        if not esketamine and rng.random() < clinical.HOME_DOSING_SHARE:
            clinical.home_dosing_rows(rng, pid, clinic, clinician, now, out)
    alerts = []
    for k in range(n):
        code = "phq9" if is_trend or k % 3 != 2 else "gad7"
        progress = k / max(1, n - 1)
        scale = 1 if code == "phq9" else 0.75
        target = round(scale * baseline * (1 - gain * progress) + rng.gauss(0, 2))
        endorse = code == "phq9" and rng.random() < 0.02
        answers, score = pool.draw(code, max(0, target), endorse)
        at = first + step * k
        cid = uuid.UUID(int=rng.getrandbits(128), version=4)
        history.append(Row(cid, code, at, score.total, score.safety.endorsed))
        if score.safety.endorsed:
            facts = surveys.CheckinFacts(checkin_id=str(cid), at=at, score=score)
            for hit in surveys.safety_hits(surveys.get_definition(code), facts, pool.settings):
                recent = now - at < timedelta(days=7)
                alerts.append(_alert(pid, clinic, cid, hit, at, "open" if recent else "resolved"))
        canonical = json.dumps([code, answers, at.isoformat()], sort_keys=True)
        digest = hashlib.sha256(canonical.encode())
        out["checkins"].append(
            (cid, pid, clinic, code, pool.versions[code], json.dumps(answers), digest.hexdigest(),
             score.total, score.severity, score.safety.endorsed, score.safety.level, score.result,
             False, at, at + timedelta(seconds=2), at + timedelta(seconds=3), 0)
        )  # fmt: skip
    cases, contacts, follow_ups, alert_rows = clinical.cases_of(alerts, clinician, rng, now)
    out["cases"] += cases
    out["alerts"] += alert_rows
    out["case_contacts"] += contacts
    out["patient_follow_ups"] += follow_ups
    points = trend_points(history)
    course = courses_of((course_id, at) for at in times)
    values = summarise(points, course[-1] if course else None)
    out["risk_flags"].extend(_relapses(pid, clinic, values["instruments"], now))
    out["patient_summaries"].append(
        (pid, values["worsening"], values["severity_rank"], values["trend_status"],
         values["last_checkin_at"], values["course_start"], json.dumps(values["instruments"]),
         now)
    )  # fmt: skip
    if times:
        out["booster_forecasts"].append(
            clinical.forecast_row(pid, course_id, plan, points, times, now)
        )
    due = history[-1].completed_at + timedelta(days=7)
    out["checkins_due"].append((pid, "phq9", due, "cadence"))


def _counts(sizes: Sizes, patients, trend_patient, rng) -> dict:
    """Check-ins per patient, half the mean to 1.5 times it, adding up to the total asked for."""
    others = [p for p, _ in patients if p != trend_patient]
    budget = max(len(others), sizes.checkins - sizes.trend_checkins)
    weights = [rng.uniform(0.5, 1.5) for _ in others]
    scale = budget / sum(weights)
    counts = {p: max(1, int(w * scale)) for p, w in zip(others, weights, strict=True)}
    short = budget - sum(counts.values())
    for p in rng.sample(others, len(others)):
        if short == 0:
            break
        if short > 0 or counts[p] > 1:
            counts[p] += 1 if short > 0 else -1
            short += -1 if short > 0 else 1
    counts[trend_patient] = sizes.trend_checkins
    return counts


def _relapses(patient_id, clinic_id, instruments: dict, now) -> list[tuple]:
    """The relapse flags a summary raises (``api.pipeline.summary.raise_relapse_flags``)."""
    rows = []
    for code, summary in instruments.items():
        episode = summary.get("episode")
        if episode and episode["worse_than_lowest"]:
            key = f"relapse:{patient_id}:{code}:{episode['lowest_checkin_id']}"
            rows.append(
                (clinic_id, patient_id, "relapse", code, key, episode["lowest"],
                 episode["lowest_at"], episode["latest"], episode["latest_at"], now)
            )  # fmt: skip
    return rows


def _alert(patient_id, clinic_id, checkin_id, hit, at, status):
    # Seeded alerts never escalate (escalate_at NULL): a run's notifications are its own.
    # Resolved a day after the answer: those of the last two weeks still flag their patient.
    return (
        uuid.uuid4(),
        clinic_id,
        patient_id,
        checkin_id,
        hit.key,
        hit.rule,
        hit.priority,
        hit.reason[:500],
        at,
        status,
        at + timedelta(seconds=2),
        0,
        is_red_flag(hit.rule),
        at + timedelta(days=1) if status == "resolved" else None,
    )


def _invites(conn, patient_ids, now) -> list[str]:
    tokens = [secrets.token_urlsafe(32) for _ in patient_ids]
    copy_rows(
        conn,
        "patient_invites",
        ["patient_id", "token_hash", "created_at", "expires_at"],
        (
            (pid, hash_token(t), now, now + timedelta(days=1))
            for pid, t in zip(patient_ids, tokens, strict=True)
        ),
    )
    return tokens
