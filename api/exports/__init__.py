"""Exports of a patient's record: CSV and FHIR R4."""
