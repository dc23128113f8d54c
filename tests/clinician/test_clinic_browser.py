"""The clinic views in real Chromium: sign in, the panel, the patient's chart, acknowledge."""

import pytest

from tests.support.live import ARTIFACTS
from tests.support.live import assert_accessible as axe

PASSWORD = "clinic browser test password"


@pytest.fixture
def demo_clinic(committed_db):
    """The demo seed's clinic (committed), with a password we know for its clinician."""
    from api import demo
    from api.auth.passwords import hash_password
    from api.models import StaffUser

    demo._create_clinic()
    staff = committed_db.scalar(
        committed_db.query(StaffUser).filter_by(email=demo.CLINICIAN_EMAIL).statement
    )
    staff.password_hash = hash_password(PASSWORD)
    committed_db.commit()
    return demo.CLINICIAN_EMAIL


def _add_mood_ratings(db, name, values):
    """Daily mood ratings (oldest first, a day apart, ending yesterday) for the named patient."""
    from datetime import timedelta

    import surveys
    from api.checkins.operations import scored_checkin
    from api.models import Patient
    from api.models.base import utcnow

    patient = db.scalar(db.query(Patient).filter_by(display_name=name).statement)
    mood = surveys.get_definition("mood")
    for back, value in enumerate(reversed(values), start=1):
        answers = {"mood_today": value}
        at = utcnow() - timedelta(days=back)
        db.add(
            scored_checkin(patient, mood, answers, surveys.score(mood, answers), completed_at=at)
        )
    db.commit()


@pytest.mark.browser
def test_clinician_sees_urgent_patient_first_charts_sessions_and_acknowledges(
    clinic_browser, clinic_server, demo_clinic, committed_db
):
    _add_mood_ratings(committed_db, "Casey Morgan", [4, 6, 5])

    def scenario(browser):
        # Reduced motion: no chart animation, so marker positions are final when drawn.
        context = browser.new_context(
            base_url=clinic_server,
            viewport={"width": 1280, "height": 900},
            reduced_motion="reduce",
        )
        context.set_default_timeout(10_000)
        problems = []
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
        try:
            page.goto("/clinic/")
            page.fill("#email", demo_clinic)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#panel-rows tr")
            first = page.locator("#panel-rows tr").first
            assert "Casey Morgan" in first.inner_text()
            assert "Urgent alert" in first.inner_text()
            assert "Item 9 endorsed" in first.inner_text()
            assert page.title() == "Patients · Waypoint"
            axe(page, "panel")

            first.get_by_role("link", name="Casey Morgan").click()
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            assert "Casey" not in page.title()  # no name in the tab or the history
            chart = page.evaluate(
                """() => {
                    const chart = Chart.getChart(document.getElementById("trend-canvas"));
                    const by = (label) => chart.data.datasets.find((d) => d.label === label);
                    return {
                        sessions: by("Sessions").data.length,
                        phq9: by("PHQ-9").data.map((p) => p.y),
                        item9: by("PHQ-9").data.filter((p) => p.point.safety_endorsed).length,
                        lines: chart.options.plugins.waypointOverlay.lines.map((l) => l.label),
                        mood: by("Daily mood").data.map((p) => p.y),
                        moodAxis: [by("Daily mood").yAxisID, chart.scales.mood.max],
                        moodShown: chart.scales.mood.options.display,
                    };
                }"""
            )
            assert chart["sessions"] == 3
            assert chart["phq9"] == [17, 15, 16, 18] and chart["item9"] == 1
            assert chart["lines"][0] == "Baseline 17"
            # The daily mood rating has its own line, on its own 0-10 axis.
            assert chart["mood"] == [4, 6, 5]
            assert chart["moodAxis"] == ["mood", 10] and chart["moodShown"] is True
            # Hovering a session marker names its route and dose.
            box = page.locator("#trend-canvas").bounding_box()
            point = page.evaluate(
                """() => {
                    const chart = Chart.getChart(document.getElementById("trend-canvas"));
                    const meta = chart.getDatasetMeta(2).data[0];
                    return {x: meta.x, y: meta.y};
                }"""
            )
            page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
            page.wait_for_function(
                """() => {
                    const tip = Chart.getChart(document.getElementById("trend-canvas")).tooltip;
                    const text = (tip.body || []).map((b) => b.lines.join(" ")).join(" ");
                    return tip.opacity > 0 && text.includes("IV 38 mg");
                }"""
            )
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "clinic-patient-1280.png"), full_page=True)
            page.mouse.move(0, 0)
            axe(page, "patient")

            card = page.locator("#patient-alerts li[data-status='open']").first
            card.get_by_label("Acknowledgement note (optional)").fill(
                "Called the patient; safety plan reviewed."
            )
            card.get_by_role("button", name="Acknowledge").click()
            page.wait_for_selector("#patient-alerts li[data-status='acknowledged']")
            assert page.locator("#patient-alerts li[data-status='open']").count() == 0

            page.get_by_role("link", name="Alerts").first.click()
            page.wait_for_selector("#alert-list", state="attached")
            page.wait_for_function(
                "() => document.querySelector('[role=status].meta').textContent !== ''"
            )
            # Acknowledged is not resolved: the inbox's default still lists the case, marked
            # acknowledged; the open cases no longer do.
            assert page.locator("#alert-status").input_value() == "unresolved"
            listed = page.locator("#alert-list li", has_text="Casey Morgan")
            assert listed.count() == 1
            assert listed.get_attribute("data-status") == "acknowledged"
            page.select_option("#alert-status", "open")
            page.wait_for_function(
                "() => /open case|No cases/"
                ".test(document.querySelector('#alert-summary').textContent)"
            )
            assert "Casey Morgan" not in page.locator("#alert-list").inner_text()
            page.select_option("#alert-status", "acknowledged")
            page.wait_for_selector("#alert-list li[data-status='acknowledged']")
            assert "safety plan reviewed" in page.locator("#alert-list").inner_text()
            axe(page, "alerts")

            # Without a VAPID key on the server there is no opt-in to offer, and the page says so.
            page.get_by_role("link", name="My account").click()
            page.get_by_text("Notifications by Web Push are not set up on this Waypoint").wait_for()
            assert page.get_by_role("button", name="Notify me on this device").count() == 0

            page.set_viewport_size({"width": 768, "height": 1024})  # a tablet
            page.get_by_role("link", name="Patients").click()
            page.wait_for_selector("#panel-rows tr")
            page.screenshot(path=str(ARTIFACTS / "clinic-panel-768.png"), full_page=True)
            axe(page, "panel on a tablet")
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario)
