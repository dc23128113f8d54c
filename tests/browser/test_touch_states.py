"""On a touch screen nothing looks chosen that was not. A phone's browser leaves the spot last
tapped hovered, so a hover style there marked the next question's answer under the thumb (and
darkened the crisis screen's "Text HOME" button like the main one): every hover style of the
patient app applies only where the pointer can hover."""

import pytest

from tests.support.browser import wait_for_app

pytestmark = pytest.mark.browser

#: Hover styles outside a ``(hover: hover)`` media rule, in the page's own style sheets.
UNGUARDED_HOVER = """() => {
    const found = [];
    const walk = (rules, guarded) => {
        for (const rule of rules) {
            if (rule instanceof CSSMediaRule) {
                walk(rule.cssRules, guarded || /\\(hover:\\s*hover\\)/.test(rule.conditionText));
            } else if (rule.selectorText && rule.selectorText.includes(':hover') && !guarded) {
                found.push(rule.selectorText);
            }
        }
    };
    for (const sheet of document.styleSheets) walk(sheet.cssRules, false);
    return found;
}"""


@pytest.fixture
def context_options():
    return {"has_touch": True, "is_mobile": True, "device_scale_factor": 2}


def test_no_hover_style_applies_on_a_touch_screen(page, signed_in):
    page.goto("/#/checkin/phq9")
    wait_for_app(page)
    page.get_by_role("heading", name="Question 1 of 10").wait_for()
    assert page.evaluate("matchMedia('(hover: hover)').matches") is False
    assert page.evaluate(UNGUARDED_HOVER) == []
    page.get_by_role("button", name="More than half the days", exact=True).tap()
    page.get_by_role("heading", name="Question 2 of 10").wait_for()
    assert page.locator("button.option[aria-pressed='true']").count() == 0
