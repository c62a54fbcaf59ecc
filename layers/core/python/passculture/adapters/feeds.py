"""Fetching an agenda feed over HTTP: OpenAgenda's export or any iCalendar address a pro pasted.

A pasted address is a request our servers make on a stranger's behalf (SSRF).
So: https only (http too where ``IMPORT_ALLOW_HTTP`` says so), the scheme's
default port, no user name or password in the address, and a host whose every
address is public (not loopback, private, link-local, metadata, multicast,
reserved or unspecified, IPv4 hidden in IPv6 included). Each redirect (at most
3) is checked the same way, and the connection goes to the address that was
checked, never to a second DNS answer, while the Host header and the TLS check
(SNI, certificate) stay on the host name. Hosts in ``IMPORT_ALLOWED_HOSTS``
(names or IPs) and OpenAgenda's configured host skip the address, port and
scheme checks: the operator chose them (the local runner allows its feed server).

``post_message`` sends a partner's message (``services.partners.messages``)
through the same checks, to an address a provider set.

A fetch has connect and read timeouts and a total budget covering retries,
redirects and the body; 5xx answers and connection failures are retried a few
times with jittered backoff, 4xx never; the body is streamed and cut at
``IMPORT_MAX_BYTES``; ETag / Last-Modified make an unchanged feed a cheap
"not modified". What comes back must look like iCalendar (a UTF-8 BOM and blank
lines first are fine). Every failure is a ``FeedError`` whose ``reason`` a pro
can read (the link's ``lastError``). ``requests`` is imported on first fetch.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from passculture.config import get_settings

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
ATTEMPTS = 3  # one try and two retries, all inside the total budget
BACKOFF_SECONDS = 0.5  # first retry waits 0.25-0.5 s, the second 0.5-1 s
CHUNK_BYTES = 64 * 1024
MAX_URL_LENGTH = 2000
USER_AGENT = "PassCulturePro-agenda-import/1.0 (+https://pass.culture.fr)"
MESSAGE_USER_AGENT = "PassCulturePro-partner-messages/1.0 (+https://pass.culture.fr)"
# Certificates are checked against this (True: the bundled CA list); tests point it at their own CA.
TLS_VERIFY: bool | str = True

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_AGENDA_IN_URL = re.compile(r"/agendas/([0-9]{1,20})(?![0-9A-Za-z_-])")
_DIGITS = re.compile(r"[0-9]{1,20}")
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f]")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


@dataclass(frozen=True)
class Words:
    """How the address checks' refusals name what is fetched: a feed (imports) or a partner's address (messages)."""

    thing: str  # "The feed": what answers (or not)
    address: str  # "The feed address"
    one: str  # "a feed address"
    addresses: str  # "Feed addresses"
    done: str  # "imported": what refused addresses cannot be
    public: str  # "only public feeds"
    advice: str  # after a refused user name or password


FEED_WORDS = Words(
    "The feed",
    "The feed address",
    "a feed address",
    "Feed addresses",
    "imported",
    "only public feeds",
    ": publish the feed without them",
)
PARTNER_WORDS = Words("The partner", "The address", "an address", "Addresses", "called", "only public addresses", "")


class FeedError(Exception):
    """A feed that could not be fetched, or is not an agenda; ``reason`` is shown to the pro."""

    def __init__(
        self, reason: str, *, status: int | None = None, permanent: bool = False, timed_out: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status  # the HTTP status that caused it, when there was one
        self.permanent = permanent  # the address itself is refused: no retry changes it
        self.timed_out = timed_out  # no (whole) answer within the time allowed


@dataclass(frozen=True)
class FetchedFeed:
    """What a fetch brought back; ``body`` is None when the feed has not changed since ``etag``."""

    url: str  # the address that answered, after redirects
    body: bytes | None
    etag: str | None = None  # validators for the next fetch (on a 304: None means keep the previous ones)
    last_modified: str | None = None
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.body is None


# -- OpenAgenda ----------------------------------------------------------------------


def agenda_id_from(text: str) -> str | None:
    """The OpenAgenda agenda id in what a user pasted: digits, or any URL containing ``/agendas/<digits>``."""
    value = text.strip() if isinstance(text, str) else ""
    if _DIGITS.fullmatch(value):
        found = value
    else:
        match = _AGENDA_IN_URL.search(value)
        if match is None:
            return None
        found = match.group(1)
    # Leading zeros name the same agenda: one spelling, so the same feed is not linked twice.
    number = int(found)
    return str(number) if number > 0 else None


def openagenda_feed_urls(agenda_id: str) -> tuple[str, str]:
    """The agenda's current iCalendar export, and the older address tried when that one is a 404."""
    base = get_settings().openagenda_base_url
    return f"{base}/agendas/{agenda_id}/events.v2.ics", f"{base}/agendas/{agenda_id}/events.ics"


def fetch_openagenda(agenda_id: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchedFeed:
    """An OpenAgenda agenda's feed (``events.v2.ics``, else ``events.ics`` when that is a 404)."""
    current, legacy = openagenda_feed_urls(agenda_id)
    trusted = urlsplit(current).hostname or ""
    deadline = time.monotonic() + get_settings().import_total_seconds  # one budget for both addresses
    try:
        return _fetch(current, etag=etag, last_modified=last_modified, trusted=trusted, deadline=deadline)
    except FeedError as error:
        if error.status != 404:
            raise
    return _fetch(legacy, etag=etag, last_modified=last_modified, trusted=trusted, deadline=deadline)


# -- any iCalendar address -----------------------------------------------------------


def check_feed_url(url: str, words: Words = FEED_WORDS) -> str:
    """``url`` stripped if it may be imported as far as can be told without DNS; FeedError otherwise."""
    policy = _Policy.from_settings()
    target = _target(url, policy, words)
    _check_scheme_and_port(target, policy, policy.allows(target.host), words)
    return target.url


def check_partner_url(url: str) -> str:
    """A partner's URL (notification, booking, cancellation) checked as a feed's: ``url`` stripped, or FeedError.

    An IP address in it is checked now too (no DNS needed); a host name's addresses
    are checked when a message is sent, as a feed's when it is fetched.
    """
    policy = _Policy.from_settings()
    target = _target(url, policy, PARTNER_WORDS)
    allowed = policy.allows(target.host)
    _check_scheme_and_port(target, policy, allowed, PARTNER_WORDS)
    if _is_ip(_canonical(target.host)) and not allowed:
        _checked_address(target, policy, PARTNER_WORDS)
    return target.url


def fetch_feed(url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchedFeed:
    """The iCalendar feed at a user-supplied address, every hop checked (see the module's docstring)."""
    return _fetch(url, etag=etag, last_modified=last_modified, trusted="")


def fetch_image(url: str, max_bytes: int) -> tuple[bytes, str]:
    """An event's image at a feed-supplied address, with the same checks as a feed; (bytes, content type)."""
    fetched = _fetch(url, etag=None, last_modified=None, trusted="", limit=max_bytes, calendar=False)
    return fetched.body or b"", fetched.content_type or "application/octet-stream"


def post_message(url: str, body: bytes, headers: dict[str, str], *, timeout: float, total: float) -> int:
    """POSTs ``body`` to a partner's address with a feed's checks; the 2xx status, or FeedError.

    The same guards as a feed (scheme, port, credentials, every resolved address
    public unless allowed, the connection pinned to the checked address, proxies
    ignored), ``timeout`` for the connection and each read, ``total`` for all of
    it; 5xx answers and connection failures are tried again (jittered backoff)
    within ``total``, never a 4xx. Redirects are not followed (a POST's body is
    not sent twice to an address nobody checked): a 3xx is a failure.
    """
    status, _ = _post(url, body, headers, timeout=timeout, total=total)
    return status


def post_for_answer(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, total: float, attempts: int = ATTEMPTS
) -> tuple[int, bytes]:
    """``post_message`` that also reads the answer: ``(status, body)`` of a 2xx or a 409 (ticketing), or FeedError.

    ``attempts=1`` for a call that must not reach the partner twice (a booking); the
    body is cut at ``PARTNER_ANSWER_MAX_BYTES`` and read within ``total``.
    """
    return _post(url, body, headers, timeout=timeout, total=total, attempts=attempts, read=True)


PARTNER_ANSWER_MAX_BYTES = 256 * 1024
_ANSWERED = frozenset({409})  # besides 2xx: a ticketing refusal (``sold_out``, ``not_enough_seats``) has a body


def _post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    total: float,
    attempts: int = ATTEMPTS,
    read: bool = False,
) -> tuple[int, bytes]:
    policy = _Policy.from_settings()
    try:
        target = _target(url, policy, PARTNER_WORDS)
    except FeedError as error:
        error.permanent = True  # the address itself is malformed
        raise
    address = _checked_address(target, policy, PARTNER_WORDS)
    deadline = time.monotonic() + total
    all_headers = {"User-Agent": MESSAGE_USER_AGENT, "Content-Type": "application/json", **headers}
    response, session = _get(
        target,
        address,
        all_headers,
        deadline,
        method="POST",
        data=body,
        timeout_seconds=timeout,
        total_seconds=total,
        words=PARTNER_WORDS,
        attempts=attempts,
    )
    try:
        status = int(response.status_code)
        if 200 <= status < 300 or (read and status in _ANSWERED):
            return status, (_read_body(target, response, deadline, PARTNER_ANSWER_MAX_BYTES) if read else b"")
        if status in _REDIRECTS:
            where = response.headers.get("Location")
            message = f"The partner answered a redirect (HTTP {status}) to {where!r}: not followed"
            raise FeedError(message, status=status, permanent=True)
        raise FeedError(f"The partner answered HTTP {status}", status=status)
    finally:
        response.close()
        session.close()


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (one lookup; the connection then uses one of these)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def looks_like_icalendar(body: bytes) -> bool:
    """Whether ``body`` starts like an iCalendar stream (BOM and blank lines allowed)."""
    return _head(body)[:15].upper() == b"BEGIN:VCALENDAR"


# -- the checks ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Policy:
    allow_http: bool
    allowed: frozenset[str]

    @classmethod
    def from_settings(cls, trusted: str = "") -> _Policy:
        settings = get_settings()
        names = {_canonical(name) for name in settings.import_allowed_hosts}
        if trusted:
            names.add(_canonical(trusted))
        return cls(allow_http=settings.import_allow_http, allowed=frozenset(names))

    def allows(self, host: str) -> bool:
        return _canonical(host) in self.allowed


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # ASCII (IDNA) form, lower case, without brackets
    port: int
    explicit_port: bool
    path: str  # path and query, as given


def _canonical(host: str) -> str:
    host = host.strip().lower().strip("[]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host.rstrip(".")


def _target(url: str, policy: _Policy, words: Words = FEED_WORDS) -> _Target:
    """The parts of ``url`` once its syntax, scheme and credentials are acceptable."""
    if not isinstance(url, str) or not url.strip():
        raise FeedError(f"{words.address} is empty")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH or _UNSAFE_IN_URL.search(url):
        raise FeedError(f"{words.address} is not a valid URL")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise FeedError(f"{words.address} is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise FeedError(f"Only {_schemes(policy)} addresses can be {words.done}")
    if not host:
        raise FeedError(f"{words.address} has no host name")
    if parts.username is not None or parts.password is not None:
        raise FeedError(f"{words.addresses} with a user name or password are refused{words.advice}")
    try:
        ascii_host = host.lower() if host.isascii() else host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise FeedError(f"{words.address} is not a valid URL") from None
    default = 443 if scheme == "https" else 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(url, scheme, ascii_host, port or default, port is not None and port != default, path)


def _check_scheme_and_port(target: _Target, policy: _Policy, allowed: bool, words: Words = FEED_WORDS) -> None:
    """Plain http and other ports only where the settings allow them (or for an allowed host)."""
    if allowed:
        return
    if target.scheme == "http" and not policy.allow_http:
        raise FeedError(f"Only {_schemes(policy)} addresses can be {words.done}", permanent=True)
    if target.explicit_port:
        default = 443 if target.scheme == "https" else 80
        message = f"Only the standard port of {target.scheme} ({default}) is allowed in {words.one}"
        raise FeedError(message, permanent=True)


def _schemes(policy: _Policy) -> str:
    return "https or http" if policy.allow_http else "https"


def _embedded(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> Iterator[Any]:
    """The address and every IPv4 address carried inside it (mapped, 6to4, Teredo, NAT64)."""
    yield address
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            yield address.ipv4_mapped
        if address.sixtofour is not None:
            yield address.sixtofour
        if address.teredo is not None:
            yield from address.teredo
        if any(address in network for network in _NAT64):
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def is_public_address(text: str) -> bool:
    """Whether connecting to ``text`` reaches the public internet (and nothing of ours)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    # is_global is False for loopback, private, link-local (169.254.169.254), shared, reserved,
    # unspecified and documentation ranges; multicast ones can be global, so they are refused apart.
    return all(a.is_global and not a.is_multicast for a in _embedded(address))


def _addresses(target: _Target) -> list[str]:
    literal = _canonical(target.host)
    if _is_ip(literal):
        return [literal]
    try:
        addresses = [_canonical(a) for a in resolve(target.host, target.port)]
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise FeedError(f"The host {target.host} could not be found")
    return addresses


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _checked_address(target: _Target, policy: _Policy, words: Words = FEED_WORDS) -> str:
    """The address to connect to: the host resolved once, every answer checked."""
    addresses = _addresses(target)
    allowed = policy.allows(target.host) or all(policy.allows(a) for a in addresses)
    _check_scheme_and_port(target, policy, allowed, words)
    # Every answer must pass: a name with one public and one private address is refused.
    if not allowed and not all(is_public_address(a) for a in addresses):
        raise FeedError(
            f"The host {target.host} points to a private or local network address: {words.public} can be {words.done}",
            permanent=True,
        )
    # Lambda functions usually have no IPv6 route out: IPv4 first.
    return sorted(addresses, key=lambda a: ":" in a)[0]


# -- HTTP ----------------------------------------------------------------------------


def _fetch(
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    trusted: str,
    deadline: float | None = None,
    limit: int | None = None,
    calendar: bool = True,
) -> FetchedFeed:
    settings = get_settings()
    policy = _Policy.from_settings(trusted)
    deadline = deadline or time.monotonic() + settings.import_total_seconds
    accept = "text/calendar, text/plain;q=0.5, */*;q=0.1" if calendar else "image/jpeg, image/png, image/webp"
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _hop in range(MAX_REDIRECTS + 1):
        target = _target(url, policy)
        address = _checked_address(target, policy)
        response, session = _get(target, address, headers, deadline)
        try:
            if response.status_code in _REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FeedError(f"The feed answered a redirect (HTTP {response.status_code}) without an address")
                url = urljoin(target.url, location.strip())
                continue
            return _outcome(target, response, deadline, limit or settings.import_max_bytes, calendar)
        finally:
            response.close()
            session.close()
    raise FeedError(f"The feed redirected more than {MAX_REDIRECTS} times")


def _get(
    target: _Target,
    address: str,
    headers: dict[str, str],
    deadline: float,
    *,
    method: str = "GET",
    data: bytes | None = None,
    timeout_seconds: float | None = None,
    total_seconds: float | None = None,
    words: Words = FEED_WORDS,
    attempts: int = ATTEMPTS,
) -> tuple[Any, Any]:
    """The answer of one hop (and its session), retried on 5xx and connection failures within the budget."""
    import requests

    settings = get_settings()
    per_try = settings.import_timeout_seconds if timeout_seconds is None else timeout_seconds
    budget = settings.import_total_seconds if total_seconds is None else total_seconds
    host_header = f"{target.host}:{target.port}" if target.explicit_port else target.host
    netloc = f"[{address}]" if ":" in address else address
    pinned = f"{target.scheme}://{netloc}:{target.port}{target.path}"
    failure: str | None = None  # why the last attempt failed
    status: int | None = None
    timed_out = False
    tries, attempts = attempts, 0
    while attempts < tries:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        attempts += 1
        timeout = min(per_try, remaining)
        session = requests.Session()
        # No proxy, .netrc or CA settings from the environment: they would undo the pinning or leak credentials.
        session.trust_env = False
        session.mount(f"{target.scheme}://", _pinned_adapter_class()(target.host))
        try:
            response = session.request(
                method,
                pinned,
                data=data,
                headers={**headers, "Host": host_header},
                timeout=(timeout, timeout),
                stream=True,
                allow_redirects=False,
                verify=TLS_VERIFY,
            )
        except requests.exceptions.SSLError:
            session.close()
            raise FeedError(f"The secure connection to {target.host} failed: its certificate was refused") from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
            session.close()
            logger.info("feed %s: attempt %s failed: %s", target.host, attempts, error)
            timed_out = isinstance(error, requests.exceptions.Timeout)
            outcome = "did not answer in time" if timed_out else "could not be reached"
            failure = f"{words.thing} at {target.host} {outcome}"
            status = None
        except requests.exceptions.RequestException:
            session.close()
            raise FeedError(f"{words.address} is not a valid URL") from None
        else:
            if response.status_code < 500:
                return response, session
            response.close()
            session.close()
            status = response.status_code
            failure = f"{words.thing}'s server failed (HTTP {status}"  # closed below with the number of attempts
        if attempts < tries:
            pause = BACKOFF_SECONDS * 2 ** (attempts - 1)
            pause = pause / 2 + random.uniform(0, pause / 2)  # jitter, not secrecy
            if time.monotonic() + pause >= deadline:
                break
            time.sleep(pause)
    if failure is None:
        raise FeedError(f"{words.thing} at {target.host} took longer than {_seconds(budget)} to answer", timed_out=True)
    made = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    if status is not None:
        raise FeedError(f"{failure}, {made})", status=status)
    raise FeedError(f"{failure} ({made})", timed_out=timed_out)


@lru_cache(maxsize=1)
def _pinned_adapter_class() -> type:
    from requests.adapters import HTTPAdapter

    class PinnedHostAdapter(HTTPAdapter):
        """Connects to the address in the URL, but speaks TLS (SNI, certificate name) to the host name."""

        def __init__(self, host_name: str) -> None:
            self._host_name = host_name
            super().__init__(max_retries=0)

        def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None) -> Any:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
            if host_params.get("scheme") == "https":
                pool_kwargs["server_hostname"] = self._host_name
                pool_kwargs["assert_hostname"] = self._host_name
            return host_params, pool_kwargs

    return PinnedHostAdapter


def _outcome(target: _Target, response: Any, deadline: float, limit: int, calendar: bool = True) -> FetchedFeed:
    status = response.status_code
    if status == 304:
        validators = {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}
        return FetchedFeed(url=target.url, body=None, **validators)
    if not 200 <= status < 300:
        raise FeedError(_status_reason(status), status=status)
    body = _read_body(target, response, deadline, limit)
    if not calendar:
        return FetchedFeed(url=target.url, body=body, content_type=response.headers.get("Content-Type"))
    if not looks_like_icalendar(body):
        raise FeedError(_not_a_calendar(body, response.headers.get("Content-Type")))
    return FetchedFeed(
        url=target.url,
        body=body,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


def _status_reason(status: int) -> str:
    if status == 404:
        return "The feed was not found (HTTP 404)"
    if status == 410:
        return "The feed no longer exists (HTTP 410)"
    if status in (401, 403):
        return f"The feed refused access (HTTP {status}): it must be public"
    if status == 429:
        return "The feed's server refused more requests for now (HTTP 429)"
    return f"The feed answered HTTP {status}"


def _read_body(target: _Target, response: Any, deadline: float, limit: int) -> bytes:
    from urllib3.exceptions import HTTPError

    too_big = FeedError(f"The feed is larger than {_size(limit)}: it was not imported")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            seconds = _seconds(get_settings().import_total_seconds)
            raise FeedError(f"The feed at {target.host} took longer than {seconds} to download", timed_out=True)
        try:
            # read1 returns what has arrived (after decompression), so a trickling body meets the deadline check.
            chunk = response.raw.read1(CHUNK_BYTES, decode_content=True)
        except (HTTPError, OSError, ValueError) as error:
            logger.info("feed %s: body read failed: %s", target.host, error)
            raise FeedError(f"The feed at {target.host} stopped while being downloaded") from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)


def _head(body: bytes) -> bytes:
    head = body[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.lstrip(b" \t\r\n")


def _not_a_calendar(body: bytes, content_type: str | None) -> str:
    """What came back instead of a calendar, in words."""
    head = _head(body)
    kind = (content_type or "").split(";")[0].strip().lower()
    lowered = head[:1024].lower()
    if not head:
        what = "an empty page"
    elif head.startswith(b"<") and (b"<html" in lowered or b"<!doctype html" in lowered or "html" in kind):
        what = "an HTML page"
    elif head.startswith(b"<"):
        what = "an XML document"
    elif head.startswith((b"{", b"[")) or kind.endswith("json"):
        what = "JSON"
    else:
        sample = "".join(chr(b) if 32 <= b < 127 else "." for b in head[:16])
        what = f'something that starts with "{sample}"'
    return f"The address answered {what}{f' ({kind})' if kind else ''}, not an iCalendar feed"


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} MB"
    return f"{limit / 1024:.3g} kB"


def _seconds(value: float) -> str:
    return f"{value:g} s"
