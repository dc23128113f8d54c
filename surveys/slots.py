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


#: Days after a session on which each instrument is due (DESIGN: the post-session check the
#: next day, PHQ-9 at 1, 3 and 7 days).
SESSION_OFFSETS = {"post_session": (1,), "phq9": (1, 3, 7)}


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
) -> list[Slot]:
    """Slots due in [start, end): the cadence from ``anchor``'s local date, plus each session's."""
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
    return sorted(found.values())
