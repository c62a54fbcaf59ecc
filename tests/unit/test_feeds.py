"""Fetching agenda feeds from real local HTTP servers (pytest-httpserver) serving the fixtures."""

from __future__ import annotations

import gzip
import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug import Request, Response

from passculture.adapters import feeds
from passculture.adapters.feeds import FeedError
from passculture.config import get_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ics"
AGENDA = (FIXTURES / "openagenda.ics").read_bytes()


@pytest.fixture
def configure(monkeypatch):
    """Settings for the adapter (quick retries; nothing allowed through unless a test says so)."""
    monkeypatch.setattr(feeds, "BACKOFF_SECONDS", 0.02)

    def apply(**changes):
        settings = replace(
            get_settings(),
            **{"import_allowed_hosts": (), "import_allow_http": False, "import_total_seconds": 10.0, **changes},
        )
        monkeypatch.setattr(feeds, "get_settings", lambda: settings)
        return settings

    apply()
    return apply


@pytest.fixture
def local(httpserver, configure):
    """The local server is allowed, as the local runner allows its feed server; URLs on 127.0.0.1."""
    configure(import_allowed_hosts=("127.0.0.1",))
    return lambda path: f"http://127.0.0.1:{httpserver.port}{path}"


def served_paths(httpserver) -> list[str]:
    return [request.path for request, _ in httpserver.log]


# -- what comes back -----------------------------------------------------------------


def test_a_feed_is_fetched_whole_with_its_validators(httpserver, local):
    httpserver.expect_request("/agenda.ics").respond_with_data(
        AGENDA,
        content_type="text/calendar; charset=utf-8",
        headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Mar 2027 08:00:00 GMT"},
    )
    fetched = feeds.fetch_feed(local("/agenda.ics"))
    assert fetched.body == AGENDA
    assert (fetched.etag, fetched.last_modified, fetched.not_modified) == (
        '"v1"',
        "Mon, 01 Mar 2027 08:00:00 GMT",
        False,
    )
    assert fetched.url == local("/agenda.ics")


def test_an_unchanged_feed_is_not_modified(httpserver, local):
    httpserver.expect_request(
        "/agenda.ics", headers={"If-None-Match": '"v1"', "If-Modified-Since": "Mon, 01 Mar 2027 08:00:00 GMT"}
    ).respond_with_data("", status=304, headers={"ETag": '"v1"'})
    fetched = feeds.fetch_feed(local("/agenda.ics"), etag='"v1"', last_modified="Mon, 01 Mar 2027 08:00:00 GMT")
    assert fetched.not_modified and fetched.body is None and fetched.etag == '"v1"'


def test_a_bom_and_blank_lines_before_the_calendar_are_fine(httpserver, local):
    httpserver.expect_request("/bom.ics").respond_with_data(b"\xef\xbb\xbf\r\n\r\n" + AGENDA)
    assert feeds.fetch_feed(local("/bom.ics")).body.endswith(AGENDA)


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (
            b"<!DOCTYPE html><html><head><title>Agenda</title></head></html>",
            "text/html; charset=utf-8",
            "The address answered an HTML page (text/html), not an iCalendar feed",
        ),
        (b'{"events": []}', "application/json", "The address answered JSON (application/json), not an iCalendar feed"),
        (
            b"PK\x03\x04\x14\x00\x00\x00garbage",
            "application/octet-stream",
            'The address answered something that starts with "PK......garbage" (application/octet-stream), '
            "not an iCalendar feed",
        ),
        (b"", "text/calendar", "The address answered an empty page (text/calendar), not an iCalendar feed"),
    ],
)
def test_what_is_not_a_calendar_is_refused_naming_what_came_back(httpserver, local, body, content_type, reason):
    httpserver.expect_request("/feed").respond_with_data(body, content_type=content_type)
    with pytest.raises(FeedError) as refused:
        feeds.fetch_feed(local("/feed"))
    assert refused.value.reason == reason


# -- failures and retries ------------------------------------------------------------


def test_a_server_error_is_retried_and_the_next_answer_used(httpserver, local):
    httpserver.expect_ordered_request("/flaky.ics").respond_with_data("oops", status=503)
    httpserver.expect_ordered_request("/flaky.ics").respond_with_data(AGENDA)
    assert feeds.fetch_feed(local("/flaky.ics")).body == AGENDA
    assert served_paths(httpserver) == ["/flaky.ics", "/flaky.ics"]


def test_a_server_that_keeps_failing_is_tried_three_times(httpserver, local):
    httpserver.expect_request("/down.ics").respond_with_data("oops", status=500)
    with pytest.raises(FeedError) as failed:
        feeds.fetch_feed(local("/down.ics"))
    assert failed.value.reason == "The feed's server failed (HTTP 500, 3 attempts)"
    assert served_paths(httpserver) == ["/down.ics"] * 3


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (404, "The feed was not found (HTTP 404)"),
        (403, "The feed refused access (HTTP 403): it must be public"),
        (410, "The feed no longer exists (HTTP 410)"),
        (418, "The feed answered HTTP 418"),
    ],
)
def test_a_client_error_is_not_retried(httpserver, local, status, reason):
    httpserver.expect_request("/feed.ics").respond_with_data("no", status=status)
    with pytest.raises(FeedError) as failed:
        feeds.fetch_feed(local("/feed.ics"))
    assert (failed.value.reason, failed.value.status) == (reason, status)
    assert served_paths(httpserver) == ["/feed.ics"]


def test_an_unreachable_server_is_retried_then_reported(local, configure):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens there once the socket is closed
    with pytest.raises(FeedError) as failed:
        feeds.fetch_feed(f"http://127.0.0.1:{port}/feed.ics")
    assert failed.value.reason == "The feed at 127.0.0.1 could not be reached (3 attempts)"


def test_a_body_that_trickles_is_cut_at_the_total_budget(httpserver, local, configure):
    configure(import_allowed_hosts=("127.0.0.1",), import_total_seconds=1.0, import_timeout_seconds=0.5)

    def trickle(request: Request) -> Response:
        def chunks():
            yield b"BEGIN:VCALENDAR\r\n"
            for _ in range(40):
                time.sleep(0.1)  # each read gets a little, well within the read timeout
                yield b"X-FILLER:x\r\n"

        return Response(chunks(), content_type="text/calendar")

    httpserver.expect_request("/slow.ics").respond_with_handler(trickle)
    started = time.monotonic()
    with pytest.raises(FeedError) as slow:
        feeds.fetch_feed(local("/slow.ics"))
    assert slow.value.reason == "The feed at 127.0.0.1 took longer than 1 s to download"
    assert time.monotonic() - started < 3  # the budget, not the 4 s the body would take


def test_a_server_that_does_not_answer_is_given_up_within_the_budget(httpserver, local, configure):
    configure(import_allowed_hosts=("127.0.0.1",), import_total_seconds=1.0, import_timeout_seconds=0.3)

    def silent(request: Request) -> Response:
        time.sleep(0.6)
        return Response(AGENDA)

    httpserver.expect_request("/silent.ics").respond_with_handler(silent)
    with pytest.raises(FeedError) as slow:
        feeds.fetch_feed(local("/silent.ics"))
    assert slow.value.reason.startswith("The feed at 127.0.0.1 did not answer in time (")


def test_a_huge_body_is_cut_at_the_size_limit(httpserver, local, configure):
    configure(import_allowed_hosts=("127.0.0.1",), import_max_bytes=100_000)

    def endless(request: Request) -> Response:
        def chunks():
            yield b"BEGIN:VCALENDAR\r\n"
            for _ in range(1000):  # 8 MB, streamed without a length
                yield b"X-FILLER:" + b"x" * 8000 + b"\r\n"

        return Response(chunks(), content_type="text/calendar")

    httpserver.expect_request("/huge.ics").respond_with_handler(endless)
    with pytest.raises(FeedError) as huge:
        feeds.fetch_feed(local("/huge.ics"))
    assert huge.value.reason == "The feed is larger than 97.7 kB: it was not imported"


def test_a_declared_length_over_the_limit_is_refused_before_reading(httpserver, local, configure):
    configure(import_allowed_hosts=("127.0.0.1",), import_max_bytes=len(AGENDA) - 1)
    httpserver.expect_request("/agenda.ics").respond_with_data(AGENDA)
    with pytest.raises(FeedError, match="The feed is larger than"):
        feeds.fetch_feed(local("/agenda.ics"))


def test_a_compressed_body_is_limited_once_decompressed(httpserver, local, configure):
    configure(import_allowed_hosts=("127.0.0.1",), import_max_bytes=1_000_000)
    bomb = gzip.compress(b"BEGIN:VCALENDAR\r\n" + b"X" * 50_000_000)  # 50 MB in about 50 kB
    httpserver.expect_request("/bomb.ics").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FeedError, match="The feed is larger than 977 kB"):
        feeds.fetch_feed(local("/bomb.ics"))
    small = gzip.compress(AGENDA)
    httpserver.expect_request("/small.ics").respond_with_data(small, headers={"Content-Encoding": "gzip"})
    assert feeds.fetch_feed(local("/small.ics")).body == AGENDA


# -- OpenAgenda ----------------------------------------------------------------------


@pytest.fixture
def openagenda(httpserver, configure):
    """OPENAGENDA_BASE_URL on the local server: the operator's setting, trusted without the allow-list."""
    configure(openagenda_base_url=f"http://localhost:{httpserver.port}/oa")
    return httpserver


def test_an_openagenda_agenda_is_read_from_its_current_export(openagenda):
    openagenda.expect_request("/oa/agendas/47826291/events.v2.ics").respond_with_data(AGENDA)
    assert feeds.fetch_openagenda("47826291").body == AGENDA
    assert served_paths(openagenda) == ["/oa/agendas/47826291/events.v2.ics"]


def test_an_openagenda_agenda_falls_back_to_the_older_export_on_404(openagenda):
    openagenda.expect_request("/oa/agendas/47826291/events.v2.ics").respond_with_data("", status=404)
    openagenda.expect_request("/oa/agendas/47826291/events.ics").respond_with_data(AGENDA)
    fetched = feeds.fetch_openagenda("47826291")
    assert fetched.body == AGENDA and fetched.url.endswith("/oa/agendas/47826291/events.ics")
    assert served_paths(openagenda) == ["/oa/agendas/47826291/events.v2.ics", "/oa/agendas/47826291/events.ics"]


def test_an_unknown_openagenda_agenda_is_a_404_error(openagenda):
    openagenda.expect_request("/oa/agendas/1/events.v2.ics").respond_with_data("", status=404)
    openagenda.expect_request("/oa/agendas/1/events.ics").respond_with_data("", status=404)
    with pytest.raises(FeedError, match=r"^The feed was not found \(HTTP 404\)$"):
        feeds.fetch_openagenda("1")


def test_an_openagenda_server_error_does_not_fall_back(openagenda):
    openagenda.expect_request("/oa/agendas/5/events.v2.ics").respond_with_data("", status=502)
    with pytest.raises(FeedError, match="HTTP 502, 3 attempts"):
        feeds.fetch_openagenda("5")
    assert set(served_paths(openagenda)) == {"/oa/agendas/5/events.v2.ics"}


@pytest.mark.parametrize(
    ("pasted", "agenda_id"),
    [
        ("47826291", "47826291"),
        (" 47826291\n", "47826291"),
        ("047826291", "47826291"),
        ("https://openagenda.com/agendas/47826291/events.ics?lang=fr", "47826291"),
        ("https://openagenda.com/agendas/47826291/events.v2.ics", "47826291"),
        ("https://openagenda.com/agendas/47826291", "47826291"),
        ("openagenda.com/agendas/47826291?oaq=x", "47826291"),
        ("https://api.openagenda.com/v2/agendas/47826291/events", "47826291"),
        ("https://openagenda.com/fr/mediatheque-montreuil", None),
        ("https://openagenda.com/agendas/4782abc", None),
        ("0", None),
        ("", None),
        ("47 826 291", None),
        ("٤٧٨", None),
    ],
)
def test_the_agenda_id_is_found_in_what_a_user_pastes(pasted, agenda_id):
    assert feeds.agenda_id_from(pasted) == agenda_id


# -- server-side request forgery -----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://feeds.example.org/agenda.ics", "Only https addresses can be imported"),
        ("file:///etc/passwd", "Only https addresses can be imported"),
        ("gopher://feeds.example.org/", "Only https addresses can be imported"),
        ("http://feeds.example.org/agenda.ics", "Only https addresses can be imported"),
        ("https://user:secret@feeds.example.org/agenda.ics", "Feed addresses with a user name or password are refused"),
        ("https://feeds.example.org:8443/agenda.ics", "Only the standard port of https (443)"),
        ("https://feeds.example.org:99999/agenda.ics", "The feed address is not a valid URL"),
        ("https:///agenda.ics", "The feed address has no host name"),
        ("https://feeds.example.org/agenda ics", "The feed address is not a valid URL"),
        ("   ", "The feed address is empty"),
    ],
)
def test_addresses_that_are_not_plain_https_are_refused_before_any_request(configure, monkeypatch, url, reason):
    with pytest.raises(FeedError) as refused:
        feeds.check_feed_url(url)
    assert refused.value.reason.startswith(reason)
    monkeypatch.setattr(feeds, "resolve", lambda host, port: ["93.184.215.14"])  # public, and never reached
    with pytest.raises(FeedError) as refused:
        feeds.fetch_feed(url)
    assert refused.value.reason.startswith(reason)


def test_http_is_accepted_where_the_setting_allows_it(configure):
    configure(import_allow_http=True)
    assert feeds.check_feed_url(" http://feeds.example.org/agenda.ics ") == "http://feeds.example.org/agenda.ics"
    with pytest.raises(FeedError, match="standard port of http"):
        feeds.check_feed_url("http://feeds.example.org:8080/agenda.ics")


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.1.2.3",
        "[::1]",
        "10.0.0.7",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",  # shared (carrier-grade NAT) space
        "169.254.169.254",  # the cloud's instance metadata
        "[fd00:ec2::254]",  # the same, over IPv6
        "[fe80::1]",
        "0.0.0.0",
        "[::]",
        "224.0.0.1",
        "[ff02::1]",
        "240.0.0.1",
        "[::ffff:127.0.0.1]",  # IPv4-mapped
        "[::ffff:169.254.169.254]",
        "[2002:a00:1::]",  # 6to4 around 10.0.0.1
        "[2001:0:4136:e378:8000:63bf:f5ff:fffe]",  # Teredo around 10.0.0.1
        "[64:ff9b::a9fe:a9fe]",  # NAT64 around 169.254.169.254
    ],
)
def test_addresses_of_our_own_networks_are_refused(configure, host):
    with pytest.raises(FeedError) as refused:
        feeds.fetch_feed(f"https://{host}/agenda.ics")
    assert refused.value.reason.endswith(
        "points to a private or local network address: only public feeds can be imported"
    )


@pytest.mark.parametrize(
    "answers",
    [["10.1.2.3"], ["127.0.0.1"], ["93.184.215.14", "192.168.0.10"], ["::ffff:10.0.0.1"], ["fd12:3456::1"]],
)
def test_a_name_resolving_to_a_private_address_is_refused(configure, monkeypatch, answers):
    looked_up = []
    monkeypatch.setattr(feeds, "resolve", lambda host, port: looked_up.append((host, port)) or answers)
    with pytest.raises(FeedError) as refused:
        feeds.fetch_feed("https://agenda.mairie-exemple.fr/events.ics")
    assert refused.value.reason == (
        "The host agenda.mairie-exemple.fr points to a private or local network address: "
        "only public feeds can be imported"
    )
    assert looked_up == [("agenda.mairie-exemple.fr", 443)]


def test_public_addresses_are_public():
    assert all(feeds.is_public_address(a) for a in ("93.184.215.14", "2606:4700::1111", "::ffff:93.184.215.14"))
    assert not feeds.is_public_address("not an address")


def test_an_unknown_host_is_reported(configure, monkeypatch):
    def nowhere(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(feeds, "resolve", nowhere)
    with pytest.raises(FeedError, match=r"^The host agenda\.invalid could not be found$"):
        feeds.fetch_feed("https://agenda.invalid/events.ics")


def test_a_redirect_to_our_own_network_is_refused(httpserver, configure, monkeypatch):
    # The first host is allowed by name; where it redirects (127.0.0.1 itself) is not.
    configure(import_allowed_hosts=("feed.test",))
    monkeypatch.setattr(feeds, "resolve", lambda host, port: ["127.0.0.1"])
    httpserver.expect_request("/moved.ics").respond_with_data(
        "", status=302, headers={"Location": "https://127.0.0.1/admin"}
    )
    with pytest.raises(FeedError) as refused:
        feeds.fetch_feed(f"http://feed.test:{httpserver.port}/moved.ics")
    assert refused.value.reason.startswith("The host 127.0.0.1 points to a private or local network address")
    assert served_paths(httpserver) == ["/moved.ics"]


def test_redirects_are_followed_three_times_and_no_more(httpserver, local):
    for hop in range(4):
        httpserver.expect_request(f"/r{hop}").respond_with_data("", status=301, headers={"Location": f"/r{hop + 1}"})
    httpserver.expect_request("/r4").respond_with_data(AGENDA)
    fetched = feeds.fetch_feed(local("/r1"))  # r1 -> r2 -> r3 -> r4: three redirects
    assert fetched.body == AGENDA and fetched.url == local("/r4")
    with pytest.raises(FeedError, match=r"^The feed redirected more than 3 times$"):
        feeds.fetch_feed(local("/r0"))


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept(httpserver, configure, monkeypatch):
    configure(import_allowed_hosts=("127.0.0.1",))
    resolved, system_lookups = [], []
    monkeypatch.setattr(feeds, "resolve", lambda host, port: resolved.append(host) or ["127.0.0.1"])
    real_getaddrinfo = socket.getaddrinfo

    def recording(host, *args, **kwargs):
        system_lookups.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    httpserver.expect_request("/agenda.ics", headers={"Host": f"feed.test:{httpserver.port}"}).respond_with_data(AGENDA)
    assert feeds.fetch_feed(f"http://feed.test:{httpserver.port}/agenda.ics").body == AGENDA
    assert resolved == ["feed.test"]  # one lookup, ours
    assert "feed.test" not in system_lookups  # and nobody else looked the name up again


# -- TLS on a pinned address ---------------------------------------------------------


def _tls_server(tmp_path: Path, name: str):
    """An HTTPS server on 127.0.0.1 whose certificate (from a test CA) is for ``name``; and the CA file."""
    import datetime as dt
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pytest_httpserver import HTTPServer

    now = dt.datetime.now(dt.UTC)

    def certificate(subject, issuer, key, signer, *, ca):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("Test CA", "Test CA", ca_key, ca_key, ca=True)
    leaf = certificate(name, "Test CA", key, ca_key, ca=False)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "key.pem")
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    return server, str(tmp_path / "ca.pem")


@pytest.mark.parametrize("certified", ["feed.test", "other.test"])
def test_tls_is_checked_against_the_host_name_while_connecting_to_the_pinned_address(
    tmp_path, configure, monkeypatch, certified
):
    server, ca = _tls_server(tmp_path, certified)
    try:
        server.expect_request("/agenda.ics").respond_with_data(AGENDA)
        configure(import_allowed_hosts=("127.0.0.1",))
        monkeypatch.setattr(feeds, "TLS_VERIFY", ca)
        monkeypatch.setattr(feeds, "resolve", lambda host, port: ["127.0.0.1"])
        url = f"https://feed.test:{server.port}/agenda.ics"
        if certified == "feed.test":
            assert feeds.fetch_feed(url).body == AGENDA
        else:
            with pytest.raises(FeedError) as refused:
                feeds.fetch_feed(url)
            assert refused.value.reason == "The secure connection to feed.test failed: its certificate was refused"
    finally:
        server.clear()
        server.stop()
