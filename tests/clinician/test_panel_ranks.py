"""The panel's stored ranking inputs (api/panel/ranks.py): every page the same as ranking every
patient live, before the worker's refresh, after it, and after changes of every kind made
since (by the ORM, by bulk statements, by raw SQL); an update of a column the ranking does not
read lists nothing; a change committed while a refresh runs is never lost."""

import random
import uuid
from datetime import timedelta

import sqlalchemy as sa

from api.extensions import db
from api.models import (
    Alert,
    CheckinDue,
    PanelRank,
    PanelRankDirty,
    Patient,
    PatientSummary,
    RiskFlag,
)
from api.models.base import utcnow
from api.panel import operations, ranks
from tests.support.answers import SAMPLE_ANSWERS
from tests.support.records import checkin_of

SORTS = ("risk", "name", "last_checkin", "booster_due")
#: Filters a clinician uses, each with every sort.
FILTERS = (
    {},
    {"include_discharged": True},
    {"overdue": True},
    {"overdue": False},
    {"has_open_alerts": True},
    {"status": "worsening"},
)
RULES = {
    "imminent": ["asq_imminent"],
    "urgent": ["suicidal_ideation"],
    "high": ["severe_score", "side_effects_severe"],
    "routine": ["not_on_track", "missed_checkins", "booster_overdue", "induction_incomplete"],
}


def _walk(clinic_id, args, limit=7) -> list:
    """Every row of the panel for ``args``, page by page (small pages: the cursors too)."""
    rows, cursor = [], None
    while True:
        page = operations.panel_page(clinic_id, {**args, "limit": limit, "cursor": cursor})
        rows += [
            (r["id"], r["risk"]["label"], r["overdue"], r["open_alerts"], r["oldest_open_alert_at"])
            for r in page["items"]
        ]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


def _all_pages(clinic_id) -> dict:
    return {
        (sort, tuple(sorted(f.items()))): _walk(clinic_id, {"sort": sort, **f})
        for sort in SORTS
        for f in FILTERS
    }


def _same_as_live(clinic_id, monkeypatch) -> dict:
    """The panel's pages, asserted equal to the pages of an all-live ranking; returns them."""
    stored = _all_pages(clinic_id)
    with monkeypatch.context() as live:
        live.setattr(ranks, "stored", lambda: False)
        assert _all_pages(clinic_id) == stored
    return stored


def _listed(db_session) -> set:
    return set(db_session.scalars(sa.select(PanelRankDirty.patient_id)))


def _clinic(db_session, create_clinic, create_patient, add_alert, chance, size=40):
    """Patients with every kind of input: alerts of each priority (open, acknowledged,
    resolved), safety screens resolved inside and outside the hold, relapse flags, slots due
    past and ahead, summaries worsening or not, some discharged."""
    clinic = create_clinic()
    now = utcnow()
    patients = []
    for _ in range(size):
        patient = create_patient(clinic, display_name=f"Patient {chance.randrange(1000):03d}")
        patients.append(patient)
        for _ in range(chance.choice([0, 0, 1, 2])):
            priority = chance.choice(list(RULES))
            alert = add_alert(
                patient,
                priority=priority,
                rule=chance.choice(RULES[priority]),
                status=chance.choice(["open", "open", "acknowledged", "resolved"]),
                ago=timedelta(hours=chance.randrange(1, 400)),
            )
            if alert.status == "resolved":
                alert.resolved_at = now - timedelta(days=chance.choice([1, 13, 15, 40]))
        if chance.random() < 0.25:
            db_session.add(
                RiskFlag(
                    clinic_id=clinic.id,
                    patient_id=patient.id,
                    kind="relapse",
                    instrument="phq9",
                    dedupe_key=f"test:{uuid.uuid4()}",
                    lowest=4,
                    lowest_at=now - timedelta(days=30),
                    latest=15,
                    latest_at=now - timedelta(days=1),
                    dismissed_at=now if chance.random() < 0.3 else None,
                )
            )
        for _ in range(chance.choice([0, 1, 2])):
            db_session.add(
                CheckinDue(
                    patient_id=patient.id,
                    instrument=chance.choice(["phq9", "gad7"]),
                    due_at=now + timedelta(hours=chance.randrange(-200, 200)),
                    reason="scheduled",
                )
            )
        if chance.random() < 0.8:
            db_session.add(
                PatientSummary(
                    patient_id=patient.id,
                    worsening=chance.random() < 0.3,
                    severity_rank=chance.randrange(0, 5),
                    trend_status=chance.choice(["worsening", "responding", "no_response", None]),
                    last_checkin_at=now - timedelta(hours=chance.randrange(1, 500)),
                    instruments={},
                )
            )
        if chance.random() < 0.1:
            patient.status = "discharged"
    db_session.flush()
    return clinic, patients


def test_pages_equal_the_live_ranking_before_and_after_refreshes_and_changes(
    db_session, create_clinic, create_patient, add_alert, monkeypatch
):
    chance = random.Random(24)
    clinic, patients = _clinic(db_session, create_clinic, create_patient, add_alert, chance)
    # Another clinic's patients, stored and listed beside these: never on this clinic's pages.
    _, others = _clinic(db_session, create_clinic, create_patient, add_alert, chance, size=15)
    one, two, three, four, five, six, seven = chance.sample(patients, 7)
    now = utcnow()
    # What the changes below will change, so that each of them changes something.
    add_alert(two, priority="high", rule="severe_score")
    db_session.add_all(
        [
            CheckinDue(patient_id=three.id, instrument="gad7", due_at=now, reason="scheduled"),
            RiskFlag(
                clinic_id=clinic.id, patient_id=four.id, kind="relapse", instrument="gad7",
                dedupe_key=f"test:{uuid.uuid4()}", lowest=2, lowest_at=now, latest=12,
                latest_at=now,
            ),
        ]
    )  # fmt: skip
    db_session.merge(PatientSummary(patient_id=five.id, worsening=True, instruments={}))
    db_session.flush()
    ids = {p.id for p in patients}
    assert ids <= _listed(db_session)  # new patients, each listed by its own insert
    before = _same_as_live(clinic.id, monkeypatch)

    assert ranks.refresh_ranks(batch=16) >= len(ids)  # several rounds of 16
    assert _listed(db_session).isdisjoint(ids)
    stored = db_session.scalar(
        sa.select(sa.func.count()).select_from(PanelRank).where(PanelRank.clinic_id == clinic.id)
    )
    assert stored == len(ids)
    assert _same_as_live(clinic.id, monkeypatch) == before  # now read from the stored rows
    add_alert(others[0], priority="imminent", rule="asq_imminent")  # listed, ranked live
    db_session.flush()
    shown = {row[0] for pages in _same_as_live(clinic.id, monkeypatch).values() for row in pages}
    assert shown <= ids and shown.isdisjoint({p.id for p in others})
    assert ids <= shown  # every patient, on some page (discharged ones with include_discharged)

    # The ORM: an urgent alert raised, another acknowledged.
    add_alert(one, priority="urgent", rule="suicidal_ideation")
    for alert in db_session.scalars(sa.select(Alert).where(Alert.patient_id == two.id)):
        alert.status = "acknowledged"
    # Bulk statements: a slot completed, a relapse flag dismissed, a summary rewritten.
    answered = checkin_of(db_session, three, "phq9", SAMPLE_ANSWERS["phq9"], now)
    db_session.execute(
        sa.update(CheckinDue)
        .where(CheckinDue.patient_id == three.id)
        .values(completed_checkin_id=answered.id)
    )
    db_session.execute(
        sa.update(RiskFlag).where(RiskFlag.patient_id == four.id).values(dismissed_at=now)
    )
    db_session.execute(sa.delete(PatientSummary).where(PatientSummary.patient_id == five.id))
    # Raw SQL: a safety screen resolved long ago, a patient discharged.
    db_session.execute(
        sa.text(
            "INSERT INTO alerts (id, clinic_id, patient_id, dedupe_key, rule, priority, reason,"
            " status, created_at, red_flag, resolved_at)"
            " VALUES (:id, :clinic, :patient, :key, 'suicidal_ideation', 'urgent', 'test',"
            " 'resolved', :at, true, :at)"
        ),
        {"id": uuid.uuid4(), "clinic": clinic.id, "patient": six.id, "key": str(uuid.uuid4()),
         "at": now - timedelta(days=2)},
    )  # fmt: skip
    db_session.execute(sa.text("UPDATE patients SET status = 'discharged' WHERE id = :id"),
                       {"id": seven.id})  # fmt: skip
    newcomer = create_patient(clinic, display_name="Newcomer")
    add_alert(newcomer, priority="high", rule="severe_score")
    db_session.flush()
    changed = {p.id for p in (one, two, three, four, five, six, seven, newcomer)}
    assert changed <= _listed(db_session)
    after = _same_as_live(clinic.id, monkeypatch)
    assert after != before
    risk = [row[0] for row in after[("risk", ())]]
    assert risk.index(one.id) < risk.index(newcomer.id)  # urgent before high
    assert seven.id not in risk

    ranks.refresh_ranks()
    assert _listed(db_session).isdisjoint(ids | {newcomer.id})
    assert _same_as_live(clinic.id, monkeypatch) == after

    # The time alone moves patients: slots fall overdue, a safety screen's hold ends.
    later = now + timedelta(days=3)
    monkeypatch.setattr(operations, "utcnow", lambda: later)
    assert _same_as_live(clinic.id, monkeypatch) != after


def test_first_pages_from_the_index_equal_the_live_ranking_at_every_size_and_time(
    db_session, create_clinic, create_patient, add_alert, monkeypatch
):
    """The default panel's first page is read from the stored rows' index (ranks.first_inputs):
    at every page size, with and without discharged patients, now and as time moves (slots
    fall overdue, safety holds end), with stored and listed patients mixed, it is the page
    ranking every patient live gives, row for row and field for field."""
    chance = random.Random(2024)
    clinic, patients = _clinic(db_session, create_clinic, create_patient, add_alert, chance)
    now = utcnow()
    # Patients the index's first rows alone would miss: no signal but an overdue slot (tier 4,
    # stored as 6) at low severity, and safety screens resolved inside the hold (tier 2).
    for n in range(24):
        quiet = create_patient(clinic, display_name=f"Quiet {n}")
        db_session.add(
            PatientSummary(
                patient_id=quiet.id, worsening=False, severity_rank=n % 3, instruments={}
            )
        )
        hours = chance.randrange(-300, 300)
        db_session.add(
            CheckinDue(
                patient_id=quiet.id, instrument="phq9", due_at=now + timedelta(hours=hours),
                reason="scheduled",
            )
        )  # fmt: skip
        if n % 6 == 0:
            alert = add_alert(quiet, priority="urgent", rule="suicidal_ideation", status="resolved")
            alert.resolved_at = now - timedelta(days=chance.choice([1, 5, 13]))
    db_session.flush()
    ranks.refresh_ranks()
    # Some changed since, ranked live beside the stored rows.
    for patient in chance.sample(patients, 5):
        add_alert(patient, priority=chance.choice(["high", "routine"]), rule="severe_score")
    db_session.flush()
    assert _listed(db_session)

    read = []
    first_inputs = ranks.first_inputs
    monkeypatch.setattr(ranks, "first_inputs", lambda *a: read.append(a[-1]) or first_inputs(*a))
    operations._statement.cache_clear()
    try:
        _first_pages_equal_the_live_ones(clinic, now, monkeypatch)
        # Stored rows alone once nobody of the clinic is listed (ranks.any_listed).
        ranks.refresh_ranks()
        assert not ranks.any_listed(clinic.id)
        _first_pages_equal_the_live_ones(clinic, now, monkeypatch)
    finally:
        operations._statement.cache_clear()
    assert set(read) == {True, False}  # the index's path, with listed patients and without


def _first_pages_equal_the_live_ones(clinic, now, monkeypatch) -> None:
    for days in (0, 2, 6, 15):
        monkeypatch.setattr(operations, "utcnow", lambda days=days: now + timedelta(days=days))
        for discharged in ({}, {"include_discharged": True}):
            for limit in (1, 2, 3, 5, 8, 13, 21, 34, 55, 90):
                args = {"sort": "risk", "limit": limit, **discharged}
                page = operations.panel_page(clinic.id, args)
                with monkeypatch.context() as live:
                    live.setattr(ranks, "stored", lambda: False)
                    assert operations.panel_page(clinic.id, args) == page, (days, args)
                if limit == 90:  # every patient: the tiers the time moved are there
                    labels = {row["risk"]["label"] for row in page["items"]}
                    assert {"Check-in overdue", "Positive safety screen"} <= labels


def test_a_patient_moved_to_another_clinic_leaves_the_first_clinics_pages_at_once(
    db_session, create_clinic, create_patient, add_alert
):
    """Moved by hand (psql, a data fix): the stored row still names the old clinic until the
    refresh, and the move lists the patient, so neither clinic's pages read that row."""
    first, second = create_clinic(), create_clinic()
    moved = create_patient(first, display_name="Moved")
    stays = create_patient(first, display_name="Stays")
    add_alert(moved)
    db_session.flush()
    ranks.refresh_ranks()
    assert not ranks.any_listed(first.id)
    db_session.execute(
        sa.text("UPDATE patients SET clinic_id = :c WHERE id = :p"), {"c": second.id, "p": moved.id}
    )
    assert ranks.any_listed(first.id) and ranks.any_listed(second.id)
    for args in ({"sort": "risk"}, {"sort": "name"}, {"sort": "risk", "overdue": False}):
        assert [r["id"] for r in operations.panel_page(first.id, args)["items"]] == [stays.id]
        assert [r["id"] for r in operations.panel_page(second.id, args)["items"]] == [moved.id]
    ranks.refresh_ranks()
    assert [r["id"] for r in operations.panel_page(first.id, {"sort": "risk"})["items"]] == [
        stays.id
    ]


def test_an_update_of_a_column_the_ranking_does_not_read_lists_nobody(
    db_session, create_clinic, create_patient, add_alert
):
    clinic = create_clinic()
    patient = create_patient(clinic)
    alert = add_alert(patient, priority="routine", rule="missed_checkins")
    db_session.add(
        CheckinDue(patient_id=patient.id, instrument="phq9", due_at=utcnow(), reason="scheduled")
    )
    db_session.flush()
    ranks.refresh_ranks()
    assert _listed(db_session) == set()
    # A reminder's stamp, an escalation's next deadline, the patient's name: not inputs.
    db_session.execute(sa.update(CheckinDue).values(reminded_at=utcnow()))
    db_session.execute(sa.update(Alert).where(Alert.id == alert.id).values(escalate_at=utcnow()))
    db_session.execute(sa.update(Patient).where(Patient.id == patient.id).values(display_name="B"))
    assert _listed(db_session) == set()
    db_session.execute(sa.update(Alert).where(Alert.id == alert.id).values(status="resolved"))
    assert _listed(db_session) == {patient.id}


def test_an_erased_patient_leaves_no_stored_row(
    db_session, create_clinic, create_patient, add_alert
):
    patient = create_patient(create_clinic())
    add_alert(patient)
    ranks.refresh_ranks()
    assert db_session.get(PanelRank, patient.id) is not None
    db_session.execute(sa.delete(Patient).where(Patient.id == patient.id))
    assert db_session.get(PanelRank, patient.id) is None
    assert ranks.refresh_ranks() == 1  # the cascaded deletes listed the id: dropped
    assert _listed(db_session) == set()


def test_a_change_committed_during_a_refresh_is_not_lost(committed_db):
    """An urgent alert committed after the refresh read the inputs, before it unlisted what it
    had read: the stored row lacks it, and it stays listed, so the panel ranks it live (real
    commits, a second connection)."""
    from api.models import Clinic
    from api.patients.operations import enrol_patient

    clinic = Clinic(name="Race clinic", timezone="UTC")
    committed_db.add(clinic)
    committed_db.flush()
    patient = enrol_patient(clinic, display_name="Raced")
    committed_db.commit()
    patient_id, clinic_id = patient.id, clinic.id

    other = db.engine.connect()
    raced = []

    def raise_alert_first(conn, cursor, statement, *_):
        if statement.startswith("DELETE FROM panel_rank_dirty") and not raced:
            raced.append(True)
            with other.begin():
                other.execute(
                    sa.insert(Alert).values(
                        id=uuid.uuid4(), clinic_id=clinic_id, patient_id=patient_id,
                        dedupe_key=f"race:{uuid.uuid4()}", rule="suicidal_ideation",
                        priority="urgent", reason="race", status="open", created_at=utcnow(),
                        red_flag=True,
                    )
                )  # fmt: skip

    sa.event.listen(db.engine, "before_cursor_execute", raise_alert_first)
    try:
        ranks.refresh_ranks()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", raise_alert_first)
        other.close()
    assert raced
    assert committed_db.get(PanelRank, patient_id).n_urgent == 0  # stored before the alert
    assert _listed(committed_db) == {patient_id}  # ... and listed by it
    page = operations.panel_page(clinic_id, {"sort": "risk", "limit": 5})
    assert page["items"][0]["risk"]["label"] == "Urgent alert"
    committed_db.commit()
    ranks.refresh_ranks()
    committed_db.expire_all()
    assert committed_db.get(PanelRank, patient_id).n_urgent == 1
    assert (
        operations.panel_page(clinic_id, {"sort": "risk"})["items"][0]["open_alerts"]["urgent"] == 1
    )
