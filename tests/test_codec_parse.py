import datetime as dt
import io
from decimal import Decimal

import pytest

from xmldirect import errors as E
from xmldirect.codec import (
    PutResult,
    iter_contacts,
    iter_customers,
    iter_items,
    iter_receipts,
    parse_put_results,
    parse_xml,
    raise_for_non_xml,
    safe_parser,
)

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<results><Result Type="0" Desc="&x;" docid="1"/></results>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<transport><customers><customer code="&lol3;" name="&lol3;"/></customers></transport>"""


def stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


# ------------------------------------------------------------------ safe parsing


def test_safe_parser_options():
    parser = safe_parser()
    assert parser.resolvers is not None  # an lxml XMLParser
    root = parse_xml(b"<results/>")
    assert root.tag == "results"


@pytest.mark.parametrize("body", [XXE, LAUGHS, XXE.replace(b"DOCTYPE", b"doctype")])
def test_parse_xml_rejects_dtd(body):
    with pytest.raises(E.DirectoProtocolError, match="DTD"):
        parse_xml(body)


def test_parse_xml_rejects_utf16_that_could_hide_a_dtd():
    with pytest.raises(E.DirectoProtocolError):
        parse_xml(LAUGHS.decode().replace('"1.0"?>', '"1.0" encoding="UTF-16"?>').encode("utf-16"))


@pytest.mark.parametrize("body", [b"", b"   ", b"<html><body>oops", b"not xml at all"])
def test_parse_xml_malformed(body):
    with pytest.raises(E.DirectoProtocolError):
        parse_xml(body)


@pytest.mark.parametrize(
    ("head", "detail"),
    [
        (b"", "empty answer"),
        (b" \r\n\t ", "empty answer"),
        (b"\xef\xbb\xbf\n", "empty answer"),
        ("<!DOCTYPE html>\n<html><head><title>Hooldus\n käib</title>".encode(), "(Hooldus käib)"),
        (b"<!doctype HTML><html>", "web page instead of XML"),
        (b"<html>\n<body>502 Bad Gateway</body></html>", "web page instead of XML"),
        (b"<?xml version='1.0'?><!-- proxy --><!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0//EN' "
         b"'http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd'><html xmlns='x'>",
         "web page instead of XML"),
        (b"Service Unavailable", "text instead of XML: Service Unavailable"),
    ],
)  # fmt: skip
def test_non_xml_answers_are_directo_unavailable(head, detail):
    with pytest.raises(E.DirectoUnavailable) as err:
        raise_for_non_xml(head)
    assert detail in str(err.value)
    assert err.value.retryable and "DTD" not in str(err.value)


@pytest.mark.parametrize(
    "head",
    [
        XXE,
        LAUGHS,
        XXE.replace(b"DOCTYPE r", b"DOCTYPE html"),  # named html, but declares entities
        b"<results/>",
        b"\xef\xbb\xbf<?xml version='1.0'?>\n<transport/>",
        b"<?xml version='1.0'?><!-- a --><htmlish/>",
    ],
)
def test_xml_answers_pass_the_non_xml_check(head):
    raise_for_non_xml(head)  # XML (safe or not) is left to the safe parser


def test_xml_named_html_with_entities_is_still_refused_as_unsafe():
    body = XXE.replace(b"DOCTYPE r", b"DOCTYPE html")
    raise_for_non_xml(body)
    with pytest.raises(E.DirectoProtocolError, match="DTD"):
        parse_xml(body)


@pytest.mark.parametrize("parser", [iter_customers, iter_items, iter_receipts, iter_contacts])
@pytest.mark.parametrize("body", [XXE, LAUGHS])
def test_streaming_rejects_dtd(parser, body):
    with pytest.raises(E.DirectoProtocolError, match="DTD"):
        list(parser(stream(body)))


def test_streaming_refuses_endless_prolog():
    body = b"<?xml version='1.0'?>" + b"<!-- pad -->" * 20000 + LAUGHS.split(b"?>", 1)[1]
    with pytest.raises(E.DirectoProtocolError):
        list(iter_customers(stream(body)))


@pytest.mark.parametrize("parser", [iter_customers, parse_xml])
def test_comment_cannot_hide_a_dtd(parser):
    body = b"<?xml version='1.0'?><!-- <a> --><?pi <b?>" + LAUGHS.split(b"?>", 1)[1]
    with pytest.raises(E.DirectoProtocolError, match="DTD"):
        result = parser(stream(body) if parser is iter_customers else body)
        list(result) if parser is iter_customers else result


# ------------------------------------------------------------------ put results


def test_put_results_ok_example(shared_dir):
    body = (shared_dir / "invoice-put-response-ok.xml").read_bytes()
    results = parse_put_results(body, [700123, 700124])
    assert [(r.number, r.type_code, r.desc, r.docid) for r in results] == [
        (700123, 0, "OK", "700123"),
        (700124, 30, "Created", "700124"),
    ]
    assert all(r.success for r in results)
    assert all(r.error() is None for r in results)


def test_put_results_error_example(shared_dir):
    body = (shared_dir / "invoice-put-response-errors.xml").read_bytes()
    numbers = [700120, 700125, 700126, 700127, 700128, 700129, 700130]
    results = parse_put_results(body, numbers)
    # The Type 12 result names no document: in a request of seven it is nobody's, so the
    # seventh invoice's outcome is unknown (never guessed from the position).
    assert [r.type_code for r in results] == [14, 13, 11, 31, 1, 29, None]
    assert not any(r.success for r in results)
    errors = [type(r.error()) for r in results]
    assert errors == [
        E.DirectoConfirmedLocked, E.DirectoError, E.DirectoDuplicate,
        E.DirectoReferenceNotFound, E.DirectoError, E.DirectoError, E.DirectoTransientError,
    ]  # fmt: skip
    assert results[3].error().desc == "Item ART-9999 not found"


def test_put_results_refusal_without_docid_for_a_single_document():
    (res,) = parse_put_results(b'<results><Result Type="12" Desc="Missing"/></results>', [9])
    assert (res.number, res.type_code) == (9, 12)


def test_put_results_foreign_docid_is_never_ours():
    """A success for a document we did not send leaves ours unknown, even when it is the
    only result of a one-document request."""
    body = b'<results><Result Type="0" Desc="OK" docid="999"/></results>'
    (res,) = parse_put_results(body, [101])
    assert res.number == 101 and res.type_code is None and not res.success
    (res,) = parse_put_results(b'<result type="0" desc="OK" docid="999"/>', [101])
    assert res.type_code is None
    (res,) = parse_put_results(b'<results><Result Type="0" Desc="OK"/></results>', [101])
    assert res.type_code is None
    results = parse_put_results(
        b'<results><Result Type="0" docid="999"/><Result Type="0" docid="102"/></results>',
        [101, 102],
    )
    assert [r.type_code for r in results] == [None, 0]


def test_put_results_lowercase_and_docid_matching():
    body = b"""<results>
      <result type="31" desc="Item X not found" docid="3"/>
      <result type="0" desc="OK" docid="1"/>
      <RESULT TYPE="30" DESC="Created" DOCID="2"/>
    </results>"""
    results = parse_put_results(body, [1, 2, 3])
    assert [(r.number, r.type_code) for r in results] == [(1, 0), (2, 30), (3, 31)]


def test_put_results_partial_answer_leaves_unknown():
    body = b'<results><Result Type="0" Desc="OK" docid="5"/></results>'
    results = parse_put_results(body, [4, 5, 6])
    assert results[1] == PutResult(5, 0, "OK", "5")
    for r in (results[0], results[2]):
        assert r.type_code is None
        assert not r.success
        assert r.desc == ""  # worded by the Odoo layer, in the user's language
        assert isinstance(r.error(), E.DirectoTransientError)


def test_put_results_empty_results_wrapper():
    assert [r.type_code for r in parse_put_results(b"<results/>", [1])] == [None]


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        (b'<result type="5" desc="Unauthorized"/>', E.DirectoUnauthorized),
        (b"<result type='5' desc=\"Unauthorized: component 'invoice' not allowed for this key\"/>",
         E.DirectoNotActivated),
        (b'<Result Type="8" Desc="Invalid XML given"/>', E.DirectoInvalidXml),
        (b'<result type="404" desc="Invalid url given"/>', E.DirectoRoutingError),
        (b"<err>token required</err>", E.DirectoTokenRequired),
        (b"<err>something broke</err>", E.DirectoError),
        (b'<error desc="Vale voti" code="5"/>', E.DirectoUnauthorized),
        (b'<transport><customers/></transport>', E.DirectoProtocolError),
        (b"<results><Result", E.DirectoProtocolError),
        (XXE, E.DirectoProtocolError),
        (LAUGHS, E.DirectoProtocolError),
    ],
)  # fmt: skip
def test_put_results_bare_errors_raise(body, cls):
    with pytest.raises(cls) as err:
        parse_put_results(body, [1, 2])
    assert type(err.value) is cls


def test_bare_success_result_for_single_document():
    (res,) = parse_put_results(b'<result type="30" desc="Created" docid="7"/>', [7])
    assert res.success and res.docid == "7"


def test_unauthorized_example_files(shared_dir):
    with pytest.raises(E.DirectoUnauthorized):
        parse_put_results((shared_dir / "unauthorized-response.xml").read_bytes(), [1])
    with pytest.raises(E.DirectoTokenRequired):
        parse_put_results((shared_dir / "token-required-response.xml").read_bytes(), [1])


@pytest.mark.parametrize(
    ("type_code", "success", "cls"),
    [
        (0, True, None), (30, True, None), (1, False, E.DirectoError),
        (5, False, E.DirectoUnauthorized), (8, False, E.DirectoInvalidXml),
        (11, False, E.DirectoDuplicate), (12, False, E.DirectoError), (13, False, E.DirectoError),
        (14, False, E.DirectoConfirmedLocked), (29, False, E.DirectoError),
        (31, False, E.DirectoReferenceNotFound), (404, False, E.DirectoRoutingError),
        (None, False, E.DirectoTransientError),
    ],
)  # fmt: skip
def test_put_result_success_and_error(type_code, success, cls):
    res = PutResult(1, type_code, "desc", "1")
    assert res.success is success
    err = res.error()
    if cls is None:
        assert err is None
    else:
        assert type(err) is cls
        assert err.type_code == type_code


# ------------------------------------------------------------------ streaming records


def test_customers_example(shared_dir):
    with open(shared_dir / "customers-get-response.xml", "rb") as fh:
        customers = list(iter_customers(fh))
    assert [c.code for c in customers] == ["K0001", "K0002", "K0003"]
    first = customers[0]
    assert first.name == "Põhjala Puit OÜ"
    assert first.vatregno == "EE101234567"
    assert (first.address1, first.address2, first.address3) == ("Metsa tn 5", "Tartu", "50103")
    assert first.payterm == "14" and first.salesman == "JAAN" and first.object == "TARTU"
    assert first.ts == dt.datetime(2025, 9, 4, 9, 15, 22)
    assert customers[2].county is None  # empty attribute -> None


def test_customers_without_container_and_closed_dropped():
    body = b"""<transport>
      <customer code="A" name="Open" closed="0"/>
      <customer code="B" name="Closed" closed="1"/>
      <customer code="C" name="No flag"/>
      <customer name="No code"/>
    </transport>"""
    assert [c.code for c in iter_customers(stream(body))] == ["A", "C"]


def test_customers_container_as_root():
    body = b'<customers><customer code="A"/></customers>'
    assert [c.code for c in iter_customers(stream(body))] == ["A"]


@pytest.mark.parametrize("body", [b"<transport/>", b"<transport></transport>",
                                  b"<?xml version='1.0'?>\n<transport>\n</transport>",
                                  b"<transport><customers/></transport>"])  # fmt: skip
def test_empty_answers_yield_nothing(body):
    assert list(iter_customers(stream(body))) == []
    assert list(iter_receipts(stream(body))) == []


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        (b'<result type="5" desc="Unauthorized"/>', E.DirectoUnauthorized),
        (b"<err>token required</err>", E.DirectoTokenRequired),
        (b'<result type="404" desc="Invalid url given"/>', E.DirectoRoutingError),
        (b"<html><body>Login</body></html>", E.DirectoProtocolError),
        (b"", E.DirectoProtocolError),
        (b"<transport><customers><customer code='A'/><customer", E.DirectoProtocolError),
    ],
)
def test_streaming_error_answers(body, cls):
    with pytest.raises(cls):
        list(iter_customers(stream(body)))


def test_streaming_yields_before_a_later_syntax_error():
    body = b"<transport><customers><customer code='A'/><customer code='B'/><broken"
    got = []
    with pytest.raises(E.DirectoProtocolError):
        for c in iter_customers(stream(body)):
            got.append(c.code)
    assert got == ["A", "B"]


def test_items_example(shared_dir):
    with open(shared_dir / "items-get-response.xml", "rb") as fh:
        items = list(iter_items(fh))
    assert [i.code for i in items] == ["TEENUS-PAIGALDUS", "ART-1001", "ART-2040"]
    assert items[1].salesprice == Decimal("3.20")
    assert items[1].unit == "jm" and items[1].vatcode == "1"
    assert items[0].description == "Paigaldus kliendi juures"
    assert items[2].ts == dt.datetime(2025, 9, 3, 16, 20, 45)
    # supplieritem@name must not leak into the item
    assert items[1].name == "Terrassilaud 28x120 mänd"


def test_items_bad_price_is_none():
    (item,) = iter_items(stream(b'<transport><item code="X" salesprice="abc"/></transport>'))
    assert item.salesprice is None


def test_receipts_example(shared_dir):
    with open(shared_dir / "receipts-get-response.xml", "rb") as fh:
        receipts = list(iter_receipts(fh))
    assert [r.number for r in receipts] == [900451, 900452]
    first = receipts[0]
    assert first.confirmed and not receipts[1].confirmed
    assert first.paymentmode == "SWED"
    assert first.aeg == dt.datetime(2025, 9, 17)
    assert [(r.invoice, r.received) for r in first.rows] == [
        (700123, Decimal("500.00")),
        (700098, Decimal("86.80")),
    ]
    assert first.rows[0].invoicesum == Decimal("500.00")
    assert first.rows[0].customer == "K0001" and first.rows[0].regno == "12345678"


def test_receipt_row_without_amount_is_refused():
    body = b'<transport><receipts><receipt number="1"><rows><row invoice="5" received=""/>'
    body += b"</rows></receipt></receipts></transport>"
    with pytest.raises(E.DirectoProtocolError, match="received"):
        list(iter_receipts(stream(body)))


def test_receipt_row_without_invoice():
    body = b'<transport><receipt number="1" confirmed="1"><rows>'
    body += b'<row order="77" received="10.5"/></rows></receipt></transport>'
    (rec,) = iter_receipts(stream(body))
    assert rec.rows[0].invoice is None and rec.rows[0].received == Decimal("10.5")


def test_contacts():
    body = b"""<transport><contacts>
      <contact code="101" customercode="K0001" name="Mari Tamm" firstname="Mari"
               lastname="Tamm" phone="+372 5" mobile="+372 6" email="m@x.ee" closed="0"
               ts="2025-09-02T09:15:00"/>
      <contact code="102" customercode="K0001" name="Old" closed="1" address1=" Pikk 3 "
               address2="Tartu" address3="51004"/>
    </contacts></transport>"""
    contacts = list(iter_contacts(stream(body)))
    assert contacts[0].mobile == "+372 6" and contacts[0].ts == dt.datetime(2025, 9, 2, 9, 15)
    assert contacts[0].address1 is None
    assert (contacts[1].address1, contacts[1].address2, contacts[1].address3) == (
        "Pikk 3", "Tartu", "51004",
    )  # fmt: skip
    assert contacts[1].closed is True  # contacts are not filtered, the caller decides


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-09-04T09:15:22", dt.datetime(2025, 9, 4, 9, 15, 22)),
        ("2025-09-04T09:15:22.123", dt.datetime(2025, 9, 4, 9, 15, 22, 123000)),
        ("2025-09-04 09:15:22", dt.datetime(2025, 9, 4, 9, 15, 22)),
        ("04.09.2025", dt.datetime(2025, 9, 4)),
        ("2025-09-04T09:15:22+03:00", dt.datetime(2025, 9, 4, 9, 15, 22)),
        ("garbage", None),
        ("", None),
    ],
)
def test_timestamps(text, expected):
    body = f'<transport><customer code="A" ts="{text}"/></transport>'.encode()
    (c,) = iter_customers(stream(body))
    assert c.ts == expected


def test_many_records_stream(tmp_path):
    path = tmp_path / "big.xml"
    with open(path, "wb") as fh:
        fh.write(b"<transport><customers>")
        for i in range(20000):
            fh.write(f'<customer code="C{i}" name="N{i}"><datafields/></customer>'.encode())
        fh.write(b"</customers></transport>")
    with open(path, "rb") as fh:
        count = sum(1 for _ in iter_customers(fh))
    assert count == 20000
