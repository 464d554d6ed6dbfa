"""Clients created in Directo ("Customers in"): codec, client, sandbox and outcome rules."""

import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree

from xmldirect import errors as E
from xmldirect.codec import (
    CUSTOMER_MAX_LENGTHS,
    DOCUMENTED_CUSTOMER_ATTRIBUTES,
    Customer,
    CustomerPayload,
    InvoicePayload,
    InvoiceRowPayload,
    PutResult,
    encode_customers,
    parse_customer_results,
)
from xmldirect.customers import (
    CREATED,
    NOT_SENT,
    REFUSED,
    TAKEN,
    UNKNOWN,
    UPDATED,
    check_code,
    customer_outcome,
    same_client,
    update_outcome,
    value_problems,
)
from xmldirect.rules import RuleError


def client_payload(code="K00001", **kw):
    data = {
        "code": code, "name": "Põhjala Puit OÜ", "type": 0, "regno": "12345678",
        "vatregno": "EE101234567", "address1": "Puidu 1", "address2": "Tallinn",
        "address3": "10111", "country": "EE", "email": "arved@puit.ee", "phone": "+372 5555 1234",
    }  # fmt: skip
    data.update(kw)
    return CustomerPayload(**data)


def xsd_input_attributes(xsd_dir):
    schema = etree.parse(str(xsd_dir / "xml_IN_kliendid.xsd"))
    ns = {"xsd": "http://www.w3.org/2001/XMLSchema"}
    customer = schema.find(".//xsd:element[@name='customer']", ns)
    return {a.get("name") for a in customer.iterfind("xsd:complexType/xsd:attribute", ns)}


def id_translate(template, **params):
    return template % params


# ------------------------------------------------------------------ codec


def test_encode_customer_shape():
    xml = encode_customers([client_payload(name='A & B <Puit> "OÜ"', phone=None)])
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(xml)
    assert root.tag == "customers"
    (el,) = root
    assert list(el.attrib) == [
        "code", "name", "type", "regno", "vatregno", "address1", "address2", "address3",
        "country", "email",
    ]  # fmt: skip
    assert el.get("name") == 'A & B <Puit> "OÜ"'
    assert el.get("type") == "0"
    assert [child.tag for child in el] == ["datafields"]


def test_encode_partial_update_only_name_email_phone():
    root = etree.fromstring(encode_customers([client_payload()], partial=True))
    assert root[0].attrib == {
        "code": "K00001", "name": "Põhjala Puit OÜ", "email": "arved@puit.ee",
        "phone": "+372 5555 1234",
    }  # fmt: skip


def test_encode_refuses_a_client_without_code():
    with pytest.raises(ValueError, match="no code"):
        encode_customers([client_payload(code=" ")])


def test_documented_customer_attributes_are_directo_schema(xsd_dir):
    """The constant is exactly the input schema's attributes (session_id never sent)."""
    assert xsd_input_attributes(xsd_dir) - {"session_id"} == DOCUMENTED_CUSTOMER_ATTRIBUTES


def test_customer_put_validates_against_directo_schema(xsd_dir):
    schema = etree.XMLSchema(etree.parse(str(xsd_dir / "xml_IN_kliendid.xsd")))
    for partial in (False, True):
        doc = etree.fromstring(
            encode_customers([client_payload(), client_payload("K2", type=1)], partial)
        )
        assert schema.validate(doc), schema.error_log
        for el in doc.iter("customer"):
            assert set(el.attrib) <= DOCUMENTED_CUSTOMER_ATTRIBUTES


def test_lengths_come_from_the_schema(xsd_dir):
    text = (xsd_dir / "xml_IN_kliendid.xsd").read_text(encoding="utf-8")
    for name, length in CUSTOMER_MAX_LENGTHS.items():
        line = next(line for line in text.splitlines() if f'name="{name}"' in line)
        assert f"{length}" in line.split("<!--", 1)[1], name


def test_parse_customer_results_by_docid():
    body = (
        b'<results><Result Type="11" Desc="Duplicate" docid="k2"/>'
        b'<Result Type="0" Desc="OK" docid="K1 "/></results>'
    )
    first, second, third = parse_customer_results(body, ["K1", "K2", "K3"])
    assert (first.number, first.type_code, first.success) == ("K1", 0, True)
    assert (second.number, second.type_code) == ("K2", 11)
    assert third.type_code is None and third.desc == ""


def test_parse_customer_results_foreign_docid_is_not_ours():
    (res,) = parse_customer_results(b'<results><Result Type="0" docid="OTHER"/></results>', ["K1"])
    assert res.type_code is None
    (res,) = parse_customer_results(
        b'<results><Result Type="12" Desc="Missing"/></results>', ["K1"]
    )
    assert res.type_code == 12


def test_parse_customer_results_bare_error_raises():
    with pytest.raises(E.DirectoNotActivated):
        parse_customer_results(
            b'<result type="5" desc="Unauthorized: component \'customer\' not allowed"/>', ["K1"]
        )


# ------------------------------------------------------------------ client + sandbox


def put_requests(sandbox):
    return [r for r in sandbox.requests if r.component == "customer" and r.operation == "put"]


def test_fifty_clients_in_one_request(sandbox, client, exchanges):
    payloads = [client_payload(f"N{i:05d}", name=f"Client {i}") for i in range(50)]
    results = client.put_customers(payloads)
    assert [r.number for r in results] == [p.code for p in payloads]
    assert all(r.success for r in results)
    (request,) = put_requests(sandbox)
    assert request.query == {"put": "1", "what": "customer"}
    assert exchanges[-1].component == "customer" and exchanges[-1].documents == 50
    assert "token=***" in exchanges[-1].request_body
    stored = sandbox.state.customer("N00007")
    assert stored["name"] == "Client 7" and stored["regno"] == "12345678"
    assert stored["input"] == {"type": "0"} and stored["unknown_attributes"] == []


def test_existing_code_is_a_duplicate_and_unchanged(sandbox, client):
    (res,) = client.put_customers([client_payload("K0001", name="Somebody else")])
    assert (res.type_code, res.desc, res.docid) == (11, "Duplicate", "K0001")
    assert sandbox.state.customer("K0001")["name"] != "Somebody else"


def test_closed_client_holds_its_code(sandbox, client):
    (res,) = client.put_customers([client_payload("K0009")])
    assert res.type_code == 11


def test_created_client_is_read_back_and_can_be_invoiced(sandbox, client):
    (res,) = client.put_customers([client_payload("NEW-1", vatregno=None)])
    assert res.success
    (read,) = list(client.iter_customers(code="NEW-1"))
    assert (read.name, read.regno, read.address2, read.country) == (
        "Põhjala Puit OÜ", "12345678", "Tallinn", "EE",
    )  # fmt: skip
    row = InvoiceRowPayload(
        item="TEENUS-KONSULT", description="x", quantity=Decimal(1), price=Decimal(10),
        discount=None, vatcode="1", object=None, rn=1,
    )  # fmt: skip
    (inv,) = client.put_invoices(
        [
            InvoicePayload(
                number=555001,
                customercode="NEW-1",
                date=dt.date(2026, 1, 5),
                duedate=None,
                paymentterm=None,
                currency="EUR",
                salesman=None,
                confirm=False,
                rows=(row,),
            )  # fmt: skip
        ]
    )
    assert inv.success, inv.desc


def test_partial_update(sandbox, client):
    results = client.put_customers(
        [client_payload("K0001", name="Renamed OÜ", email="new@x.ee", phone=None),
         client_payload("NOPE")],
        partial=True,
    )  # fmt: skip
    assert [(r.type_code, r.desc) for r in results] == [
        (30, "Updated"), (31, "Customer NOPE not found"),
    ]  # fmt: skip
    assert put_requests(sandbox)[-1].query["xd_customer_update"] == "1"
    assert "xd_update" not in put_requests(sandbox)[-1].query
    stored = sandbox.state.customer("K0001")
    assert (stored["name"], stored["email"]) == ("Renamed OÜ", "new@x.ee")
    # Only name, e-mail and phone travel (and change); the phone was not sent.
    assert (stored["regno"], stored["address2"]) == ("12345678", "Tartu")
    assert stored["phone"] == "+372 5123 4567"
    assert "regno=" not in put_requests(sandbox)[-1].form["xmldata"]
    assert sandbox.state.customer("NOPE") is None


def test_sandbox_drops_and_reports_unknown_attributes(sandbox, client):
    xml = (
        "<customers><customer code='U1' name='U' vatzone='1' colour='red' regnumber='1'>"
        "<datafields/></customer></customers>"
    )
    body, count = sandbox.state.answer_put_customers("demo", xml, {})
    assert count == 1 and b'Type="0"' in body and b'docid="U1"' in body
    stored = sandbox.state.customer("U1")
    assert stored["unknown_attributes"] == ["colour", "regnumber"]
    assert "colour" not in stored and stored["vatregion"] == "1"


def test_sandbox_full_overwrite_needs_xd_update(sandbox):
    xml = "<customers><customer code='K0001' name='Overwritten'/></customers>"
    body, _count = sandbox.state.answer_put_customers("demo", xml, {"xd_update": "1"})
    assert b'Type="0"' in body
    assert sandbox.state.customer("K0001")["name"] == "Overwritten"


def test_sandbox_bad_customer_documents(sandbox):
    answer = sandbox.state.answer_put_customers
    assert b'type="99"' in answer("demo", "", {})[0]
    assert b'type="8"' in answer("demo", "<customers>", {})[0]
    assert b'type="99"' in answer("demo", "<invoices/>", {})[0]
    assert b'Type="12"' in answer("demo", "<customers><customer name='x'/></customers>", {})[0]


def test_key_without_customers_in(sandbox, make_client):
    client = make_client(token="DEMO-READONLY")
    with pytest.raises(E.DirectoNotActivated) as err:
        client.put_customers([client_payload("X1")])
    assert isinstance(err.value, E.DirectoBatchError)
    assert err.value.failed_numbers == ["X1"]
    assert sandbox.state.customer("X1") is None


def test_timeout_leaves_outcome_unknown(sandbox, make_client):
    sandbox.state.add_fault("process_then_timeout", seconds=3)
    with pytest.raises(E.DirectoTimeout) as err:
        make_client(read_timeout=0.3).put_customers([client_payload("T1"), client_payload("T2")])
    assert err.value.failed_numbers == ["T1", "T2"]
    assert [r.type_code for r in err.value.results] == [None, None]
    assert "may have been created" in err.value.results[0].desc
    assert sandbox.state.customer("T1") is not None  # it was created


def test_batches_by_size(sandbox, make_client):
    client = make_client(max_request_bytes=1500)
    payloads = [client_payload(f"B{i}") for i in range(8)]
    results = client.put_customers(payloads)
    assert all(r.success for r in results)
    assert len(put_requests(sandbox)) > 1
    assert all(len(r.form["xmldata"]) < 1500 for r in put_requests(sandbox))


def test_same_code_twice_in_one_put(client):
    with pytest.raises(ValueError, match="appears twice"):
        client.put_customers([client_payload("K1"), client_payload("k1 ")])


# ------------------------------------------------------------------ rules and outcomes


def test_check_code():
    assert check_code("  K00001 ", "ACME", "Reference") == "K00001"
    with pytest.raises(RuleError, match="ACME has no Directo client code.*Reference is empty"):
        check_code(" ", "ACME", "Reference")
    with pytest.raises(RuleError, match="33 characters; Directo takes at most 32"):
        check_code("X" * 33, "ACME", "Reference")


def test_value_problems_name_the_field():
    (problem,) = value_problems(
        "ACME", {"regno": ("Company ID", "1" * 51), "name": ("Name", "ACME")}
    )
    assert problem.translated(id_translate) == (
        "Client ACME: Company ID has 51 characters; Directo takes at most 50. Shorten it on "
        "the client."
    )


def test_same_client():
    ours = client_payload()
    assert same_client(ours, Customer("K1", name=" põhjala  PUIT OÜ", regno="12345678"))
    assert same_client(ours, Customer("K1", name="Põhjala Puit OÜ"))
    assert not same_client(ours, Customer("K1", name="Põhjala Puit OÜ", regno="999"))
    assert not same_client(ours, Customer("K1", name="Other"))


def text(outcome):
    return outcome.message.translated(id_translate)


def test_customer_outcomes():
    ok = customer_outcome(PutResult("K1", 30, "Created", "K1"), client="ACME")
    assert (ok.state, ok.message) == (CREATED, None)
    taken = customer_outcome(PutResult("K1", 11, "Duplicate", "K1"), client="ACME")
    assert taken.state == TAKEN
    assert "Directo already has a client with code K1" in text(taken)
    assert customer_outcome(PutResult("K1", 1, "korduv", "K1"), client="ACME").state == TAKEN
    refused = customer_outcome(PutResult("K1", 9, "Error on import", "K1"), client="ACME")
    assert refused.state == REFUSED
    assert "Error on import (Directo Type 9)" in text(refused)
    lost = customer_outcome(
        PutResult("K1", None, "x"), client="ACME", error=E.DirectoTimeout("slow")
    )
    assert lost.state == UNKNOWN
    assert "Directo did not answer in time" in text(lost) and "code K1" in text(lost)
    unsent = customer_outcome(PutResult("K1", None, "Not sent"), client="ACME", sent=False)
    assert unsent.state == NOT_SENT


def test_not_activated_names_the_feed():
    outcome = customer_outcome(
        PutResult("K1", None, "x"),
        client="ACME",
        error=E.DirectoNotActivated("Unauthorized: component 'customer' not allowed", 5),
    )
    assert outcome.state == REFUSED
    assert "the feed direction Customers in is not activated" in text(outcome)
    wrong_key = customer_outcome(
        PutResult("K1", None, "x"), client="ACME", error=E.DirectoUnauthorized("Unauthorized", 5)
    )
    assert wrong_key.state == REFUSED and "Check the Directo connection" in text(wrong_key)


def test_update_outcomes():
    assert update_outcome(PutResult("K1", 30, "Updated", "K1"), client="A").state == UPDATED
    gone = update_outcome(PutResult("K1", 31, "Customer K1 not found", "K1"), client="A")
    assert gone.state == REFUSED and "Directo has no client with code K1" in text(gone)
    lost = update_outcome(PutResult("K1", None, ""), client="A", error=E.DirectoTransientError())
    assert lost.state == UNKNOWN and "sent again" in text(lost)
