"""Apprise URLs: which services a clinic may name, read by Apprise itself, checked, masked.

Apprise (https://github.com/caronc/apprise) reads the URL: one it cannot parse, or a
service it does not have, is refused with a message that says so. Of its 100-odd services
only those a care team pages or chats with, or a clinic texts patients through, are offered
(``SERVICES``); the rest (desktop notifications, syslog, MQTT, IRC...) have no place here.

Outbound safety, the same idea as ``api/outbound.py`` where it can be applied:

- a service whose URL names the host it connects to (``json://``, ``form://``, ``xml://``,
  ``mailto://``, Mattermost, Rocket.Chat, Matrix, Workflows...: Apprise's own URL templates
  say ``{host}``; and Zulip, whose organization can be a whole hostname: ``STEERED_HOSTS``)
  must name a public host, over TLS, unless the operator allow-listed it
  (``OUTBOUND_ALLOW_HOSTS``); a literal internal address or a localhost name is refused when
  the URL is saved, and the host's resolved addresses are checked again before each send
  (``check_addresses``);
- the other services connect to their vendor's fixed API host (hooks.slack.com,
  events.pagerduty.com, api.twilio.com...): the URL carries only tokens, nothing to steer;
- redirects are never followed and certificates always verified: the sender forces both on
  every service, whatever the URL says (``redirect=yes``, ``verify=no`` are overridden).

What cannot be applied: Apprise resolves and connects by itself (through requests or
smtplib), so the connection is not pinned to the checked address: a DNS answer that changes
between the check and Apprise's own lookup (rebinding) is not caught, where ``outbound.post``
catches it. docs/security.md says so.
"""

from dataclasses import dataclass

import apprise
from apprise import plugins

from .. import outbound

#: Apprise schema -> the kind of channel it is. Both the plain and the TLS schema of a
#: service are listed; the plain one is refused anyway unless its host is allow-listed.
SERVICES = {
    **dict.fromkeys(
        [
            "slack",
            "workflow",
            "workflows",
            "mmost",
            "mmosts",
            "rocket",
            "rockets",
            "discord",
            "gchat",
            "wxteams",
            "webex",
            "zulip",
            "tgram",
            "matrix",
            "matrixs",
        ],
        "chat",
    ),
    **dict.fromkeys(
        [
            "pagerduty",
            "opsgenie",
            "pagertree",
            "splunk",
            "victorops",
            "signl4",
            "squadcast",
            "ilert",
            "incidentio",
            "xmatters",
            "goalert",
            "goalerts",
        ],
        "paging",
    ),
    **dict.fromkeys(
        [
            "twilio",
            "vonage",
            "nexmo",
            "sns",
            "msgbird",
            "plivo",
            "sinch",
            "clicksend",
            "bulksms",
            "telnyx",
        ],
        "sms",
    ),
    **dict.fromkeys(("mailto", "mailtos"), "email"),
    **dict.fromkeys(("json", "jsons", "form", "forms", "xml", "xmls"), "http"),
}
#: Services whose templates do not say {host} and yet whose URL steers the host they connect
#: to (always over TLS): Zulip's organization may carry a whole hostname
#: (``zulip://bot@org.example.com/token`` posts to https://org.example.com), so it is checked
#: as a named host is.
STEERED_HOSTS = {"zulip": lambda service: f"{service.organization}.{service.hostname}"}
#: Kinds that can text a patient: an SMS provider, or a generic HTTP bridge to one.
SMS_KINDS = ("sms", "http")
#: The methods a generic HTTP bridge may use: the message goes in the body, never the URL.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_LENGTH = 2000


class BadChannelURL(ValueError):
    """An Apprise URL Waypoint will not store or send to; the message says why, no secret."""


@dataclass(frozen=True)
class Channel:
    """A parsed, checked Apprise URL."""

    schema: str
    kind: str
    host: str | None  #: the host it connects to, when the URL names one (else the vendor's)
    port: int | None
    secure: bool

    @property
    def masked(self) -> str:
        """What is shown back: the service, the host it names (if any), never a token."""
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host
        where = f"{host}:{self.port}" if host and self.port else host or ""
        return f"{self.schema}://{where}/…" if where else f"{self.schema}://…"


def _names_host(service) -> bool:
    """Whether the service's URL names the host it connects to (its templates say {host})."""
    return any("{host}" in template for template in getattr(type(service), "templates", ()))


def instantiate(url: str, results: dict | None = None):
    """Apprise's own service object for ``url`` (or for its parsed ``results``), or None."""
    asset = apprise.AppriseAsset(secure_logging=True, storage_mode="memory")
    return apprise.Apprise.instantiate(results if results is not None else url, asset=asset)


def read(url: str, allow=(), *, kinds=None) -> Channel:
    """Parse ``url`` with Apprise and apply the rules above (no DNS); BadChannelURL if refused."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_LENGTH:
        raise BadChannelURL(f"An Apprise URL of at most {MAX_LENGTH} characters is needed.")
    url = url.strip()
    schema = url.partition("://")[0].lower()
    if "://" not in url or schema not in SERVICES:
        raise BadChannelURL(
            "Not a supported service URL: use an Apprise URL of a chat, paging, SMS or mail "
            "service (e.g. slack://, workflows://, pagerduty://, opsgenie://, twilio://, "
            "mailto://, jsons://)."
        )
    kind = SERVICES[schema]
    if kinds is not None and kind not in kinds:
        raise BadChannelURL(f"A {kind} URL cannot be used here.")
    try:
        service = instantiate(url)
    except Exception:  # Apprise raised on a URL it half-read: still the admin's input
        service = None
    if service is None:
        raise BadChannelURL(
            f"Apprise could not read this {schema}:// URL: check its format in Apprise's "
            "documentation (https://github.com/caronc/apprise/wiki)."
        )
    if kind == "http" and str(getattr(service, "method", "POST")).upper() not in BODY_METHODS:
        # A GET (or HEAD, DELETE) bridge would carry the message, and an SMS's number, in
        # its URL, which proxies and the bridge's own access log keep.
        raise BadChannelURL(
            f"A {schema}:// bridge must send the message in a request body: use method=POST "
            "(or PUT, PATCH)."
        )
    steered = STEERED_HOSTS.get(schema)
    if steered is not None:
        host, port, secure = steered(service), None, True
    elif _names_host(service):
        host = getattr(service, "smtp_host", None) or getattr(service, "host", None) or ""
        host = host.strip("[]")  # Apprise keeps an IPv6 literal's brackets: the address is inside
        port = service.port if isinstance(service.port, int) else None
        if port is not None and not 0 < port < 65536:
            raise BadChannelURL(f"A {schema}:// URL needs a port from 1 to 65535.")
        secure = _secure(service)
    else:
        return Channel(schema, kind, None, None, True)
    channel = Channel(schema, kind, outbound.normal_host(host), port, secure)
    if not _allow_listed(channel, allow):
        if not secure:
            raise BadChannelURL(
                "Refused: this service must use TLS (jsons://, forms://, xmls://, mailtos:// "
                "or mailto:// with STARTTLS) unless its host is allow-listed."
            )
        address = outbound.literal_address(channel.host)
        localhost = channel.host == "localhost" or channel.host.endswith(".localhost")
        if localhost or (address is not None and outbound.forbidden(address)):
            raise BadChannelURL(outbound.message(outbound.ADDRESS_NOT_ALLOWED))
    return channel


def _secure(service) -> bool:
    mode = getattr(service, "secure_mode", None)
    if mode is not None:  # mail: SSL or STARTTLS, not "insecure"
        return str(mode).lower() != "insecure"
    return bool(getattr(service, "secure", False))


def _allow_listed(channel: Channel, allow) -> bool:
    allowed = outbound.parse_allow_list(allow)
    return (channel.host, channel.port) in allowed or (channel.host, None) in allowed


def check_addresses(channel: Channel, allow=(), resolver=None) -> None:
    """Before a send: every address the named host resolves to is public (or it is
    allow-listed); outbound.Refused or outbound.Unreachable otherwise."""
    if channel.host is None or _allow_listed(channel, allow):
        return
    checked = outbound.Target("https", channel.host, channel.port or 443, "/", False)
    outbound.pinned_addresses(checked, resolver or outbound.system_resolver)


def addressed(url: str, phone: str) -> dict:
    """Apprise's parsed ``url`` with ``phone`` as its one recipient: the path target of an SMS
    service, a ``to`` field of a generic HTTP bridge's body. Built in memory at each send;
    the number is never stored in a URL."""
    results = plugins.url_to_dict(url, secure_logging=True)
    if results is None:
        raise BadChannelURL("Apprise could not read this URL.")
    if SERVICES.get(results["schema"]) == "http":
        results["payload"] = {**(results.get("payload") or {}), "to": phone}
    else:
        results["targets"] = [phone]
    return results
