"""Encoding and safe decoding of Directo XML Direct documents.

Only lxml and the stdlib are used. Everything that parses bytes coming from the network
goes through :func:`safe_parser` / :func:`parse_xml` / :func:`_safe_iterparse`: no DTD,
no entity expansion, no network access, no huge trees. A body that declares a DOCTYPE
(the only way to define entities: XXE, "billion laughs") is rejected before libxml2 ever
expands anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from lxml import etree

from .errors import (
    DirectoError,
    DirectoProtocolError,
    DirectoTokenRequired,
    DirectoTransientError,
    DirectoUnavailable,
    error_for_result,
)

__all__ = [
    "CUSTOMER_MAX_LENGTHS",
    "CUSTOMER_UPDATE_ATTRIBUTES",
    "DOCUMENTED_CUSTOMER_ATTRIBUTES",
    "DOCUMENTED_INVOICE_ATTRIBUTES",
    "DOCUMENTED_ROW_ATTRIBUTES",
    "MAX_DOCUMENT_NUMBER",
    "SUCCESS_TYPES",
    "Contact",
    "Customer",
    "CustomerPayload",
    "InvoicePayload",
    "InvoiceRowPayload",
    "Item",
    "PutResult",
    "Receipt",
    "ReceiptRow",
    "encode_customers",
    "RegisterEntry",
    "encode_invoices",
    "format_decimal",
    "format_ts",
    "iter_contacts",
    "iter_customers",
    "iter_items",
    "iter_receipts",
    "parse_customer_results",
    "iter_register",
    "parse_put_results",
    "parse_xml",
    "raise_for_error_document",
    "raise_for_non_xml",
    "safe_parser",
]

#: Directo document numbers are SQL ints.
MAX_DOCUMENT_NUMBER = 2147483647
#: Result types that mean "booked" (30 = Created/Updated, seen on fresh invoice creates).
SUCCESS_TYPES = frozenset({0, 30})

#: Invoice header attributes documented in xml-direct.md section 3.4 (input side).
#: Totals (sum/vat/total) and session_id are deliberately absent: never sent.
DOCUMENTED_INVOICE_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "number", "customercode", "customername", "date", "duedate", "paymentterm",
        "currency", "vatzone", "language", "comment", "confirm", "paymenttotal", "email",
        "phone", "address1", "address2", "address3", "vatregno", "customer_regno",
        "customer_type", "country", "county", "salesman", "object", "project",
    }
)  # fmt: skip
#: Invoice row attributes documented in xml-direct.md section 3.4 (``sum`` is computed
#: by Directo and never sent).
DOCUMENTED_ROW_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "rn", "item", "description", "quantity", "price", "discount", "vatcode",
        "account", "unit", "object", "project",
    }
)  # fmt: skip
#: Customer input attributes of Directo's ``xml_IN_kliendid.xsd`` (xml-direct.md section 3.1).
#: ``session_id`` is Directo-internal and never sent.
DOCUMENTED_CUSTOMER_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "code", "name", "object", "address1", "address2", "address3", "deliveryaddress1",
        "deliveryaddress2", "deliveryaddress3", "county", "country", "contact", "phone",
        "email", "regno", "vatregno", "notice", "birthday", "gender", "class", "type",
        "loyaltycard", "deliveryname", "deliverymode", "alert", "factoring", "fax", "comment",
        "payterm", "vatzone", "language", "salesman", "bank", "bankaccount", "url", "status",
        "accountmanager", "dealtype", "creditlimit", "priceformula", "specialpriceformula",
        "discount", "destination", "firstname", "lastname", "vatcode", "extcode",
        "deliveryinvoice", "currency", "deliveryterm", "rikeinvoice", "closed",
    }
)  # fmt: skip
#: What Directo's partial update (``xd_customer_update=1``) changes, besides the key.
CUSTOMER_UPDATE_ATTRIBUTES = ("name", "email", "phone")
#: Longest value Directo stores per customer attribute we send (lengths from the XSD).
CUSTOMER_MAX_LENGTHS: dict[str, int] = {
    "code": 32, "name": 255, "regno": 50, "vatregno": 32, "address1": 255, "address2": 200,
    "address3": 100, "country": 2, "email": 255, "phone": 100,
}  # fmt: skip


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True, slots=True)
class Customer:
    code: str
    name: str | None = None
    regno: str | None = None
    vatregno: str | None = None
    address1: str | None = None
    address2: str | None = None
    address3: str | None = None
    country: str | None = None
    county: str | None = None
    contact: str | None = None
    phone: str | None = None
    email: str | None = None
    payterm: str | None = None
    salesman: str | None = None
    currency: str | None = None
    object: str | None = None
    closed: bool = False
    ts: dt.datetime | None = None
    #: Open receivables of the client in Directo (``balance``, output only); None when
    #: the answer carries none.
    balance: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    code: str | None
    customercode: str | None = None
    name: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    address1: str | None = None
    address2: str | None = None
    address3: str | None = None
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    closed: bool = False
    ts: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    salesprice: Decimal | None = None
    vatcode: str | None = None
    closed: bool = False
    ts: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One code of a Directo register (customer, item or object), as far as an export
    needs it: does Directo have it, and is it closed."""

    code: str
    name: str | None = None
    closed: bool = False
    ts: dt.datetime | None = None
    #: Articles only (``ws_artiklid.xsd``): their VAT code and prices without and with VAT,
    #: from which the code's rate follows (``xmldirect.vatcodes``).
    vatcode: str | None = None
    salesprice: Decimal | None = None
    vatprice: Decimal | None = None


@dataclass(frozen=True, slots=True)
class VatCodeEntry:
    """One VAT code of Directo's ``itemaccountvatcode`` answer (fields undocumented: read
    tolerantly, see :func:`iter_vat_code_list`)."""

    code: str
    rate: Decimal | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    invoice: int | None
    customer: str | None
    customername: str | None
    received: Decimal
    invoicesum: Decimal | None = None
    regno: str | None = None
    aeg: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    number: int
    paymentmode: str | None
    aeg: dt.datetime | None
    confirmed: bool
    ts: dt.datetime | None
    rows: tuple[ReceiptRow, ...] = ()


@dataclass(frozen=True, slots=True)
class InvoiceRowPayload:
    item: str | None
    description: str
    quantity: Decimal
    price: Decimal
    discount: Decimal | None
    vatcode: str | None
    object: str | None
    rn: int


@dataclass(frozen=True, slots=True)
class InvoicePayload:
    number: int
    customercode: str
    date: dt.date
    duedate: dt.date | None
    paymentterm: str | None
    currency: str | None
    salesman: str | None
    confirm: bool
    rows: tuple[InvoiceRowPayload, ...]
    customername: str | None = None
    comment: str | None = None
    #: Not serialised: decides the ``xd_update=1`` transport parameter.
    update: bool = False


#: ``CustomerPayload.type``: Directo's client types (``xml_IN_kliendid.xsd``).
CUSTOMER_TYPE_COMPANY = 0
CUSTOMER_TYPE_PRIVATE = 1


@dataclass(frozen=True, slots=True)
class CustomerPayload:
    """A client to create in Directo (``put=1&what=customer``), or - for a partial
    update - its new name, e-mail and phone."""

    code: str
    name: str
    type: int | None = None
    regno: str | None = None
    vatregno: str | None = None
    address1: str | None = None
    address2: str | None = None
    address3: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class PutResult:
    """Directo's answer for one submitted document.

    ``number`` names the document: the invoice number, or the client code of a customer.
    ``type_code is None`` means no result came back for this document (partial answer
    or transport failure): its state in Directo is unknown - re-send it as an update.
    """

    number: int | str | None
    type_code: int | None
    desc: str
    docid: str | None = None

    @property
    def success(self) -> bool:
        return self.type_code in SUCCESS_TYPES

    def error(self) -> DirectoError | None:
        """The typed error for a failed document (None when it succeeded)."""
        if self.success:
            return None
        if self.type_code is None:
            # Unknown outcome: retryable by definition (re-send as update).
            return DirectoTransientError(self.desc)
        return error_for_result(self.type_code, self.desc)


# --------------------------------------------------------------------------- formatting


def format_ts(value: dt.date) -> str:
    """``ts`` filter value: Directo documents ``dd.mm.yyyy`` (time part not relied on)."""
    return value.strftime("%d.%m.%Y")


def format_decimal(value: Decimal | int | float | str) -> str:
    """Plain decimal text: dot separator, no exponent, no thousands separator.

    Trailing zeros are dropped (``3.20`` -> ``3.2``, ``10`` stays ``10``).
    """
    dec = value if isinstance(value, Decimal) else Decimal(str(value))
    if not dec.is_finite():
        raise ValueError(f"Cannot send non-finite number {value!r} to Directo")
    text = format(dec.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def _format_date(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return value.strftime("%Y-%m-%dT00:00:00")


# XML 1.0 forbids most C0 control characters; user text (descriptions) may carry them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _set(el: etree._Element, name: str, value: Any) -> None:
    """Set attribute ``name`` unless the value is None/empty (empty = omitted)."""
    if value is None:
        return
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, Decimal | float):
        text = format_decimal(value)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, dt.date):
        text = _format_date(value)
    else:
        text = _clean(str(value)).strip()
    if text != "":
        el.set(name, text)


def _invoice_element(payload: InvoicePayload) -> etree._Element:
    number = payload.number
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValueError(f"Invoice number must be an int, got {number!r}")
    if not 0 < number <= MAX_DOCUMENT_NUMBER:
        raise ValueError(f"Invoice number {number} is outside 1..{MAX_DOCUMENT_NUMBER}")
    if not (payload.customercode or "").strip():
        raise ValueError(f"Invoice {number} has no customer code")
    inv = etree.Element("invoice")
    _set(inv, "number", number)
    _set(inv, "customercode", payload.customercode)
    _set(inv, "customername", payload.customername)
    _set(inv, "date", payload.date)
    _set(inv, "duedate", payload.duedate)
    _set(inv, "paymentterm", payload.paymentterm)
    _set(inv, "currency", payload.currency)
    _set(inv, "salesman", payload.salesman)
    _set(inv, "comment", payload.comment)
    if payload.confirm:
        inv.set("confirm", "1")
    rows = etree.SubElement(inv, "rows")
    for row in payload.rows:
        r = etree.SubElement(rows, "row")
        _set(r, "rn", row.rn)
        _set(r, "item", row.item)
        _set(r, "description", row.description)
        _set(r, "quantity", row.quantity)
        _set(r, "price", row.price)
        _set(r, "discount", row.discount)
        _set(r, "vatcode", row.vatcode)
        _set(r, "object", row.object)
    return inv


_XML_DECL = b"<?xml version='1.0' encoding='UTF-8'?>\n"


def encode_invoice_fragment(payload: InvoicePayload) -> bytes:
    """One serialised ``<invoice>`` element (used to size batches incrementally)."""
    return etree.tostring(_invoice_element(payload), encoding="utf-8")


def encode_invoices(payloads: Iterable[InvoicePayload]) -> bytes:
    """``<invoices>`` document for ``what=invoice&put=1`` (UTF-8, with declaration)."""
    root = etree.Element("invoices")
    for payload in payloads:
        root.append(_invoice_element(payload))
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def invoices_envelope_size() -> int:
    """Bytes the declaration and ``<invoices></invoices>`` add around the fragments."""
    return len(_XML_DECL) + len(b"<invoices></invoices>")


#: Attribute order of a customer put (code first: it is the document's key).
_CUSTOMER_FIELDS = (
    "code", "name", "type", "regno", "vatregno", "address1", "address2", "address3",
    "country", "email", "phone",
)  # fmt: skip


def _customer_element(payload: CustomerPayload, partial: bool = False) -> etree._Element:
    if not (payload.code or "").strip():
        raise ValueError(f"Customer {payload.name!r} has no code")
    el = etree.Element("customer")
    names = ("code", *CUSTOMER_UPDATE_ATTRIBUTES) if partial else _CUSTOMER_FIELDS
    for name in names:
        _set(el, name, getattr(payload, name))
    # Directo's schema requires the (here empty) container of extra fields.
    etree.SubElement(el, "datafields")
    return el


def encode_customer_fragment(payload: CustomerPayload, partial: bool = False) -> bytes:
    """One serialised ``<customer>`` element (used to size batches incrementally)."""
    return etree.tostring(_customer_element(payload, partial), encoding="utf-8")


def encode_customers(payloads: Iterable[CustomerPayload], partial: bool = False) -> bytes:
    """``<customers>`` document for ``what=customer&put=1`` (UTF-8, with declaration).

    ``partial``: only the code, name, e-mail and phone, for ``xd_customer_update=1``.
    """
    root = etree.Element("customers")
    for payload in payloads:
        root.append(_customer_element(payload, partial))
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


# --------------------------------------------------------------------------- safe parsing

_SAFE_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "dtd_validation": False,
}

# A DTD is the only way to declare entities; nothing Directo sends needs one.
_DTD_MARKER = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_PROLOG_LIMIT = 64 * 1024


def safe_parser() -> etree.XMLParser:
    """An lxml parser that never loads DTDs, expands entities or touches the network."""
    return etree.XMLParser(remove_pis=True, **_SAFE_OPTIONS)


def _check_prolog(prolog: bytes) -> None:
    if b"\x00" in prolog[:8]:
        # UTF-16/32 would hide a DOCTYPE from the byte scan; Directo answers UTF-8.
        raise DirectoProtocolError("Directo answer is not UTF-8 encoded XML")
    if _DTD_MARKER.search(prolog):
        raise DirectoProtocolError(
            "Refused an XML answer that declares a DTD/entities (possible XXE attack)"
        )


_PROLOG_NOISE = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)


# An HTML page announces itself by its doctype or root element. A doctype that declares
# entities is not a web page, whatever it is named: it stays an unsafe XML document.
_HTML_START = re.compile(rb"<!doctype\s+html[\s>]|<html[\s>]", re.IGNORECASE)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_ENTITY_MARKER = re.compile(rb"<!ENTITY", re.IGNORECASE)
_QUOTE_LIMIT = 120


def _quote(data: bytes) -> str:
    text = " ".join(data.decode("utf-8", "replace").split())
    return text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "..."


def raise_for_non_xml(head: bytes) -> None:
    """Raise :class:`DirectoUnavailable` when an answer is not an XML document at all.

    ``head`` is the start of the answer (a few KB are enough). An empty answer, an HTML
    page (a maintenance page, a proxy's error page) or plain text means Directo did not
    answer: a transient failure, retried later. Anything that starts like XML passes,
    including a document declaring a DTD, which the parser then refuses as unsafe.
    """
    text = _PROLOG_NOISE.sub(b"", head.removeprefix(b"\xef\xbb\xbf")).lstrip()
    if not text:
        raise DirectoUnavailable("it sent an empty answer")
    if _HTML_START.match(text) and not _ENTITY_MARKER.search(head):
        title = _HTML_TITLE.search(text)
        raise DirectoUnavailable(
            "it sent a web page instead of XML"
            + (f" ({_quote(title.group(1))})" if title and title.group(1).strip() else "")
        )
    if not text.startswith(b"<"):
        raise DirectoUnavailable(f"it sent text instead of XML: {_quote(text[:1024])}")


def _root_started(buffer: bytes) -> bool:
    """True once ``buffer`` contains the root element's start tag.

    Comments and processing instructions are skipped, so ``<!-- <a -->`` in front of a
    DOCTYPE cannot end the scan early; an unterminated one means "not yet".
    """
    stripped = _PROLOG_NOISE.sub(b"", buffer)
    cut = min((i for i in (stripped.find(b"<!--"), stripped.find(b"<?")) if i >= 0), default=-1)
    if cut >= 0:
        stripped = stripped[:cut]
    return _ROOT_START.search(stripped) is not None


def _reject_dtd(tree: etree._ElementTree) -> None:
    info = tree.docinfo
    if info.internalDTD is not None or info.doctype:
        raise DirectoProtocolError(
            "Refused an XML answer that declares a DTD/entities (possible XXE attack)"
        )


def parse_xml(body: bytes) -> etree._Element:
    """Parse a whole (small) XML body safely; raises :class:`DirectoProtocolError`."""
    if not isinstance(body, bytes | bytearray):
        raise TypeError("parse_xml expects bytes")
    if not body.strip():
        raise DirectoProtocolError("Directo sent an empty answer")
    # Small bodies: scan all of it (a DTD marker is only legal in the prolog anyway).
    _check_prolog(bytes(body))
    try:
        root = etree.fromstring(bytes(body), safe_parser())
    except etree.XMLSyntaxError as exc:
        raise DirectoProtocolError(f"Directo sent malformed XML: {exc}") from None
    if root is None:
        raise DirectoProtocolError("Directo sent an empty answer")
    _reject_dtd(root.getroottree())
    return root


class _PrologGuard:
    """File wrapper that scans the prolog for a DTD before iterparse consumes it."""

    def __init__(self, fileobj: IO[bytes]) -> None:
        self._f = fileobj
        self._prolog = b""
        self._done = False
        self.seen_bytes = 0

    def read(self, size: int = -1) -> bytes:  # pylint: disable=method-required-super
        data = self._f.read(size)
        self.seen_bytes += len(data)
        if not self._done and data:
            self._prolog += data
            _check_prolog(self._prolog)
            if _root_started(self._prolog):
                self._done = True
                self._prolog = b""
            elif len(self._prolog) > _PROLOG_LIMIT:
                raise DirectoProtocolError("Directo answer has no XML root element")
        return data


def _local(tag: Any) -> str:
    if type(tag) is not str:
        return ""  # comments / processing instructions
    if tag[:1] == "{":
        tag = tag.split("}", 1)[1]
    return tag.lower()


def _attrs_ci(el: etree._Element) -> dict[str, str]:
    """Attributes with lower-cased names (Directo's casing varies: Type/type)."""
    return {(k if k[0] != "{" else _local(k)).lower(): v for k, v in el.attrib.items()}


_ERROR_ROOTS = frozenset({"result", "err", "error"})


def raise_for_error_document(root: etree._Element) -> None:
    """Raise the typed error if ``root`` is a bare ``<result>``/``<err>``/``<error>``."""
    name = _local(root.tag)
    if name == "err":
        text = "".join(root.itertext()).strip()
        if "token required" in text.lower():
            raise DirectoTokenRequired(text)
        raise error_for_result(None, text or "Directo returned <err> without text")
    if name in ("result", "error"):
        attrs = _attrs_ci(root)
        type_code = _int_or_none(attrs.get("type", attrs.get("code")))
        desc = attrs.get("desc") or "".join(root.itertext()).strip()
        raise error_for_result(type_code, desc)


# --------------------------------------------------------------------------- put results


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        return None


def _put_answer(body: bytes, count: int) -> list[tuple[int | None, str, str | None]]:
    """(Type, Desc, docid) of every result of a put answer carrying ``count`` documents.

    A body that is a bare error (``<result>``, ``<err>``, ``<error>``) raises the typed
    error, except a lone success ``<result>`` answering a single document.
    """
    root = parse_xml(body)
    name = _local(root.tag)
    if name in _ERROR_ROOTS:
        attrs = _attrs_ci(root)
        type_code = _int_or_none(attrs.get("type"))
        if name == "result" and type_code in SUCCESS_TYPES and count == 1:
            # A lone success without wrapper: accept it if its docid is the document's.
            elements = [root]
        else:
            raise_for_error_document(root)
            raise DirectoProtocolError("Unreadable error answer from Directo")
    elif name == "results":
        elements = [el for el in root.iter() if _local(el.tag) == "result"]
    else:
        raise DirectoProtocolError(f"Unexpected answer to a put: <{root.tag}>")
    parsed = []
    for el in elements:
        attrs = _attrs_ci(el)
        parsed.append(
            (_int_or_none(attrs.get("type")), attrs.get("desc", ""), attrs.get("docid") or None)
        )
    return parsed


def _match_results(
    parsed: list[tuple[int | None, str, str | None]],
    keys: Sequence[Any],
    key_of: Callable[[str | None], Any],
    missing: str,
) -> list[PutResult]:
    """One :class:`PutResult` per key, matched by ``key_of(docid) == key_of(str(key))``.

    A refusal without ``docid`` answering a single document is that document's; a key
    without a result gets ``type_code=None`` and the ``missing`` description (empty: the
    Odoo layer words what a missing result means, in the user's language).
    """
    slots: list[tuple[int | None, str, str | None] | None] = [None] * len(keys)
    index_of: dict[Any, list[int]] = {}
    for i, key in enumerate(keys):
        index_of.setdefault(key_of(str(key)), []).append(i)
    for res in parsed:
        docid_key = key_of(res[2])
        free = [i for i in index_of.get(docid_key, []) if slots[i] is None] if docid_key else []
        if free:
            slots[free[0]] = res
        elif res[2] is None and len(keys) == 1 and res[0] not in SUCCESS_TYPES:
            slots[0] = slots[0] or res
    return [
        PutResult(key, None, missing, None) if res is None else PutResult(key, *res)
        for key, res in zip(keys, slots, strict=True)
    ]


def parse_put_results(body: bytes, numbers: Sequence[int]) -> list[PutResult]:
    """One :class:`PutResult` per submitted number, in submission order.

    Results are matched to documents by ``docid`` only: a result names the document it is
    about, and a success for a number we did not send proves nothing about ours. The one
    exception is a refusal without ``docid`` (e.g. Type 12) answering a request that carried
    a single document: it can only be about that one. A document without a result gets
    ``type_code=None`` (outcome unknown). A body that is a bare error (``<result>``,
    ``<err>``, ``<error>``) raises the typed error instead.
    """
    return _match_results(
        _put_answer(body, len(numbers)),
        numbers,
        _int_or_none,
        "",
    )


def _code_key(value: str | None) -> str | None:
    """Client codes compare without surrounding blanks and case (Directo's SQL does)."""
    return (value or "").strip().casefold() or None


def parse_customer_results(body: bytes, codes: Sequence[str]) -> list[PutResult]:
    """One :class:`PutResult` per submitted client code (``number`` = the code), in order.

    Matched like :func:`parse_put_results`, by ``docid`` = the client code (blanks and case
    ignored); a client without a result gets ``type_code=None``: Directo may or may not
    have created it.
    """
    return _match_results(
        _put_answer(body, len(codes)),
        codes,
        _code_key,
        "",
    )


# --------------------------------------------------------------------------- value parsing


def _str(attrs: dict[str, str], name: str) -> str | None:
    value = attrs.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _bool(attrs: dict[str, str], name: str) -> bool:
    return (attrs.get(name) or "").strip() in ("1", "true", "True")


def parse_datetime(value: str | None) -> dt.datetime | None:
    """Directo ``xsd:dateTime`` (also tolerates ``dd.mm.yyyy[ HH:MM[:SS]]``); None if bad."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
            try:
                parsed = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is not None and parsed.tzinfo is not None:
        # Directo timestamps are local wall-clock; keep them naive and comparable.
        parsed = parsed.replace(tzinfo=None)
    return parsed


def parse_decimal(value: str | None) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        dec = Decimal(value.strip())
    except InvalidOperation:
        return None
    return dec if dec.is_finite() else None


def _customer(attrs: dict[str, str]) -> Customer | None:
    code = _str(attrs, "code")
    if not code:
        return None
    return Customer(
        code=code,
        name=_str(attrs, "name"),
        regno=_str(attrs, "regno"),
        vatregno=_str(attrs, "vatregno"),
        address1=_str(attrs, "address1"),
        address2=_str(attrs, "address2"),
        address3=_str(attrs, "address3"),
        country=_str(attrs, "country"),
        county=_str(attrs, "county"),
        contact=_str(attrs, "contact"),
        phone=_str(attrs, "phone"),
        email=_str(attrs, "email"),
        payterm=_str(attrs, "payterm"),
        salesman=_str(attrs, "salesman"),
        currency=_str(attrs, "currency"),
        object=_str(attrs, "object"),
        closed=_bool(attrs, "closed"),
        ts=parse_datetime(attrs.get("ts")),
        balance=parse_decimal(attrs.get("balance")),
    )


def _contact(attrs: dict[str, str]) -> Contact:
    return Contact(
        code=_str(attrs, "code"),
        customercode=_str(attrs, "customercode"),
        name=_str(attrs, "name"),
        firstname=_str(attrs, "firstname"),
        lastname=_str(attrs, "lastname"),
        address1=_str(attrs, "address1"),
        address2=_str(attrs, "address2"),
        address3=_str(attrs, "address3"),
        phone=_str(attrs, "phone"),
        mobile=_str(attrs, "mobile"),
        email=_str(attrs, "email"),
        closed=_bool(attrs, "closed"),
        ts=parse_datetime(attrs.get("ts")),
    )


def _item(attrs: dict[str, str]) -> Item | None:
    code = _str(attrs, "code")
    if not code:
        return None
    return Item(
        code=code,
        name=_str(attrs, "name"),
        description=_str(attrs, "description"),
        unit=_str(attrs, "unit"),
        salesprice=parse_decimal(attrs.get("salesprice")),
        vatcode=_str(attrs, "vatcode"),
        closed=_bool(attrs, "closed"),
        ts=parse_datetime(attrs.get("ts")),
    )


def _receipt(el: etree._Element) -> Receipt:
    attrs = _attrs_ci(el)
    number = _int_or_none(attrs.get("number"))
    if number is None:
        raise DirectoProtocolError(f"Receipt without a valid number: {attrs.get('number')!r}")
    rows = []
    for row_el in el.iter():
        if row_el is el or _local(row_el.tag) != "row":
            continue
        r = _attrs_ci(row_el)
        received = parse_decimal(r.get("received"))
        if received is None:
            # Money decides paid status: never guess a missing/garbled amount.
            raise DirectoProtocolError(
                f"Receipt {number}: row without a readable 'received' amount "
                f"({r.get('received')!r})"
            )
        rows.append(
            ReceiptRow(
                invoice=_int_or_none(r.get("invoice")),
                customer=_str(r, "customer"),
                customername=_str(r, "customername"),
                received=received,
                invoicesum=parse_decimal(r.get("invoicesum")),
                regno=_str(r, "regno"),
                aeg=parse_datetime(r.get("aeg")),
            )
        )
    return Receipt(
        number=number,
        paymentmode=_str(attrs, "paymentmode"),
        aeg=parse_datetime(attrs.get("aeg")),
        confirmed=_bool(attrs, "confirmed"),
        ts=parse_datetime(attrs.get("ts")),
        rows=tuple(rows),
    )


# --------------------------------------------------------------------------- streaming


def _iter_records(
    fileobj: IO[bytes],
    record: str,
    container: str,
    build: Callable[[etree._Element], Any],
) -> Iterator[Any]:
    """Yield ``build(element)`` for every ``<record>`` while parsing incrementally.

    Finished records and their previous siblings are removed from the tree so memory
    stays flat however many records the answer holds.
    """
    guard = _PrologGuard(fileobj)
    context = etree.iterparse(
        guard, events=("start", "end"), remove_comments=True, remove_pis=True, **_SAFE_OPTIONS
    )
    root: etree._Element | None = None
    root_name = ""
    depth = 0  # nesting depth of <record> elements (records never nest, but be safe)
    try:
        for event, el in context:
            if root is None:
                root = el
                _reject_dtd(el.getroottree())
                root_name = _local(el.tag)
                if root_name not in _ERROR_ROOTS | {"transport", container, record}:
                    raise DirectoProtocolError(
                        f"Unexpected answer from Directo: root element <{el.tag}>"
                    )
                if root_name in _ERROR_ROOTS:
                    continue
            if root_name in _ERROR_ROOTS:
                if event == "end" and el is root:
                    raise_for_error_document(root)
                continue
            name = _local(el.tag)
            if name != record:
                continue
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth:
                continue
            value = build(el)
            # Free memory: the element itself and everything parsed before it.
            el.clear(keep_tail=False)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]
            if value is not None:
                yield value
    except etree.XMLSyntaxError as exc:
        if guard.seen_bytes == 0 and root is None:
            raise DirectoProtocolError("Directo sent an empty answer") from None
        raise DirectoProtocolError(f"Directo sent malformed XML: {exc}") from None
    if root is None:
        raise DirectoProtocolError("Directo sent an empty answer")


def iter_customers(fileobj: IO[bytes]) -> Iterator[Customer]:
    """Customers from a ``what=customer`` answer; closed customers are dropped."""
    for customer in _iter_records(
        fileobj, "customer", "customers", lambda el: _customer(_attrs_ci(el))
    ):
        if not customer.closed:
            yield customer


def iter_contacts(fileobj: IO[bytes]) -> Iterator[Contact]:
    """Contact persons from a ``what=contact`` answer, closed ones included (``closed``)."""
    return _iter_records(fileobj, "contact", "contacts", lambda el: _contact(_attrs_ci(el)))


def iter_items(fileobj: IO[bytes]) -> Iterator[Item]:
    return _iter_records(fileobj, "item", "items", lambda el: _item(_attrs_ci(el)))


def iter_receipts(fileobj: IO[bytes]) -> Iterator[Receipt]:
    return _iter_records(fileobj, "receipt", "receipts", _receipt)


def _register_entry(attrs: dict[str, str], closed: bool | None) -> RegisterEntry | None:
    code = _str(attrs, "code")
    if not code:
        return None
    return RegisterEntry(
        code=code,
        name=_str(attrs, "name"),
        # A read filtered on closed=1 whose records carry no closed attribute still says so.
        closed=_bool(attrs, "closed") if "closed" in attrs else bool(closed),
        ts=parse_datetime(attrs.get("ts")),
        vatcode=_str(attrs, "vatcode"),
        salesprice=parse_decimal(attrs.get("salesprice")),
        vatprice=parse_decimal(attrs.get("vatprice")),
    )


def iter_register(
    fileobj: IO[bytes], record: str, closed: bool | None = None
) -> Iterator[RegisterEntry]:
    """Codes of a ``what=<record>`` answer (customer, item, object), closed ones included.

    ``closed`` is the ``closed`` filter the read was made with (None: none).
    """
    return _iter_records(
        fileobj, record, record + "s", lambda el: _register_entry(_attrs_ci(el), closed)
    )


#: Attribute names tried, in order, on ``itemaccountvatcode`` records: its field list is
#: not documented (xml-direct.md §3.3), so the likely names are accepted.
VAT_LIST_CODE_ATTRIBUTES = ("vatcode", "code", "kmkood")
VAT_LIST_RATE_ATTRIBUTES = ("vatrate", "rate", "vatpercent", "percent", "kmmaar", "km")
VAT_LIST_NAME_ATTRIBUTES = ("name", "vatname", "description", "nimi")


def _first(attrs: dict[str, str], names: Sequence[str]) -> str | None:
    return next((_str(attrs, name) for name in names if _str(attrs, name)), None)


def _vat_code_entry(attrs: dict[str, str]) -> VatCodeEntry | None:
    code = _first(attrs, VAT_LIST_CODE_ATTRIBUTES)
    if not code:
        return None
    return VatCodeEntry(
        code=code,
        rate=parse_decimal(_first(attrs, VAT_LIST_RATE_ATTRIBUTES)),
        name=_first(attrs, VAT_LIST_NAME_ATTRIBUTES),
    )


def iter_vat_code_list(fileobj: IO[bytes]) -> Iterator[VatCodeEntry]:
    """VAT codes of a ``what=itemaccountvatcode`` answer ("Item accounts & VAT codes").

    Its XSD is unknown: records are taken to be ``<itemaccountvatcode>`` elements (as every
    documented component names its records after ``what``), each code and rate from the
    first attribute of the likely names present; records without a code are skipped and a
    record without a readable rate gives ``rate=None``.
    """
    return _iter_records(
        fileobj,
        "itemaccountvatcode",
        "itemaccountvatcodes",
        lambda el: _vat_code_entry(_attrs_ci(el)),
    )


def sniff_root(fileobj: IO[bytes]) -> str:
    """Local, lower-cased name of the root element ('' if none); rewinds ``fileobj``."""
    start = fileobj.tell()
    name = ""
    try:
        guard = _PrologGuard(fileobj)
        for _event, el in etree.iterparse(guard, events=("start",), **_SAFE_OPTIONS):
            _reject_dtd(el.getroottree())
            name = _local(el.tag)
            break
    except etree.XMLSyntaxError:
        name = ""
    finally:
        fileobj.seek(start)
    return name
