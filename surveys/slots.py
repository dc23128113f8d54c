"""Planning check-in slots in the patient's local time.

Slots are computed from local calendar dates and a local wall-clock time, never by adding
24-hour steps to an instant, so a daylight-saving change can neither skip nor double one:
each local date gives exactly one instant. A wall-clock time that the change skips (02:30 on
a spring-forward night) falls on the first instant after the gap; a repeated one (01:30 on a
fall-back night in New York) is its first occurrence. Pure: no database, no clock of its own.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .trend import BASELINE_LOOKBACK

#: The time of day check-ins are due when a schedule names none.
DEFAULT_LOCAL_TIME = "18:00"


#: Days after a session on which each instrument is due: the post-session check the next
#: day, the daily mood rating (short recall, for the fast changes between sessions) the day
#: after and three days after, and the PHQ-9 at 1, 3 and 7 days *as candidates only*: see
#: ``SPACED``.
SESSION_OFFSETS = {"post_session": (1,), "mood": (1, 3), "phq9": (1, 3, 7)}

#: Instruments with a 2-week recall whose psychometrics come from administrations about a
#: week apart (CLINICAL.md): a slot of one is planned only if it is at least the clinic's
#: ``validated_interval_days`` (default and minimum 7) local days from every other slot of
#: the same instrument, kept or planned. Candidates are taken earliest first.
SPACED = ("phq9", "gad7")
#: The default and smallest spacing of ``SPACED`` slots, in days.
MIN_SPACING_DAYS = 7


@dataclass(frozen=True, order=True)
class Slot:
    due_at: datetime
    instrument: str
    reason: str
    session_id: object = None


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on local ``day`` (fold=0, see the module doc)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def plan_slots(
    schedule: dict,
    zone: ZoneInfo,
    anchor: datetime,
    sessions: list[tuple[object, datetime]],
    start: datetime,
    end: datetime,
    spacing_days: int = MIN_SPACING_DAYS,
    kept: dict[str, list[datetime]] | None = None,
    pre_treatment: list[Slot] | tuple[Slot, ...] = (),
) -> list[Slot]:
    """Slots due in [start, end): the cadence from ``anchor``'s local date, plus each session's.

    ``kept`` holds, per instrument, the due times of stored slots that stay whatever the rule
    now says (past, reminded or answered ones: a missed slot stays missed). A ``SPACED``
    candidate closer than ``spacing_days`` local days to a kept slot or to one already taken
    is dropped; a candidate at a kept slot's own time is that slot and is taken.

    ``pre_treatment`` slots are taken before every candidate, whenever they are due: the
    check-ins of a planned course before its first session (``pre_treatment_slots``), so that
    the course has a baseline; the cadence gives way to them.
    """
    at = time.fromisoformat(schedule.get("local_time") or DEFAULT_LOCAL_TIME)
    found: dict[tuple[str, datetime], Slot] = {}

    def add(day: date, instrument: str, reason: str, session_id=None):
        due = local_instant(day, at, zone)
        if start <= due < end:
            found.setdefault((instrument, due), Slot(due, instrument, reason, session_id))

    cadence = schedule.get("cadence_days") or 0
    if cadence > 0:
        first = anchor.astimezone(zone).date()
        weekday = schedule.get("weekday")
        if weekday is not None and cadence % 7 == 0:
            first += timedelta(days=(weekday - first.weekday()) % 7)
        last = end.astimezone(zone).date()
        k = max(0, (start.astimezone(zone).date() - first).days // cadence)
        while (day := first + timedelta(days=k * cadence)) <= last:
            for instrument in schedule.get("cadence_instruments") or []:
                add(day, instrument, "cadence")
            k += 1
    if schedule.get("session_anchored"):
        for session_id, administered_at in sessions:
            day = administered_at.astimezone(zone).date()
            for instrument, offsets in SESSION_OFFSETS.items():
                for offset in offsets:
                    add(day + timedelta(days=offset), instrument, "session", session_id)
    days = max(spacing_days, MIN_SPACING_DAYS)
    leading = sorted(s for s in pre_treatment if start <= s.due_at < end)
    return _spaced([*leading, *sorted(found.values())], zone, days, kept or {})


#: Days before a planned first session by which its pre-treatment check-in falls due: inside
#: the 14 days whose last check-in is the course's baseline (surveys.trend.BASELINE_LOOKBACK),
#: with a week's room for a late answer or a spaced slot before the session.
PRE_TREATMENT_LEAD = timedelta(days=7)


def pre_treatment_slots(
    instruments: list[str] | tuple[str, ...],
    planned_at: datetime,
    planned_start: datetime,
    answered: dict[str, datetime],
    kept: dict[str, list[datetime]] | None = None,
    spacing_days: int = MIN_SPACING_DAYS,
) -> list[Slot]:
    """A planned course's pre-treatment check-in of each instrument, due when the course was
    planned or PRE_TREATMENT_LEAD before its first session, whichever is later (a stable time:
    planning again gives the same slot).

    None for an instrument already answered in the 14 days before the planned start
    (``answered``: the latest answer of each): that answer is the baseline. Due later when a
    kept slot of the instrument is too close (it goes ``spacing_days`` after it), and none if
    that is no longer before the session.
    """
    lookback = BASELINE_LOOKBACK
    due = max(planned_at, planned_start - PRE_TREATMENT_LEAD)
    gap = timedelta(days=max(spacing_days, MIN_SPACING_DAYS))
    out = []
    for code in instruments:
        last = answered.get(code)
        if last is not None and planned_start - lookback <= last < planned_start:
            continue
        at = due
        for other in sorted((kept or {}).get(code, ())):
            if other != at and abs(at - other) < gap:
                at = max(at, other + gap)
        if at < planned_start:
            out.append(Slot(at, code, "pre_treatment"))
    return out


def _spaced(slots: list[Slot], zone: ZoneInfo, days: int, kept: dict) -> list[Slot]:
    """``slots`` (in order of precedence) without the ``SPACED`` ones too close to a kept or
    earlier one."""
    taken: dict[str, list[datetime]] = {code: list(kept.get(code, ())) for code in SPACED}
    out = []
    for slot in slots:
        if slot.instrument in SPACED:
            others = taken[slot.instrument]
            if slot.due_at not in others:
                day = slot.due_at.astimezone(zone).date()
                if any(abs((day - o.astimezone(zone).date()).days) < days for o in others):
                    continue
                others.append(slot.due_at)
        out.append(slot)
    return sorted(out)


#: How late a reminder of a slot due inside quiet hours may still go at "its time": a few
#: planner ticks (``SCHEDULE_SECONDS``, 5 min by default). Later, it waits for their end.
ON_TIME = timedelta(hours=1)


def _inside(moment: time, start: time, end: time) -> bool:
    """Whether wall-clock ``moment`` is in [start, end), a range that may cross midnight."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def held_by_quiet_hours(
    now: datetime, due_at: datetime, zone: ZoneInfo, start: str | None, end: str | None
) -> bool:
    """Whether a reminder of a slot due at ``due_at`` waits, at ``now``, for quiet hours to end.

    Quiet hours are wall-clock times in the patient's own zone (``zone``), so a daylight-saving
    change moves them with the patient's day. A slot due inside them was put there by the
    patient's chosen time: it is reminded at its time, or up to ``ON_TIME`` after it (the next
    planner tick). Any other reminder that would arrive inside them (a planner or workers hours
    late, a slot due just before they began) waits for their end: a 22:30 slot is not
    reminded at 03:00 because the workers were down. None or equal bounds: no quiet hours.
    """
    if not start or not end or start == end:
        return False
    first, last = time.fromisoformat(start), time.fromisoformat(end)
    local_now = now.astimezone(zone).time().replace(tzinfo=None)
    if not _inside(local_now, first, last):
        return False
    local_due = due_at.astimezone(zone).time().replace(tzinfo=None)
    return not (_inside(local_due, first, last) and now - due_at <= ON_TIME)
