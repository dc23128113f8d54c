"""The rules a clinic's list of crisis resources must keep, whatever is edited. Pure checks.

A patient in crisis is shown this list, offline too: it must always offer emergency
services by phone, and a text keyword is only meaningful with a number to text.
"""

from ..errors import Invalid

FIELD = "crisis_resources"


def check_crisis_resources(resources: list[dict]) -> None:
    """Refuse a list without an emergency entry to call, or a keyword without a number.

    An empty list is allowed: it means the default list, which has one.
    """
    if not resources:
        return
    errors: dict[str, list[str]] = {}
    for index, resource in enumerate(resources):
        if resource.get("sms_keyword") and not resource.get("sms"):
            errors[f"{FIELD}.{index}.sms_keyword"] = ["A text keyword needs a number to text."]
    if not any(r.get("kind") == "emergency" and r.get("phone") for r in resources):
        errors[FIELD] = [
            "Keep an emergency entry with a phone number (for example 911): "
            "it is what a patient at imminent risk is shown first."
        ]
    if errors:
        raise Invalid("The crisis resources cannot be saved as given.", errors)
