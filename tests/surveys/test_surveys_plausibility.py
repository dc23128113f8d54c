"""Plausibility of a session record, as pure functions of the values and the clock."""

from datetime import UTC, datetime, timedelta

from surveys.plausibility import round_to_places, session_errors

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def errors(**values):
    base = {"administered_at": NOW - timedelta(hours=1), "modality": "iv", "dose_mg": 35.0}
    return session_errors(base | values, NOW, dose_places=2, per_kg_places=3)


def test_a_real_session_has_no_errors():
    assert errors() == {}
    reading = {"kind": "pre_dose", "taken_at": NOW - timedelta(hours=1), "systolic": 130}
    assert errors(dose_mg_per_kg=0.5, readings=[reading | {"diastolic": 80}]) == {}


def test_the_clock_is_the_callers():
    assert "administered_at" in errors(administered_at=NOW + timedelta(minutes=16))
    assert errors(administered_at=NOW + timedelta(minutes=14)) == {}
    assert "administered_at" in errors(administered_at=NOW - timedelta(days=3651))


def test_doses_and_pressures_out_of_bounds_name_their_field():
    assert set(errors(dose_mg=301.0)) == {"dose_mg"}
    assert set(errors(modality="oral", dose_mg_per_kg=0.5)) == {"dose_mg_per_kg"}
    at = NOW - timedelta(minutes=20)
    assert set(errors(readings=[{"kind": "post_40", "taken_at": at, "systolic": 120}])) == {
        "readings.0.diastolic"
    }
    low = {"kind": "pre_dose", "taken_at": NOW - timedelta(hours=1), "systolic": 80}
    assert set(errors(readings=[low | {"diastolic": 90}])) == {"readings.0.systolic"}
    assert set(errors(modality="subcutaneous", dose_mg_per_kg=0.5)) == set()


def test_rounding_is_half_up_to_the_columns_places():
    assert round_to_places(0.125, 2) == 0.13
    assert round_to_places(35.004, 2) == 35.0
