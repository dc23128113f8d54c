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
) -> list[Slot]:
    """Slots due in [start, end): the cadence from ``anchor``'s local date, plus each session's.

    ``kept`` holds, per instrument, the due times of stored slots that stay whatever the rule
    now says (past, reminded or answered ones: a missed slot stays missed). A ``SPACED``
    candidate closer than ``spacing_days`` local days to a kept slot or to one already taken
    is dropped; a candidate at a kept slot's own time is that slot and is taken.
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
    return _spaced(sorted(found.values()), zone, max(spacing_days, MIN_SPACING_DAYS), kept or {})


def _spaced(slots: list[Slot], zone: ZoneInfo, days: int, kept: dict) -> list[Slot]:
    """``slots`` (sorted) without the ``SPACED`` ones too close to a kept or earlier one."""
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
    return out
