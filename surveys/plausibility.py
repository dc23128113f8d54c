"""Plausibility of a treatment session record: a typo must not become a chart.

A dose is positive and at most
``MAX_DOSE_MG`` for its route (IV/IM ketamine 0.5-1 mg/kg, anaesthetic doses up to about
2 mg/kg; esketamine nasal spray 28-84 mg, at most 84 mg whatever the route; oral and
sublingual ketamine rarely above 300 mg; subcutaneous ketamine is dosed by weight, 0.1-0.5
mg/kg in trials); mg/kg is recorded for IV, IM and subcutaneous only, at most 3 mg/kg. The
monitoring record (readings, MOAA/S, CADSS, times) is checked by ``surveys.monitoring``.
The time is at most 15 minutes ahead of the server clock and at most 10 years ago.

Pure: the caller passes the clock and the decimal places its columns keep.
"""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from surveys.monitoring import monitoring_errors

MAX_DOSE_MG = {
    "iv": 300,
    "im": 300,
    "intranasal": 200,
    "oral": 500,
    "sublingual": 500,
    "subcutaneous": 300,
}
MAX_MG_PER_KG = 3
PER_KG_MODALITIES = ("iv", "im", "subcutaneous")
MAX_ESKETAMINE_MG = 84
MAX_FUTURE = timedelta(minutes=15)
MAX_PAST = timedelta(days=3650)


def session_errors(
    values: dict, now: datetime, dose_places: int, per_kg_places: int
) -> dict[str, list[str]]:
    """Field -> messages for a session that cannot be real (values already typed)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    at = values.get("administered_at")
    if at is not None and at > now + MAX_FUTURE:
        add("administered_at", "Is in the future; record a session once it has happened.")
    if at is not None and at < now - MAX_PAST:
        add("administered_at", "Is more than 10 years ago.")
    modality = values.get("modality")
    dose, per_kg = values.get("dose_mg"), values.get("dose_mg_per_kg")
    if dose is None and per_kg is None:
        add("dose_mg", "Give the dose in mg (and mg/kg for IV or IM).")
    if dose is not None and not 0 < dose <= MAX_DOSE_MG.get(modality, 0):
        limit, step = MAX_DOSE_MG.get(modality), _step(dose_places)
        add("dose_mg", f"Must be at least {step} and at most {limit} mg for {modality}.")
    if per_kg is not None:
        if modality not in PER_KG_MODALITIES:
            add("dose_mg_per_kg", "mg/kg is recorded for IV, IM and subcutaneous sessions only.")
        elif not 0 < per_kg <= MAX_MG_PER_KG:
            step = _step(per_kg_places)
            add("dose_mg_per_kg", f"Must be at least {step} and at most {MAX_MG_PER_KG} mg/kg.")
    if values.get("drug") == "esketamine" and dose is not None and dose > MAX_ESKETAMINE_MG:
        add("dose_mg", f"Esketamine is at most {MAX_ESKETAMINE_MG} mg a session (its label).")
    errors_of_monitoring = monitoring_errors(values, now)
    for field, messages in errors_of_monitoring.items():
        errors.setdefault(field, []).extend(messages)
    return errors


def round_to_places(value: float, places: int) -> float:
    """``value`` rounded half up to ``places`` decimals, as a NUMERIC column stores it."""
    try:
        return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
    except InvalidOperation:  # too many digits to quantize: far out of range, refused later
        return value


def _step(places: int) -> str:
    return f"{Decimal(1).scaleb(-places):f}"
