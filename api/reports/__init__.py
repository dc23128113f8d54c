"""Clinic-level reports for aggregate review (Joint Commission CTS.03.01.09)."""
