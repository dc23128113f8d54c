"""Chat, paging, SMS and mail through Apprise: one notification to one stored Apprise URL.

Apprise does the talking (its own plugins for Slack, Workflows/Teams, PagerDuty, Opsgenie,
Twilio...); Waypoint decides what is said (``content``), checks the URL's host before each
send (``api.channels.urls.check_addresses``), never lets it follow a redirect or skip
certificate checks, bounds its time, and turns Apprise's yes/no into a ``DeliveryError``.

Apprise's own log is silenced: its messages can name a recipient (an SMS number is PHI).
A failure's reason is therefore coarse: the service, and that it did not accept.
"""

import logging

from api import outbound
from api.channels.urls import BadChannelURL, addressed, check_addresses, instantiate, read
from api.sealed import Unreadable, unseal

from . import DeliveryError

logging.getLogger("apprise").disabled = True


def send_apprise(
    sealed_url: str,
    title: str,
    body: str,
    *,
    timeout: float,
    allow=(),
    phone: str | None = None,
    resolver=None,
) -> None:
    """Send ``title``/``body`` through the sealed Apprise URL (to ``phone``, for an SMS one)."""
    try:
        url = unseal(sealed_url)
    except Unreadable:
        raise DeliveryError(
            "the channel's URL cannot be read with the configured key; enter it again",
            permanent=True,
        ) from None
    try:
        channel = read(url, allow)
        service = instantiate(url, addressed(url, phone) if phone else None)
    except BadChannelURL as exc:
        raise DeliveryError(f"channel refused: {exc}", permanent=True) from None
    if service is None:
        raise DeliveryError("channel refused: Apprise could not read it", permanent=True)
    try:
        check_addresses(channel, allow, resolver)
    except outbound.Refused as exc:
        raise DeliveryError(f"channel refused: {exc}", permanent=True) from None
    except outbound.Unreachable:
        raise DeliveryError(f"{channel.schema}: its host did not resolve") from None
    # Whatever the URL says: no redirects (they could lead inside), certificates verified.
    service.redirects = False
    service.verify_certificate = True
    service.socket_connect_timeout = service.socket_read_timeout = timeout
    if not service.notify(body=body, title=title):
        raise DeliveryError(f"{channel.schema}: the service did not accept the notification")
