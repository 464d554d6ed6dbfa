"""Thread-safe in-memory "Directo database" of the sandbox, and its XML Direct logic.

Behaviour follows /work/shared/directo/xml-direct.md. Where Directo's real answer is
undocumented the sandbox picks a plausible one and says so:

* A component that is not enabled for a key answers
  ``<result type="5" desc="Unauthorized: component 'invoice' not allowed for this key"/>``
  (real wording unknown; the client recognises it by ``desc``).
* Unknown or closed references on an invoice (customer, item, VAT code, object,
  salesman = an object) answer Type 31 ``"<Kind> <code> not found"`` / ``"... is closed"``
  by default; :meth:`SandboxState.set_refusal_style` switches to wordings without the code
  (``"Item not found"``), Estonian ones (``"Artiklit ei leitud"``) or a generic Type 9
  ``"Error on import"``, because Directo's real wording is undocumented.
* A bad ``number`` (non-integer, 0, > 2147483647) answers Type 1.
* Confirming an invoice without rows stores it as a draft and answers Type 29.
* Receipt headers carry only ``number``/``confirmed``/``ts``: that is what Directo's own
  ``ws_laekumised.xsd`` allows (the reference's example also shows ``paymentmode``/``aeg``).
* A customer put answers one ``<Result doctype="CUSTOMER" submit="Customers">`` per
  ``<customer>`` with the code as ``docid`` (Directo documents ``docid`` as the number of
  the created/updated document; for clients the code is the only identifier). A partial
  update (``xd_customer_update=1``) of an unknown code answers Type 31 "Customer X not
  found". Codes are compared exactly (Directo's collation is undocumented).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from lxml import etree

from . import demo
from ._xmldirect import codec, errors

__all__ = ["FAULT_KINDS", "Fault", "SandboxRequest", "SandboxState", "TokenInfo"]

FAULT_KINDS = (
    "delay",  # wait `seconds`, then answer normally
    "http500",  # answer HTTP 500
    "http_status",  # answer HTTP `status`
    "malformed",  # answer a truncated XML body with HTTP 200
    "drop",  # close the connection without any answer
    "partial",  # process everything but answer only the first `count` results
    "process_then_timeout",  # process (store!) then wait `seconds` before answering
    "foreign_docid",  # process everything, but answer success for document 999 instead
    "html_page",  # HTTP 200 with an HTML maintenance page (what a proxy shows in an outage)
    "empty",  # HTTP 200 with an empty body
    "huge",  # HTTP 200 with a `size`-byte XML answer, streamed (a broken proxy or server)
    # HTTP 200 with an <err> echoing the request (raw, decoded, XML-escaped), as some
    # gateways' error pages do: the key comes back in every form
    "echo",
    "echo_text",  # the same echo as plain text (HTTP `status`, 200 unless given)
)

CUSTOMER_ATTRIBUTES = (
    "code",
    "name",
    "object",
    "address1",
    "address2",
    "address3",
    "country",
    "county",
    "contact",
    "phone",
    "email",
    "regno",
    "vatregno",
    "class",
    "payterm",
    "vatregion",
    "salesman",
    "currency",
    "discount",
    "balance",
    "closed",
)  # ws_kliendid.xsd names; ts added separately
#: Input names (xml_IN_kliendid.xsd) stored under another output name (ws_kliendid.xsd).
CUSTOMER_INPUT_RENAMES = {"vatzone": "vatregion"}
CONTACT_ATTRIBUTES = (
    "code", "customercode", "name", "firstname", "lastname", "address1", "address2",
    "address3", "phone", "mobile", "email", "closed",
)  # fmt: skip
ITEM_ATTRIBUTES = (
    "code",
    "name",
    "description",
    "class",
    "class_name",
    "unit",
    "salesprice",
    "vatprice",
    "vatcode",
    "accountlocal",
    "object",
    "barcode",
    "cost",
    "closed",
)  # ws_artiklid.xsd names
OBJECT_ATTRIBUTES = ("code", "name", "master", "type", "level", "closed")  # ws_objektid names
#: Wordings of a refused reference (set_refusal_style); Estonian and kind-only ones carry
#: no code, the generic one not even the kind.
REFUSAL_STYLES = ("code", "kind", "estonian", "generic")
_ESTONIAN = {
    ("Customer", "missing"): "Klienti ei leitud",
    ("Customer", "closed"): "Klient on suletud",
    ("Item", "missing"): "Artiklit ei leitud",
    ("Item", "closed"): "Artikkel on suletud",
    ("VAT code", "missing"): "KM-koodi ei leitud",
    ("Object", "missing"): "Objekti ei leitud",
    ("Object", "closed"): "Objekt on suletud",
    ("Salesman", "missing"): "Müüjat ei leitud",
    ("Salesman", "closed"): "Müüja on suletud",
}
RECEIPT_ROW_ATTRIBUTES = (
    "invoice", "aeg", "customer", "customername", "received", "regno", "invoicesum",
)  # fmt: skip
INVOICE_HEADER_ATTRIBUTES = (
    "number", "customercode", "customername", "date", "duedate", "paymentterm", "currency",
    "vatzone", "language", "comment", "confirm", "paymenttotal", "email", "phone",
    "address1", "address2", "address3", "vatregno", "customer_regno", "customer_type",
    "country", "county", "salesman", "object", "project",
)  # fmt: skip
INVOICE_ROW_ATTRIBUTES = (
    "rn", "item", "description", "quantity", "price", "discount", "vatcode", "account",
    "unit", "object", "project", "sum",
)  # fmt: skip
CENT = Decimal("0.01")


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _to_dt(value: Any) -> dt.datetime:
    if value is None:
        return now()
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    parsed = codec.parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"Not a date/time: {value!r}")
    return parsed


def _dec(value: Any) -> Decimal:
    try:
        dec = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"Not a number: {value!r}") from None
    if not dec.is_finite():
        raise ValueError(f"Not a number: {value!r}")
    return dec


def _ts_text(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class TokenInfo:
    company: str = "demo"
    #: Allowed "component:operation" pairs; None = everything.
    allow: frozenset[str] | None = None

    def allows(self, component: str, operation: str) -> bool:
        return self.allow is None or f"{component}:{operation}" in self.allow


@dataclass
class Fault:
    kind: str
    #: How many requests it applies to; None = sticky (until cleared).
    times: int | None = 1
    seconds: float = 0.0
    count: int = 0
    status: int = 500
    component: str | None = None
    operation: str | None = None
    size: int = 0

    def matches(self, component: str | None, operation: str | None) -> bool:
        return (self.component is None or self.component == component) and (
            self.operation is None or self.operation == operation
        )


@dataclass
class SandboxRequest:
    """One request as received, for assertions (the token is kept on purpose)."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    component: str | None = None
    operation: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: What the sandbox answered ("ok", "err", "type 5", "fault:drop", ...).
    answer: str = ""
    #: When the request arrived and when its answer was written (``time.time()``): two
    #: requests carrying the same document must not overlap.
    started: float = field(default_factory=time.time)
    ended: float | None = None

    @property
    def token(self) -> str | None:
        return self.form.get("token", self.query.get("token"))


class _Company:
    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        data = data or {}
        self.customers: dict[str, dict[str, Any]] = copy.deepcopy(data.get("customers", {}))
        self.contacts: dict[str, dict[str, Any]] = copy.deepcopy(data.get("contacts", {}))
        self.items: dict[str, dict[str, Any]] = copy.deepcopy(data.get("items", {}))
        self.vatcodes: dict[str, Decimal] = dict(data.get("vatcodes", {}))
        self.objects: dict[str, dict[str, Any]] = copy.deepcopy(data.get("objects", {}))
        self.invoices: dict[int, dict[str, Any]] = {}
        self.receipts: dict[int, dict[str, Any]] = {}
        self.next_receipt = 900001


class SandboxState:
    """The sandbox's data, tokens, faults and request log. All methods are thread-safe."""

    def __init__(
        self,
        demo_data: bool = True,
        tokens: Mapping[str, Any] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self._demo = demo_data
        self._initial_tokens = tokens
        self.stop_event = threading.Event()
        self.reset()

    # ------------------------------------------------------------------ setup

    def reset(self) -> None:
        """Back to the initial data; clears faults, requests and settings."""
        with self.lock:
            self.companies: dict[str, _Company] = {}
            self.tokens: dict[str, TokenInfo] = {}
            self.faults: list[Fault] = []
            self.requests: list[SandboxRequest] = []
            #: 0, 30 or "alternate" (30 "Created" for creates, 0 "OK" for updates).
            self.success_code: int | str = 0
            #: Where get/put/what must be: "any", "query" or "body" (else Type 404).
            self.routing_required = "any"
            self.max_request_bytes = 19 * 1024 * 1024
            #: Wording of unknown/closed code refusals (see set_refusal_style).
            self.refusal_style = "code"
            #: Demo: a confirmed receipt pays every invoice as it is created.
            self.pay_new_invoices = False
            #: Whether customer reads carry each client's balance (see set_report_balances).
            self.report_balances = True
            if self._demo:
                self.companies["demo"] = _Company(demo.demo_company())
                self.companies["other"] = _Company(demo.other_company())
                for inv in demo.demo_invoices():
                    self._store_demo_invoice("demo", inv)
                self._add_receipt("demo", invoice=700001, confirmed=True, number=900001,
                                  ts=dt.datetime(2025, 9, 16, 11, 5, 31))  # fmt: skip
                self._add_receipt("demo", invoice=700002, amount="100", confirmed=False,
                                  number=900002, ts=dt.datetime(2025, 9, 17, 9, 12, 3))  # fmt: skip
            else:
                self.companies["demo"] = _Company()
            if self._initial_tokens is None:
                if self._demo:
                    for token, (company, allow) in demo.DEMO_TOKENS.items():
                        self.tokens[token] = TokenInfo(company, allow)
            else:
                for token, spec in self._initial_tokens.items():
                    self.tokens[token] = self._token_info(spec)

    @staticmethod
    def _token_info(spec: Any) -> TokenInfo:
        if spec is None:
            return TokenInfo()
        if isinstance(spec, TokenInfo):
            return spec
        if isinstance(spec, Mapping):
            allow = spec.get("allow")
            return TokenInfo(
                spec.get("company", "demo"), None if allow is None else frozenset(allow)
            )
        return TokenInfo("demo", frozenset(spec))

    def add_token(
        self, token: str, company: str = "demo", allow: Iterable[str] | None = None
    ) -> None:
        """Register a key; ``allow`` like ``{"customer:get", "invoice:put"}`` (None = all)."""
        with self.lock:
            self.companies.setdefault(company, _Company())
            self.tokens[token] = TokenInfo(company, None if allow is None else frozenset(allow))

    def company(self, name: str = "demo") -> _Company:
        with self.lock:
            if name not in self.companies:
                self.companies[name] = _Company()
            return self.companies[name]

    # ------------------------------------------------------------------ master data

    def _record(self, allowed: tuple[str, ...], attrs: dict[str, Any]) -> dict[str, Any]:
        ts = attrs.pop("ts", None)
        unknown = set(attrs) - set(allowed)
        if unknown:
            raise ValueError(f"Unknown attribute(s) {sorted(unknown)}; allowed: {allowed}")
        rec: dict[str, Any] = {}
        for key, value in attrs.items():
            if value is None:
                continue
            if isinstance(value, bool):
                value = "1" if value else "0"
            rec[key] = str(value)
        rec["ts"] = _to_dt(ts)
        return rec

    def add_customer(self, company: str = "demo", **attrs: Any) -> dict[str, Any]:
        """Add or replace a customer (``code`` required; ``closed``/``ts`` optional)."""
        with self.lock:
            self.add_customers([attrs], company)
            return dict(self.company(company).customers[str(attrs["code"])])

    def add_customers(self, customers: Iterable[Mapping[str, Any]], company: str = "demo") -> int:
        """Add or replace many customers (benchmarks) under one lock; returns how many."""
        return self._add_records("customers", CUSTOMER_ATTRIBUTES, customers, company)

    def update_customer(self, code: str, company: str = "demo", **attrs: Any) -> dict[str, Any]:
        """Change a customer; bumps its ``ts`` (unless ``ts`` is given)."""
        with self.lock:
            rec = self.company(company).customers[code]
            merged = {k: v for k, v in rec.items() if k in CUSTOMER_ATTRIBUTES}
            merged.update(attrs)
            return self.add_customer(company=company, **merged)

    def customer(self, code: str, company: str = "demo") -> dict[str, Any] | None:
        """A stored customer (with ``input``: input-only attributes of a put, and
        ``unknown_attributes``: names a put carried that Directo would have dropped)."""
        with self.lock:
            rec = self.company(company).customers.get(code)
            return copy.deepcopy(rec) if rec else None

    def add_contact(self, company: str = "demo", **attrs: Any) -> dict[str, Any]:
        """Add or replace a contact person (``code`` made up when missing)."""
        with self.lock:
            comp = self.company(company)
            if not attrs.get("code"):
                attrs["code"] = str(100 + len(comp.contacts) + 1)
            self.add_contacts([attrs], company)
            return dict(comp.contacts[str(attrs["code"])])

    def add_contacts(self, contacts: Iterable[Mapping[str, Any]], company: str = "demo") -> int:
        """Add or replace many contact persons (benchmarks) under one lock; returns how many."""
        return self._add_records("contacts", CONTACT_ATTRIBUTES, contacts, company)

    def _add_records(
        self,
        register: str,
        attributes: tuple[str, ...],
        records: Iterable[Mapping[str, Any]],
        company: str,
    ) -> int:
        """Add or replace records of a register (``customers``, ``contacts``) by code, open
        unless ``closed`` is given, under one lock; returns how many."""
        n = 0
        with self.lock:
            target = getattr(self.company(company), register)
            for attrs in records:
                if not attrs.get("code"):
                    raise ValueError(f"a sandbox record of {register} needs a code")
                rec = self._record(attributes, {"closed": "0", **attrs})
                target[rec["code"]] = rec
                n += 1
        return n

    def update_contact(self, code: str, company: str = "demo", **attrs: Any) -> dict[str, Any]:
        """Change a contact person; bumps its ``ts`` (unless ``ts`` is given)."""
        with self.lock:
            rec = self.company(company).contacts[str(code)]
            merged = {k: v for k, v in rec.items() if k != "ts"}
            merged.update(attrs)
            return self.add_contact(company=company, **merged)

    def add_item(self, company: str = "demo", **attrs: Any) -> dict[str, Any]:
        if not attrs.get("code"):
            raise ValueError("add_item needs a code")
        attrs.setdefault("closed", "0")
        with self.lock:
            rate = self.company(company).vatcodes.get(str(attrs.get("vatcode") or ""))
            if (
                attrs.get("vatprice") is None
                and attrs.get("salesprice") is not None
                and rate is not None
            ):
                # Directo derives the price with VAT from the article's VAT code.
                attrs["vatprice"] = demo.vat_price(_dec(attrs["salesprice"]), rate)
            rec = self._record(ITEM_ATTRIBUTES, dict(attrs))
            self.company(company).items[rec["code"]] = rec
            return dict(rec)

    def add_vatcode(self, code: str, rate: Any, company: str = "demo") -> None:
        with self.lock:
            self.company(company).vatcodes[str(code)] = _dec(rate)

    def add_object(
        self, code: str, company: str = "demo", name: str | None = None, **attrs: Any
    ) -> dict[str, Any]:
        """Add or replace an object (objects double as the salesman register here);
        ``closed``/``ts`` optional."""
        attrs.setdefault("closed", "0")
        with self.lock:
            rec = self._record(OBJECT_ATTRIBUTES, dict(attrs, code=str(code), name=name))
            self.company(company).objects[rec["code"]] = rec
            return dict(rec)

    def close(self, kind: str, code: str, company: str = "demo") -> None:
        """Close a ``customer``, ``item`` or ``object`` (bumps its ``ts``)."""
        with self.lock:
            register = self._register(self.company(company), kind)
            register[code] = dict(register[code], closed="1", ts=now())

    @staticmethod
    def _register(comp: _Company, kind: str) -> dict[str, dict[str, Any]]:
        registers = {"customer": comp.customers, "item": comp.items, "object": comp.objects}
        if kind not in registers:
            raise ValueError(f"kind must be one of {sorted(registers)}")
        return registers[kind]

    def set_pay_new_invoices(self, on: bool = True) -> None:
        """Demo: every invoice a put creates is paid at once by a confirmed receipt of its
        gross total (so the paid status can be seen right after the first export)."""
        with self.lock:
            self.pay_new_invoices = bool(on)

    def set_refusal_style(self, style: str) -> None:
        """How an unknown or closed code is worded (Directo's real wording is unknown):
        ``code`` ("Item X not found", Type 31), ``kind`` ("Item not found": no code),
        ``estonian`` ("Artiklit ei leitud": no code) or ``generic`` (Type 9 "Error on
        import": neither code nor kind)."""
        if style not in REFUSAL_STYLES:
            raise ValueError(f"refusal style must be one of {REFUSAL_STYLES}")
        with self.lock:
            self.refusal_style = style

    # ------------------------------------------------------------------ invoices

    def _store_demo_invoice(self, company: str, inv: dict[str, Any]) -> None:
        stored = dict(inv, ts=dt.datetime(2025, 9, 3), unknown_attributes=[], updates=0)
        self.company(company).invoices[inv["number"]] = stored

    def invoices(self, company: str = "demo") -> dict[int, dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.company(company).invoices)

    def invoice(self, number: int, company: str = "demo") -> dict[str, Any] | None:
        with self.lock:
            inv = self.company(company).invoices.get(int(number))
            return copy.deepcopy(inv) if inv else None

    def invoice_total(self, number: int, company: str = "demo") -> Decimal:
        """Gross total: sum of qty*price*(1-discount/100)*(1+VAT rate/100), to cents."""
        with self.lock:
            comp = self.company(company)
            inv = comp.invoices.get(int(number))
            if inv is None:
                raise KeyError(f"Invoice {number} not in the sandbox ({company})")
            total = Decimal(0)
            for row in inv["rows"]:
                net = row["quantity"] * row["price"]
                if row.get("discount"):
                    net *= 1 - row["discount"] / 100
                rate = comp.vatcodes.get(row.get("vatcode") or "", Decimal(0))
                total += net * (1 + rate / 100)
            return total.quantize(CENT, rounding=ROUND_HALF_UP)

    def add_invoice(
        self,
        number: int,
        customer: str,
        amount: Any,
        *,
        vatcode: str | None = None,
        confirmed: bool = True,
        company: str = "demo",
        date: dt.date | None = None,
    ) -> None:
        """Store an invoice as if typed straight into Directo: one row of net ``amount``
        (``vatcode``: a VAT code of the sandbox, none = 0 %)."""
        with self.lock:
            comp = self.company(company)
            comp.invoices[int(number)] = {
                "number": int(number), "customercode": customer, "customername": None,
                "date": date or now().date(), "duedate": None, "paymentterm": None,
                "currency": "EUR", "salesman": None, "comment": None,
                "confirmed": bool(confirmed), "attributes": {}, "unknown_attributes": [],
                "ts": now(), "updates": 0,
                "rows": [{"rn": 1, "item": None, "description": "Typed into Directo",
                          "quantity": Decimal(1), "price": _dec(amount), "discount": None,
                          "vatcode": vatcode, "object": None}],
            }  # fmt: skip

    def customer_balance(self, code: str, company: str = "demo") -> Decimal:
        """The client's ``balance`` as a customer read reports it."""
        with self.lock:
            comp = self.company(company)
            rec = comp.customers[code]
            return self._with_balances(comp, company, [rec])[0]["balance_value"]

    def _with_balances(
        self, comp: _Company, company: str, records: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Copies of customer ``records`` whose ``balance`` is what the sandbox holds for
        them: the opening balance (the stored ``balance``) plus the gross totals of their
        invoices (drafts included: whether Directo counts drafts is undocumented) minus
        the received amounts of confirmed receipt rows naming them."""
        moved: dict[str, Decimal] = {}
        for number, inv in comp.invoices.items():
            code = inv.get("customercode")
            moved[code] = moved.get(code, Decimal(0)) + self.invoice_total(number, company)
        for receipt in comp.receipts.values():
            if not receipt["confirmed"]:
                continue
            for row in receipt["rows"]:
                code = row.get("customer")
                moved[code] = moved.get(code, Decimal(0)) - _dec(row["received"])
        out = []
        for rec in records:
            value = (_dec(rec.get("balance") or 0) + moved.get(rec["code"], Decimal(0))).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
            out.append(dict(rec, balance=format(value, "f"), balance_value=value))
        return out

    def confirm_invoice(self, number: int, company: str = "demo") -> None:
        with self.lock:
            inv = self.company(company).invoices[int(number)]
            inv["confirmed"] = True
            inv["ts"] = now()

    # ------------------------------------------------------------------ receipts

    def _receipt_row(
        self,
        comp: _Company,
        invoice: int | None,
        amount: Any,
        fraction: Any,
        company: str,
        aeg: dt.datetime | None = None,
        customer_code: str | None = None,
    ) -> dict[str, Any]:
        inv = comp.invoices.get(int(invoice)) if invoice is not None else None
        total = self.invoice_total(invoice, company) if inv is not None else None
        if amount is None:
            if total is None:
                raise ValueError(f"Invoice {invoice} is unknown: give an explicit amount")
            received = total
            if fraction is not None:
                received = (total * _dec(fraction)).quantize(CENT, rounding=ROUND_HALF_UP)
        else:
            received = _dec(amount)
        code = inv["customercode"] if inv else customer_code
        customer = comp.customers.get(code) if code else None
        return {
            "invoice": None if invoice is None else int(invoice),
            "customer": code,
            "customername": (customer or {}).get("name"),
            "regno": (customer or {}).get("regno"),
            "received": received,
            "invoicesum": total,
            "aeg": (aeg or now()).replace(hour=0, minute=0, second=0),
        }

    def _add_receipt(
        self,
        company: str,
        invoice: int | None = None,
        amount: Any = None,
        *,
        fraction: Any = None,
        rows: Iterable[Mapping[str, Any]] | None = None,
        confirmed: bool = True,
        number: int | None = None,
        paymentmode: str = "SWED",
        ts: Any = None,
    ) -> int:
        comp = self.company(company)
        if number is None:
            number = comp.next_receipt
            while number in comp.receipts:
                number += 1
        number = int(number)
        comp.next_receipt = max(comp.next_receipt, number + 1)
        stamp = _to_dt(ts)
        if rows is None:
            if invoice is None:
                raise ValueError("add_receipt needs an invoice (or rows)")
            row_list = [self._receipt_row(comp, invoice, amount, fraction, company, stamp)]
        else:
            row_list = [
                self._receipt_row(
                    comp,
                    r.get("invoice"),
                    r.get("amount", r.get("received")),
                    r.get("fraction"),
                    company,
                    stamp,
                    r.get("customer"),
                )
                for r in rows
            ]
        comp.receipts[number] = {
            "number": number,
            "paymentmode": paymentmode,
            "aeg": stamp,
            "confirmed": bool(confirmed),
            "ts": stamp,
            "rows": row_list,
        }
        return number

    def add_receipt(
        self,
        invoice: int | None = None,
        amount: Any = None,
        *,
        fraction: Any = None,
        rows: Iterable[Mapping[str, Any]] | None = None,
        confirmed: bool = True,
        number: int | None = None,
        paymentmode: str = "SWED",
        company: str = "demo",
        ts: Any = None,
    ) -> int:
        """Add a receipt paying ``invoice`` fully (default), by ``amount``, or by
        ``fraction`` of its gross total; ``rows=[{"invoice": n, "amount": x}, ...]`` for
        several invoices (a row's ``customer`` names the client of an invoice the sandbox
        does not hold). Returns the receipt number."""
        with self.lock:
            return self._add_receipt(
                company, invoice, amount, fraction=fraction, rows=rows, confirmed=confirmed,
                number=number, paymentmode=paymentmode, ts=ts,
            )  # fmt: skip

    def edit_receipt(
        self,
        number: int,
        *,
        invoice: int | None = None,
        amount: Any = None,
        fraction: Any = None,
        rows: Iterable[Mapping[str, Any]] | None = None,
        confirmed: bool | None = None,
        company: str = "demo",
        ts: Any = None,
    ) -> None:
        """Change a receipt's rows (replaced) and/or confirmation; bumps ``ts``."""
        with self.lock:
            comp = self.company(company)
            rec = comp.receipts[int(number)]
            if rows is not None or invoice is not None or amount is not None:
                if rows is None:
                    target = invoice if invoice is not None else rec["rows"][0]["invoice"]
                    rows = [{"invoice": target, "amount": amount, "fraction": fraction}]
                rec["rows"] = [
                    self._receipt_row(
                        comp,
                        r.get("invoice"),
                        r.get("amount", r.get("received")),
                        r.get("fraction"),
                        company,
                    )  # fmt: skip
                    for r in rows
                ]
            if confirmed is not None:
                rec["confirmed"] = bool(confirmed)
            rec["ts"] = _to_dt(ts)

    def unconfirm_receipt(self, number: int, company: str = "demo") -> None:
        self.edit_receipt(number, confirmed=False, company=company)

    def confirm_receipt(self, number: int, company: str = "demo") -> None:
        self.edit_receipt(number, confirmed=True, company=company)

    def delete_receipt(self, number: int, company: str = "demo") -> None:
        with self.lock:
            self.company(company).receipts.pop(int(number), None)

    def receipts(self, company: str = "demo") -> dict[int, dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.company(company).receipts)

    # ------------------------------------------------------------------ faults

    def add_fault(
        self,
        kind: str,
        *,
        times: int | None = 1,
        sticky: bool = False,
        seconds: float = 0.0,
        count: int = 0,
        status: int = 500,
        component: str | None = None,
        operation: str | None = None,
        size: int = 0,
    ) -> Fault:
        """Inject a fault for the next ``times`` matching requests (``sticky``: all)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"Unknown fault {kind!r}; one of {FAULT_KINDS}")
        fault = Fault(
            kind, None if sticky else times, float(seconds), int(count), int(status),
            component, operation, int(size),
        )  # fmt: skip
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, component: str | None, operation: str | None) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(component, operation):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def set_report_balances(self, report: bool) -> None:
        """Customer reads with (default) or without each client's ``balance`` (a Directo
        whose XML Direct output of clients leaves it out)."""
        with self.lock:
            self.report_balances = bool(report)

    def set_success_code(self, code: int | str) -> None:
        if code not in (0, 30, "alternate"):
            raise ValueError("success code must be 0, 30 or 'alternate'")
        with self.lock:
            self.success_code = code

    def set_routing_required(self, routing: str) -> None:
        if routing not in ("any", "query", "body"):
            raise ValueError("routing must be 'any', 'query' or 'body'")
        with self.lock:
            self.routing_required = routing

    def log_request(self, request: SandboxRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def wait(self, seconds: float) -> None:
        """Sleep that ends early when the sandbox stops."""
        if seconds > 0:
            self.stop_event.wait(seconds)

    # ------------------------------------------------------------------ XML Direct: get

    def answer_get(self, company: str, component: str, params: Mapping[str, str]) -> bytes:
        with self.lock:
            comp = self.company(company)
            ts_from = None
            if params.get("ts"):
                ts_from = codec.parse_datetime(params["ts"])
            if component == "customer":
                records = self._filter(comp.customers.values(), params, ts_from,
                                       ("code", "closed", "regno", "email"))  # fmt: skip
                if self.report_balances:
                    records = self._with_balances(comp, company, records)
                else:
                    records = [{k: v for k, v in r.items() if k != "balance"} for r in records]
                return _transport("customers", "customer", records, CUSTOMER_ATTRIBUTES,
                                  children=("datafields",))  # fmt: skip
            if component == "contact":
                records = self._filter(comp.contacts.values(), params, ts_from,
                                       ("code", "customercode", "closed", "email"))  # fmt: skip
                return _transport("contacts", "contact", records, CONTACT_ATTRIBUTES, ())
            if component == "item":
                records = self._filter(comp.items.values(), params, ts_from,
                                       ("code", "closed", "class"))  # fmt: skip
                return _transport("items", "item", records, ITEM_ATTRIBUTES,
                                  children=("datafields", "supplieritems"))  # fmt: skip
            if component == "object":
                records = self._filter(comp.objects.values(), params, ts_from, ("code",))
                return _transport("objects", "object", records, OBJECT_ATTRIBUTES, ())
            if component == "receipt":
                return self._receipts_xml(comp, params, ts_from)
        # Other components exist in Directo but hold no data here.
        return etree.tostring(etree.Element("transport"), encoding="UTF-8", xml_declaration=True)

    @staticmethod
    def _filter(
        records: Iterable[dict[str, Any]],
        params: Mapping[str, str],
        ts_from: dt.datetime | None,
        filters: tuple[str, ...],
    ) -> list[dict[str, Any]]:
        out = []
        for rec in records:
            if ts_from is not None and rec["ts"] < ts_from:
                continue
            ok = True
            for name in filters:
                wanted = params.get(name)
                if wanted is None or wanted == "":
                    continue
                have = rec.get(name) or ("0" if name == "closed" else "")
                if have != wanted:
                    ok = False
                    break
            if ok:
                out.append(rec)
        return sorted(out, key=lambda r: r.get("code", ""))

    def _receipts_xml(
        self, comp: _Company, params: Mapping[str, str], ts_from: dt.datetime | None
    ) -> bytes:
        selected = []
        for rec in sorted(comp.receipts.values(), key=lambda r: r["number"]):
            if ts_from is not None and rec["ts"] < ts_from:
                continue
            if params.get("confirmed") not in (None, "") and (
                ("1" if rec["confirmed"] else "0") != params["confirmed"]
            ):
                continue
            if params.get("number") and str(rec["number"]) != params["number"]:
                continue
            selected.append(rec)
        root = etree.Element("transport")
        if selected:
            container = etree.SubElement(root, "receipts")
            for rec in selected:
                el = etree.SubElement(container, "receipt")
                el.set("number", str(rec["number"]))
                el.set("confirmed", "1" if rec["confirmed"] else "0")
                el.set("ts", _ts_text(rec["ts"]))
                rows = etree.SubElement(el, "rows")
                for row in rec["rows"]:
                    r = etree.SubElement(rows, "row")
                    for name in RECEIPT_ROW_ATTRIBUTES:
                        value = row.get(name)
                        if value is None:
                            continue
                        if isinstance(value, Decimal):
                            value = format(value.quantize(CENT), "f")
                        elif isinstance(value, dt.datetime):
                            value = _ts_text(value)
                        r.set(name, str(value))
        return etree.tostring(root, encoding="UTF-8", xml_declaration=True)

    # ------------------------------------------------------------------ XML Direct: put

    def answer_put_invoices(
        self, company: str, xmldata: str | None, params: Mapping[str, str]
    ) -> tuple[bytes, int]:
        """Process an invoice put; returns (answer body, number of documents)."""
        documents, error = _put_documents(xmldata, "invoices", "invoice")
        if error is not None:
            return error, 0
        update = params.get("xd_update") == "1"
        update_confirmed = params.get("xd_updateconfirmed") == "1"
        confirm_all = params.get("xd_confirm") == "1"
        results = etree.Element("results")
        with self.lock:
            comp = self.company(company)
            existed = set(comp.invoices)
            for el in documents:
                type_code, desc, docid = self._put_invoice(
                    comp, el, update, update_confirmed, confirm_all
                )
                if self._pays(comp, existed, type_code, docid):
                    self._add_receipt(company, int(docid), confirmed=True)
                res = etree.SubElement(results, "Result")
                res.set("Type", str(type_code))
                res.set("Desc", desc)
                if docid is not None:
                    res.set("docid", docid)
                res.set("doctype", "INVOICE")
                res.set("submit", "Invoices")
        body = etree.tostring(results, encoding="UTF-8", xml_declaration=True)
        return body, len(documents)

    def _pays(self, comp: _Company, existed: set[int], type_code: int, docid: str | None) -> bool:
        """Demo (``pay_new_invoices``): the put created this invoice, with rows."""
        return bool(
            self.pay_new_invoices
            and type_code in (0, 30)
            and docid is not None
            and int(docid) not in existed
            and comp.invoices[int(docid)]["rows"]
        )

    def _success(self, created: bool) -> tuple[int, str]:
        code = self.success_code
        if code == "alternate":
            code = 30 if created else 0
        return (30, "Created" if created else "Updated") if code == 30 else (0, "OK")

    def _put_invoice(
        self,
        comp: _Company,
        el: etree._Element,
        update: bool,
        update_confirmed: bool,
        confirm_all: bool,
    ) -> tuple[int, str, str | None]:
        raw_number = (el.get("number") or "").strip()
        if not raw_number:
            return 12, "Missing document identificator", None
        if not re.fullmatch(r"[0-9]{1,10}", raw_number) or not (
            0 < int(raw_number) <= codec.MAX_DOCUMENT_NUMBER
        ):
            return 1, f"Invalid document number '{raw_number}'", raw_number
        number = int(raw_number)
        docid = str(number)
        existing = comp.invoices.get(number)
        if existing is not None and not update:
            return 11, "Duplicate", docid
        if existing is not None and existing["confirmed"] and not update_confirmed:
            return 14, "Update not allowed: document is confirmed", docid
        customercode = (el.get("customercode") or "").strip()
        if not customercode:
            return 13, "Missing customer code", docid
        refused = self._refused_reference("Customer", customercode, comp.customers)
        salesman = (el.get("salesman") or "").strip()
        header_object = (el.get("object") or "").strip()
        refused = (
            refused
            or (salesman and self._refused_reference("Salesman", salesman, comp.objects))
            or (header_object and self._refused_reference("Object", header_object, comp.objects))
        )
        if refused:
            return (*refused, docid)
        try:
            date = _opt_date(el.get("date"))
            duedate = _opt_date(el.get("duedate"))
        except ValueError as exc:
            return 1, str(exc), docid
        unknown = sorted(set(el.attrib) - set(INVOICE_HEADER_ATTRIBUTES))
        rows: list[dict[str, Any]] = []
        rows_el = el.find("rows")
        for pos, row_el in enumerate(rows_el if rows_el is not None else [], start=1):
            if row_el.tag != "row":
                continue
            unknown += [
                f"row.{a}" for a in sorted(set(row_el.attrib) - set(INVOICE_ROW_ATTRIBUTES))
            ]
            item = (row_el.get("item") or "").strip() or None
            vatcode = (row_el.get("vatcode") or "").strip() or None
            row_object = (row_el.get("object") or "").strip() or None
            refused = (
                (item and self._refused_reference("Item", item, comp.items))
                or (vatcode and self._refused_reference("VAT code", vatcode, comp.vatcodes))
                or (row_object and self._refused_reference("Object", row_object, comp.objects))
            )
            if refused:
                return (*refused, docid)
            try:
                quantity = _dec(row_el.get("quantity"))
                price = _dec(row_el.get("price"))
                discount = _dec(row_el.get("discount")) if row_el.get("discount") else None
            except ValueError as exc:
                return 1, f"Row {row_el.get('rn') or pos}: {exc}", docid
            rows.append(
                {
                    "rn": int(row_el.get("rn")) if (row_el.get("rn") or "").isdigit() else pos,
                    "item": item,
                    "description": row_el.get("description"),
                    "quantity": quantity,
                    "price": price,
                    "discount": discount,
                    "vatcode": vatcode,
                    "object": row_object,
                }
            )
        confirm = el.get("confirm") == "1" or confirm_all
        stored = {
            "number": number,
            "customercode": customercode,
            "customername": el.get("customername"),
            "date": date,
            "duedate": duedate,
            "paymentterm": el.get("paymentterm"),
            "currency": el.get("currency"),
            "salesman": salesman or None,
            "comment": el.get("comment"),
            "confirmed": False,
            "rows": rows,
            "attributes": dict(el.attrib),
            "unknown_attributes": unknown,
            "ts": now(),
            "updates": 0 if existing is None else existing.get("updates", 0) + 1,
        }
        comp.invoices[number] = stored
        if confirm:
            if not rows:
                return 29, "Not confirmed: invoice has no rows", docid
            stored["confirmed"] = True
        type_code, desc = self._success(existing is None)
        return type_code, desc, docid

    def _refused_reference(
        self, kind: str, code: str, register: Mapping[str, Any]
    ) -> tuple[int, str] | None:
        """(Type, Desc) refusing a reference ``register`` lacks or has closed, worded in
        the current refusal style; None when it is fine."""
        record = register.get(code)
        if record is None:
            state = "missing"
        elif isinstance(record, Mapping) and record.get("closed") == "1":
            state = "closed"
        else:
            return None
        style = self.refusal_style
        if style == "generic":
            return 9, "Error on import"
        if style == "estonian":
            return 31, _ESTONIAN[(kind, state)]
        what = kind if style == "kind" else f"{kind} {code}"
        return 31, f"{what} {'not found' if state == 'missing' else 'is closed'}"

    # ------------------------------------------------------------------ put: customers

    def answer_put_customers(
        self, company: str, xmldata: str | None, params: Mapping[str, str]
    ) -> tuple[bytes, int]:
        """Process a customer put; returns (answer body, number of documents).

        A new code creates the client; an existing one is a Duplicate (Type 11) unless
        ``xd_update=1`` (full overwrite) or ``xd_customer_update=1`` (name, e-mail and phone
        only, answered Type 30 "Updated"). Unknown attribute names are dropped, as
        Directo's mapping schema does, and listed in the stored ``unknown_attributes``.
        """
        documents, error = _put_documents(xmldata, "customers", "customer")
        if error is not None:
            return error, 0
        mode = (
            "partial"
            if params.get("xd_customer_update") == "1"
            else "update"
            if params.get("xd_update") == "1"
            else "create"
        )
        results = etree.Element("results")
        with self.lock:
            comp = self.company(company)
            for el in documents:
                type_code, desc, docid = self._put_customer(comp, el, mode)
                res = etree.SubElement(results, "Result")
                res.set("Type", str(type_code))
                res.set("Desc", desc)
                if docid is not None:
                    res.set("docid", docid)
                res.set("doctype", "CUSTOMER")
                res.set("submit", "Customers")
        return etree.tostring(results, encoding="UTF-8", xml_declaration=True), len(documents)

    def _put_customer(
        self, comp: _Company, el: etree._Element, mode: str
    ) -> tuple[int, str, str | None]:
        code = (el.get("code") or "").strip()
        if not code:
            return 12, "Missing document identificator", None
        existing = comp.customers.get(code)
        unknown = sorted(set(el.attrib) - codec.DOCUMENTED_CUSTOMER_ATTRIBUTES)
        given = {k: v for k, v in el.attrib.items() if k in codec.DOCUMENTED_CUSTOMER_ATTRIBUTES}
        if mode == "partial":
            if existing is None:
                return 31, f"Customer {code} not found", code
            for name in codec.CUSTOMER_UPDATE_ATTRIBUTES:
                if given.get(name):
                    existing[name] = given[name]
            existing["unknown_attributes"] = unknown
            existing["ts"] = now()
            return 30, "Updated", code
        if existing is not None and mode != "update":
            return 11, "Duplicate", code
        rec: dict[str, Any] = {"closed": "0"}
        extra: dict[str, str] = {}
        for name, value in given.items():
            stored = CUSTOMER_INPUT_RENAMES.get(name, name)
            if stored in CUSTOMER_ATTRIBUTES:
                rec[stored] = value
            else:
                extra[name] = value
        rec.update(code=code, ts=now(), input=extra, unknown_attributes=unknown)
        comp.customers[code] = rec
        type_code, desc = self._success(existing is None)
        return type_code, desc, code


def _put_documents(
    xmldata: str | None, root_tag: str, record: str
) -> tuple[list[etree._Element], bytes | None]:
    """The ``<record>`` elements of a put's ``xmldata``, or the bare error Directo answers."""
    if not xmldata or not xmldata.strip():
        return [], bare_result(99, "No processable XML data found")
    try:
        root = codec.parse_xml(xmldata.encode("utf-8"))
    except errors.DirectoProtocolError:
        # Also covers DTDs/entities: never expanded, refused as invalid XML.
        return [], bare_result(8, "Invalid XML given")
    documents = [el for el in root if el.tag == record] if root.tag == root_tag else []
    if not documents:
        return [], bare_result(99, "No processable XML data found")
    return documents, None


def _opt_date(value: str | None) -> dt.date | None:
    if value is None or not value.strip():
        return None
    parsed = codec.parse_datetime(value)
    if parsed is None:
        raise ValueError(f"Invalid date '{value}'")
    return parsed.date()


def bare_result(type_code: int, desc: str) -> bytes:
    """A ``<result type desc/>`` without ``<results>`` wrapper (auth/routing errors)."""
    el = etree.Element("result")
    el.set("type", str(type_code))
    el.set("desc", desc)
    return etree.tostring(el, encoding="UTF-8", xml_declaration=True)


def err_document(text: str) -> bytes:
    el = etree.Element("err")
    el.text = text
    return etree.tostring(el, encoding="UTF-8", xml_declaration=True)


def _transport(
    container: str,
    record: str,
    records: list[dict[str, Any]],
    attributes: tuple[str, ...],
    children: tuple[str, ...],
) -> bytes:
    root = etree.Element("transport")
    if records:
        box = etree.SubElement(root, container)
        for rec in records:
            el = etree.SubElement(box, record)
            for name in attributes:
                value = rec.get(name)
                if value is None or value == "":
                    continue
                if name in ("salesprice", "balance", "discount", "vatprice", "cost"):
                    value = codec.format_decimal(Decimal(value))
                el.set(name, value)
            el.set("ts", _ts_text(rec["ts"]))
            for child in children:
                etree.SubElement(el, child)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)
