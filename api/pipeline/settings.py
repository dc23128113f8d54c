"""A clinic's rule settings as the rules read them."""

import logging

import surveys

log = logging.getLogger("waypoint.pipeline")


def clinic_rule_settings(clinic) -> surveys.RuleSettings:
    """The clinic's rule settings; the defaults if what is stored no longer validates."""
    return stored_rule_settings(clinic.id, clinic.rule_settings)


def stored_rule_settings(clinic_id: int, stored: dict | None) -> surveys.RuleSettings:
    """Rule settings from a clinic's stored JSON; the defaults if it no longer validates.

    Settings are validated when saved, so this is a guard for rows written by an older
    version: a bad setting must never turn a patient's submission into an error.
    """
    try:
        return surveys.RuleSettings.from_dict(stored or {})
    except surveys.SettingsError:
        log.error("clinic %s has invalid rule settings; using the defaults", clinic_id)
        return surveys.RuleSettings()
