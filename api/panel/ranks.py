"""The panel's ranking inputs per patient: aggregated live, or read from the worker's copy.

``live_inputs`` aggregates each patient's inputs from the tables that hold them (open alerts,
red-flag alerts, relapse flags, open check-ins due, the summary); ``inputs`` is what the panel
ranks: on PostgreSQL, the stored rows (``PanelRank``) of the patients not listed as stale, and
the live inputs of those listed (``PanelRankDirty``), in one statement; elsewhere every patient
live. ``refresh_ranks`` (the worker, every ``PANEL_RANK_SECONDS``) stores the listed patients'
live inputs and unlists them. api/models/panel.py says why a page is the same either way.
"""

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import surveys

from ..extensions import db
from ..models import Alert, CheckinDue, PanelRank, PanelRankDirty, Patient, PatientSummary, RiskFlag

NO_ALERT = len(surveys.PRIORITY_ORDER)
#: The words of a routine tier by the rule of its open routine alerts (the first that applies);
#: each rule's open alerts are counted per patient.
ROUTINE_RULE_LABELS = {
    "not_on_track": "Not on track",
    "missed_checkins": "Check-ins missed",
    "induction_incomplete": "Induction not completed",
    "booster_overdue": "Booster overdue",
}
ROUTINE_RULES = tuple(ROUTINE_RULE_LABELS)
COUNTS = (*(f"n_{p}" for p in surveys.PRIORITY_ORDER), *(f"r_{r}" for r in ROUTINE_RULES))
#: The columns of an input row, in the order of ``PanelRank``'s.
COLUMNS = (
    "patient_id",
    "clinic_id",
    "status",
    "alert_rank",
    "open_alerts",
    *COUNTS,
    "oldest_alert_at",
    "safety_open",
    "safety_resolved_at",
    "relapse",
    "next_due",
    "worsening",
    "severity_rank",
    "last_checkin_at",
    "trend_status",
    "base_tier",
)
#: Listed rows read per transaction (a backlog takes several; each stays short), and at most
#: how many transactions one refresh runs (under a steady stream of changes it must end).
REFRESH_BATCH = 2000
REFRESH_ROUNDS = 50
#: Only one refresh at a time (a second one would race it: see refresh_ranks).
_REFRESH_LOCK = 0x7761_7970_6E74  # "waypnt"


def base_tier(alert_rank, safety_open, worsening, relapse) -> sa.Case:
    """A patient's tier without the time (api/panel/operations.py adds it: an overdue slot, a
    resolved safety screen's hold): an imminent or urgent alert, a high one, an unresolved
    safety screen, a worsening or relapse, a routine alert, nothing. The tiers are tried in
    order, so the time can only raise a patient (to 2 in a hold, to 4 when overdue)."""
    return sa.case(
        (alert_rank <= 1, 0),
        (alert_rank == 2, 1),
        (safety_open, 2),
        (sa.or_(worsening.is_(True), relapse), 3),
        (alert_rank == 3, 5),
        else_=6,
    )


def _scope(column, clinic_column, clinic_id, ids):
    """Rows of the patients ``ids`` (a subquery or list) if given, else of the clinic's, else
    every row."""
    if ids is not None:
        return column.in_(ids)
    return clinic_column == clinic_id if clinic_id is not None else sa.true()


def live_inputs(clinic_id: int | None = None, ids=None) -> sa.Select:
    """Each patient's inputs aggregated from their tables: the patients ``ids`` if given (a
    list or a subquery of ids), else every patient of ``clinic_id``, else every patient; one
    row per patient."""
    rank = sa.case(
        *((Alert.priority == p, n) for n, p in enumerate(surveys.PRIORITY_ORDER)), else_=NO_ALERT
    )
    alerts = (
        sa.select(
            Alert.patient_id.label("patient_id"),
            sa.func.min(rank).label("alert_rank"),
            sa.func.count().label("open_alerts"),
            *(
                sa.func.sum(sa.case((Alert.priority == p, 1), else_=0)).label(f"n_{p}")
                for p in surveys.PRIORITY_ORDER
            ),
            *(
                sa.func.sum(
                    sa.case((sa.and_(Alert.priority == "routine", Alert.rule == rule), 1), else_=0)
                ).label(f"r_{rule}")
                for rule in ROUTINE_RULES
            ),
            # How long it has waited: since the answer was given (as the inbox counts it).
            sa.func.min(sa.func.coalesce(Alert.answered_at, Alert.created_at)).label("oldest_at"),
        )
        .where(_scope(Alert.patient_id, Alert.clinic_id, clinic_id, ids), Alert.status == "open")
        .group_by(Alert.patient_id)
        .subquery("open_alerts")
    )
    # A positive safety screen: any red-flag alert unresolved, and the latest resolution (the
    # clinic's hold runs from it: the panel compares it with the time when it reads).
    safety = (
        sa.select(
            Alert.patient_id.label("patient_id"),
            sa.func.max(sa.case((Alert.resolved_at.is_(None), 1), else_=0)).label("open"),
            sa.func.max(Alert.resolved_at).label("resolved_at"),
        )
        .where(_scope(Alert.patient_id, Alert.clinic_id, clinic_id, ids), Alert.red_flag.is_(True))
        .group_by(Alert.patient_id)
        .subquery("safety")
    )
    relapse = (
        sa.select(RiskFlag.patient_id)
        .where(
            _scope(RiskFlag.patient_id, RiskFlag.clinic_id, clinic_id, ids),
            RiskFlag.dismissed_at.is_(None),
        )
        .distinct()
        .subquery("relapse")
    )
    due = sa.select(
        CheckinDue.patient_id.label("patient_id"), sa.func.min(CheckinDue.due_at).label("next_due")
    )
    if ids is not None:
        due = due.where(CheckinDue.patient_id.in_(ids))
    elif clinic_id is not None:
        due = due.join(Patient, Patient.id == CheckinDue.patient_id).where(
            Patient.clinic_id == clinic_id
        )
    dues = (
        due.where(CheckinDue.completed_checkin_id.is_(None))
        .group_by(CheckinDue.patient_id)
        .subquery("open_dues")
    )
    alert_rank = sa.func.coalesce(alerts.c.alert_rank, NO_ALERT)
    safety_open = sa.func.coalesce(safety.c.open, 0) == 1
    relapsed = relapse.c.patient_id.is_not(None)
    return (
        sa.select(
            Patient.id.label("patient_id"),
            Patient.clinic_id,
            Patient.status,
            alert_rank.label("alert_rank"),
            sa.func.coalesce(alerts.c.open_alerts, 0).label("open_alerts"),
            *(sa.func.coalesce(alerts.c[name], 0).label(name) for name in COUNTS),
            alerts.c.oldest_at.label("oldest_alert_at"),
            safety_open.label("safety_open"),
            safety.c.resolved_at.label("safety_resolved_at"),
            relapsed.label("relapse"),
            dues.c.next_due,
            PatientSummary.worsening,
            # 0 before the first summary: the ranking reads it so, and the stored rows' index too.
            sa.func.coalesce(PatientSummary.severity_rank, 0).label("severity_rank"),
            PatientSummary.last_checkin_at,
            PatientSummary.trend_status,
            base_tier(alert_rank, safety_open, PatientSummary.worsening, relapsed).label(
                "base_tier"
            ),
        )
        .outerjoin(alerts, alerts.c.patient_id == Patient.id)
        .outerjoin(safety, safety.c.patient_id == Patient.id)
        .outerjoin(relapse, relapse.c.patient_id == Patient.id)
        .outerjoin(dues, dues.c.patient_id == Patient.id)
        .outerjoin(PatientSummary, PatientSummary.patient_id == Patient.id)
        .where(_scope(Patient.id, Patient.clinic_id, clinic_id, ids))
    )


def stored() -> bool:
    """Whether this database keeps ``PanelRank`` (its triggers list stale rows: PostgreSQL)."""
    return db.session.get_bind().dialect.name == "postgresql"


@functools.cache
def _listed_statement():
    clinic = sa.bindparam("clinic_id", type_=sa.Integer())
    # The clinic's patients now, and the patients its stored rows name: one moved to another
    # clinic (listed by the move) still has a stored row here until the refresh.
    return sa.select(
        sa.or_(
            sa.exists().where(PanelRankDirty.patient_id == Patient.id, Patient.clinic_id == clinic),
            sa.exists().where(
                PanelRankDirty.patient_id == PanelRank.patient_id, PanelRank.clinic_id == clinic
            ),
        )
    )


def any_listed(clinic_id: int) -> bool:
    """Whether a patient of the clinic is listed as changed since stored (PostgreSQL).

    When none is, the panel reads the stored rows alone: they are then every patient's live
    inputs as of this read (a stored row is what its patient's tables held when it was stored,
    and nothing changed since, or the patient would be listed). A change committed after this
    read and before the panel's own is either shown or not, as if it had come a moment later;
    the statement with the listed patients' live part (``listed`` below) costs some 5 ms more
    to plan and run at a clinic of 10,000.
    """
    return bool(db.session.scalar(_listed_statement(), {"clinic_id": clinic_id}))


def _fresh(where: list, listed: bool) -> list:
    """``where`` for the stored rows to read: those of patients not listed, if any is."""
    if not listed:
        return where
    return [*where, ~sa.exists().where(PanelRankDirty.patient_id == PanelRank.patient_id)]


def inputs(clinic_id, stored: bool, listed: bool = True) -> sa.Subquery:
    """The clinic's patients' ranking inputs, one row each, as a subquery named ``inputs``:
    from the stored rows and, if ``listed`` (``any_listed``), the listed ones' live inputs
    instead of their stored rows, if ``stored`` (see ``stored()``); else all live."""
    if not stored:
        return live_inputs(clinic_id).subquery("inputs")
    columns = [PanelRank.__table__.c[name] for name in COLUMNS]
    fresh = sa.select(*columns).where(*_fresh([PanelRank.clinic_id == clinic_id], listed))
    if not listed:
        return fresh.subquery("inputs")
    stale = sa.select(PanelRankDirty.patient_id)
    # Aggregated for the listed patients only (their rows by patient), then kept to the clinic.
    live = live_inputs(ids=stale).where(Patient.clinic_id == clinic_id)
    return sa.union_all(fresh, live).subquery("inputs")


def first_inputs(
    clinic_id, now, hold_from, first, active_only: bool, listed: bool = True
) -> sa.Subquery:
    """The inputs of the patients who can be on the first ``first`` rows of the risk order (a
    superset of them; the panel ranks these as it ranks everyone), as a subquery named
    ``inputs``, from the stored rows' index instead of every patient of the clinic.

    A stored row's risk key is (tier, alert rank, severity descending, id) and its tier is its
    ``base_tier`` or lower (``base_tier``'s docstring), so the first rows are among: the first
    ``first`` rows by the stored key (no row after them can come before them); the rows in a
    safety screen's hold (tier 2 whatever else); the first ``first`` overdue rows of base tier 5
    or 6 (tier 4; among those base tiers the stored key orders as the tier-4 key does, since
    base tier 5 is alert rank 3 and 6 is 4); and, if ``listed``, every listed patient, live
    (their stored rows left out). ``active_only``: the panel's default filter, applied in each
    part (a filter after them could leave fewer).
    """
    where = [PanelRank.clinic_id == clinic_id]
    if active_only:
        where.append(PanelRank.status == "active")
    where = _fresh(where, listed)
    columns = [PanelRank.__table__.c[name] for name in COLUMNS]
    order = (
        PanelRank.base_tier,
        PanelRank.alert_rank,
        PanelRank.severity_rank.desc(),
        PanelRank.patient_id,
    )
    top = sa.select(*columns).where(*where).order_by(*order).limit(first).subquery("top")
    held = sa.select(*columns).where(
        *where, PanelRank.base_tier > 2, PanelRank.safety_resolved_at >= hold_from
    )
    overdue = (
        sa.select(*columns)
        .where(*where, PanelRank.base_tier >= 5, PanelRank.next_due < now)
        .order_by(*order)
        .limit(first)
        .subquery("overdue")
    )
    parts = [sa.select(*top.c), held, sa.select(*overdue.c)]
    if listed:
        live = live_inputs(ids=sa.select(PanelRankDirty.patient_id))
        live = live.where(Patient.clinic_id == clinic_id)
        if active_only:
            live = live.where(Patient.status == "active")
        parts.append(live)
    # UNION, not UNION ALL: a row can be in more than one part (the listed ones in none other).
    return sa.union(*parts).subquery("inputs")


def refresh_ranks(batch: int = REFRESH_BATCH) -> int:
    """Store the live inputs of the patients listed as stale and unlist them; commits each
    batch. Returns how many patients were refreshed (0 where the rows are not kept).

    Correct whatever runs at the same time: the listed rows are read first and the inputs
    after (a later snapshot), so a change listed by then is in what is stored; a change
    committed later is listed after that read and stays listed. One refresh at a time (an
    advisory lock), since a second one could store an older snapshot over a newer one.
    """
    if not stored():
        return 0
    done = 0
    for _ in range(REFRESH_ROUNDS):
        if not db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(_REFRESH_LOCK))):
            break  # another refresh is running
        listed = db.session.execute(
            sa.select(PanelRankDirty.id, PanelRankDirty.patient_id)
            .order_by(PanelRankDirty.id)
            .limit(batch)
        ).all()
        if not listed:
            break
        ids = sorted({row.patient_id for row in listed})
        db.session.execute(_upsert(live_inputs(ids=ids)))
        # Exactly the rows read above: one listed since may hold a change this did not see.
        db.session.execute(
            sa.delete(PanelRankDirty).where(PanelRankDirty.id.in_([row.id for row in listed]))
        )
        db.session.commit()
        done += len(ids)
        if len(listed) < batch:
            return done
    db.session.rollback()
    return done


def _upsert(values: sa.Select):
    insert = postgresql.insert(PanelRank).from_select(list(COLUMNS), values)
    update = {name: insert.excluded[name] for name in COLUMNS if name != "patient_id"}
    return insert.on_conflict_do_update(index_elements=["patient_id"], set_=update)


def rebuild_ranks(connection: sa.Connection) -> int:
    """Store every patient's row and unlist what was listed before, on ``connection``
    (PostgreSQL): after a bulk load or a restore. Returns the rows stored. As in
    ``refresh_ranks``, the list is read before the inputs and exactly what was read is
    deleted (ids are taken before their transaction commits: no id bound would do)."""
    connection.execute(sa.text("DROP TABLE IF EXISTS panel_rank_seen"))
    connection.execute(
        sa.text(
            "CREATE TEMP TABLE panel_rank_seen ON COMMIT DROP AS SELECT id FROM panel_rank_dirty"
        )
    )
    stored_rows = connection.execute(_upsert(live_inputs())).rowcount
    connection.execute(
        sa.text("DELETE FROM panel_rank_dirty d USING panel_rank_seen s WHERE d.id = s.id")
    )
    return stored_rows
