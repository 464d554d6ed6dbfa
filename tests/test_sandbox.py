"""The sandbox itself: XSD-valid answers, control interface, receipts, ts, CLI."""

import datetime as dt
import json
import os
import subprocess
import sys
import time
from decimal import Decimal

import pytest
import requests
from conftest import REPO, TOKEN
from lxml import etree

from directo_sandbox import DirectoSandbox
from xmldirect import errors as E
from xmldirect.client import DirectoClient
from xmldirect.codec import InvoicePayload, InvoiceRowPayload, safe_parser


def get(sandbox, what, **filters):
    data = {"token": TOKEN, "get": "1", "what": what, **filters}
    return requests.post(sandbox.url, data=data, timeout=5).content


def schema(xsd_dir, name):
    return etree.XMLSchema(etree.parse(str(xsd_dir / name), safe_parser()))


def container(body):
    root = etree.fromstring(body, safe_parser())
    assert root.tag == "transport"
    (box,) = root
    return box


def pay(sandbox, number, rows):
    payload = InvoicePayload(
        number, "K0001", dt.date(2026, 1, 5), None, None, "EUR", None, True, tuple(rows)
    )
    (res,) = DirectoClient(sandbox.url, TOKEN).put_invoices([payload])
    assert res.success


@pytest.mark.parametrize(
    ("what", "xsd"),
    [
        ("customer", "ws_kliendid.xsd"),
        ("item", "ws_artiklid.xsd"),
        ("receipt", "ws_laekumised.xsd"),
    ],
)
def test_get_answers_validate_against_directo_xsd(sandbox, xsd_dir, what, xsd):
    if what == "receipt":
        sandbox.state.add_receipt(rows=[{"invoice": 700001, "amount": "1.5"},
                                        {"invoice": None, "amount": "2"}])  # fmt: skip
    box = container(get(sandbox, what))
    assert len(box) >= 2
    validator = schema(xsd_dir, xsd)
    assert validator.validate(box), validator.error_log
    # Filtered answers too (includes closed customers / items).
    box = container(get(sandbox, what, closed="1") if what != "receipt" else get(sandbox, what))
    assert validator.validate(box), validator.error_log


def test_empty_answer_is_bare_transport(sandbox):
    root = etree.fromstring(get(sandbox, "customer", code="NOPE"))
    assert root.tag == "transport" and len(root) == 0


def test_unknown_component_get_is_empty(sandbox):
    root = etree.fromstring(get(sandbox, "transaction"))
    assert root.tag == "transport" and len(root) == 0


def test_objects_with_closed_flag(sandbox):
    box = container(get(sandbox, "object"))
    assert box.tag == "objects"
    closed = {el.get("code"): el.get("closed") for el in box}
    assert closed["JAAN"] == "0" and closed["VANA"] == "1"
    sandbox.add_object("KADRI", name="Kadri Lepp", ts=dt.datetime(2030, 1, 2))
    (el,) = container(get(sandbox, "object", ts="01.01.2030"))
    assert (el.get("code"), el.get("name"), el.get("ts")) == ("KADRI", "Kadri Lepp",
                                                             "2030-01-02T00:00:00")  # fmt: skip


def _refusal(sandbox, **changes):
    fields = {"item": "TEENUS-KONSULT", "vatcode": "1", "object": "JAAN"}
    header = {"customercode": changes.pop("customercode", "K0001"),
              "salesman": changes.pop("salesman", None)}  # fmt: skip
    fields.update(changes)
    row = InvoiceRowPayload(description="x", quantity=Decimal(1), price=Decimal(1),
                            discount=None, rn=1, **fields)  # fmt: skip
    payload = InvoicePayload(880001, header["customercode"], dt.date(2026, 1, 5), None, None,
                             "EUR", header["salesman"], False, (row,))  # fmt: skip
    (res,) = DirectoClient(sandbox.url, TOKEN).put_invoices([payload])
    return res.type_code, res.desc


@pytest.mark.parametrize(
    ("change", "code", "kind", "estonian"),
    [
        ({"item": "ART-9000"}, "Item ART-9000 is closed", "Item is closed",
         "Artikkel on suletud"),
        ({"item": "NOPE"}, "Item NOPE not found", "Item not found", "Artiklit ei leitud"),
        ({"customercode": "K0009"}, "Customer K0009 is closed", "Customer is closed",
         "Klient on suletud"),
        ({"object": "VANA"}, "Object VANA is closed", "Object is closed", "Objekt on suletud"),
        ({"salesman": "NOBODY"}, "Salesman NOBODY not found", "Salesman not found",
         "Müüjat ei leitud"),
        ({"vatcode": "77"}, "VAT code 77 not found", "VAT code not found",
         "KM-koodi ei leitud"),
    ],
)  # fmt: skip
def test_refusal_styles(sandbox, change, code, kind, estonian):
    assert _refusal(sandbox, **change) == (31, code)
    sandbox.set_refusal_style("kind")
    assert _refusal(sandbox, **change) == (31, kind)
    sandbox.set_refusal_style("estonian")
    assert _refusal(sandbox, **change) == (31, estonian)
    sandbox.set_refusal_style("generic")
    assert _refusal(sandbox, **change) == (9, "Error on import")
    assert 880001 not in sandbox.invoices()
    with pytest.raises(ValueError):
        sandbox.set_refusal_style("poetic")


def test_close_bumps_ts(sandbox):
    sandbox.close("item", "TEENUS-KONSULT")
    assert _refusal(sandbox) == (31, "Item TEENUS-KONSULT is closed")
    (el,) = container(get(sandbox, "item", closed="1", ts=dt.date.today().strftime("%d.%m.%Y")))
    assert el.get("code") == "TEENUS-KONSULT"


def test_receipt_amounts_from_invoice_total(sandbox):
    rows = [
        InvoiceRowPayload("TEENUS-KONSULT", "a", Decimal("2"), Decimal("100"), Decimal("10"),
                          "1", None, 1),
        InvoiceRowPayload("ART-3300", "b", Decimal("1"), Decimal("50"), None, "2", None, 2),
        InvoiceRowPayload(None, "c", Decimal("3"), Decimal("1.111"), None, None, None, 3),
    ]  # fmt: skip
    pay(sandbox, 9001, rows)
    # 2*100*0.9*1.24 = 223.20; 50*1.09 = 54.50; 3*1.111 = 3.333 -> 281.033 -> 281.03
    assert sandbox.state.invoice_total(9001) == Decimal("281.03")
    full = sandbox.state.add_receipt(9001)
    half = sandbox.state.add_receipt(9001, fraction="0.5")
    fixed = sandbox.state.add_receipt(9001, "10", confirmed=False)
    receipts = sandbox.state.receipts()
    assert receipts[full]["rows"][0]["received"] == Decimal("281.03")
    assert receipts[half]["rows"][0]["received"] == Decimal("140.52")
    assert receipts[fixed]["rows"][0]["received"] == Decimal("10")
    client = DirectoClient(sandbox.url, TOKEN)
    got = {r.number: r for r in client.iter_receipts(confirmed=None)}
    assert got[full].rows[0].invoice == 9001 and got[full].rows[0].customer == "K0001"
    assert got[full].rows[0].invoicesum == Decimal("281.03")
    assert got[fixed].confirmed is False


def test_receipt_edit_and_unconfirm_bump_ts(sandbox):
    client = DirectoClient(sandbox.url, TOKEN)
    today = dt.date.today()
    assert list(client.iter_receipts(ts=today)) == []
    sandbox.state.unconfirm_receipt(900001)
    (changed,) = client.iter_receipts(ts=today, confirmed=None)
    assert changed.number == 900001 and changed.confirmed is False
    assert list(client.iter_receipts(ts=today)) == []  # confirmed=1 hides it now
    sandbox.state.edit_receipt(900001, amount="12.34", confirmed=True)
    (edited,) = client.iter_receipts(ts=today)
    assert edited.rows[0].received == Decimal("12.34") and edited.rows[0].invoice == 700001


def test_customer_change_bumps_ts(sandbox):
    client = DirectoClient(sandbox.url, TOKEN)
    sandbox.state.update_customer("K0003", email="new@nordictimber.fi")
    (c,) = client.iter_customers(ts=dt.date.today())
    assert c.code == "K0003" and c.email == "new@nordictimber.fi"


def test_add_customer_rejects_unknown_attributes(sandbox):
    with pytest.raises(ValueError, match="Unknown attribute"):
        sandbox.state.add_customer(code="X", nmae="typo")


def test_control_over_http(sandbox):
    base = sandbox.base_url + "/control/"
    r = requests.post(base + "add_customer", json={"code": "K0500", "name": "HTTP OÜ"}, timeout=5)
    assert r.status_code == 200 and r.json()["ok"]
    r = requests.post(base + "add_fault", json={"kind": "http500"}, timeout=5)
    assert r.status_code == 200
    faults = requests.get(base + "faults", timeout=5).json()
    assert faults[0]["kind"] == "http500"
    client = DirectoClient(sandbox.url, TOKEN)
    with pytest.raises(E.DirectoTransientError):
        client.check_connection()
    assert "K0500" in [c.code for c in client.iter_customers()]
    number = requests.post(base + "add_receipt", json={"invoice": 700002, "fraction": "0.25"},
                           timeout=5).json()["result"]  # fmt: skip
    receipts = requests.get(base + "receipts", timeout=5).json()
    assert receipts[str(number)]["rows"][0]["received"] == "58.59"
    invoices = requests.get(base + "invoices", timeout=5).json()
    assert invoices["700001"]["confirmed"] is True
    reqs = requests.get(base + "requests", timeout=5).json()
    assert reqs and all("token" not in r["form"] for r in reqs)
    assert requests.post(base + "nope", json={}, timeout=5).status_code == 404
    assert requests.post(base + "add_fault", json={"kind": "bogus"}, timeout=5).status_code == 400
    assert requests.post(base + "reset", json={}, timeout=5).status_code == 200
    assert sandbox.state.faults == [] and "K0500" not in sandbox.state.company().customers


def test_reset_restores_demo_data(sandbox):
    sandbox.state.add_receipt(700001)
    sandbox.state.set_success_code(30)
    sandbox.reset()
    assert set(sandbox.state.receipts()) == {900001, 900002}
    assert sandbox.state.success_code == 0 and sandbox.requests == []


def test_custom_tokens_and_no_demo():
    with DirectoSandbox(demo=False, tokens={"T1": None, "T2": {"allow": ["item:get"]}}) as sb:
        assert DirectoClient(sb.url, "T1").check_connection()
        assert list(DirectoClient(sb.url, "T1").iter_customers()) == []
        with pytest.raises(E.DirectoNotActivated):
            DirectoClient(sb.url, "T2").check_connection()
        with pytest.raises(E.DirectoUnauthorized):
            DirectoClient(sb.url, "DEMO-TOKEN").check_connection()


def test_request_too_large(sandbox):
    sandbox.state.max_request_bytes = 200
    payload = InvoicePayload(
        1, "K0001", dt.date(2026, 1, 1), None, None, None, None, False,
        tuple(InvoiceRowPayload("ART-1001", "x" * 50, Decimal(1), Decimal(1), None, None, None, i)
              for i in range(1, 5)),
    )  # fmt: skip
    with pytest.raises(E.DirectoProtocolError) as err:
        DirectoClient(sandbox.url, TOKEN).put_invoices([payload])
    assert err.value.http_status == 413


def test_cli_starts_a_server():
    # From the repository root, as the README says: no PYTHONPATH, no Odoo.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "directo_sandbox", "--port", "0", "--demo", "--token", "CLI-T"],
        stdout=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        url = line.split("listening on ", 1)[1].strip()
        assert "CLI-T" in proc.stdout.readline()
        assert DirectoClient(url, "CLI-T").check_connection()
        assert DirectoClient(url, "DEMO-TOKEN").check_connection()
        body = requests.post(url.split("/xmlcore")[0] + "/control/set_success_code",
                             json={"code": 30}, timeout=5)  # fmt: skip
        assert json.loads(body.content)["ok"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_contact_persons_demo_data_and_update(sandbox):
    client = DirectoClient(sandbox.url, TOKEN)
    everyone = {c.code: c for c in client.iter_contacts(open_only=False)}
    assert len(everyone) == 11
    assert [c.code for c in everyone.values() if c.customercode == "K0004"] == ["104", "105",
                                                                                "109"]  # fmt: skip
    assert everyone["110"].closed and everyone["111"].customercode == "K0009"
    base = sandbox.base_url + "/control/"
    r = requests.post(base + "update_contact", json={"code": "109", "email": "l@x.ee"}, timeout=5)
    assert r.status_code == 200 and r.json()["result"]["email"] == "l@x.ee"
    (changed,) = client.iter_contacts(ts=dt.date.today())
    assert (changed.code, changed.email, changed.address2) == ("109", "l@x.ee", "Tartu")
    with pytest.raises(ValueError, match="Unknown attribute"):
        sandbox.state.add_contact(code="1", nmae="typo")


@pytest.mark.parametrize(
    ("kind", "content_type", "start"),
    [("html_page", "text/html", b"<!DOCTYPE html>"), ("empty", "text/xml", b"")],
)
def test_non_xml_faults_answer_http_200(sandbox, kind, content_type, start):
    sandbox.state.add_fault(kind)
    answer = requests.post(sandbox.url, data={"token": TOKEN, "get": "1", "what": "item"},
                           timeout=5)  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith(content_type)
    assert answer.content.startswith(start) and (start or answer.content == b"")
    assert sandbox.requests[-1].answer == f"fault:{kind}"


def test_huge_fault_streams_the_announced_size(sandbox):
    sandbox.state.add_fault("huge", size=3 * 1024 * 1024 + 7)
    answer = requests.post(sandbox.url, data={"token": TOKEN, "put": "1", "what": "invoice"},
                           timeout=10)  # fmt: skip
    assert answer.status_code == 200
    assert len(answer.content) == int(answer.headers["Content-Length"]) == 3 * 1024 * 1024 + 7
    assert answer.content.startswith(b"<?xml") and b"<Result " in answer.content[:1024]


def test_requests_record_when_they_started_and_ended(sandbox):
    """Overlap checks of the multi-worker test read these: each request's answer is
    written after it arrived, and a delayed answer ends after the delay."""
    sandbox.add_fault("delay", seconds=0.3, component="customer")
    get(sandbox, "customer")
    get(sandbox, "item")
    slow, fast = sandbox.requests
    assert slow.ended - slow.started >= 0.3
    assert fast.started >= slow.ended
    assert fast.ended >= fast.started


def test_process_then_timeout_ends_when_the_client_gives_up(sandbox):
    """The invoice is stored; the request ends when the client closes the connection
    after its read timeout, not when the sandbox would have answered."""
    sandbox.add_fault("process_then_timeout", seconds=8, component="invoice")
    client = DirectoClient(sandbox.url, TOKEN, read_timeout=0.5)
    payload = InvoicePayload(7001, "K0001", dt.date(2026, 1, 5), None, None, "EUR", None, False, ())
    with pytest.raises(E.DirectoTimeout):
        client.put_invoices([payload])
    (request,) = sandbox.requests
    assert sandbox.invoice(7001) is not None
    deadline = request.started + 6
    while request.ended is None and time.time() < deadline:
        time.sleep(0.05)
    assert request.ended is not None
    assert request.ended - request.started < 5
