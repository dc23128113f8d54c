"""A phone whose clock is off: its check-ins are sent on the server's clock, so a normal
PHQ-9 from a phone an hour fast is accepted, not refused as coming from the future."""

import time
from datetime import timedelta

import pytest

from tests.support.browser import checkins_of, wait_for_app

pytestmark = pytest.mark.browser

#: Date in the page, shifted: the constructor without arguments and Date.now() tell skewed time.
SKEWED_CLOCK = """(() => {
    const skew = %d;
    const RealDate = Date;
    class SkewedDate extends RealDate {
        constructor(...args) {
            super(...(args.length ? args : [RealDate.now() + skew]));
        }
        static now() {
            return RealDate.now() + skew;
        }
    }
    globalThis.Date = SkewedDate;
})();"""


@pytest.fixture
def context_options():
    # The page's clock is skewed, the service worker's cannot be: let the page do the sending.
    return {"service_workers": "block"}


@pytest.mark.parametrize("skew", [timedelta(hours=1), timedelta(hours=-3)], ids=["fast", "slow"])
def test_a_phq9_from_a_phone_with_a_wrong_clock_is_accepted_on_server_time(
    page, context, signed_in, committed_db, skew
):
    from api.models.base import utcnow

    context.add_init_script(SKEWED_CLOCK % (skew.total_seconds() * 1000))
    page.goto("/#/checkin/phq9")
    wait_for_app(page)
    page_clock = page.evaluate("Date.now()") / 1000
    assert abs(page_clock - time.time() - skew.total_seconds()) < 5  # the phone's clock is off
    for number in range(1, 10):
        page.get_by_role("heading", name=f"Question {number} of 10").wait_for()
        page.get_by_role("button", name="Not at all", exact=True).click()

    page.get_by_role("heading", name="Thank you for checking in").wait_for()
    page.wait_for_function("() => document.querySelector('.send-status').dataset.state === 'sent'")
    (stored,) = checkins_of(committed_db, signed_in.id)
    assert (stored.instrument, stored.total) == ("phq9", 0)
    # On the server's clock, to within the Date header's second and the test's own pace.
    assert abs(stored.completed_at - utcnow()) < timedelta(seconds=30)
    assert stored.reported_completed_at is None  # the server did not have to correct it
