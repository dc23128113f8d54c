"""Risk flags: what keeps a patient flagged on the panel row and page whatever later scores say.

Two kinds, one shape for the clinic views:

- ``safety``: a positive safety screen. Its source is the patient's red-flag alerts
  (``alerts.red_flag``, set from ``surveys.rules.is_red_flag`` when raised): the flag stays
  while any of them is not resolved, and for the clinic's ``risk_flag_days`` after the last
  was. ``safety_source`` (the flags a row shows) and ``api.panel.ranks.live_inputs`` (the
  panel's ranking, which compares the latest resolution with the hold when it reads) are
  where it comes from.
- ``relapse``: a worsening against the lowest score (``RiskFlag``, raised with the summary),
  under review until a person dismisses it here, whatever course the patient is on.
"""

import functools
from datetime import timedelta

import sqlalchemy as sa

from surveys.rules import red_flag_words

from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import Alert, Clinic, RiskFlag
from ..models.base import utcnow
from ..pipeline.settings import clinic_rule_settings


class FlagStateError(Conflict):
    """The flag was dismissed already."""


class UnknownFlag(NotFound):
    """No such flag of this patient."""


def hold_of(clinic_id: int) -> timedelta:
    """How long a resolved safety screen stays flagged in this clinic."""
    clinic = db.session.get(Clinic, clinic_id)
    return timedelta(days=clinic_rule_settings(clinic).risk_flag_days)


def safety_source(clinic_id, hold_from):
    """(patient_id, rule, answered_at, resolved_at) of the clinic's safety screens still flagged
    (unresolved, or resolved at or after ``hold_from``)."""
    return sa.select(
        Alert.patient_id.label("patient_id"),
        Alert.rule.label("rule"),
        sa.func.coalesce(Alert.latest_answered_at, Alert.answered_at, Alert.created_at).label(
            "answered_at"
        ),
        Alert.resolved_at.label("resolved_at"),
    ).where(
        Alert.clinic_id == clinic_id,
        Alert.red_flag.is_(True),
        sa.or_(Alert.resolved_at.is_(None), Alert.resolved_at >= hold_from),
    )


@functools.cache
def _flags_statement():
    """The page's flags: its safety screens grouped by rule, then its open relapse flags, as
    one UNION ALL of the same columns; made once per process (building it cost some 8 ms of
    Python a panel page, against 0.6 ms in the database). Parameters: ``clinic_id``,
    ``hold_from`` and the patients' ``ids``."""
    ids = sa.bindparam("ids", expanding=True)
    source = safety_source(
        sa.bindparam("clinic_id", type_=sa.Integer()),
        sa.bindparam("hold_from", type_=Alert.resolved_at.type),
    )
    source = source.where(Alert.patient_id.in_(ids)).subquery("safety_source")
    none_int, none_at = sa.null().cast(sa.Integer), sa.null().cast(Alert.resolved_at.type)
    safety = sa.select(
        source.c.patient_id,
        sa.literal("safety").label("kind"),
        source.c.rule.label("name"),
        sa.func.max(source.c.answered_at).label("at"),
        (sa.func.count(source.c.resolved_at) < sa.func.count()).label("open"),
        sa.func.max(source.c.resolved_at).label("resolved_at"),
        none_int.label("id"),
        none_int.label("lowest"),
        none_at.label("lowest_at"),
        none_int.label("latest"),
        none_at.label("raised_at"),
    ).group_by(source.c.patient_id, source.c.rule)
    relapse = sa.select(
        RiskFlag.patient_id,
        sa.literal("relapse").label("kind"),
        RiskFlag.instrument.label("name"),
        RiskFlag.latest_at.label("at"),
        sa.true().label("open"),
        none_at.label("resolved_at"),
        RiskFlag.id,
        RiskFlag.lowest,
        RiskFlag.lowest_at,
        RiskFlag.latest,
        RiskFlag.raised_at,
    ).where(RiskFlag.patient_id.in_(ids), RiskFlag.dismissed_at.is_(None))
    both = sa.union_all(safety, relapse).subquery("flags")
    return sa.select(both).order_by(
        both.c.patient_id, both.c.kind.desc(), both.c.at.desc(), both.c.id.desc()
    )


def flags_of(clinic_id: int, patient_ids: list, now=None, hold: timedelta | None = None) -> dict:
    """Each patient's flags, safety first (most recent answer first), then relapses; one
    query for the whole page (``_flags_statement``)."""
    now = now or utcnow()
    out: dict = {patient_id: [] for patient_id in patient_ids}
    if not patient_ids:
        return out
    hold = hold if hold is not None else hold_of(clinic_id)
    rows = db.session.execute(
        _flags_statement(),
        {"clinic_id": clinic_id, "hold_from": now - hold, "ids": list(patient_ids)},
    )
    for row in rows:
        if row.kind == "safety":
            out[row.patient_id].append(
                {
                    "kind": "safety",
                    "rule": row.name,
                    "label": red_flag_words(row.name),
                    "at": row.at,
                    "open": row.open,
                    "resolved_at": None if row.open else row.resolved_at,
                    "until": None if row.open else row.resolved_at + hold,
                }
            )
        else:
            out[row.patient_id].append(
                _relapse(
                    row.id, row.name, row.at, row.lowest, row.lowest_at, row.latest, row.raised_at
                )
            )
    return out


def relapse_dict(flag: RiskFlag) -> dict:
    """A relapse flag as the clinic views show it: "+9 from lowest 7, Nov 5"."""
    return _relapse(
        flag.id,
        flag.instrument,
        flag.latest_at,
        flag.lowest,
        flag.lowest_at,
        flag.latest,
        flag.raised_at,
        open_=flag.dismissed_at is None,
    )


def _relapse(id_, instrument, at, lowest, lowest_at, latest, raised_at, open_=True) -> dict:
    return {
        "kind": "relapse",
        "id": id_,
        "instrument": instrument,
        "label": "Worse than lowest",
        "at": at,
        "lowest": lowest,
        "lowest_at": lowest_at,
        "latest": latest,
        "rise": latest - lowest,
        "raised_at": raised_at,
        "open": open_,
    }


def lock_relapse(patient, flag_id: int) -> RiskFlag:
    """The patient's relapse flag ``flag_id``, row-locked; UnknownFlag if it is not theirs."""
    flag = db.session.scalar(
        sa.select(RiskFlag)
        .where(RiskFlag.id == flag_id, RiskFlag.patient_id == patient.id)
        .with_for_update()
    )
    if flag is None:
        raise UnknownFlag("No such flag of this patient.")
    return flag


def dismiss_relapse(flag: RiskFlag, staff, note: str | None) -> RiskFlag:
    """Record that ``staff`` reviewed the worsening and dismissed its flag (flushes)."""
    if flag.dismissed_at is not None:
        raise FlagStateError("This flag was dismissed already.")
    flag.dismissed_at = utcnow()
    flag.dismissed_by = staff.id
    flag.dismiss_note = note
    db.session.flush()
    return flag
