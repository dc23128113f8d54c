"""What a notification says: no PHI, and in plain English."""

import pytest

from worker.channels.content import alert_email


@pytest.mark.parametrize(
    ("priority", "opening"),
    [
        ("urgent", "An urgent alert"),
        ("imminent", "An imminent"),
        ("high", "A high"),
        ("routine", "A routine"),
    ],
)
def test_the_alert_email_uses_the_right_article(priority, opening):
    subject, body = alert_email(priority, "P-ABC123", "https://waypoint.test/clinic/alerts/x", 0)
    assert body.startswith(opening)
    assert "P-ABC123" in subject and "P-ABC123" in body
