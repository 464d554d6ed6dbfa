"""HTTP client for Directo XML Direct (``cap_xml_direct``).

Design notes (why):

* POST, form-urlencoded UTF-8, ``token`` only ever in the body: tokens in URLs end up in
  proxy and server logs.
* Routing parameters (``get``/``put``, ``what``, filters, transport parameters) go in the
  query string and/or the body (``routing``); the reference recommends both, because one
  client saw ``Invalid url given`` with body-only routing while the wiki shows body-only.
* Reads are streamed into a :class:`tempfile.SpooledTemporaryFile` and parsed
  incrementally, so a full customer register never sits in memory as a tree.
* Every call reports an :class:`Exchange` (token redacted) to ``on_exchange`` - success
  or failure - because "sent but never arrived" problems can only be debugged from logs.
* Redirects are not followed: a 307/308 would re-post the token to another host.
* The token is only posted to Directo's own hosts (``directo.ee`` and its subdomains,
  https) or to loopback (a local test server), unless the caller lists other hosts: whoever can
  change the URL must not be able to send the key anywhere.
* Answers read whole (put results) are capped (``max_answer_bytes``): a broken proxy
  answering hundreds of MB must not exhaust the worker. Streamed reads spool to disk.
"""

from __future__ import annotations

# Messages the client words itself are marked with ``_`` for Odoo's translation export and
# translated by the Odoo layer (``DirectoError.translated``); there is no env here.
# pylint: disable=prefer-env-translation
import ipaddress
import logging
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from typing import IO, Any
from urllib.parse import quote_plus, urlencode, urlsplit

import requests
from urllib3.exceptions import LocationParseError, ReadTimeoutError
from urllib3.util import parse_url

from . import codec
from .codec import (
    Contact,
    Customer,
    CustomerPayload,
    InvoicePayload,
    Item,
    PutResult,
    Receipt,
    RegisterEntry,
)
from .errors import (
    FEEDS,
    DirectoAnswerTooLarge,
    DirectoError,
    DirectoNotActivated,
    DirectoProtocolError,
    DirectoRoutingError,
    DirectoTimeout,
    DirectoTokenRequired,
    DirectoTransientError,
    DirectoUnauthorized,
    _,
    batch_error,
    explained,
)
from .redact import Redactor

__all__ = [
    "CONNECTION_CHECK_CODE",
    "DEFAULT_MAX_ANSWER_BYTES",
    "DEFAULT_MAX_REQUEST_BYTES",
    "DEFAULT_READ_TIMEOUT",
    "DEFAULT_URL",
    "DIRECTO_DOMAIN",
    "REGISTER_COMPONENTS",
    "DirectoClient",
    "DirectoUrlError",
    "Exchange",
    "is_url_allowed",
    "validate_url",
]

DEFAULT_URL = "https://login.directo.ee/xmlcore/cap_xml_direct/xmlcore.asp"
# Directo answers synchronously; big reads and batches take a while.
DEFAULT_READ_TIMEOUT = 60.0
#: Directo allows at most 19 MB per POST; keep a 1 MiB margin for headers/query and
#: for the MB-vs-MiB ambiguity (18 MiB < 19,000,000 bytes).
DEFAULT_MAX_REQUEST_BYTES = 19 * 1024 * 1024 - 1024 * 1024
#: Largest answer read whole into memory (put results: ~100 bytes per document, so a
#: full 18 MiB request answers well under 1 MiB).
DEFAULT_MAX_ANSWER_BYTES = 8 * 1024 * 1024
#: The key goes to this domain and its subdomains (plus loopback and listed hosts) only.
DIRECTO_DOMAIN = "directo.ee"
#: Customer code used by :meth:`DirectoClient.check_connection` (cannot exist: > 32 chars
#: would be rejected, so it stays within 32 but uses characters nobody uses in codes).
CONNECTION_CHECK_CODE = "~odoo-connection-check~"
_logger = logging.getLogger(__name__)
_SPOOL_MEMORY = 1024 * 1024  # keep up to 1 MiB of an answer in memory, then disk
_CHUNK = 64 * 1024
#: Enough of an answer's start to tell XML from an HTML page or text.
_HEAD_BYTES = 8 * 1024
#: Bytes of an oversized answer kept in its Exchange (enough to see what it was).
_OVERSIZE_KEPT_BYTES = 64 * 1024
_ROUTINGS = ("both", "query", "body")
#: Answers that refuse the key, the feed or the URL: the request was not looked at.
_KEY_OR_FEED_ERRORS = (
    DirectoUnauthorized,
    DirectoNotActivated,
    DirectoTokenRequired,
    DirectoRoutingError,
)
#: Directo registers an invoice refers to that XML Direct can read (VAT codes: none).
REGISTER_COMPONENTS = ("customer", "item", "object")


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_matches(host: str, pattern: str) -> bool:
    """``pattern`` is a host name, or ``*.domain`` for the domain and its subdomains."""
    pattern = pattern.strip().lower().rstrip(".")
    if pattern.startswith("*."):
        domain = pattern[2:]
        return bool(domain) and (host == domain or host.endswith("." + domain))
    return bool(pattern) and host == pattern


def is_directo_host(host: str, allowed_hosts: Sequence[str] = ()) -> bool:
    """True for ``directo.ee``, its subdomains and the hosts listed in ``allowed_hosts``."""
    host = (host or "").lower().rstrip(".")
    patterns = ("*." + DIRECTO_DOMAIN, *allowed_hosts)
    return any(_host_matches(host, pattern) for pattern in patterns)


class DirectoUrlError(ValueError):
    """Why a URL is refused; ``reason`` lets callers word it in their own language.

    ``reason``: ``empty``, ``invalid``, ``unsafe`` (a backslash, user info, control
    characters or spaces, or a host that another URL parser reads differently),
    ``plain_http`` (http:// off loopback), ``not_https`` (another scheme, or no host) or
    ``host`` (https, but not a Directo host).
    """

    def __init__(self, message: str, reason: str, url: str, host: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.url = url
        self.host = host


#: Never in an endpoint: control characters, whitespace and the backslash (which
#: ``requests``/``urllib3`` end the host at, where ``urllib.parse`` does not).
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\\\s]")
#: A host name as sent (IDNA-encoded by ``requests``), or an IP address.
_HOST_NAME = re.compile(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]")


def _sending_host(url: str) -> tuple[str | None, str | None]:
    """(scheme, host) as the request will be sent: ``requests`` prepares the URL and
    ``urllib3`` parses it to open the connection. Raises ValueError if either refuses."""
    try:
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, None)
        parsed = parse_url(prepared.url or "")
    except (requests.exceptions.RequestException, LocationParseError) as exc:
        raise ValueError(str(exc)) from exc
    if parsed.auth:
        raise ValueError("user info")
    host = (parsed.host or "").lower()
    if host and not _HOST_NAME.fullmatch(host):
        raise ValueError("not a host name")
    return (parsed.scheme or "").lower() or None, host.strip("[]") or None


def _unsafe(url: str, message: str) -> DirectoUrlError:
    return DirectoUrlError(
        f"The Directo URL {url!r} is refused: {message}. Write it as https://host/path.",
        "unsafe",
        url,
    )


def _parsed_endpoint(cleaned: str) -> tuple[str, str | None] | DirectoUrlError:
    """(scheme, host) every parser agrees on, or the refusal."""
    if _UNSAFE_URL_CHARS.search(cleaned):
        return _unsafe(cleaned, "it contains a backslash, a space or a control character")
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
        has_userinfo = "@" in parts.netloc
        _port = parts.port  # raises on a port that is not a number
    except ValueError:
        return DirectoUrlError(
            f"The Directo URL {cleaned!r} is not a valid URL.", "invalid", cleaned
        )
    if has_userinfo:
        return _unsafe(cleaned, "it has a user name or password (user info before '@')")
    if not host:
        return (parts.scheme.lower(), None)
    try:
        scheme, sending_host = _sending_host(cleaned)
    except ValueError:
        return _unsafe(cleaned, "its host is not a plain host name")
    if scheme != parts.scheme.lower() or sending_host != host.lower():
        return _unsafe(cleaned, "URL parsers disagree on its host")
    return (scheme, host)


def _refusal(url: str, allowed_hosts: Sequence[str]) -> DirectoUrlError | None:
    """The refusal of ``url``, or None: the allow-list decides on the host that the
    request would be sent to (``requests``/``urllib3``), which must be the host
    ``urllib.parse`` reads as well."""
    cleaned = (url or "").strip()
    if not cleaned:
        return DirectoUrlError("The Directo URL is empty.", "empty", cleaned)
    parsed = _parsed_endpoint(cleaned)
    if isinstance(parsed, DirectoUrlError):
        return parsed
    scheme, host = parsed
    if host and scheme in ("http", "https") and _is_loopback(host):
        return None
    if host and scheme == "https":
        if is_directo_host(host, allowed_hosts):
            return None
        return DirectoUrlError(
            f"Refusing {host}: the XML Direct key is only sent to {DIRECTO_DOMAIN} and its "
            "subdomains, to this machine (a local test server) and to hosts listed as allowed.",
            "host",
            cleaned,
            host,
        )
    if host and scheme == "http":
        return DirectoUrlError(
            f"Refusing plain http:// for {host}: the XML Direct key would travel "
            "unencrypted. Use https:// (plain http is only allowed for a local test server on "
            "127.0.0.1 / ::1 / localhost).",
            "plain_http",
            cleaned,
            host,
        )
    return DirectoUrlError(
        f"The Directo URL {cleaned!r} must start with https:// and name a host, e.g. {DEFAULT_URL}",
        "not_https",
        cleaned,
        host,
    )


def is_url_allowed(url: str, allowed_hosts: Sequence[str] = ()) -> bool:
    """True for https:// on Directo's hosts (or ``allowed_hosts``) and for loopback."""
    return _refusal(url, allowed_hosts) is None


def validate_url(url: str, allowed_hosts: Sequence[str] = ()) -> str:
    """Return the stripped URL or raise :class:`DirectoUrlError` saying what is wrong.

    ``allowed_hosts``: further https hosts the key may go to (``host`` or ``*.domain``).
    """
    refusal = _refusal(url, allowed_hosts)
    if refusal is not None:
        raise refusal
    return (url or "").strip()


@dataclass
class Exchange:
    """One HTTP round trip, safe to store: the token is never part of it."""

    component: str
    operation: str
    url: str
    params: dict[str, str]
    request_body: str
    response_body: bytes | None = None
    http_status: int | None = None
    outcome: str = "ok"
    error: str | None = None
    duration_ms: int = 0
    documents: int = 0
    #: Bytes of the answer (also when ``response_body`` is truncated / not kept).
    response_size: int = 0
    #: Per-document results of a put (empty for reads).
    results: list[PutResult] = field(default_factory=list)
    #: True when ``response_body`` holds only the start of the answer.
    response_truncated: bool = False
    #: The whole answer without the key, in chunks, read from the spooled file (never whole
    #: in memory). Only callable while ``on_exchange`` runs (the spool is closed after).
    response_chunks: Callable[[], Iterator[bytes]] | None = field(default=None, repr=False)
    #: The feed direction this request checked (Connect's cheap checks, e.g. "Invoices
    #: in"), None for real work. A check that passed has ``outcome == "ok"``, also when
    #: Directo answered the empty put with a result of its own (kept in the body).
    check: str | None = None


def _open_contacts(fileobj: IO[bytes]) -> Iterator[Contact]:
    return (contact for contact in codec.iter_contacts(fileobj) if not contact.closed)


class _Spool:
    """An answer body spooled to memory/disk, plus its size."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)  # noqa: SIM115
        self.size = 0

    def read_all(self, limit: int | None = None) -> bytes:
        pos = self.file.tell()
        self.file.seek(0)
        data = self.file.read(limit if limit is not None else -1)
        self.file.seek(pos)
        return data

    def close(self) -> None:
        self.file.close()


class DirectoClient:
    """Client for one Directo database (one XML Direct token).

    Thread-safety: share one client per thread (``requests.Session`` is not guaranteed
    thread-safe). All network failures surface as :class:`~.errors.DirectoError`.

    Reads (``iter_*``) do the HTTP request when called - HTTP errors and bare
    ``<result>``/``<err>`` answers raise right there - and return an iterator that parses
    the spooled answer lazily. The read's :class:`Exchange` is reported when that iterator
    finishes or is closed, so always iterate it (a ``for`` loop with ``break`` is fine).
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        routing: str = "both",
        connect_timeout: float = 10.0,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        session: requests.Session | None = None,
        on_exchange: Callable[[Exchange], None] | None = None,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
        exchange_body_limit: int | None = None,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        self.url = validate_url(url, allowed_hosts)
        if routing not in _ROUTINGS:
            raise ValueError(f"routing must be one of {_ROUTINGS}, got {routing!r}")
        # The token is sent exactly as given: trimming/reporting is the caller's job.
        self._token = token
        self._redactor = Redactor(token)
        self.routing = routing
        self.timeout = (float(connect_timeout), float(read_timeout))
        self.session = session or requests.Session()
        self.on_exchange = on_exchange
        self.max_request_bytes = int(max_request_bytes)
        #: Answers read whole (put results) larger than this fail as transient.
        self.max_answer_bytes = int(max_answer_bytes)
        #: Keep at most this many bytes of each answer in ``Exchange.response_body``.
        self.exchange_body_limit = exchange_body_limit
        #: The feed being checked while a check runs (see ``_checking``).
        self._check: str | None = None

    def __repr__(self) -> str:  # never show the token
        return f"DirectoClient(url={self.url!r}, routing={self.routing!r})"

    # ------------------------------------------------------------------ helpers

    def _scrub(self, text: str) -> str:
        """``text`` without the key in any form (raw, URL-encoded, XML-escaped)."""
        return self._redactor.text(text)

    def _scrub_bytes(self, data: bytes) -> bytes:
        return self._redactor.data(data)

    def _scrub_error(self, err: DirectoError) -> DirectoError:
        """Remove the key from an error's text (an endpoint may echo the request)."""
        err.desc = self._scrub(err.desc)
        err.args = tuple(self._scrub(a) if isinstance(a, str) else a for a in err.args)
        return err

    def _scrub_results(self, results: list[PutResult]) -> list[PutResult]:
        return [
            dataclass_replace(res, desc=self._scrub(res.desc)) if res.desc else res
            for res in results
        ]

    def _route(self, routing_params: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """Split routing params into (query, body-without-token) per ``self.routing``."""
        query = dict(routing_params) if self.routing in ("both", "query") else {}
        body = dict(routing_params) if self.routing in ("both", "body") else {}
        return query, body

    def _form(self, body: dict[str, str], xmldata: str | None) -> bytes:
        fields: list[tuple[str, str]] = [("token", self._token), *body.items()]
        if xmldata is not None:
            fields.append(("xmldata", xmldata))
        return urlencode(fields, encoding="utf-8").encode("ascii")

    @staticmethod
    def _readable_body(body: dict[str, str], xmldata: str | None) -> str:
        parts = ["token=***"] + [f"{k}={quote_plus(str(v))}" for k, v in body.items()]
        if xmldata is not None:
            parts.append(f"xmldata={xmldata}")
        return "&".join(parts)

    def _emit(self, exchange: Exchange) -> None:
        if self.on_exchange is not None:
            # A broken logger must not turn a booked invoice into an "error".
            try:
                self.on_exchange(exchange)
            except Exception:
                _logger.exception("on_exchange callback failed for %s", exchange.component)

    def _map_request_exception(self, exc: Exception) -> DirectoError:
        msg = self._scrub(str(exc))
        seconds = f"{self.timeout[1]:g}"
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            # Never reached Directo: nothing was processed, plain transient.
            return explained(
                DirectoTransientError,
                _("Could not connect to Directo in time: %(detail)s"),
                detail=msg,
            )
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return explained(
                DirectoTimeout,
                _("No answer within %(seconds)s s; the request may have been processed"),
                seconds=seconds,
            )
        if isinstance(exc, requests.exceptions.SSLError):
            # Transient like any connection failure (the spec's grouping); the message says
            # TLS so an admin can tell a certificate problem from an outage.
            return explained(
                DirectoTransientError,
                _("TLS/certificate problem talking to Directo: %(detail)s"),
                detail=msg,
            )
        if isinstance(exc, requests.exceptions.ConnectionError):
            # requests wraps read timeouts that happen while streaming the body.
            if "read timed out" in msg.lower() or any(
                isinstance(arg, ReadTimeoutError) for arg in exc.args
            ):
                return explained(
                    DirectoTimeout,
                    _("Answer incomplete after %(seconds)s s; the request may have been processed"),
                    seconds=seconds,
                )
            return explained(
                DirectoTransientError, _("Connection to Directo failed: %(detail)s"), detail=msg
            )
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return explained(
                DirectoTransientError,
                _("Connection to Directo dropped mid-answer: %(detail)s"),
                detail=msg,
            )
        if isinstance(exc, requests.exceptions.RequestException):
            return explained(
                DirectoTransientError, _("HTTP error talking to Directo: %(detail)s"), detail=msg
            )
        return DirectoProtocolError(msg)

    def _request(
        self,
        component: str,
        operation: str,
        params: dict[str, str],
        xmldata: str | None = None,
        documents: int = 0,
        max_answer_bytes: int | None = None,
        check_put: bool = False,
    ) -> tuple[_Spool, Exchange]:
        """POST one request and spool the answer. On failure emits the exchange and raises.

        On success the caller owns the spool and must emit the exchange when done.
        ``max_answer_bytes``: stop reading (and fail) once the answer grows beyond it.
        ``check_put``: an empty put checking a feed; Directo's own answer to it (any
        result but a refused key or feed) proves the feed open, so the exchange is
        recorded as a passed check (the answer stays in its body); the error is raised.
        """
        routing_params = {operation: "1", "what": component, **params}
        query, body = self._route(routing_params)
        form = self._form(body, xmldata)
        prepared_url = requests.Request("POST", self.url, params=query).prepare().url or self.url
        exchange = Exchange(
            component=component,
            operation=operation,
            url=prepared_url,
            params=dict(params),
            request_body=self._readable_body(body, xmldata),
            documents=documents,
            check=self._check,
        )
        started = time.monotonic()
        spool = _Spool()
        try:
            try:
                response = self.session.post(
                    self.url,
                    params=query,
                    data=form,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                        "Accept": "application/xml, text/xml, */*",
                    },
                    timeout=self.timeout,
                    stream=True,
                    allow_redirects=False,
                )
            except requests.exceptions.RequestException as exc:
                raise self._map_request_exception(exc) from None
            exchange.http_status = response.status_code
            try:
                for chunk in response.iter_content(_CHUNK):
                    spool.file.write(chunk)
                    spool.size += len(chunk)
                    if max_answer_bytes is not None and spool.size > max_answer_bytes:
                        raise explained(
                            DirectoAnswerTooLarge,
                            _(
                                "more than %(bytes)s bytes, where a few KB were expected; the "
                                "rest was not read"
                            ),
                            http_status=response.status_code,
                            bytes=max_answer_bytes,
                        )
            except requests.exceptions.RequestException as exc:
                raise self._map_request_exception(exc) from None
            finally:
                response.close()
            spool.file.seek(0)
            exchange.response_size = spool.size
            self._raise_for_status(response.status_code, spool)
            self._raise_for_error_root(spool)
        except DirectoError as err:
            self._scrub_error(err)
            exchange.response_size = spool.size
            # Which request failed: a refused key is reported with its feed direction.
            err.component, err.operation = component, operation
            proved = (
                check_put and err.type_code is not None and not isinstance(err, _KEY_OR_FEED_ERRORS)
            )
            self._finish(exchange, spool, started, None if proved else err)
            spool.close()
            raise
        return spool, exchange

    def _raise_for_status(self, status: int, spool: _Spool) -> None:
        if status == 200:
            return
        if status == 404:
            raise explained(
                DirectoRoutingError,
                _("HTTP 404: the Directo URL is wrong (expected .../xmlcore.asp)"),
                http_status=404,
            )
        if 300 <= status < 400:
            raise explained(
                DirectoProtocolError,
                _("Directo answered with a redirect (HTTP %(status)s); check the URL"),
                http_status=status,
                status=status,
            )
        error = DirectoTransientError if status >= 500 else DirectoProtocolError
        raise explained(
            error, _("Directo answered HTTP %(status)s"), http_status=status, status=status
        )

    def _raise_for_error_root(self, spool: _Spool) -> None:
        """Raise early for non-XML answers (a maintenance page, an empty body) and for
        bare ``<result>``/``<err>`` answers (checked before streaming)."""
        # Redacted before any of it is quoted in a message (a cut key is a key too).
        codec.raise_for_non_xml(self._excerpt(spool, _HEAD_BYTES))
        root = codec.sniff_root(spool.file)
        if root in ("result", "err", "error") and spool.size <= 1024 * 1024:
            element = codec.parse_xml(spool.read_all())
            if codec._local(element.tag) == "result" and root == "result":
                attrs = codec._attrs_ci(element)
                if codec._int_or_none(attrs.get("type")) in codec.SUCCESS_TYPES:
                    return  # a lone success result: let the put parser handle it
            codec.raise_for_error_document(element)

    def _finish(
        self, exchange: Exchange, spool: _Spool | None, started: float, err: Exception | None
    ) -> None:
        exchange.duration_ms = int((time.monotonic() - started) * 1000)
        if err is not None:
            exchange.outcome = type(err).__name__
            exchange.error = self._scrub(str(err))
        if self.on_exchange is None:
            return
        if spool is not None and spool.size:
            limit = self.exchange_body_limit
            if isinstance(err, DirectoAnswerTooLarge):
                # Enough to see what answered; the whole would defeat the cap.
                limit = min(limit or _OVERSIZE_KEPT_BYTES, _OVERSIZE_KEPT_BYTES)
            try:
                exchange.response_body = self._excerpt(spool, limit)
                exchange.response_truncated = limit is not None and spool.size > limit
            except ValueError:  # spool already closed
                exchange.response_body = None
            else:
                if not isinstance(err, DirectoAnswerTooLarge):
                    exchange.response_chunks = lambda: self._scrubbed_chunks(spool)
        try:
            self._emit(exchange)
        finally:
            exchange.response_chunks = None

    def _excerpt(self, spool: _Spool, limit: int | None) -> bytes:
        """The answer's first ``limit`` bytes without the key (a key cut by the limit
        is removed too: the excerpt is redacted with a margin, then cut)."""
        if limit is None:
            return self._scrub_bytes(spool.read_all())
        return (self._scrub_bytes(spool.read_all(limit + self._redactor.overlap)) or b"")[:limit]

    def _scrubbed_chunks(self, spool: _Spool) -> Iterator[bytes]:
        pos = spool.file.tell()
        spool.file.seek(0)
        try:
            yield from self._redactor.stream(spool.file, _CHUNK)
        finally:
            spool.file.seek(pos)

    # ------------------------------------------------------------------ reads

    def _read(
        self,
        component: str,
        params: dict[str, str],
        parse: Callable[[IO[bytes]], Iterator[Any]],
    ) -> Iterator[Any]:
        started = time.monotonic()
        spool, exchange = self._request(component, "get", params)
        return self._stream(spool, exchange, started, parse)

    def _stream(
        self,
        spool: _Spool,
        exchange: Exchange,
        started: float,
        parse: Callable[[IO[bytes]], Iterator[Any]],
    ) -> Iterator[Any]:
        # The exchange is reported when the iteration ends (exhausted, failed or closed
        # early by the consumer - still "ok": the exchange itself worked). An iterator that
        # is never started reports nothing: always iterate it.
        err: Exception | None = None
        count = 0
        try:
            for record in parse(spool.file):
                count += 1
                yield record
        except DirectoError as exc:
            self._scrub_error(exc)
            exc.component, exc.operation = exchange.component, exchange.operation
            err = exc
            raise
        finally:
            exchange.documents = count
            self._finish(exchange, spool, started, err)
            spool.close()

    @staticmethod
    def _filters(**kwargs: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in kwargs.items():
            if value is None or value == "":
                continue
            out[key] = codec.format_ts(value) if key == "ts" else str(value)
        return out

    @contextmanager
    def _checking(self, component: str, operation: str) -> Iterator[None]:
        """Requests made inside are recorded as checks of that feed (``Exchange.check``)."""
        previous, self._check = self._check, FEEDS.get((component, operation), component)
        try:
            yield
        finally:
            self._check = previous

    def check_connection(self) -> bool:
        """Cheap real read proving URL, key and customer component work; raises if not."""
        with self._checking("customer", "get"):
            for _ in self.iter_customers(code=CONNECTION_CHECK_CODE):
                pass
        return True

    def check_articles(self) -> bool:
        """Cheap real read proving the key may read articles (Articles out)."""
        with self._checking("item", "get"):
            for _ in self.iter_items(code=CONNECTION_CHECK_CODE):
                pass
        return True

    def iter_customers(self, ts: Any = None, code: str | None = None) -> Iterator[Customer]:
        """Open customers (``closed=0``; closed ones are also dropped client-side)."""
        params = self._filters(code=code, closed="0", ts=ts)
        return self._read("customer", params, codec.iter_customers)

    def iter_contacts(
        self,
        ts: Any = None,
        customer_code: str | None = None,
        *,
        code: str | None = None,
        open_only: bool = True,
    ) -> Iterator[Contact]:
        """Contact persons, in one request whatever their number.

        ``open_only`` (default): ``closed=0`` is sent and closed rows are dropped here too,
        as for customers. ``open_only=False`` reads closed ones as well (each with its
        ``closed`` flag): an incremental read needs them to notice a person being closed.
        """
        params = self._filters(
            code=code, customercode=customer_code, closed="0" if open_only else None, ts=ts
        )
        return self._read("contact", params, _open_contacts if open_only else codec.iter_contacts)

    def iter_items(self, ts: Any = None, code: str | None = None) -> Iterator[Item]:
        params = self._filters(code=code, closed="0", ts=ts)
        return self._read("item", params, codec.iter_items)

    def iter_register(
        self,
        component: str,
        ts: Any = None,
        closed: bool | None = None,
        code: str | None = None,
    ) -> Iterator[RegisterEntry]:
        """Codes of Directo's ``customer``, ``item`` or ``object`` register, closed ones
        included (``closed``: the documented ``closed`` filter; None sends none).

        The object component documents no ``closed`` filter: its records carry the flag.
        """
        if component not in REGISTER_COMPONENTS:
            raise ValueError(f"component must be one of {REGISTER_COMPONENTS}, got {component!r}")
        flag = None if closed is None else ("1" if closed else "0")
        params = self._filters(code=code, closed=flag, ts=ts)
        return self._read(
            component, params, lambda fileobj: codec.iter_register(fileobj, component, closed)
        )

    def iter_vat_code_list(self) -> Iterator[codec.VatCodeEntry]:
        """Directo's VAT codes from the get-only ``itemaccountvatcode`` component, whose
        field list is undocumented (read tolerantly: see ``codec.iter_vat_code_list``)."""
        return self._read("itemaccountvatcode", {}, codec.iter_vat_code_list)

    def check_feed(self, component: str, operation: str = "get") -> bool:
        """Cheap request proving the key may use ``component`` (raises if not).

        Reads ask for an impossible code (receipts: number 0, contact persons: those of an
        impossible client code); the invoice put carries an
        ``<invoices/>`` without any document, so Directo has nothing to store. Directo's
        answer to that empty put (Type 99 "No processable XML data found" from the test server,
        undocumented for real Directo) is not an error of the key or feed: it counts as
        "activated".
        """
        with self._checking(component, operation):
            if (component, operation) == ("invoice", "put"):
                return self._check_invoice_put()
            if component == "receipt":
                reader = self._read("receipt", {"number": "0"}, codec.iter_receipts)
            elif component == "contact":
                reader = self.iter_contacts(customer_code=CONNECTION_CHECK_CODE)
            else:
                reader = self.iter_register(component, code=CONNECTION_CHECK_CODE)
            for _record in reader:
                pass
        return True

    def _check_invoice_put(self) -> bool:
        started = time.monotonic()
        empty = codec.encode_invoices([]).decode("utf-8")
        try:
            spool, exchange = self._request("invoice", "put", {}, xmldata=empty, check_put=True)
        except _KEY_OR_FEED_ERRORS:
            raise
        except DirectoError as answered:
            if answered.type_code is None:  # transport failure: nothing was proven
                raise
            return True  # Directo looked at the (empty) document: the feed is open
        self._finish(exchange, spool, started, None)
        spool.close()
        return True

    def iter_receipts(self, ts: Any = None, confirmed: bool | None = True) -> Iterator[Receipt]:
        """Receipts changed since ``ts``; ``confirmed=None`` also returns unconfirmed ones
        (needed to notice a receipt that lost its confirmation)."""
        flag = None if confirmed is None else ("1" if confirmed else "0")
        params = self._filters(confirmed=flag, ts=ts)
        return self._read("receipt", params, codec.iter_receipts)

    # ------------------------------------------------------------------ writes

    def _size_batches(
        self, what: str, extra: dict[str, str], fragments: list[tuple[str, bytes]]
    ) -> list[list[int]]:
        """Indices of ``fragments`` ((label, serialised element)) grouped so that every
        POST body of a ``put=1&what=<what>`` stays <= max_request_bytes."""
        _query, body = self._route({"put": "1", "what": what, **extra})
        # Form body with an empty xmldata, plus the XML declaration and root element.
        envelope = codec._XML_DECL.decode() + f"<{what}s></{what}s>"
        base = len(self._form(body, "")) + len(quote_plus(envelope))
        batches: list[list[int]] = []
        current: list[int] = []
        size = base
        for idx, (label, fragment) in enumerate(fragments):
            frag = len(quote_plus(fragment.decode("utf-8")))
            if base + frag > self.max_request_bytes:
                raise ValueError(
                    f"{label} alone exceeds the Directo request size limit "
                    f"({self.max_request_bytes} bytes)"
                )
            if current and size + frag > self.max_request_bytes:
                batches.append(current)
                current, size = [], base
            current.append(idx)
            size += frag
        if current:
            batches.append(current)
        return batches

    def _batches(self, payloads: list[InvoicePayload], extra: dict[str, str]) -> list[list[int]]:
        """Indices of ``payloads`` grouped so every POST body stays <= max_request_bytes."""
        fragments = [(f"Invoice {p.number}", codec.encode_invoice_fragment(p)) for p in payloads]
        return self._size_batches("invoice", extra, fragments)

    @staticmethod
    def _unique_keys(keys: list[Any], what: str) -> None:
        seen: set[Any] = set()
        for key in keys:
            if key in seen:
                raise ValueError(f"{what} {key} appears twice in one put")
            seen.add(key)

    def _put_planned(
        self,
        keys: list[Any],
        plan: list[tuple[dict[str, str], list[int]]],
        send: Callable[[list[int], dict[str, str]], list[PutResult]],
        lost: str,
    ) -> list[PutResult]:
        """Send each planned batch ((transport parameters, indices)) as ONE request.

        Returns one result per key, in input order. A batch failing as a whole stops the
        sending and raises :class:`DirectoBatchError` (see :meth:`put_invoices`); ``lost``
        is the description given to the documents of the batch in flight.
        """
        results: list[PutResult | None] = [None] * len(keys)
        for pos, (extra, indices) in enumerate(plan):
            try:
                batch_results = send(indices, extra)
            except DirectoError as err:
                failed = [keys[i] for i in indices]
                unsent = [keys[i] for _e, later in plan[pos + 1 :] for i in later]
                for i in indices:
                    results[i] = PutResult(
                        keys[i], None, f"No usable answer from Directo ({err}); {lost}"
                    )
                for _e, later in plan[pos + 1 :]:
                    for i in later:
                        results[i] = PutResult(keys[i], None, "Not sent: an earlier batch failed")
                raise batch_error(
                    err,
                    results=[r for r in results if r is not None],
                    failed_numbers=failed,
                    unsent_numbers=unsent,
                ) from err
            for i, res in zip(indices, batch_results, strict=True):
                results[i] = res
        return [r for r in results if r is not None]

    def put_invoices(self, payloads: Sequence[InvoicePayload]) -> list[PutResult]:
        """Send invoices; returns one :class:`PutResult` per payload, in input order.

        Payloads are grouped by ``update`` (re-sends get ``xd_update=1``), each group is
        split into batches whose whole form body stays under ``max_request_bytes``, and
        each batch is ONE HTTP request. Document-level rejections (Type 11, 31...) are
        returned as results, never raised.

        If a batch fails as a whole (timeout, connection drop, HTTP 5xx, bare ``<result
        type="5">``, malformed answer...), sending stops and a :class:`DirectoBatchError`
        is raised that is *also* an instance of the original error class (e.g.
        ``DirectoTimeout``). It carries ``results`` (one per payload; real results for
        answered batches, ``type_code=None`` for the rest), ``failed_numbers`` (the batch in
        flight - state unknown, may have been stored: re-send as update) and
        ``unsent_numbers`` (never sent: re-send unchanged).
        """
        items = list(payloads)
        numbers = [p.number for p in items]
        self._unique_keys(numbers, "Invoice number")
        plan: list[tuple[dict[str, str], list[int]]] = []
        for update in (False, True):
            group = [i for i, p in enumerate(items) if bool(p.update) is update]
            if not group:
                continue
            extra = {"xd_update": "1"} if update else {}
            sub = [items[i] for i in group]
            for batch in self._batches(sub, extra):
                plan.append((extra, [group[j] for j in batch]))
        return self._put_planned(
            numbers,
            plan,
            lambda indices, extra: self._put_batch([items[i] for i in indices], extra),
            "the invoice may have been stored - re-send it as an update",
        )

    def put_customers(
        self, payloads: Sequence[CustomerPayload], *, partial: bool = False
    ) -> list[PutResult]:
        """Create clients in Directo (``put=1&what=customer``); one :class:`PutResult` per
        payload (``number`` = the client code), in input order.

        ``partial`` sends Directo's partial update instead (``xd_customer_update=1``: only
        name, e-mail and phone of existing clients change). Never ``xd_update=1``: Odoo
        does not overwrite Directo's client records. Batches and failures as in
        :meth:`put_invoices` (``failed_numbers``/``unsent_numbers`` hold client codes).
        """
        items = list(payloads)
        codes = [p.code for p in items]
        self._unique_keys([(c or "").strip().casefold() for c in codes], "Client code")
        extra = {"xd_customer_update": "1"} if partial else {}
        fragments = [
            (f"Client {p.code}", codec.encode_customer_fragment(p, partial)) for p in items
        ]
        plan = [(extra, batch) for batch in self._size_batches("customer", extra, fragments)]
        return self._put_planned(
            codes,
            plan,
            lambda indices, extra: self._put_customer_batch(
                [items[i] for i in indices], extra, partial
            ),
            "the client may have been created",
        )

    def _put_customer_batch(
        self, payloads: list[CustomerPayload], extra: dict[str, str], partial: bool
    ) -> list[PutResult]:
        xml = codec.encode_customers(payloads, partial).decode("utf-8")
        return self._put_xml(
            "customer",
            extra,
            xml,
            len(payloads),
            lambda body: codec.parse_customer_results(body, [p.code for p in payloads]),
        )

    def _put_batch(self, payloads: list[InvoicePayload], extra: dict[str, str]) -> list[PutResult]:
        xml = codec.encode_invoices(payloads).decode("utf-8")
        return self._put_xml(
            "invoice",
            extra,
            xml,
            len(payloads),
            lambda body: codec.parse_put_results(body, [p.number for p in payloads]),
        )

    def _put_xml(
        self,
        component: str,
        extra: dict[str, str],
        xml: str,
        documents: int,
        parse: Callable[[bytes], list[PutResult]],
    ) -> list[PutResult]:
        """One put request of ``documents`` documents; ``parse`` turns the answer into
        per-document results."""
        _query, body = self._route({"put": "1", "what": component, **extra})
        if len(self._form(body, xml)) > self.max_request_bytes:  # pragma: no cover - guard
            raise ValueError(f"Internal error: {component} batch exceeds max_request_bytes")
        started = time.monotonic()
        spool, exchange = self._request(
            component,
            "put",
            dict(extra),
            xmldata=xml,
            documents=documents,
            max_answer_bytes=self.max_answer_bytes,
        )
        err: DirectoError | None = None
        try:
            results = self._scrub_results(parse(spool.read_all()))
            # outcome stays "ok": the exchange worked; per-document verdicts are in results.
            exchange.results = results
            return results
        except DirectoError as exc:
            err = self._scrub_error(exc)
            raise
        finally:
            self._finish(exchange, spool, started, err)
            spool.close()
