"""A patient's record as a FHIR R4 Bundle shaped for US Core (docs/interoperability.md).

Check-ins come from `surveys.fhir` (Questionnaire, QuestionnaireResponse, screening-assessment
Observations); this module adds the treatment sessions (MedicationAdministration), their timed
readings (US Core vital-sign Observations) and the sedation and dissociation scores. It builds
from rows `operations` loaded and runs no query itself.
"""

import surveys
from surveys import fhir

from ..models import Checkin, Patient, TreatmentSession
from ..models.base import utcnow

#: SNOMED CT route codes (FHIR R4's SNOMED CT Route Codes value set) of the routes recorded.
ROUTES = {
    "iv": ("47625008", "Intravenous route"),
    "im": ("78421000", "Intramuscular route"),
    "intranasal": ("46713006", "Nasal route"),
    "oral": ("26643006", "Oral route"),
    "sublingual": ("37839007", "Sublingual route"),
    "subcutaneous": ("34206005", "Subcutaneous route"),
}
#: RxNorm codes of the drugs (docs/clinical.md names the source): ketamine as its ingredient
#: (IN), esketamine as the nasal spray it is given as here (SCDF, "esketamine Nasal Spray").
DRUGS = {
    "ketamine": ("6130", "ketamine"),
    "esketamine": ("2201623", "esketamine Nasal Spray"),
}
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
LOINC = fhir.LOINC
UCUM = fhir.UCUM
CATEGORY = fhir.OBSERVATION_CATEGORY
VITAL_SIGNS = {"coding": [{"system": CATEGORY, "code": "vital-signs", "display": "Vital Signs"}]}
EXAM = {"coding": [{"system": CATEGORY, "code": "exam", "display": "Exam"}]}
#: The blood-pressure panel with its systolic and diastolic components (US Core Blood Pressure).
BP_PROFILE = f"{fhir.US_CORE}/us-core-blood-pressure"
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
BP_PARTS = (
    ("systolic", "8480-6", "Systolic blood pressure"),
    ("diastolic", "8462-4", "Diastolic blood pressure"),
)
#: (reading field, id suffix, US Core profile, LOINC codings, UCUM code, unit). US Core Pulse
#: Oximetry needs both codes: FHIR's vital-signs 2708-6 and the pulse-oximetry 59408-5.
SINGLE_VITALS = (
    (
        "heart_rate",
        "hr",
        f"{fhir.US_CORE}/us-core-heart-rate",
        (("8867-4", "Heart rate"),),
        "/min",
        "beats/minute",
    ),
    (
        "spo2",
        "spo2",
        f"{fhir.US_CORE}/us-core-pulse-oximetry",
        (
            ("2708-6", "Oxygen saturation in Arterial blood"),
            ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        ),
        "%",
        "%",
    ),
)
#: The scores a monitored session records. Neither scale has a LOINC code (docs/clinical.md,
#: "FHIR codes"): both are coded in Waypoint's code system.
CADSS_CODES = {
    "full": ("cadss", "Clinician-Administered Dissociative States Scale (CADSS), 23 items, total"),
    "cadss6": ("cadss6", "CADSS-6 (items 1, 2, 6, 7, 15, 22), total"),
}
MOAAS_CODE = ("moaas", "Lowest Modified Observer's Assessment of Alertness/Sedation (MOAA/S)")


def entry(resource: dict) -> dict:
    """A Bundle entry: the resource under its canonical URL."""
    return {
        "fullUrl": f"{fhir.CANONICAL_BASE}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
    }


def subject_of(patient: Patient) -> str:
    return f"Patient/{patient.id}"


class Asked(dict):
    """The definition a check-in was asked in, by (instrument, version, language), built once:
    in the words the patient read (the QuestionnaireResponse says which language)."""

    def __missing__(self, key: tuple[str, str, str]):
        code, version, language = key
        self[key] = asked = surveys.translated(surveys.get_definition(code, version), language)
        return asked


def head_entries(patient: Patient, answered_keys) -> list[dict]:
    """The Patient and a Questionnaire for each (instrument, version) in ``answered_keys``."""
    entries = [
        entry(
            {
                "resourceType": "Patient",
                "id": str(patient.id),
                "identifier": [
                    {"system": f"{fhir.CANONICAL_BASE}/patient-ref", "value": patient.ref}
                ],
                "active": patient.status == "active",
            }
        )
    ]
    # Each version answered, since a response names its version; an earlier one under an id
    # of its own (the current one keeps the instrument's id, as GET /instruments serves it).
    definitions = (surveys.get_definition(*key) for key in set(answered_keys))
    answered = {(d.code, d.version): d for d in definitions}
    for (code, version), definition in sorted(answered.items()):
        questionnaire = fhir.questionnaire(definition)
        if version != surveys.get_definition(code).version:
            questionnaire["id"] = fhir.resource_id(f"{code}-{version}")
        entries.append(entry(questionnaire))
    return entries


def checkin_entries(checkin: Checkin, asked: Asked, subject: str) -> list[dict] | None:
    """A check-in's QuestionnaireResponse and Observations; None if no response can be built
    (an imported, prorated check-in lacks items)."""
    definition = asked[(checkin.instrument, checkin.instrument_version, checkin.language)]
    try:
        response, observations = fhir.checkin_resources(
            definition, str(checkin.id), checkin.answers, checkin.completed_at, subject
        )
    except surveys.AnswerError:
        return None
    return [entry(response), *(entry(o) for o in observations)]


def session_entries(sessions: list[TreatmentSession], subject: str) -> list[dict]:
    """Each session's MedicationAdministration, vital signs and scores (readings loaded)."""
    entries = []
    for s in sessions:
        entries.append(entry(_administration(s, subject)))
        for reading in s.readings:
            entries += [entry(o) for o in _vital_observations(s, reading, subject)]
        entries += [entry(o) for o in _session_scores(s, subject)]
    return entries


def bundle_of(entries: list[dict]) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": utcnow().isoformat(),
        "entry": entries,
    }


def build_bundle(
    patient: Patient, checkins: list[Checkin], sessions: list[TreatmentSession]
) -> tuple[dict, dict]:
    """A collection Bundle and counts from the rows given (no query of its own): Patient,
    Questionnaires, responses with their screening-assessment Observations, sessions (not
    deleted, readings loaded) with their vital signs and scores."""
    subject = subject_of(patient)
    entries = head_entries(patient, ((c.instrument, c.instrument_version) for c in checkins))
    counts = {"checkins": 0, "skipped": 0, "sessions": len(sessions)}
    asked = Asked()
    for c in checkins:
        found = checkin_entries(c, asked, subject)
        if found is None:
            counts["skipped"] += 1
            continue
        entries += found
        counts["checkins"] += 1
    entries += session_entries(sessions, subject)
    return bundle_of(entries), counts


def _quantity(value: int, code: str, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _coding(system: str, code: str, display: str) -> dict:
    return {"system": system, "code": code, "display": display}


def _session_observation(session, obs_id: str, category: dict, code: dict, subject: str) -> dict:
    return {
        "resourceType": "Observation",
        "id": obs_id,
        "status": "final",
        "category": [category],
        "code": code,
        "subject": {"reference": subject},
        "partOf": [{"reference": f"MedicationAdministration/{session.id}"}],
    }


def _vital(session, reading, suffix: str, profile: str, codings: list, subject: str) -> dict:
    """A US Core vital-sign Observation of one reading, part of the session's administration."""
    code = {"coding": codings, "text": codings[-1]["display"]}
    resource = _session_observation(
        session, f"{session.id}-r{reading.id}-{suffix}", VITAL_SIGNS, code, subject
    )
    resource["meta"] = {"profile": [profile]}
    # A reading carried over from before its time was kept: the session's time.
    resource["effectiveDateTime"] = (reading.taken_at or session.administered_at).isoformat()
    if reading.taken_at is None:
        resource["note"] = [{"text": "Time of reading not recorded; the session's time."}]
    return resource


def _vital_observations(session, reading, subject: str) -> list[dict]:
    """The reading's blood pressure, heart rate and SpO2 as US Core vital-sign Observations."""
    out = []
    if reading.systolic is not None:
        panel = _vital(session, reading, "bp", BP_PROFILE, [_coding(LOINC, *BP_PANEL)], subject)
        panel["component"] = [
            {
                "code": {"coding": [_coding(LOINC, code, display)], "text": display},
                "valueQuantity": _quantity(getattr(reading, name), "mm[Hg]", "mmHg"),
            }
            for name, code, display in BP_PARTS
        ]
        out.append(panel)
    for name, suffix, profile, codes, ucum, unit in SINGLE_VITALS:
        value = getattr(reading, name)
        if value is not None:
            codings = [_coding(LOINC, code, display) for code, display in codes]
            observation = _vital(session, reading, suffix, profile, codings, subject)
            observation["valueQuantity"] = _quantity(value, ucum, unit)
            out.append(observation)
    return out


def _monitoring_time(session) -> dict:
    """When a score was taken: the monitoring period where recorded, else the session's time."""
    if session.monitoring_started_at and session.monitoring_ended_at:
        return {
            "effectivePeriod": {
                "start": session.monitoring_started_at.isoformat(),
                "end": session.monitoring_ended_at.isoformat(),
            }
        }
    return {"effectiveDateTime": session.administered_at.isoformat()}


def _session_scores(session, subject: str) -> list[dict]:
    """The session's CADSS (dissociation) and lowest MOAA/S (sedation), where recorded."""
    out = []
    if session.cadss is not None and session.cadss_form in CADSS_CODES:
        code, display = CADSS_CODES[session.cadss_form]
        concept = {"coding": [_coding(fhir.WAYPOINT_SYSTEM, code, display)], "text": display}
        score = _session_observation(session, f"{session.id}-{code}", fhir.SURVEY, concept, subject)
        score.update(_monitoring_time(session), valueInteger=session.cadss)
        out.append(score)
    if session.moaas is not None:
        code, display = MOAAS_CODE
        concept = {"coding": [_coding(fhir.WAYPOINT_SYSTEM, code, display)], "text": display}
        score = _session_observation(session, f"{session.id}-{code}", EXAM, concept, subject)
        score.update(_monitoring_time(session), valueInteger=session.moaas)
        out.append(score)
    return out


def _medication(drug: str | None) -> dict:
    """The coded drug; a session from before the drug was asked says so, uncoded."""
    if drug is None:
        return {"text": "ketamine or esketamine (drug not recorded)"}
    code, display = DRUGS[drug]
    return {"coding": [_coding(RXNORM, code, display)], "text": drug}


def _administration(session, subject: str) -> dict:
    """A session as a MedicationAdministration, the drug coded with RxNorm when recorded."""
    code, display = ROUTES[session.modality]
    dosage = {"route": {"coding": [_coding(SNOMED, code, display)], "text": display}}
    if session.dose_mg is not None:
        dosage["dose"] = _quantity(float(session.dose_mg), "mg", "mg")
    if session.dose_mg_per_kg is not None:
        dosage["text"] = f"{float(session.dose_mg_per_kg):g} mg/kg"
    resource = {
        "resourceType": "MedicationAdministration",
        "id": str(session.id),
        "status": "completed",
        "medicationCodeableConcept": _medication(session.drug),
        "subject": {"reference": subject},
        "effectiveDateTime": session.administered_at.isoformat(),
        "dosage": dosage,
    }
    if session.notes:
        resource["note"] = [{"text": session.notes}]
    return resource
