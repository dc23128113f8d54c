"""A clinic's rule settings as the rules read them."""

import logging

import surveys

log = logging.getLogger("waypoint.pipeline")


def clinic_rule_settings(clinic) -> surveys.RuleSettings:
    """The clinic's rule settings; the defaults if what is stored no longer validates.

    Settings are validated when saved, so this is a guard for rows written by an older
    version: a bad setting must never turn a patient's submission into an error.
    """
    try:
        return surveys.RuleSettings.from_dict(clinic.rule_settings or {})
    except surveys.SettingsError:
        log.error("clinic %s has invalid rule settings; using the defaults", clinic.id)
        return surveys.RuleSettings()
