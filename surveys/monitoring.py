"""The monitored session: what can be real, and what the clinic's lines flag.

Two questions about a session's monitoring record (docs/clinical.md, "The monitored
session"), as pure functions of its values, the clock and the clinic's settings:

- ``monitoring_errors``: field -> messages for values that cannot be real (a pulse of 400,
  a monitoring end before its start). The API refuses them with a 422 naming the field.
- ``monitoring_flags``: readings past the clinic's lines, each ``caution`` (shown in the
  form at once) or ``urgent`` (also raises a ``session_vitals`` alert to the on-site team).

The clinic app mirrors ``monitoring_flags`` in pwa/clinic/session_flags.js so that a reading
is flagged as it is typed; tests/clinician/test_monitored_sessions_browser.py
(``test_the_forms_flags_are_the_servers``) holds both to the same cases.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

#: Where a reading was taken: the esketamine label's three checkpoints (before dosing, at
#: the ~40-minute peak, before the patient leaves) and any further reading.
READING_KINDS = ("pre_dose", "post_40", "discharge", "further")
#: The checkpoints a session has at most one of.
CHECKPOINT_KINDS = READING_KINDS[:3]
READING_WORDS = {
    "pre_dose": "before dosing",
    "post_40": "about 40 minutes after",
    "discharge": "before discharge",
    "further": "further reading",
}

#: Physiological bounds: values outside them are typing errors, not patients.
SYSTOLIC = (50, 300)
DIASTOLIC = (20, 200)
HEART_RATE = (20, 250)
SPO2 = (50, 100)
MOAAS = (0, 5)
#: CADSS: 23 clinician-and-patient items scored 0-4 (0-92); CADSS-6 is items 1, 2, 6, 7, 15
#: and 22 of it (0-24; Rodrigues 2021, an unvalidated short form).
CADSS_FORMS = {"full": 92, "cadss6": 24}
#: Esketamine nasal spray: one device holds 28 mg; the label's doses are 56 or 84 mg.
ESKETAMINE_DEVICE_MG = 28
MAX_DEVICES = 3
#: The esketamine REMS: at least two hours of monitoring (a shorter stay needs a reason).
ESKETAMINE_MINIMUM = timedelta(hours=2)
#: Monitoring starts with the dose (the REMS counts from the first device); an hour either
#: side is a wrong clock, not a session. A monitoring period longer than a day is a typo.
START_SLACK = timedelta(hours=1)
LONGEST_MONITORING = timedelta(hours=24)
#: A pre-dose reading may be taken up to three hours before the dose, and at most a few
#: minutes after it (the cuff is read as the spray goes in).
PRE_DOSE_WINDOW = timedelta(hours=3)
CLOCK_SLACK = timedelta(minutes=15)
#: Concomitant medication classes the REMS Patient Monitoring Form asks about.
CONCOMITANT_CLASSES = (
    "benzodiazepines",
    "sedative_hypnotics",
    "opioids",
    "psychostimulants",
    "maois",
)
#: MOAA/S at or below this is flagged (3: responds only when the name is called loudly or
#: repeatedly); 0 (no response to a painful stimulus, the label's "loss of consciousness")
#: is urgent. Waypoint's choice, documented in docs/clinical.md.
MOAAS_CAUTION = 3
MOAAS_URGENT = 0


@dataclass(frozen=True)
class Thresholds:
    """The clinic's lines for flagging readings (``surveys.RuleSettings`` holds them)."""

    caution_systolic: int = 140
    caution_diastolic: int = 90
    caution_heart_rate: int = 100
    caution_spo2: int = 94
    urgent_systolic: int = 180
    urgent_diastolic: int = 110
    urgent_heart_rate: int = 150
    urgent_spo2: int = 90

    def to_dict(self) -> dict:
        """JSON-ready form (the clinic app flags with the same numbers)."""
        return asdict(self)


@dataclass(frozen=True)
class Flag:
    """One reading past a line: where it is, how pressing, and why in words."""

    field: str
    level: str  # "caution" or "urgent"
    message: str

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def monitoring_errors(values: dict, now: datetime) -> dict[str, list[str]]:
    """Field -> messages for monitoring values that cannot be real (values already typed).

    ``values`` holds the session's fields as the API stores them, ``readings`` a list of
    dicts (kind, taken_at, systolic, diastolic, heart_rate, spo2).
    """
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    _drug_errors(values, add)
    _time_errors(values, now, add)
    _observation_errors(values, add)
    for index, reading in enumerate(values.get("readings") or []):
        _reading_errors(index, reading, values, now, add)
    kinds = [r.get("kind") for r in values.get("readings") or []]
    for kind in CHECKPOINT_KINDS:
        if kinds.count(kind) > 1:
            add("readings", f"Only one reading {READING_WORDS[kind]}; record others as further.")
    return errors


def _drug_errors(values: dict, add) -> None:
    drug, devices, dose = values.get("drug"), values.get("devices"), values.get("dose_mg")
    if drug == "esketamine" and values.get("modality") != "intranasal":
        # Spravato is a nasal spray (its label and REMS): another route is a slip of the form.
        add("modality", "Esketamine is a nasal spray: its route is intranasal.")
    if devices is None:
        if drug == "esketamine" and values.get("modality") == "intranasal":
            add("devices", "Give the number of 28 mg nasal spray devices used.")
        return
    if drug != "esketamine" or values.get("modality") != "intranasal":
        add("devices", "Devices are counted for esketamine nasal spray only.")
    elif not 1 <= devices <= MAX_DEVICES:
        add("devices", f"Must be 1-{MAX_DEVICES} devices of {ESKETAMINE_DEVICE_MG} mg.")
    elif dose is not None and dose != devices * ESKETAMINE_DEVICE_MG:
        add(
            "dose_mg",
            f"{devices} device(s) of {ESKETAMINE_DEVICE_MG} mg is "
            f"{devices * ESKETAMINE_DEVICE_MG} mg, not {dose:g} mg.",
        )


def _time_errors(values: dict, now: datetime, add) -> None:
    at = values.get("administered_at")
    start = values.get("monitoring_started_at")
    end = values.get("monitoring_ended_at")
    ready = values.get("ready_to_leave_at")
    for name, when in (
        ("monitoring_started_at", start),
        ("monitoring_ended_at", end),
        ("ready_to_leave_at", ready),
    ):
        if when is not None and when > now + CLOCK_SLACK:
            add(name, "Is in the future; record it once it has happened.")
    if start is not None and at is not None and abs(start - at) > START_SLACK:
        add("monitoring_started_at", "Must be within an hour of the dose.")
    if end is not None and start is None:
        add("monitoring_started_at", "Give the start of monitoring with its end.")
    if start is not None and end is not None:
        if end <= start:
            add("monitoring_ended_at", "Must be after the start of monitoring.")
        elif end - start > LONGEST_MONITORING:
            add("monitoring_ended_at", "Is more than 24 hours after the start.")
    if ready is not None:
        if start is None:
            add("monitoring_started_at", "Give the start of monitoring with ready-to-leave.")
        elif ready < start:
            add("ready_to_leave_at", "Must not be before the start of monitoring.")
        if end is not None and ready > end:
            add("ready_to_leave_at", "Must not be after the end of monitoring.")
    _early_leave_errors(values, start, end, add)


def _early_leave_errors(values: dict, start, end, add) -> None:
    """Leaving before two hours of esketamine monitoring needs a reason (the REMS)."""
    if values.get("drug") != "esketamine" or start is None or end is None or end <= start:
        return
    if end - start < ESKETAMINE_MINIMUM and not (values.get("early_leave_reason") or "").strip():
        minutes = int((end - start).total_seconds() // 60)
        add(
            "early_leave_reason",
            f"Monitoring lasted {minutes} minutes; the esketamine REMS asks for at least "
            "2 hours. Say why the patient left earlier.",
        )


def _observation_errors(values: dict, add) -> None:
    moaas = values.get("moaas")
    if moaas is not None and not MOAAS[0] <= moaas <= MOAAS[1]:
        add("moaas", "MOAA/S is 0 (no response) to 5 (responds readily).")
    score, form = values.get("cadss"), values.get("cadss_form")
    if score is not None:
        top = CADSS_FORMS.get(form)
        if top is None:
            add("cadss_form", "Say which CADSS was used: the full scale or CADSS-6.")
        elif not 0 <= score <= top:
            add("cadss", f"Must be 0-{top} on the {'full CADSS' if form == 'full' else form}.")
    classes = values.get("concomitant_classes")
    if classes is not None:
        unknown = sorted(set(classes) - set(CONCOMITANT_CLASSES))
        if unknown:
            add("concomitant_classes", f"Unknown class(es): {', '.join(unknown)}.")
        if len(set(classes)) != len(classes):
            add("concomitant_classes", "Name each class once.")
    if (
        values.get("serious_adverse_event")
        and not (values.get("serious_adverse_event_note") or "").strip()
    ):
        add("serious_adverse_event_note", "Describe the serious adverse event.")


def _reading_errors(index: int, reading: dict, values: dict, now: datetime, add) -> None:
    prefix = f"readings.{index}"
    taken, at = reading.get("taken_at"), values.get("administered_at")
    kind = reading.get("kind")
    # The API requires a time for every reading it is sent; a reading without one was
    # carried over from before its time was kept, and is not held against a correction.
    if taken is not None and at is not None:
        end = values.get("monitoring_ended_at") or at + LONGEST_MONITORING
        if taken > now + CLOCK_SLACK:
            add(f"{prefix}.taken_at", "Is in the future.")
        elif taken < at - PRE_DOSE_WINDOW:
            add(f"{prefix}.taken_at", "Is more than 3 hours before the dose.")
        elif taken > end + CLOCK_SLACK:
            add(f"{prefix}.taken_at", "Is after the end of monitoring.")
        elif kind == "pre_dose" and taken > at + CLOCK_SLACK:
            add(f"{prefix}.taken_at", "A pre-dose reading is taken before the dose.")
        elif kind in ("post_40", "discharge") and taken < at:
            add(f"{prefix}.taken_at", "Is before the dose.")
    systolic, diastolic = reading.get("systolic"), reading.get("diastolic")
    pulse, spo2 = reading.get("heart_rate"), reading.get("spo2")
    if all(v is None for v in (systolic, diastolic, pulse, spo2)):
        add(prefix, "Give at least one value: blood pressure, heart rate or SpO2.")
    if (systolic is None) != (diastolic is None):
        add(f"{prefix}.diastolic", "Give both systolic and diastolic, or neither.")
    elif systolic is not None:
        _bound(add, f"{prefix}.systolic", systolic, SYSTOLIC, "mmHg")
        _bound(add, f"{prefix}.diastolic", diastolic, DIASTOLIC, "mmHg")
        if systolic <= diastolic:
            add(f"{prefix}.systolic", "Systolic must be above diastolic.")
    if pulse is not None:
        _bound(add, f"{prefix}.heart_rate", pulse, HEART_RATE, "beats per minute")
    if spo2 is not None:
        _bound(add, f"{prefix}.spo2", spo2, SPO2, "%")


def _bound(add, field: str, value, bounds: tuple[int, int], unit: str) -> None:
    if not bounds[0] <= value <= bounds[1]:
        add(field, f"Must be {bounds[0]}-{bounds[1]} {unit}.")


def monitoring_flags(values: dict, thresholds: Thresholds) -> list[Flag]:
    """Every reading and observation past the clinic's lines (values already plausible)."""
    flags: list[Flag] = []
    for index, reading in enumerate(values.get("readings") or []):
        flags += _reading_flags(index, reading, thresholds)
    moaas = values.get("moaas")
    if moaas is not None and moaas <= MOAAS_URGENT:
        flags.append(Flag("moaas", "urgent", "MOAA/S 0: no response to a painful stimulus."))
    elif moaas is not None and moaas <= MOAAS_CAUTION:
        flags.append(
            Flag("moaas", "caution", f"MOAA/S {moaas}: sedated; monitor until it resolves.")
        )
    if values.get("respiratory_depression"):
        flags.append(Flag("respiratory_depression", "urgent", "Respiratory depression recorded."))
    return flags


def _reading_flags(index: int, reading: dict, t: Thresholds) -> list[Flag]:
    prefix, kind = f"readings.{index}", reading.get("kind")
    where = READING_WORDS.get(kind, "reading")
    systolic, diastolic = reading.get("systolic"), reading.get("diastolic")
    pulse, spo2 = reading.get("heart_rate"), reading.get("spo2")
    flags = []
    if systolic is not None and diastolic is not None:
        pressure = f"BP {systolic}/{diastolic} {where}"
        if systolic >= t.urgent_systolic or diastolic >= t.urgent_diastolic:
            line = f"{t.urgent_systolic}/{t.urgent_diastolic}"
            flags.append(Flag(f"{prefix}.systolic", "urgent", f"{pressure}: at or above {line}."))
        elif systolic > t.caution_systolic or diastolic > t.caution_diastolic:
            line = f"{t.caution_systolic}/{t.caution_diastolic}"
            advice = (
                "weigh the risk of a short-term rise against the benefit before dosing"
                if kind == "pre_dose"
                else "keep monitoring until it falls"
            )
            flags.append(
                Flag(f"{prefix}.systolic", "caution", f"{pressure}: above {line}; {advice}.")
            )
    if pulse is not None and pulse >= t.urgent_heart_rate:
        flags.append(
            Flag(
                f"{prefix}.heart_rate",
                "urgent",
                f"Heart rate {pulse} {where}: at or above {t.urgent_heart_rate}.",
            )
        )
    elif pulse is not None and pulse > t.caution_heart_rate:
        flags.append(
            Flag(
                f"{prefix}.heart_rate",
                "caution",
                f"Heart rate {pulse} {where}: above {t.caution_heart_rate}.",
            )
        )
    if spo2 is not None and spo2 < t.urgent_spo2:
        flags.append(
            Flag(f"{prefix}.spo2", "urgent", f"SpO2 {spo2}% {where}: below {t.urgent_spo2}%.")
        )
    elif spo2 is not None and spo2 < t.caution_spo2:
        flags.append(
            Flag(f"{prefix}.spo2", "caution", f"SpO2 {spo2}% {where}: below {t.caution_spo2}%.")
        )
    return flags


def urgent_reason(flags: list[Flag]) -> str | None:
    """The alert's reason for the urgent flags, or None if there are none."""
    urgent = [f.message for f in flags if f.level == "urgent"]
    return "Monitored session: " + " ".join(urgent) if urgent else None
