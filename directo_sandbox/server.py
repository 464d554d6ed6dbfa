"""HTTP front of the Directo sandbox (stdlib ``ThreadingHTTPServer``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import select
import socket
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from ._xmldirect import codec
from .state import Fault, SandboxRequest, SandboxState, bare_result, err_document

__all__ = ["ENDPOINT_PATH", "DirectoSandbox"]

ENDPOINT_PATH = "/xmlcore/cap_xml_direct/xmlcore.asp"
_XML = "text/xml; charset=utf-8"
_MALFORMED = b'<?xml version="1.0" encoding="UTF-8"?>\n<results><Result Type="0" Desc='
_MAINTENANCE_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service temporarily unavailable</title></head>"
    b"<body><h1>Maintenance</h1><p>We will be back shortly.</p></body></html>\n"
)
_HUGE_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<results>'
_HUGE_FILL = b'<Result Type="0" Desc="OK" docid="1" doctype="INVOICE" submit="Invoices"/>\n'
_ROUTING_KEYS = ("get", "put", "what")

# Control actions reachable over HTTP (POST /control/<name>, JSON object = kwargs).
_CONTROL_ACTIONS = (
    "reset", "add_token", "add_customer", "update_customer", "add_contact", "update_contact",
    "add_item",
    "add_vatcode", "add_object", "add_receipt", "edit_receipt", "unconfirm_receipt",
    "confirm_receipt", "delete_receipt", "confirm_invoice", "add_fault", "clear_faults",
    "set_success_code", "set_routing_required", "set_refusal_style", "set_pay_new_invoices",
    "close", "add_invoice", "set_report_balances",
)  # fmt: skip


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable(vars(value))
    return value


class _Handler(BaseHTTPRequestHandler):
    server_version = "DirectoSandbox/1.0"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY every answer waits
    # for the peer's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    state: SandboxState  # set on the subclass built per sandbox
    verbose = False
    _record: SandboxRequest | None = None  # the XML Direct request being answered

    def log_message(self, fmt: str, *args: Any) -> None:
        # Quiet unless --verbose: tests start hundreds of requests.
        return super().log_message(fmt, *args) if self.verbose else None

    # ------------------------------------------------------------------ plumbing

    def _send(self, status: int, body: bytes, content_type: str = _XML) -> None:
        self._end_record()  # before the client can have the answer and send the next one
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            # The client gave up (timeout tests): nothing to answer to.
            self.close_connection = True

    def _send_huge(self, size: int) -> None:
        """Stream ``size`` bytes of put-like results without ever holding them in memory."""
        block = _HUGE_FILL * max(1, 65536 // len(_HUGE_FILL))
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", _XML)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            self.wfile.write(_HUGE_HEAD[:size])
            left = size - min(size, len(_HUGE_HEAD))
            while left > 0:
                piece = block[:left]
                self.wfile.write(piece)
                left -= len(piece)
            self.wfile.flush()
        except OSError:
            # The client stopped reading (that is the point of the fault).
            self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.state.max_request_bytes:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"request too large", "text/plain")
            return None
        return self.rfile.read(length) if length else b""

    # ------------------------------------------------------------------ verbs

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path.startswith("/control/"):
            self._control_get(parts.path[len("/control/") :], dict(parse_qsl(parts.query)))
            return
        self._xml_direct(b"")

    def do_POST(self) -> None:
        body = self._read_body()
        if body is None:
            return
        parts = urlsplit(self.path)
        if parts.path.startswith("/control/"):
            self._control_post(parts.path[len("/control/") :], body)
            return
        self._record = None
        try:
            self._xml_direct(body)
        finally:
            self._end_record()  # dropped, or answered without _send

    def _end_record(self) -> None:
        """The XML Direct request being answered has ended (first call wins)."""
        if self._record is not None and self._record.ended is None:
            self._record.ended = time.time()

    # ------------------------------------------------------------------ XML Direct

    def _xml_direct(self, body: bytes) -> None:
        state = self.state
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            form = {}
        routing = state.routing_required
        sources = {"any": (query, form), "query": (query,), "body": (form,)}[routing]
        params: dict[str, str] = {}
        for source in sources:
            params.update({k: v for k, v in source.items() if k not in ("token", "xmldata")})
        component = params.get("what") or None
        operation = (
            "put" if params.get("put") == "1" else "get" if params.get("get") == "1" else None
        )
        record = SandboxRequest(
            method=self.command,
            path=parts.path,
            query=query,
            form=form,
            component=component,
            operation=operation,
            headers=dict(self.headers.items()),
        )
        self._record = record
        state.log_request(record)
        if parts.path != ENDPOINT_PATH:
            record.answer = "http 404"
            self._send(HTTPStatus.NOT_FOUND, b"<html><body>404 Not Found</body></html>",
                       "text/html")  # fmt: skip
            return

        fault = state.take_fault(component, operation)
        if fault is not None:
            record.answer = f"fault:{fault.kind}"
            if self._answer_fault(fault, parts.query, body, form):
                return

        answer, label = self._dispatch(form, query, params, component, operation)
        if not record.answer:
            record.answer = label
        self._answer_after_processing(answer, fault)

    def _answer_after_processing(self, answer: bytes, fault: Fault | None) -> None:
        """Send the answer of a processed request, as the fault (if any) spoils it."""
        kind = fault.kind if fault is not None else None
        if kind == "partial":
            answer = _truncate_results(answer, fault.count)
        elif kind == "foreign_docid":
            answer = _foreign_docids(answer)
        elif kind == "process_then_timeout" and not self._wait_for_client(fault.seconds):
            self.close_connection = True
            return  # the client gave up (timed out): nobody to answer
        self._send(HTTPStatus.OK, answer)

    def _answer_fault(self, fault: Fault, query: str, body: bytes, form: dict[str, str]) -> bool:
        """Answer as ``fault`` says; False when the request is still to be answered."""
        if fault.kind == "delay":
            self.state.wait(fault.seconds)
            return False
        if fault.kind in ("http500", "http_status"):
            status = 500 if fault.kind == "http500" else fault.status
            self._send(status, b"<html><body>Server error</body></html>", "text/html")
        elif fault.kind == "malformed":
            self._send(HTTPStatus.OK, _MALFORMED)
        elif fault.kind == "drop":
            self._drop()
        elif fault.kind == "html_page":
            self._send(HTTPStatus.OK, _MAINTENANCE_PAGE, "text/html; charset=utf-8")
        elif fault.kind == "empty":
            self._send(HTTPStatus.OK, b"")
        elif fault.kind == "huge":
            self._send_huge(fault.size)
        elif fault.kind in ("echo", "echo_text"):
            self._send_echo(fault, query, body, form)
        else:
            return False
        return True

    def _send_echo(self, fault: Fault, query: str, body: bytes, form: dict[str, str]) -> None:
        """What a gateway's error page that echoes the request answers."""
        raw = body.decode("utf-8", "replace")
        echo = (
            f"Request rejected. Query: {query}. Body: {raw}. "
            f"Decoded: token={form.get('token', '')}; what={form.get('what', '')}."
        )
        if fault.kind == "echo":
            self._send(HTTPStatus.OK, err_document(echo))
        else:
            status = fault.status if fault.status != 500 else HTTPStatus.OK
            self._send(status, echo.encode("utf-8"), "text/plain; charset=utf-8")

    def _wait_for_client(self, seconds: float) -> bool:
        """Wait ``seconds`` before answering; False as soon as the client closed the
        connection (a request ends when either side ends it)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.state.stop_event.is_set():
            readable, _w, _x = select.select([self.connection], [], [], 0.05)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return False
                except OSError:
                    return False
        return True

    def _dispatch(
        self,
        form: dict[str, str],
        query: dict[str, str],
        params: dict[str, str],
        component: str | None,
        operation: str | None,
    ) -> tuple[bytes, str]:
        state = self.state
        token = form.get("token", query.get("token"))
        if token is None:
            return err_document("token required"), "err token required"
        with state.lock:
            info = state.tokens.get(token)
        if info is None:
            return bare_result(5, "Unauthorized"), "type 5"
        if component is None or operation is None:
            return bare_result(404, "Invalid url given"), "type 404"
        if not info.allows(component, operation):
            return (
                bare_result(5, f"Unauthorized: component '{component}' not allowed for this key"),
                "type 5 component",
            )
        if operation == "get":
            return state.answer_get(info.company, component, params), "ok"
        if component == "invoice":
            body, _docs = state.answer_put_invoices(info.company, form.get("xmldata"), params)
            return body, "ok"
        if component == "customer":
            body, _docs = state.answer_put_customers(info.company, form.get("xmldata"), params)
            return body, "ok"
        return bare_result(9, f"Error on import: sandbox does not accept '{component}'"), "type 9"

    # ------------------------------------------------------------------ control

    def _control_post(self, action: str, body: bytes) -> None:
        if action not in _CONTROL_ACTIONS:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"unknown action {action!r}"})
            return
        try:
            kwargs = json.loads(body.decode("utf-8") or "{}")
            if not isinstance(kwargs, dict):
                raise ValueError("JSON body must be an object")
            result = getattr(self.state, action)(**kwargs)
        except (ValueError, KeyError, TypeError) as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        self._json(HTTPStatus.OK, {"ok": True, "result": _jsonable(result)})

    def _control_get(self, what: str, args: dict[str, str]) -> None:
        company = args.get("company", "demo")
        state = self.state
        if what == "invoices":
            data: Any = state.invoices(company)
        elif what == "receipts":
            data = state.receipts(company)
        elif what == "requests":
            with state.lock:
                data = [
                    {**vars(r), "form": {k: v for k, v in r.form.items() if k != "token"}}
                    for r in state.requests
                ]
        elif what == "faults":
            with state.lock:
                data = list(state.faults)
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"unknown resource {what!r}"})
            return
        self._json(HTTPStatus.OK, _jsonable(data))

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                   "application/json")  # fmt: skip


def _truncate_results(answer: bytes, keep: int) -> bytes:
    """Keep only the first ``keep`` ``<Result>`` elements of a put answer."""
    root = codec.parse_xml(answer)
    if root.tag != "results":
        return answer
    for extra in list(root)[keep:]:
        root.remove(extra)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def _foreign_docids(answer: bytes) -> bytes:
    """Every ``<Result>`` of a put answer becomes a success for document 999 (a broken
    proxy or a mixed-up answer): a client must not take it for its own documents."""
    root = codec.parse_xml(answer)
    if root.tag != "results":
        return answer
    for result in root:
        result.set("Type", "0")
        result.set("Desc", "OK")
        result.set("docid", "999")
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or drop are part of the tests; stay quiet about them.
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class DirectoSandbox:
    """A Directo XML Direct look-alike on a real socket.

    ``DirectoSandbox(port=0)`` picks a free port; use as a context manager or call
    :meth:`start` / :meth:`stop`. ``state`` holds the data and the control API (also
    reachable as ``POST /control/<action>`` with a JSON object of keyword arguments, and
    ``GET /control/invoices|receipts|requests|faults``). No authentication on the control
    interface: bind to loopback (the default) unless inside an isolated container.
    """

    DEMO_TOKEN = "DEMO-TOKEN"
    NO_INVOICE_TOKEN = "DEMO-NOINVOICE"
    READONLY_TOKEN = "DEMO-READONLY"
    NO_READ_TOKEN = "DEMO-NOREAD"
    NO_CONTACT_TOKEN = "DEMO-NOCONTACT"
    OTHER_COMPANY_TOKEN = "OTHER-COMPANY"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        demo: bool = True,
        tokens: Mapping[str, Any] | None = None,
        *,
        verbose: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.state = SandboxState(demo_data=demo, tokens=tokens)
        self._verbose = verbose
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> DirectoSandbox:
        if self._server is not None:
            return self
        handler = type("SandboxHandler", (_Handler,), {"state": self.state,
                                                       "verbose": self._verbose})  # fmt: skip
        self.state.stop_event.clear()
        self._server = _Server((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            # Short poll interval: stop() (hence every test teardown) waits for one poll.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"directo-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.state.stop_event.set()  # wake up handlers sleeping in delay faults
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def serve_forever(self) -> None:
        """Run in the foreground (CLI)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> DirectoSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ conveniences

    @property
    def base_url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host in ("::",):
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """Full XML Direct endpoint URL."""
        return self.base_url + ENDPOINT_PATH

    @property
    def requests(self) -> list[SandboxRequest]:
        with self.state.lock:
            return list(self.state.requests)

    def reset(self) -> None:
        self.state.reset()

    def __getattr__(self, name: str) -> Any:
        # Control API shortcuts: sandbox.add_receipt(...) == sandbox.state.add_receipt(...)
        if name in _CONTROL_ACTIONS or name in ("invoices", "invoice", "invoice_total",
                                               "receipts", "add_customers",
                                               "add_contacts", "customer"):  # fmt: skip
            return getattr(self.state, name)
        raise AttributeError(name)
