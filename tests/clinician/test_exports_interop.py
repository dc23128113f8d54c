"""The exports an EHR or an analyst receives, checked by tools that are not Waypoint's: the
FHIR Bundle against HL7's FHIR R4 JSON schema and fhir.resources, its shape against HL7's US
Core examples, the answers CSV read back as a table (docs/interoperability.md)."""

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from fhir.resources.bundle import Bundle

from api.models import AuditEvent, CheckinEntries
from api.models.base import utcnow
from tests.support.answers import SAMPLE_ANSWERS
from tests.support.fhir import schema_errors, us_core_example
from tests.support.records import checkin_of, full_record

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
SCREENING = US_CORE + "us-core-observation-screening-assessment"


def _references(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference":
                found.append(value)
            else:
                _references(value, found)
    elif isinstance(node, list):
        for value in node:
            _references(value, found)
    return found


def test_the_bundle_passes_hl7s_r4_schema_and_fhir_resources(
    staff_client, create_patient, add_session, add_alert, db_session
):
    client, _, staff = staff_client
    patient, _ = full_record(db_session, create_patient, add_session, add_alert, staff.clinic)
    response = client.get(f"/api/v1/patients/{patient.id}/fhir")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    body = response.get_json(force=True)

    assert schema_errors(body) == []
    Bundle.parse_obj(body)  # fhir.resources 6.5.0's models (R4B; the same for these resources)

    resources = [e["resource"] for e in body["entry"]]
    by_ref = {f"{r['resourceType']}/{r['id']}": r for r in resources}
    assert len(by_ref) == len(resources), "ids are unique per type"
    assert all(
        e["fullUrl"].endswith("/" + ref) for e, ref in zip(body["entry"], by_ref, strict=True)
    )
    # Every reference resolves inside the Bundle, and every response names a Questionnaire in it.
    assert set(_references(body, [])) <= set(by_ref)
    canonicals = {
        f"{r['url']}|{r['version']}" for r in resources if r["resourceType"] == "Questionnaire"
    }
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert len(responses) == 6 and {r["questionnaire"] for r in responses} <= canonicals
    assert {r["id"] for r in resources if r["resourceType"] == "Questionnaire"} == {
        "phq9", "asq", "gad7", "gad7-1.0.0", "mood", "post-session",
    }  # fmt: skip
    # The chart gets the opaque reference, never the name (the name is the EHR's to match).
    assert "Ada Lovelace" not in json.dumps(body)
    assert by_ref[f"Patient/{patient.id}"]["identifier"][0]["value"] == patient.ref
    event = db_session.execute(
        sa.select(AuditEvent.detail).where(
            AuditEvent.action == "patient.export", AuditEvent.object_id == str(patient.id)
        )
    ).scalar_one()
    assert event == {"format": "fhir", "checkins": 6, "skipped": 0, "sessions": 2}


def test_every_check_in_is_a_us_core_screening_assessment(
    staff_client, create_patient, add_session, add_alert, db_session
):
    client, _, staff = staff_client
    patient, phq9 = full_record(db_session, create_patient, add_session, add_alert, staff.clinic)
    body = client.get(f"/api/v1/patients/{patient.id}/fhir").get_json(force=True)
    observations = {
        r["id"]: r for e in body["entry"] if (r := e["resource"])["resourceType"] == "Observation"
    }
    assessments = [
        o for o in observations.values() if o.get("meta", {}).get("profile") == [SCREENING]
    ]
    panels = [o for o in assessments if "hasMember" in o]
    assert [p["code"]["coding"][0]["code"] for p in panels] == [
        "44249-1", "asq", "69737-5", "69737-5", "mood", "post_session",
    ]  # fmt: skip
    for panel in panels:
        assert panel["category"][0]["coding"][0]["code"] == "survey"
        assert panel["performer"] == [{"reference": f"Patient/{patient.id}"}]
        assert panel["derivedFrom"][0]["reference"].startswith("QuestionnaireResponse/")
        members = [observations[m["reference"].split("/")[1]] for m in panel["hasMember"]]
        assert {m["effectiveDateTime"] for m in members} == {panel["effectiveDateTime"]}
    (phq9_panel,) = [p for p in panels if p["id"] == str(phq9.id)]
    assert phq9_panel["effectiveDateTime"] == phq9.completed_at.isoformat()  # when answered
    item9 = observations[f"{phq9.id}-phq9-9"]
    assert item9["valueCodeableConcept"]["coding"][0]["code"] == "LA6569-3"  # "Several days"
    total = observations[f"{phq9.id}-total"]
    assert total["valueQuantity"]["value"] == phq9.total
    # The earlier GAD-7 version keeps its own answer code for item 2 (LA6570-1, not LA18938-3).
    gad7_panels = [p for p in panels if p["code"]["coding"][0]["code"] == "69737-5"]
    old, new = (observations[f"{p['id']}-gad7-2"] for p in gad7_panels)
    assert old["valueCodeableConcept"]["coding"][0]["code"] == "LA6570-1"
    assert new["valueCodeableConcept"]["coding"][0]["code"] == "LA18938-3"
    # The post-session free text is there as written (FHIR is not a spreadsheet).
    (other,) = [o for o in observations.values() if o["id"].endswith("-ps-other")]
    assert other["valueString"] == "=1+1 felt floaty"


def test_sessions_vitals_and_scores_match_us_core(
    staff_client, create_patient, add_session, add_alert, db_session
):
    client, _, staff = staff_client
    patient, _ = full_record(db_session, create_patient, add_session, add_alert, staff.clinic)
    body = client.get(f"/api/v1/patients/{patient.id}/fhir").get_json(force=True)
    resources = [e["resource"] for e in body["entry"]]
    infusion, spray = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
    rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    assert infusion["medicationCodeableConcept"]["coding"] == [
        {"system": rxnorm, "code": "6130", "display": "ketamine"}
    ]
    assert spray["medicationCodeableConcept"]["coding"][0]["code"] == "2201623"
    assert infusion["dosage"]["route"]["coding"][0]["code"] == "47625008"
    assert spray["dosage"]["route"]["coding"][0]["code"] == "46713006"
    assert infusion["dosage"]["dose"]["value"] == 35.0 and infusion["dosage"]["text"] == "0.5 mg/kg"

    vitals = [
        r
        for r in resources
        if r.get("category", [{}])[0].get("coding", [{}])[0].get("code") == "vital-signs"
    ]
    assert len(vitals) == 4 * 3  # BP, heart rate, SpO2 of each of the four readings
    examples = {
        "us-core-blood-pressure": us_core_example("blood-pressure"),
        "us-core-heart-rate": us_core_example("heart-rate"),
        "us-core-pulse-oximetry": us_core_example("oxygen-saturation"),
    }
    for vital in vitals:
        profile = vital["meta"]["profile"][0]
        theirs = examples[profile.rsplit("/", 1)[1]]
        assert profile == theirs["meta"]["profile"][0].split("|")[0]
        assert vital["category"][0]["coding"] == theirs["category"][0]["coding"]
        assert [c["code"] for c in vital["code"]["coding"]] == [
            c["code"] for c in theirs["code"]["coding"]
        ]
        if "component" in theirs:
            for ours, their in zip(vital["component"], theirs["component"], strict=True):
                assert ours["code"]["coding"] == their["code"]["coding"]
                assert {k: v for k, v in ours["valueQuantity"].items() if k != "value"} == {
                    k: v for k, v in their["valueQuantity"].items() if k != "value"
                }
        else:  # UCUM code and system as HL7's (the unit's words may differ)
            assert vital["valueQuantity"]["code"] == theirs["valueQuantity"]["code"]
            assert vital["valueQuantity"]["system"] == theirs["valueQuantity"]["system"]
        assert vital["partOf"][0]["reference"].startswith("MedicationAdministration/")
    peak = next(
        v
        for v in vitals
        if v["id"].endswith("-bp") and v["component"][0]["valueQuantity"]["value"] == 152
    )
    assert peak["component"][1]["valueQuantity"]["value"] == 94

    scores = {
        r["code"]["coding"][0]["code"]: r
        for r in resources
        if r["resourceType"] == "Observation"
        and r["code"]["coding"][0]["code"] in ("cadss", "cadss6", "moaas")
    }
    assert (scores["cadss"]["valueInteger"], scores["cadss6"]["valueInteger"]) == (14, 5)
    assert scores["moaas"]["valueInteger"] == 4
    assert scores["cadss"]["effectivePeriod"]["start"] == infusion["effectiveDateTime"]
    assert (
        scores["cadss6"]["effectiveDateTime"] == spray["effectiveDateTime"]
    )  # no monitoring times


def test_a_spanish_check_in_validates_with_loincs_displays(
    staff_client, create_patient, db_session
):
    """The language a check-in was answered in is a valid R4 code everywhere it is said, and
    a LOINC code keeps LOINC's display: the patient's words are the text or its translation."""
    client, _, staff = staff_client
    patient = create_patient(staff.clinic)
    for code in ("phq9", "gad7"):
        row = checkin_of(
            db_session, patient, code, SAMPLE_ANSWERS[code], utcnow() - timedelta(days=1)
        )
        row.language = "es"
    db_session.flush()
    body = client.get(f"/api/v1/patients/{patient.id}/fhir").get_json(force=True)
    assert schema_errors(body) == []
    Bundle.parse_obj(body)
    resources = [e["resource"] for e in body["entry"]]
    checkin = [
        r for r in resources if r["resourceType"] in ("QuestionnaireResponse", "Observation")
    ]
    assert {r["language"] for r in checkin} == {"es"}
    response = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse")
    first = response["item"][0]
    assert first["text"] == "Poco interés o placer en hacer cosas"
    coding = first["answer"][0]["valueCoding"]  # phq9_1 = 1
    assert (coding["code"], coding["display"]) == ("LA6569-3", "Several days")
    (translation,) = coding["_display"]["extension"]
    assert translation["url"] == "http://hl7.org/fhir/StructureDefinition/translation"
    assert {e["url"]: list(e.values())[1] for e in translation["extension"]} == {
        "lang": "es",
        "content": "Varios días",
    }
    item1 = next(r for r in resources if r["id"].endswith("-phq9-1"))
    assert item1["valueCodeableConcept"] == {
        "coding": [{"system": "http://loinc.org", "code": "LA6569-3", "display": "Several days"}],
        "text": "Varios días",
    }
    # The answers CSV says the language and has the words the patient read in it.
    text = client.get(f"/api/v1/patients/{patient.id}/export.csv?part=answers").get_data(True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["language"] for r in rows} == {"es"}
    first = next(r for r in rows if r["item_id"] == "phq9_1")
    assert (first["item_text"], first["answer_text"]) == (
        "Poco interés o placer en hacer cosas",
        "Varios días",
    )
    assert (first["answer_value"], first["answer_loinc"]) == ("1", "LA6569-3")


def test_the_answers_csv_loads_as_a_table(
    staff_client, create_patient, add_session, add_alert, db_session
):
    client, _, staff = staff_client
    patient, phq9 = full_record(db_session, create_patient, add_session, add_alert, staff.clinic)
    response = client.get(f"/api/v1/patients/{patient.id}/export.csv?part=answers")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].endswith(f'-{"answers"}.csv"')
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    header = text.split("\r\n", 1)[0].split(",")
    assert header == [
        "patient_ref", "checkin_id", "instrument", "instrument_version", "language",
        "completed_at", "item_order", "item_id", "item_loinc", "item_text", "answer_value",
        "answer_text", "answer_loinc", "in_total", "total", "severity", "prorated",
    ]  # fmt: skip
    answered = sum(len(a) for a in SAMPLE_ANSWERS.values()) + 7  # and the GAD-7 1.0.0
    assert len(rows) == answered
    first = [r for r in rows if r["checkin_id"] == str(phq9.id)]
    assert [r["item_id"] for r in first] == [
        *(f"phq9_{i}" for i in range(1, 10)),
        "phq9_difficulty",
    ]
    assert [int(r["item_order"]) for r in first] == list(range(1, 11))
    assert first[0]["item_loinc"] == "44250-9" and first[0]["answer_value"] == "1"
    assert {r["language"] for r in rows} == {"en"}
    assert first[0]["answer_loinc"] == "LA6569-3" and first[0]["answer_text"] == "Several days"
    assert first[0]["in_total"] == "True" and first[-1]["in_total"] == "False"
    assert {r["total"] for r in first} == {str(phq9.total)}
    assert first[0]["completed_at"] == phq9.completed_at.isoformat()
    # Every choice answer is an integer; free text only in answer_text, never a live formula.
    assert all(r["answer_value"].isdigit() for r in rows if r["item_id"] != "ps_other")
    (other,) = [r for r in rows if r["item_id"] == "ps_other"]
    assert (other["answer_value"], other["answer_text"]) == ("", "'=1+1 felt floaty")
    old = [r for r in rows if r["instrument_version"] == "1.0.0" and r["instrument"] == "gad7"]
    assert old[6]["item_text"] == "Feeling afraid, as if something awful might happen"
    assert patient.ref in {r["patient_ref"] for r in rows} and "Ada" not in text


def test_the_data_dictionary_names_every_column_in_order():
    """docs/interoperability.md's table of the answers CSV is its header, column for column."""
    from api.exports.operations import ANSWER_COLUMNS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "interoperability.md").read_text()
    section = doc.split("## The answers CSV", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)
    assert documented == list(ANSWER_COLUMNS)


def test_an_erased_patients_exports_are_refused(
    client, login, create_clinician, create_patient, add_session, add_alert, db_session
):
    admin = create_clinician(role="admin")
    csrf = login(client, admin)
    patient, _ = full_record(db_session, create_patient, add_session, add_alert, admin.clinic)
    assert client.get(f"/api/v1/patients/{patient.id}/fhir").status_code == 200
    pieces = sa.select(sa.func.count()).select_from(CheckinEntries)
    assert db_session.scalar(pieces) == 6  # each check-in's entries, as stored for the next
    erase = client.post(
        f"/api/v1/admin/patients/{patient.id}/erase",
        json={"confirm_ref": patient.ref},
        headers={"X-CSRF-Token": csrf},
    )
    assert erase.status_code == 200, erase.json
    for url in ("fhir", "export.csv?part=answers", "export.csv"):
        refused = client.get(f"/api/v1/patients/{patient.id}/{url}")
        assert refused.status_code == 404 and refused.json["message"] == "No such patient."
    assert db_session.scalar(pieces) == 0  # erased with the check-ins
