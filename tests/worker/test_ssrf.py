"""Issue 14, findings 2 and 3: the clinic's webhook and Web Push endpoints cannot reach inside.

The API refuses internal URLs with a 422 naming the field; a URL stored before (or a name
whose DNS answer turned internal) is refused at send time; redirects are not followed; and
``last_error``, which the admin reads, says only which coarse class failed.
"""

import base64
import os

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from api import outbound
from api.models import Clinic, PushSubscription
from tests.support.receivers import closed_port, listener, receiving

NOT_ALLOWED = "refused: address not allowed"


def errors_of(body: dict, field: str):
    """The messages on ``field`` in either error shape (flat, or under ``json``)."""
    errors = body["errors"]
    return errors.get(field) or errors.get("json", {}).get(field)


@pytest.fixture
def no_allow_list(app, monkeypatch):
    """The operator listed nothing: loopback is as forbidden as in a default production."""
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_HOSTS", ())


class CountingResolver:
    def __init__(self, table):
        self.table, self.calls = table, []

    def __call__(self, host, port):
        self.calls.append(host)
        return self.table[host]


# --- the webhook ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://2130706433:{port}/hook",
        "https://0x7f.0.0.1:{port}/hook",
        "https://[::ffff:127.0.0.1]:{port}/hook",
        "https://localhost:{port}/hook",
        "https://127.0.0.1:{port}/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://10.0.0.1/hook",
    ],
)
def test_a_stored_internal_webhook_url_fails_for_good_and_says_only_that(
    no_allow_list, team, db_session, webhooks, send_urgent, url
):
    """URLs stored before the guard existed: each names the receiver or an internal service."""
    port = webhooks.url.rsplit(":", 1)[1].split("/")[0]
    team.clinic.webhook_url = url.format(port=port)
    db_session.flush()
    outcome, delivery = send_urgent("webhook")
    assert (outcome, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == f"webhook {NOT_ALLOWED}"
    assert webhooks.received == []


def test_plain_http_goes_only_to_an_allow_listed_host(
    app, monkeypatch, team, db_session, webhooks, send_urgent
):
    port = webhooks.url.rsplit(":", 1)[1].split("/")[0]
    team.clinic.webhook_url = f"http://2130706433:{port}/hook"  # 127.0.0.1, spelt otherwise
    db_session.flush()
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_HOSTS", ("hooks.internal.example",))
    outcome, delivery = send_urgent("webhook")
    assert outcome == "failed" and delivery.last_error == "webhook refused: https required"
    assert webhooks.received == []


def test_a_name_that_resolves_inside_is_refused_when_sent(
    no_allow_list, monkeypatch, team, db_session, webhooks, send_urgent
):
    """Saved while it pointed outside (DNS can change): the one lookup of the send decides."""
    resolver = CountingResolver({"hooks.example.org": ["192.168.3.4"]})
    monkeypatch.setattr(outbound, "system_resolver", resolver)
    team.clinic.webhook_url = "https://hooks.example.org/waypoint"
    db_session.flush()
    outcome, delivery = send_urgent("webhook")
    assert outcome == "failed" and delivery.last_error == f"webhook {NOT_ALLOWED}"
    assert resolver.calls == ["hooks.example.org"]


def test_a_redirect_from_the_webhook_is_not_followed(
    app, monkeypatch, team, db_session, send_urgent
):
    with receiving() as trap, receiving(status=307) as hop:
        hop.location = f"{trap.url}/internal-admin"  # loopback, but this port is not listed
        monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_HOSTS", (f"127.0.0.1:{hop.port}",))
        team.clinic.webhook_url = f"{hop.url}/hook"
        db_session.flush()
        outcome, delivery = send_urgent("webhook")
        assert len(hop.received()) == 1 and trap.received() == []
    assert outcome == "retrying" and delivery.last_error == "webhook answered HTTP 307"


def test_last_error_cannot_tell_closed_silent_and_foreign_ports_apart(
    app, monkeypatch, team, db_session, send_urgent, webhooks
):
    monkeypatch.setitem(app.config, "NOTIFY_TIMEOUT_SECONDS", 0.5)
    seen = {}
    with (
        listener(None) as silent,
        listener(b"SSH-2.0-OpenSSH_9.6\r\n") as ssh,
        listener(
            b"-ERR unknown command\r\n"  # what Redis answers
        ) as redis_like,
    ):
        ports = {"closed": closed_port(), "silent": silent, "ssh": ssh, "redis": redis_like}
        for kind, port in ports.items():
            team.clinic.webhook_url = f"http://127.0.0.1:{port}/hook"  # allow-listed in tests
            db_session.flush()
            outcome, delivery = send_urgent("webhook")
            seen[kind] = (outcome, delivery.last_error)
    assert set(seen.values()) == {("retrying", "webhook connection failed")}, seen
    webhooks.status = 500
    team.clinic.webhook_url = webhooks.url
    db_session.flush()
    assert send_urgent("webhook")[1].last_error == "webhook answered HTTP 500"


# --- Web Push -------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _browser_keys() -> dict:
    browser = ec.generate_private_key(ec.SECP256R1())
    point = browser.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {"p256dh": _b64(point), "auth": _b64(os.urandom(16))}


def test_push_endpoints_inside_are_refused_and_redirects_not_followed(
    app, monkeypatch, team, db_session, webhooks, send_urgent
):
    vapid = ec.generate_private_key(ec.SECP256R1())
    private = _b64(vapid.private_numbers().private_value.to_bytes(32))
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", private)
    resolver = CountingResolver({"push.example.net": ["fd12:3456::1"]})
    monkeypatch.setattr(outbound, "system_resolver", resolver)
    port = webhooks.url.rsplit(":", 1)[1].split("/")[0]
    with receiving() as trap, receiving(status=302) as hop:
        hop.location = f"{trap.url}/internal"
        monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_HOSTS", (f"127.0.0.1:{hop.port}",))
        endpoints = [
            "https://169.254.169.254/latest/meta-data/",
            f"https://2130706433:{port}/push/1",
            f"http://127.0.0.1:{port}/push/2",  # the receiver, but its port is not listed
            "https://push.example.net/wpush/v2/abc",  # resolves to a ULA address
            f"{hop.url}/push/3",  # allow-listed, answers with a redirect
        ]
        for endpoint in endpoints:
            db_session.add(
                PushSubscription(staff_id=team.clinician.id, endpoint=endpoint, **_browser_keys())
            )
        db_session.flush()
        outcome, delivery = send_urgent("webpush")
        assert len(hop.received()) == 1 and trap.received() == []
    assert outcome == "retrying"
    reasons = delivery.last_error.removeprefix("push failed: ").split(", ")
    assert sorted(reasons) == sorted(["HTTP 302", "refused: https required"] + [NOT_ALLOWED] * 3)
    assert webhooks.received == [] and resolver.calls == ["push.example.net"]
    stored = db_session.scalar(
        sa.select(sa.func.count())
        .select_from(PushSubscription)
        .where(PushSubscription.staff_id == team.clinician.id)
    )
    assert stored == len(endpoints)


# --- the API refuses them on input -----------------------------------------------------------

REFUSED_URLS = [
    "http://127.0.0.1:8080/hook",
    "https://127.0.0.1/hook",
    "https://2130706433/",
    "https://0x7f.0.0.1/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::1]/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/",
    "https://10.0.0.1/",
    "https://100.64.0.1/",
    "https://localhost/",
    "http://chat.example.org/hook",
    "https://user:pw@chat.example.org/hook",
]


def test_the_admin_cannot_save_an_internal_webhook_url(
    no_allow_list, make_client, login, team, db_session
):
    client = make_client()
    token = login(client, team.admin)
    before = team.clinic.webhook_url
    for url in REFUSED_URLS:
        response = client.patch(
            "/api/v1/clinic/settings",
            json={"webhook_url": url, "webhook_secret": "a-new-secret-of-enough-length"},
            headers={"X-CSRF-Token": token},
        )
        assert response.status_code == 422, (url, response.json)
        [message] = errors_of(response.json, "webhook_url")
        assert message.startswith("Refused: "), url
    db_session.expire_all()
    assert db_session.get(Clinic, team.clinic.id).webhook_url == before


def test_an_allow_listed_internal_webhook_may_be_saved(
    app, monkeypatch, make_client, login, team, db_session
):
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_HOSTS", ("hooks.internal.example",))
    client = make_client()
    token = login(client, team.admin)
    url = "http://hooks.internal.example:8080/waypoint"
    response = client.patch(
        "/api/v1/clinic/settings", json={"webhook_url": url}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200, response.json
    assert response.json["webhook_url"] == url


def test_nobody_can_register_an_internal_push_endpoint(
    no_allow_list, make_client, login, client, redeem, team, db_session
):
    staff_client = make_client()
    callers = (
        (staff_client, "/api/v1/staff/me/push-subscription", login(staff_client, team.clinician)),
        (client, "/api/v1/me/push-subscription", redeem(client, team.patient)),
    )
    for url in REFUSED_URLS:
        body = {"endpoint": url, "keys": _browser_keys()}
        for caller, path, token in callers:
            response = caller.post(path, json=body, headers={"X-CSRF-Token": token})
            assert response.status_code == 422, (url, path, response.json)
            [message] = errors_of(response.json, "endpoint")
            assert message.startswith("Refused: "), url
    assert db_session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0


# --- Apprise channels -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("jsons://hooks.example.org/alert", "hooks.example.org"),
        # Zulip's templates do not say {host}, yet its organization can be a whole hostname.
        ("zulip://bot@chat.example.org/" + "a" * 32, "chat.example.org"),
    ],
)
def test_an_apprise_url_whose_host_turned_internal_is_refused_before_the_send(
    app, no_allow_list, url, host
):
    from api.sealed import seal
    from worker.channels import DeliveryError
    from worker.channels.apprise_send import send_apprise

    resolver = CountingResolver({host: ["10.1.2.3"]})
    with app.app_context(), pytest.raises(DeliveryError) as refused:
        send_apprise(seal(url), "Waypoint", "text", timeout=2, resolver=resolver)
    assert refused.value.permanent and "address not allowed" in str(refused.value)
    assert resolver.calls == [host]
