"""The outbound guard (api/outbound.py) on its own: which addresses and URLs it refuses, the one
DNS lookup whose answer the connection is pinned to, no redirects, and errors too coarse to scan
a network with. Real servers on loopback; the resolver is a hook the guard owns."""

import datetime
import ipaddress
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api import config, outbound
from api.outbound import ADDRESS_NOT_ALLOWED, HTTPS_REQUIRED, Refused, Unreachable
from tests.support.receivers import closed_port, listener, receiving

FORBIDDEN = [
    "127.0.0.1",
    "127.255.255.254",  # all of 127/8
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",  # RFC 1918
    "169.254.169.254",  # cloud metadata
    "169.254.0.1",  # link-local
    "100.64.0.1",
    "100.100.100.200",  # carrier-grade NAT (Alibaba's metadata)
    "0.0.0.0",  # unspecified
    "0.1.2.3",  # "this network"
    "224.0.0.1",
    "239.255.255.250",  # multicast
    "240.0.0.1",
    "255.255.255.255",  # reserved, broadcast
    "192.0.0.192",  # IETF assignments (Oracle's metadata)
    "192.0.2.1",
    "198.51.100.7",
    "203.0.113.9",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",  # AWS metadata over IPv6
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",  # IPv4-mapped
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of the metadata address
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", FORBIDDEN)
def test_every_internal_address_class_is_forbidden(address):
    assert outbound.forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_not(address):
    assert not outbound.forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "spelling", ["2130706433", "0x7f.0.0.1", "0x7f000001", "0177.0.0.1", "127.1", "017700000001"]
)
def test_every_ipv4_spelling_is_read_as_the_resolver_reads_it(spelling):
    assert outbound.literal_address(spelling) == ipaddress.ip_address("127.0.0.1")
    assert socket.getaddrinfo(spelling, 80)[0][4][0] == "127.0.0.1"  # what a connect would use


@pytest.mark.parametrize(
    "url",
    [
        "https://2130706433/",
        "https://0x7f.0.0.1/",
        "https://0177.0.0.1/",
        "https://127.1/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:7f00:1]/",
        "https://[::1]:8443/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://0.0.0.0/",
        "https://10.0.0.1:8443/",
        "https://[fe80::1%25eth0]/",
        "https://localhost/",
        "https://LOCALHOST./",
        "https://metadata.localhost/",
    ],
)
def test_forbidden_literal_hosts_are_refused_before_any_lookup(url):
    with pytest.raises(Refused, match=ADDRESS_NOT_ALLOWED):
        outbound.target(url)
    with pytest.raises(Refused, match=ADDRESS_NOT_ALLOWED):
        outbound.post(url, b"", {}, timeout=1, resolver=_no_lookup)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",  # plain http is never sent to a host the operator did not list
        "http://hooks.example.org/",
        "ftp://example.org/x",
        "https://user:secret@example.org/",
        "https://example.org\\@127.0.0.1/",
        "https://exa mple.org/",
        "https://exämple.org/",
        "https://example.org:0/",
        "https://example.org:99999/",
        "https:///no-host",
        "https://[::1/",
        "https://-bad-.example.org/",
        "",
        "javascript:alert(1)",
    ],
)
def test_urls_that_are_not_plain_https_are_refused(url):
    with pytest.raises(Refused):
        outbound.target(url)


def test_a_public_https_url_is_taken_apart_once():
    checked = outbound.target("https://Hooks.Example.org.:8443/v1/hook?team=7#frag")
    assert checked == outbound.Target("https", "hooks.example.org", 8443, "/v1/hook?team=7", False)
    assert outbound.target("https://93.184.215.14").path == "/"


def test_the_allow_list_names_hosts_and_optional_ports():
    allow = ("hooks.internal.example", "127.0.0.1:8080", "[::1]:9000", "fd00::5")
    assert outbound.target("http://hooks.internal.example:1234/x", allow).allow_listed
    assert outbound.target("http://127.0.0.1:8080/", allow).allow_listed
    assert outbound.target("http://2130706433:8080/", allow).allow_listed  # the same address
    assert outbound.target("http://[::1]:9000/", allow).allow_listed
    assert outbound.target("https://[fd00::5]/", allow).allow_listed
    with pytest.raises(Refused, match=HTTPS_REQUIRED):
        outbound.target("http://127.0.0.1:8081/", allow)  # another port of it is not listed
    with pytest.raises(Refused, match=ADDRESS_NOT_ALLOWED):
        outbound.target("https://127.0.0.1:8081/", allow)
    with pytest.raises(Refused, match=ADDRESS_NOT_ALLOWED):
        outbound.target("https://[::1]:9001/", allow)


@pytest.mark.parametrize("entry", ["a/b", "user@host", "host:port", "http://host", ":80"])
def test_a_bad_allow_list_entry_stops_the_start(monkeypatch, entry):
    monkeypatch.setenv("OUTBOUND_ALLOW_HOSTS", f"hooks.internal.example, {entry}")
    with pytest.raises(ValueError, match="OUTBOUND_ALLOW_HOSTS"):
        config.from_env()
    monkeypatch.setenv("OUTBOUND_ALLOW_HOSTS", " hooks.internal.example , 127.0.0.1:8080 ")
    assert config.from_env()["OUTBOUND_ALLOW_HOSTS"] == ("hooks.internal.example", "127.0.0.1:8080")


# --- resolution: every address checked, once ------------------------------------------------


class Resolver:
    """A resolver hook that answers from a table, counts its lookups, and can rebind."""

    def __init__(self, table: dict, later: dict | None = None):
        self.table, self.later, self.calls = table, later, []

    def __call__(self, host, port):
        self.calls.append(host)
        table = self.later if self.later is not None and len(self.calls) > 1 else self.table
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]


def _no_lookup(host, port):
    raise AssertionError(f"no DNS lookup expected, asked for {host}")


def test_a_name_resolving_to_loopback_is_refused():
    resolver = Resolver({"internal.example": ["127.0.0.1"]})
    with pytest.raises(Refused, match=ADDRESS_NOT_ALLOWED):
        outbound.post("https://internal.example/", b"", {}, timeout=1, resolver=resolver)
    assert resolver.calls == ["internal.example"]
    # and with the system resolver, a name /etc/hosts maps to loopback
    checked = outbound.Target("https", "localhost", 443, "/", allow_listed=False)
    with pytest.raises(Refused, match=ADDRESS_NOT_ALLOWED):
        outbound.pinned_addresses(checked, outbound.system_resolver)


def test_one_internal_address_among_public_ones_is_enough_to_refuse():
    resolver = Resolver({"mixed.example": ["93.184.215.14", "10.0.0.7"]})
    with pytest.raises(Refused, match=ADDRESS_NOT_ALLOWED):
        outbound.post("https://mixed.example/", b"", {}, timeout=1, resolver=resolver)


def test_a_name_that_does_not_resolve_is_a_connection_failure():
    with pytest.raises(Unreachable, match="^connection failed$"):
        outbound.post("https://nowhere.example/", b"", {}, timeout=1, resolver=Resolver({}))
    with pytest.raises(Unreachable):
        outbound.post(
            "https://empty.example/", b"", {}, timeout=1, resolver=Resolver({"empty.example": []})
        )


def test_the_connection_goes_to_the_checked_address_without_a_second_lookup():
    """The hook answers loopback once and the metadata address after: a rebinding DNS. The
    request arrives at the loopback receiver, named by its host, after exactly one lookup."""
    resolver = Resolver(
        {"receiver.test": ["127.0.0.1"]}, later={"receiver.test": ["169.254.169.254"]}
    )
    with receiving(status=201) as receiver:
        url = f"http://receiver.test:{receiver.port}/push/1"
        status = outbound.post(
            url, b"{}", {"X-Test": "1"}, timeout=5, allow=("receiver.test",), resolver=resolver
        )
        [request] = receiver.received()
    assert status == 201 and resolver.calls == ["receiver.test"]
    assert (
        request["path"] == "/push/1"
        and request["headers"]["Host"] == f"receiver.test:{receiver.port}"
    )


def test_the_next_checked_address_is_tried_when_one_does_not_answer():
    resolver = Resolver({"receiver.test": ["127.0.0.2", "127.0.0.1"]})  # nobody on .2
    with receiving() as receiver:
        url = f"http://receiver.test:{receiver.port}/"
        assert outbound.post(url, b"", {}, timeout=5, allow=("receiver.test",), resolver=resolver)
        assert len(receiver.received()) == 1 and resolver.calls == ["receiver.test"]


def test_https_is_verified_for_the_name_while_connecting_to_the_pinned_address(
    tmp_path, monkeypatch
):
    cert, key = _self_signed(tmp_path, "receiver.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the only authority the client trusts
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    resolver = Resolver({"receiver.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    allow = ("receiver.test", "other.test")
    with receiving(status=204, tls=tls) as receiver:
        ok = f"https://receiver.test:{receiver.port}/hook"
        assert outbound.post(ok, b"{}", {}, timeout=5, allow=allow, resolver=resolver) == 204
        wrong_name = f"https://other.test:{receiver.port}/hook"
        with pytest.raises(Unreachable):
            outbound.post(wrong_name, b"{}", {}, timeout=5, allow=allow, resolver=resolver)
        assert len(receiver.received()) == 1


def _self_signed(directory, name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


# --- no redirects, coarse errors ------------------------------------------------------------


def test_a_redirect_to_a_forbidden_address_is_answered_not_followed():
    with receiving() as trap, receiving(status=302) as hop:
        hop.location = f"{trap.url}/stolen"  # loopback, but not this port: not allow-listed
        status = outbound.post(
            f"{hop.url}/hook", b"{}", {}, timeout=5, allow=(f"127.0.0.1:{hop.port}",)
        )
        assert status == 302 and len(hop.received()) == 1
        assert trap.received() == []
    for code in (301, 303, 307, 308):
        with receiving() as trap, receiving(status=code, location="http://169.254.169.254/") as hop:
            hop.location = f"{trap.url}/stolen"
            assert (
                outbound.post(hop.url, b"", {}, timeout=5, allow=(f"127.0.0.1:{hop.port}",)) == code
            )
            assert trap.received() == []


def test_what_failed_is_one_coarse_class_whatever_answered():
    """Closed port, silent port, a non-HTTP service and a TLS mismatch read the same: the
    answer cannot tell an admin (or an attacker) which ports are open or what runs there."""
    allow = ("127.0.0.1",)
    errors = []
    with (
        listener(None) as silent,
        listener(b"SSH-2.0-OpenSSH_9.6\r\n") as ssh,
        listener(b"220 mail.internal ESMTP\r\n") as smtp,
        receiving() as plain,
    ):
        for url in (
            f"http://127.0.0.1:{closed_port()}/",
            f"http://127.0.0.1:{silent}/",
            f"http://127.0.0.1:{ssh}/",
            f"http://127.0.0.1:{smtp}/",
            f"https://127.0.0.1:{plain.port}/",  # TLS to a plain HTTP server
        ):
            with pytest.raises(Unreachable) as caught:
                outbound.post(url, b"{}", {}, timeout=0.5, allow=allow)
            errors.append(str(caught.value))
    assert errors == ["connection failed"] * 5
