import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree

from xmldirect.codec import (
    DOCUMENTED_INVOICE_ATTRIBUTES,
    DOCUMENTED_ROW_ATTRIBUTES,
    InvoicePayload,
    InvoiceRowPayload,
    encode_invoice_fragment,
    encode_invoices,
    format_decimal,
    format_ts,
    invoices_envelope_size,
)


def row(rn=1, **kw):
    data = {
        "item": "ART-1001", "description": "Terrassilaud", "quantity": Decimal("120"),
        "price": Decimal("3.20"), "discount": Decimal("5"), "vatcode": "1", "object": "JAAN",
        "rn": rn,
    }  # fmt: skip
    data.update(kw)
    return InvoiceRowPayload(**data)


def payload(number=20260042, **kw):
    data = {
        "number": number, "customercode": "K0001", "date": dt.date(2026, 1, 5),
        "duedate": dt.date(2026, 1, 19), "paymentterm": "14", "currency": "EUR",
        "salesman": "JAAN", "confirm": False, "rows": (row(),),
    }  # fmt: skip
    data.update(kw)
    return InvoicePayload(**data)


def parse(xml: bytes):
    return etree.fromstring(xml)


def test_invoice_shape():
    xml = encode_invoices(
        [payload(confirm=True, customername="Põhjala Puit OÜ", comment="Tellimus 1")]
    )
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = parse(xml)
    assert root.tag == "invoices"
    (inv,) = root
    assert inv.attrib == {
        "number": "20260042", "customercode": "K0001", "customername": "Põhjala Puit OÜ",
        "date": "2026-01-05T00:00:00", "duedate": "2026-01-19T00:00:00",
        "paymentterm": "14", "currency": "EUR", "salesman": "JAAN", "comment": "Tellimus 1",
        "confirm": "1",
    }  # fmt: skip
    (r,) = inv.find("rows")
    assert r.attrib == {
        "rn": "1", "item": "ART-1001", "description": "Terrassilaud", "quantity": "120",
        "price": "3.2", "discount": "5", "vatcode": "1", "object": "JAAN",
    }  # fmt: skip


def test_only_documented_attribute_names():
    rows = (row(1), row(2, item=None, discount=None, vatcode=None, object=None))
    xml = encode_invoices([payload(confirm=True, rows=rows, customername="X", comment="C")])
    for inv in parse(xml).iter("invoice"):
        assert set(inv.attrib) <= DOCUMENTED_INVOICE_ATTRIBUTES
    for r in parse(xml).iter("row"):
        assert set(r.attrib) <= DOCUMENTED_ROW_ATTRIBUTES


def test_empty_and_none_omitted_and_no_confirm_when_false():
    p = payload(duedate=None, paymentterm="", currency=None, salesman=None,
                rows=(row(item=None, discount=None, vatcode="", object=None),))  # fmt: skip
    inv = parse(encode_invoices([p]))[0]
    assert "confirm" not in inv.attrib
    assert {"duedate", "paymentterm", "currency", "salesman"}.isdisjoint(inv.attrib)
    r = inv.find("rows/row")
    assert {"item", "discount", "vatcode", "object"}.isdisjoint(r.attrib)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("3.20"), "3.2"),
        (Decimal("10"), "10"),
        (Decimal("1E+1"), "10"),
        (Decimal("1.5E+3"), "1500"),
        (Decimal("0.000"), "0"),
        (Decimal("-0"), "0"),
        (Decimal("-12.50"), "-12.5"),
        (Decimal("1234567.891"), "1234567.891"),
        (Decimal("0.00001"), "0.00001"),
        (2, "2"),
        (0.1, "0.1"),
    ],
)
def test_format_decimal(value, text):
    assert format_decimal(value) == text


def test_format_decimal_refuses_nan():
    with pytest.raises(ValueError):
        format_decimal(Decimal("NaN"))


def test_escaping_and_control_characters():
    desc = 'Paigaldus 10.09 & 11.09 <"kiire"> \x0bvertical\ttab'
    inv = parse(encode_invoices([payload(rows=(row(description=desc),))]))[0]
    expected = 'Paigaldus 10.09 & 11.09 <"kiire"> vertical\ttab'
    assert inv.find("rows/row").get("description") == expected


def test_datetime_dates_keep_time():
    inv = parse(encode_invoices([payload(date=dt.datetime(2026, 1, 5, 13, 4, 5))]))[0]
    assert inv.get("date") == "2026-01-05T13:04:05"


@pytest.mark.parametrize("number", [0, -1, 2147483648, "123", True])
def test_invalid_numbers_refused(number):
    with pytest.raises(ValueError):
        encode_invoices([payload(number=number)])


def test_customer_code_required():
    with pytest.raises(ValueError, match="customer code"):
        encode_invoices([payload(customercode=" ")])


def test_fragments_add_up_to_document():
    payloads = [payload(n, rows=(row(1), row(2, description="Ä & ö"))) for n in (1, 2, 3)]
    whole = encode_invoices(payloads)
    parts = sum(len(encode_invoice_fragment(p)) for p in payloads)
    assert len(whole) == parts + invoices_envelope_size()


def test_format_ts():
    assert format_ts(dt.date(2025, 3, 1)) == "01.03.2025"
    assert format_ts(dt.datetime(2025, 12, 31, 23, 59)) == "31.12.2025"
