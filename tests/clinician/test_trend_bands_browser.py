"""The clinic's trend chart in real Chromium (#18 item 6): each instrument's own severity bands
behind its own line. The band boundaries are read from the chart's config in the page and
compared with each instrument's definition; every point of a line must lie inside its own
instrument's panel."""

from datetime import timedelta

import pytest

import surveys
from tests.support.answers import answers_for
from tests.support.live import ARTIFACTS
from tests.support.live import assert_accessible as axe

PASSWORD = "trend bands browser test password"
GAD7_TOTALS = [16, 12, 9, 6]


@pytest.fixture
def casey_with_gad7(committed_db):
    """The demo clinic (committed); its patient Casey Morgan also has four GAD-7 check-ins."""
    from api import demo
    from api.auth.passwords import hash_password
    from api.checkins.operations import scored_checkin
    from api.models import Patient, StaffUser
    from api.models.base import utcnow
    from api.pipeline.summary import refresh

    demo._create_clinic()
    staff = committed_db.query(StaffUser).filter_by(email=demo.CLINICIAN_EMAIL).one()
    staff.password_hash = hash_password(PASSWORD)
    casey = committed_db.query(Patient).filter_by(display_name="Casey Morgan").one()
    gad7 = surveys.get_definition("gad7")
    first = utcnow() - timedelta(days=21)
    for n, total in enumerate(GAD7_TOTALS):
        answers = {**answers_for("gad7", total), "gad7_difficulty": 1}
        at = first + timedelta(days=6 * n)
        committed_db.add(
            scored_checkin(casey, gad7, answers, surveys.score(gad7, answers), completed_at=at)
        )
    committed_db.flush()
    refresh(casey.id)
    committed_db.commit()
    return demo.CLINICIAN_EMAIL


def bands_of(code):
    return [
        {"code": b.code, "label": b.label, "min": b.min, "max": b.max}
        for b in surveys.get_definition(code).bands
    ]


@pytest.mark.browser
def test_each_instrument_has_its_own_bands_behind_its_own_line(
    clinic_browser, clinic_server, casey_with_gad7
):
    def scenario(browser):
        context = browser.new_context(
            base_url=clinic_server,
            viewport={"width": 1280, "height": 1000},
            reduced_motion="reduce",
        )
        context.set_default_timeout(10_000)
        problems = []
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
        try:
            page.goto("/clinic/")
            page.fill("#email", casey_with_gad7)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.get_by_role("link", name="Casey Morgan").click()
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            chart = page.evaluate(
                """() => {
                    const chart = Chart.getChart(document.getElementById("trend-canvas"));
                    const overlay = chart.options.plugins.waypointOverlay;
                    const panel = (axis) => {
                        const s = chart.scales[axis];
                        return {top: s.top, bottom: s.bottom, max: s.max};
                    };
                    const line = (label) => {
                        const i = chart.data.datasets.findIndex((d) => d.label === label);
                        const d = chart.data.datasets[i];
                        return {
                            axis: d.yAxisID,
                            totals: d.data.map((p) => p.y),
                            pixels: chart.getDatasetMeta(i).data.map((e) => e.y),
                        };
                    };
                    return {
                        panels: overlay.panels,
                        scales: {y: panel("y"), yGad7: panel("yGad7")},
                        phq9: line("PHQ-9"),
                        gad7: line("GAD-7"),
                        lines: overlay.lines.map((l) => [l.axis, l.label]),
                    };
                }"""
            )
            by_instrument = {p["instrument"]: p for p in chart["panels"]}
            assert sorted(by_instrument) == ["gad7", "phq9"]
            gad_panel, phq_panel = by_instrument["gad7"], by_instrument["phq9"]
            # GAD-7 is shaded with the GAD-7 bands (0-4, 5-9, 10-14, 15-21), not the PHQ-9's.
            assert gad_panel["bands"] == bands_of("gad7")
            assert [(b["min"], b["max"]) for b in gad_panel["bands"]] == [
                (0, 4),
                (5, 9),
                (10, 14),
                (15, 21),
            ]
            assert (gad_panel["max"], chart["scales"]["yGad7"]["max"]) == (21, 21)
            assert phq_panel["bands"] == bands_of("phq9") and phq_panel["max"] == 27
            # Each line is drawn on its own instrument's axis, inside its own panel.
            assert chart["gad7"]["axis"] == gad_panel["axis"] == "yGad7"
            assert chart["phq9"]["axis"] == phq_panel["axis"] == "y"
            assert chart["gad7"]["totals"] == GAD7_TOTALS
            for code, axis in (("phq9", "y"), ("gad7", "yGad7")):
                scale = chart["scales"][axis]
                assert chart[code]["pixels"], code
                assert all(scale["top"] <= y <= scale["bottom"] for y in chart[code]["pixels"])
            # The panels do not overlap: PHQ-9 above, GAD-7 below.
            assert chart["scales"]["y"]["bottom"] <= chart["scales"]["yGad7"]["top"] + 1
            # Each instrument's own baseline line, in its own panel.
            assert ["y", "Baseline 17"] in chart["lines"]
            assert ["yGad7", f"Baseline {GAD7_TOTALS[0]}"] in chart["lines"]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.locator("#trend-canvas").screenshot(path=str(ARTIFACTS / "clinic-trend-bands.png"))
            axe(page, "patient with two panels")
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario)
