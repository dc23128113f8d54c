"""Web Push in the service worker: a clinician's alert push shows the server's own words and
leads to its own page; a push without words is a check-in reminder; links stay in Waypoint."""

import json
import time
import uuid

import pytest

from tests.support.browser import wait_for_app, wait_for_service_worker
from worker.channels.content import alert_push, reminder_push

pytestmark = pytest.mark.browser

SHOWN = """async () => {
    const registration = await navigator.serviceWorker.ready;
    const shown = await registration.getNotifications();
    return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}));
}"""


def push(page, context, origin, messages) -> dict:
    """Deliver pushes to the page's service worker the way the push service would, one at a
    time, and return the notifications on show by tag.

    Each push is waited for before the next. Chromium's DevTools delivery drops a message now
    and then when the worker is started for it on a loaded machine (seen once in a full run:
    the first of four never reached the worker); a push service redelivers what it could not
    hand over, so one that shows nothing within ``DELIVERY_WAIT`` s is delivered once more.
    A handler that shows nothing, or the wrong words, still fails: the second delivery
    meets the same handler.
    """
    cdp = context.new_cdp_session(page)
    found = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(
            r["registrationId"] for r in event["registrations"] if not r.get("isDeleted")
        ),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 5
    while not found and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert found, "no service worker registration"
    shown = []
    for n, data in enumerate(messages, start=1):
        body = {"origin": origin, "registrationId": found[0], "data": data}
        for _ in range(2):
            cdp.send("ServiceWorker.deliverPushMessage", body)
            shown = _shown(page, n, DELIVERY_WAIT)
            if len(shown) >= n:
                break
        assert len(shown) >= n, f"push {n} of {len(messages)} showed nothing, delivered twice"
    return {item["tag"]: item for item in shown}


#: How long one push may take to show (a loaded machine's worker may take seconds to start).
DELIVERY_WAIT = 15


def _shown(page, count: int, wait: float) -> list:
    """The notifications on show once there are ``count`` of them, or after ``wait`` s."""
    deadline = time.monotonic() + wait
    shown = page.evaluate(SHOWN)
    while len(shown) < count and time.monotonic() < deadline:
        page.wait_for_timeout(50)
        shown = page.evaluate(SHOWN)
    return shown


def test_pushes_show_the_servers_words_and_links(page, context, live_server):
    context.grant_permissions(["notifications"])
    page.goto("/")
    wait_for_app(page)
    wait_for_service_worker(page)
    alert_id = uuid.uuid4()
    alert = alert_push("urgent", "P-7KQ2", f"{live_server.url}/clinic/alerts/{alert_id}", alert_id)
    reminder = reminder_push(live_server.url)
    foreign = {"title": "Waypoint", "body": "Look", "tag": "elsewhere", "url": "https://x.test/"}
    messages = [json.dumps(alert), json.dumps(reminder), "", json.dumps(foreign)]
    shown = push(page, context, live_server.url, messages)
    assert len(shown) == 4
    assert shown[f"alert-{alert_id}"] == {
        "title": "Waypoint: urgent alert",
        "body": "Patient P-7KQ2: open Waypoint to review.",
        "tag": f"alert-{alert_id}",
        "url": f"/clinic/alerts/{alert_id}",
    }
    assert shown["checkin-reminder"]["body"] == reminder["body"]
    assert shown["checkin-reminder"]["url"] == "/"
    # No words at all: the reminder's. A link to another site: home instead.
    assert shown["waypoint-reminder"] == {
        "title": "Waypoint",
        "body": "A check-in is ready when you are.",
        "tag": "waypoint-reminder",
        "url": "/",
    }
    assert shown["elsewhere"]["url"] == "/"


def test_notification_links_stay_in_waypoint(page):
    page.goto("/")
    wait_for_app(page)
    checked = page.evaluate(
        """async () => {
            const {safeUrl} = await import("/pwa/js/notification.js");
            const origin = location.origin;
            return [
                `${origin}/clinic/alerts/1?x=1#y`, "/clinic/", "javascript:alert(1)",
                "https://evil.test/clinic/", "//evil.test/", "data:text/html,hi", null,
            ].map((url) => safeUrl(url, origin));
        }"""
    )
    assert checked == ["/clinic/alerts/1?x=1#y", "/clinic/", "/", "/", "/", "/", "/"]
