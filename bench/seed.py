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
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

import surveys
from api.auth.passwords import hash_password
from api.auth.principal import hash_token
from api.models.patients import DEFAULT_SCHEDULE
from surveys.rules import is_red_flag

BENCH_PASSWORD = "bench-password-not-for-production"  # noqa: S105 (synthetic staff only)
Row = namedtuple("Row", "id instrument completed_at total safety_endorsed")


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
        conn.execute(
            sa.text("INSERT INTO care_team (patient_id, staff_id) VALUES (:p, :s)"),
            [{"p": p, "s": rng.choice(staff[c])} for p, c in patients],
        )
        big = clinic_ids[0]
        trend_patient = next(p for p, c in patients if c == big)
        checkins, alerts, summaries, sessions = _history(
            conn, sizes, patients, trend_patient, pool, rng, now
        )
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
            "checkins": checkins,
            "alerts": alerts,
            "summaries": summaries,
            "sessions": sessions,
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


def _history(conn, sizes: Sizes, patients, trend_patient, pool: AnswerPool, rng, now):
    """Check-ins, courses and sessions, safety alerts, dues and summaries of every patient."""
    from surveys.summary import courses_of, summarise, trend_points

    counts = _counts(sizes, patients, trend_patient, rng)
    # fmt: off
    columns = [
        "id", "patient_id", "clinic_id", "instrument", "instrument_version", "answers",
        "payload_hash", "total", "severity", "safety_endorsed", "safety_level", "result",
        "prorated", "completed_at", "received_at", "evaluated_at", "enqueue_count",
    ]
    # fmt: on
    versions = {code: surveys.get_definition(code).version for code in ("phq9", "gad7")}
    settings = surveys.RuleSettings()
    alert_rows, summary_rows, session_rows, course_rows, due_rows = [], [], [], [], []
    flag_rows = []  # relapses under review, as storing the summary raises them
    course_id = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM treatment_courses"))

    def rows():
        nonlocal course_id
        for pid, clinic in patients:
            n = counts[pid]
            step = timedelta(hours=12) if pid == trend_patient else timedelta(days=3)
            first = now - step * n - timedelta(hours=1)
            baseline, gain = rng.randint(10, 24), rng.uniform(-0.2, 0.8)
            history = []
            sessions = []
            if rng.random() < 0.7:
                course_id += 1
                start = first + timedelta(days=2)
                course_rows.append((course_id, pid, "Ketamine course", start, start))
                sessions = [start + timedelta(days=3.5 * k) for k in range(6)]
                session_rows.extend(
                    (
                        uuid.UUID(int=rng.getrandbits(128), version=4),
                        pid,
                        course_id,
                        at,
                        "iv",
                        start,
                    )
                    for at in sessions
                )
            for k in range(n):
                code = "phq9" if pid == trend_patient or k % 3 != 2 else "gad7"
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
                    for hit in surveys.safety_hits(surveys.get_definition(code), facts, settings):
                        recent = now - at < timedelta(days=7)
                        alert_rows.append(
                            _alert(pid, clinic, cid, hit, at, "open" if recent else "resolved")
                        )
                digest = hashlib.sha256(
                    json.dumps([code, answers, at.isoformat()], sort_keys=True).encode()
                )
                yield (
                    cid,
                    pid,
                    clinic,
                    code,
                    versions[code],
                    json.dumps(answers),
                    digest.hexdigest(),
                    score.total,
                    score.severity,
                    score.safety.endorsed,
                    score.safety.level,
                    score.result,
                    False,
                    at,
                    at + timedelta(seconds=2),
                    at + timedelta(seconds=3),
                    0,
                )
            course_start = courses_of((0, at) for at in sessions)
            values = summarise(
                trend_points(history), course_start[-1].start if course_start else None
            )
            flag_rows.extend(_relapses(pid, clinic, values["instruments"], now))
            summary_rows.append(
                (
                    pid,
                    values["worsening"],
                    values["severity_rank"],
                    values["trend_status"],
                    values["last_checkin_at"],
                    values["course_start"],
                    json.dumps(values["instruments"]),
                    now,
                )
            )
            due_rows.append((pid, "phq9", history[-1].completed_at + timedelta(days=7), "cadence"))

    checkins = copy_rows(conn, "checkins", columns, rows())
    copy_rows(
        conn,
        "treatment_courses",
        ["id", "patient_id", "label", "started_at", "created_at"],
        course_rows,
    )
    conn.execute(
        sa.text(
            "SELECT setval('treatment_courses_id_seq', (SELECT max(id) FROM treatment_courses))"
        )
    )
    copy_rows(
        conn,
        "treatment_sessions",
        ["id", "patient_id", "course_id", "administered_at", "modality", "created_at"],
        session_rows,
    )
    copy_rows(
        conn,
        "alerts",
        [
            "id",
            "clinic_id",
            "patient_id",
            "checkin_id",
            "dedupe_key",
            "rule",
            "priority",
            "reason",
            "answered_at",
            "status",
            "created_at",
            "escalation_level",
            "red_flag",
            "resolved_at",
        ],
        alert_rows,
    )
    # fmt: off
    copy_rows(
        conn,
        "risk_flags",
        ["clinic_id", "patient_id", "kind", "instrument", "dedupe_key", "lowest", "lowest_at",
         "latest", "latest_at", "raised_at"],
        flag_rows,
    )
    # fmt: on
    copy_rows(conn, "checkins_due", ["patient_id", "instrument", "due_at", "reason"], due_rows)
    copy_rows(
        conn,
        "patient_summaries",
        [
            "patient_id",
            "worsening",
            "severity_rank",
            "trend_status",
            "last_checkin_at",
            "course_start",
            "instruments",
            "updated_at",
        ],
        summary_rows,
    )
    conn.execute(sa.text("ANALYZE"))
    return checkins, len(alert_rows), len(summary_rows), len(session_rows)


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
