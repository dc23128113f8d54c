"""The order of the crisis resources on the phone once a clinic adds its own number: the free
day-and-night lines, then emergency services, then the clinic (open its hours); emergency
services first when the risk is now. Dial links hold digits only (a newcomer's walk found
911 below a weekday-hours number, and `tel:+1 212 555 0100`)."""

import pytest

pytestmark = pytest.mark.browser

RESOURCES = [
    {"name": "Lakeside clinic", "phone": "+1 212 555 0100", "kind": "clinic"},
    {"name": "Emergency services", "phone": "911", "kind": "emergency"},
    {"name": "988 Suicide & Crisis Lifeline", "phone": "988", "sms": "988", "kind": "crisis_line"},
    {"name": "Crisis Text Line", "sms": "741 741", "sms_keyword": "HOME", "kind": "crisis_line"},
]


def test_the_lines_then_emergency_then_the_clinic_and_digits_only(page, live_server):
    page.goto(live_server.url + "/")
    got = page.evaluate(
        """async (resources) => {
            const crisis = await import("/pwa/js/screens/crisis.js");
            return {
                calm: crisis.ordered(resources, false).map((r) => r.kind),
                now: crisis.ordered(resources, true).map((r) => r.kind),
                tel: crisis.telHref(resources[0].phone),
                sms: crisis.smsHref(resources[3]),
            };
        }""",
        RESOURCES,
    )
    assert got["calm"] == ["crisis_line", "crisis_line", "emergency", "clinic"]
    assert got["now"] == ["emergency", "crisis_line", "crisis_line", "clinic"]
    assert got["tel"] == "tel:+12125550100"
    assert got["sms"] == "sms:741741?&body=HOME"
