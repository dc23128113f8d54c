"""The intake a clinic records before a patient's first course, for tests that start one."""

from surveys.intake import SCREEN


def clear_intake(patient, staff) -> None:
    """Every screen item answered no and signed by ``staff``: a new course may start."""
    from api.intake.operations import record_answers

    record_answers(patient, {item.code: {"answer": "no"} for item in SCREEN}, staff)


def sign_clear_screen(page) -> None:
    """On the patient page in a browser: answer every screen item no, sign, and wait until
    the intake says a course may start."""
    screen = page.locator("#intake-screen")
    details = page.locator("#intake details:has(#intake-screen)")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for fieldset in screen.locator("fieldset.screen-item").all():
        fieldset.get_by_label("No", exact=True).check()
    screen.get_by_role("button", name="Sign and save answers").click()
    page.wait_for_selector("#intake-status:not(.flag)")
