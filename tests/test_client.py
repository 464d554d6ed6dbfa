"""DirectoClient against the real sandbox HTTP server."""

import datetime as dt
import io
import socket
import tracemalloc
from decimal import Decimal

import pytest
import requests
from conftest import TOKEN

from xmldirect import errors as E
from xmldirect.client import (
    CONNECTION_CHECK_CODE,
    DEFAULT_MAX_ANSWER_BYTES,
    DirectoClient,
    DirectoUrlError,
    is_url_allowed,
    validate_url,
)
from xmldirect.codec import InvoicePayload, InvoiceRowPayload


def row(rn=1, item="TEENUS-KONSULT", **kw):
    data = {
        "item": item, "description": "Konsultatsioon", "quantity": Decimal("2"),
        "price": Decimal("80.00"), "discount": None, "vatcode": "1", "object": "JAAN", "rn": rn,
    }  # fmt: skip
    data.update(kw)
    return InvoiceRowPayload(**data)


def invoice(number, **kw):
    data = {
        "number": number, "customercode": "K0001", "date": dt.date(2026, 1, 5),
        "duedate": dt.date(2026, 1, 19), "paymentterm": "14", "currency": "EUR",
        "salesman": "JAAN", "confirm": False, "rows": (row(),),
    }  # fmt: skip
    data.update(kw)
    return InvoicePayload(**data)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------ URL / construction


@pytest.mark.parametrize(
    "url",
    [
        "https://login.directo.ee/xmlcore/cap_xml_direct/xmlcore.asp",
        "http://127.0.0.1:8800/xmlcore/cap_xml_direct/xmlcore.asp",
        "http://127.5.6.7/x",
        "http://[::1]:8800/x",
        "http://localhost:8800/x",
        "  https://directo.ee/x  ",
        "https://LOGIN.Directo.EE./x",
        "https://127.0.0.1:8443/x",
    ],
)
def test_allowed_urls(url):
    assert is_url_allowed(url)
    assert validate_url(url) == url.strip()


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/xmlcore.asp",
        "https://directo.ee.evil.com/x",
        "https://evildirecto.ee/x",
        "https://10.0.0.5/x",
    ],
)
def test_key_only_goes_to_directo_hosts(url):
    assert not is_url_allowed(url)
    with pytest.raises(DirectoUrlError, match="only sent to directo.ee") as err:
        validate_url(url)
    assert err.value.reason == "host"
    with pytest.raises(DirectoUrlError):
        DirectoClient(url, TOKEN)


@pytest.mark.parametrize(
    ("url", "allowed", "ok"),
    [
        ("https://proxy.example.com/x", ["proxy.example.com"], True),
        ("https://proxy.example.com/x", [" Proxy.Example.com "], True),
        ("https://a.b.example.com/x", ["*.example.com"], True),
        ("https://example.com/x", ["*.example.com"], True),
        ("https://other.example.com/x", ["proxy.example.com"], False),
        ("https://notexample.com/x", ["*.example.com"], False),
        ("http://proxy.example.com/x", ["proxy.example.com"], False),  # still never http
        ("https://example.com/x", ["", "*."], False),
    ],
)
def test_allowed_hosts_extend_directo_hosts(url, allowed, ok):
    assert is_url_allowed(url, allowed) is ok
    if ok:
        assert DirectoClient(url, TOKEN, allowed_hosts=allowed).url == url
    else:
        with pytest.raises(DirectoUrlError):
            DirectoClient(url, TOKEN, allowed_hosts=allowed)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://login.directo.ee/xmlcore/cap_xml_direct/xmlcore.asp", "plain http"),
        ("http://10.0.0.5/x", "plain http"),
        ("http://localhost.evil.com/x", "plain http"),
        ("ftp://login.directo.ee/x", "https://"),
        ("login.directo.ee/xmlcore", "https://"),
        ("https://", "https://"),
        ("", "empty"),
    ],
)
def test_refused_urls(url, message):
    assert not is_url_allowed(url)
    with pytest.raises(ValueError, match=message):
        validate_url(url)
    with pytest.raises(ValueError):
        DirectoClient(url, TOKEN)


#: URLs whose host is read differently by ``urllib.parse`` and by ``requests``/``urllib3``
#: (which end the host at a backslash), or that carry user info, control characters,
#: spaces or characters no host name has: the key would go to evil.example.
BYPASS_URLS = [
    "http://evil.example\\.localhost/xmlcore/cap_xml_direct/xmlcore.asp",
    "http://evil.example\\.127.0.0.1/x",
    "https://evil.example\\.directo.ee/xmlcore/cap_xml_direct/xmlcore.asp",
    "https://evil.example:P\\@login.directo.ee/xmlcore/cap_xml_direct/xmlcore.asp",
    "https://evil.example:443\\@login.directo.ee/x",
    "https://evil.example\\@login.directo.ee/x",
    "https://evil.example:P@login.directo.ee/x",
    "https://user@login.directo.ee/x",
    "https://@login.directo.ee/x",
    "https://login.directo.ee%5C.evil.example/x",
    "https://evil.example%2F.directo.ee/x",
    "https://evil.example%00.directo.ee/x",
    "https://evil.example\u3002directo.ee/x",
    "https://evil.example\t.directo.ee/x",
    "https://evil.example .directo.ee/x",
    "https://evil.example\x00.directo.ee/x",
    "http://evil.example\r\n.localhost/x",
]


@pytest.mark.parametrize("url", BYPASS_URLS)
def test_parser_confusion_refused(url):
    assert not is_url_allowed(url)
    # Refused whatever the allow-list says: no parser may be trusted with it.
    assert not is_url_allowed(url, ["*.example", "*.0.0.1", "*.localhost"])
    with pytest.raises(DirectoUrlError) as err:
        validate_url(url)
    assert err.value.reason in ("unsafe", "invalid")
    with pytest.raises(DirectoUrlError):
        DirectoClient(url, TOKEN)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example#@login.directo.ee/x",
        "https://evil.example?@login.directo.ee/x",
        "https://evil.example/@login.directo.ee/x",
        "https://evil.example;.directo.ee/x",
    ],
)
def test_allow_list_decides_on_the_host_the_request_goes_to(url):
    """What follows the host ("#@...", "?@...") is no user info: the host is evil.example,
    for every parser, and it is refused as such."""
    with pytest.raises(DirectoUrlError) as err:
        validate_url(url)
    assert err.value.host in (None, "evil.example")
    assert err.value.reason in ("host", "unsafe")


def test_allowed_url_sent_to_the_host_checked():
    """The host the allow-list accepted is where requests would connect."""
    import requests
    from urllib3.util import parse_url

    for url in ("https://LOGIN.Directo.EE./x?a=1", "http://[::1]:8800/x", "http://localhost/x"):
        prepared = requests.Request("POST", validate_url(url)).prepare()
        host = parse_url(prepared.url).host.strip("[]").lower().rstrip(".")
        assert host in ("login.directo.ee", "::1", "localhost")


def test_bad_routing_refused(sandbox):
    with pytest.raises(ValueError, match="routing"):
        DirectoClient(sandbox.url, TOKEN, routing="header")


def test_repr_hides_token(client):
    assert TOKEN not in repr(client)


# ------------------------------------------------------------------ reads


def test_check_connection(sandbox, client, exchanges):
    assert client.check_connection() is True
    (req,) = sandbox.requests
    assert req.method == "POST"
    assert (req.component, req.operation) == ("customer", "get")
    assert req.form["code"] == CONNECTION_CHECK_CODE
    (ex,) = exchanges
    assert ex.outcome == "ok" and ex.documents == 0 and ex.http_status == 200


def test_iter_customers_sends_closed_0_and_drops_closed(sandbox, client):
    customers = list(client.iter_customers())
    codes = [c.code for c in customers]
    assert codes == [f"K000{i}" for i in range(1, 9)]
    assert sandbox.requests[-1].query["closed"] == "0"
    # Even if Directo ignored the filter, closed customers are dropped client-side.
    sandbox.state.add_customer(code="K0100", name="Closed", closed=True)
    client2 = DirectoClient(sandbox.url, TOKEN, routing="query")
    sandbox.state.set_routing_required("any")
    assert "K0100" not in [c.code for c in client2.iter_customers()]


def test_iter_customers_filters(sandbox, client):
    (c,) = client.iter_customers(code="K0004")
    assert c.name == "Tallinna Tarkvara OÜ" and c.email == "raamatupidamine@tarkvara.ee"
    changed = list(client.iter_customers(ts=dt.date(2025, 9, 7)))
    assert [c.code for c in changed] == ["K0007", "K0008"]
    assert sandbox.requests[-1].form["ts"] == "07.09.2025"
    assert list(client.iter_customers(code="NOPE")) == []


def test_iter_items_and_contacts(sandbox, client):
    items = list(client.iter_items())
    assert "ART-9000" not in [i.code for i in items]  # closed
    assert sandbox.requests[-1].form["closed"] == "0"
    consult = next(i for i in items if i.code == "TEENUS-KONSULT")
    assert consult.salesprice == Decimal("80") and consult.vatcode == "1"
    contacts = list(client.iter_contacts(customer_code="K0004"))
    assert {c.name for c in contacts} == {"Kadri Lepp", "Andres Pärn", None}
    liis = next(c for c in contacts if c.code == "109")
    assert (liis.firstname, liis.lastname, liis.address1, liis.mobile) == (
        "Liis", "Org", "Pikk 3", "+372 5000 0109",
    )  # fmt: skip
    assert sandbox.requests[-1].form["customercode"] == "K0004"


def test_iter_contacts_one_request_open_only(sandbox, client):
    contacts = list(client.iter_contacts())
    assert len(sandbox.requests) == 1, "all contact persons in one request"
    assert sandbox.requests[-1].form["closed"] == "0"
    codes = {c.code for c in contacts}
    assert "110" not in codes and {"101", "109", "111"} <= codes
    everything = list(client.iter_contacts(open_only=False))
    assert "closed" not in sandbox.requests[-1].form
    assert {c.code for c in everything if c.closed} == {"110"}


def test_open_contacts_dropped_client_side():
    """Even if Directo ignored ``closed=0``, closed contact persons are dropped."""
    from xmldirect.client import _open_contacts

    body = b'<transport><contact code="1" closed="1"/><contact code="2"/></transport>'
    assert [c.code for c in _open_contacts(io.BytesIO(body))] == ["2"]


def test_iter_contacts_ts_filter(sandbox, client):
    sandbox.state.update_contact("105", phone="+372 1")
    (changed,) = client.iter_contacts(ts=dt.date.today())
    assert (changed.code, changed.phone) == ("105", "+372 1")
    assert sandbox.requests[-1].form["ts"] == dt.date.today().strftime("%d.%m.%Y")
    closing = sandbox.state.update_contact("102", closed="1")
    assert closing["closed"] == "1"
    assert [c.code for c in client.iter_contacts(ts=dt.date.today())] == ["105"]
    assert [(c.code, c.closed) for c in client.iter_contacts(ts=dt.date.today(),
                                                              open_only=False)] == [
        ("102", True), ("105", False),
    ]  # fmt: skip


def test_contact_component_refused_is_not_activated(sandbox, make_client):
    client = make_client("DEMO-NOCONTACT")
    assert client.check_connection()
    with pytest.raises(E.DirectoNotActivated) as err:
        list(client.iter_contacts())
    assert "contact" in str(err.value)


def test_iter_receipts_confirmed_switch(sandbox, client):
    assert [r.number for r in client.iter_receipts()] == [900001]
    assert sandbox.requests[-1].form["confirmed"] == "1"
    assert [r.number for r in client.iter_receipts(confirmed=None)] == [900001, 900002]
    assert "confirmed" not in sandbox.requests[-1].form
    assert "confirmed" not in sandbox.requests[-1].query
    assert [r.number for r in client.iter_receipts(confirmed=False)] == [900002]


def test_other_company_key_sees_other_data(make_client):
    codes = [c.code for c in make_client("OTHER-COMPANY").iter_customers()]
    assert codes == ["O0001", "O0002"]


def test_read_exchange_reported_when_iteration_stops_early(client, exchanges):
    for _c in client.iter_customers():
        break
    (ex,) = exchanges
    assert ex.outcome == "ok" and ex.documents == 1
    assert ex.response_body.startswith(b"<?xml")


# ------------------------------------------------------------------ auth errors


def test_wrong_token(make_client, exchanges):
    with pytest.raises(E.DirectoUnauthorized) as err:
        make_client("WRONG-KEY-123").check_connection()
    assert err.value.type_code == 5
    assert exchanges[-1].outcome == "DirectoUnauthorized"
    assert "WRONG-KEY-123" not in str(err.value)


def test_component_not_activated(make_client):
    with pytest.raises(E.DirectoNotActivated) as err:
        make_client("DEMO-NOREAD").check_connection()
    assert "customer" in err.value.desc
    with pytest.raises(E.DirectoNotActivated):
        make_client("DEMO-NOINVOICE").put_invoices([invoice(1)])


@pytest.mark.parametrize(
    ("component", "operation", "feed"),
    [
        ("customer", "get", "Customers out"),
        ("item", "get", "Articles out"),
        ("invoice", "put", "Invoices in"),
        ("receipt", "get", "Receipts out"),
        ("object", "get", "Objects out"),
    ],
)
def test_each_feed_refused_names_itself(sandbox, make_client, component, operation, feed):
    everything = {"customer:get", "item:get", "invoice:put", "receipt:get", "object:get"}
    sandbox.state.add_token("PARTIAL-KEY", allow=everything - {f"{component}:{operation}"})
    partial = make_client("PARTIAL-KEY")
    with pytest.raises(E.DirectoNotActivated) as err:
        partial.check_feed(component, operation)
    assert (err.value.component, err.value.operation, err.value.feed) == (
        component, operation, feed,
    )  # fmt: skip
    # The other feeds of that key answer.
    for other in everything - {f"{component}:{operation}"}:
        assert partial.check_feed(*other.split(":"))
    if (component, operation) == ("invoice", "put"):
        with pytest.raises(E.DirectoNotActivated) as err:
            partial.put_invoices([invoice(1)])
        assert err.value.feed == "Invoices in"
    # The empty put of the check stores nothing.
    assert set(sandbox.invoices()) == {700001, 700002}


def test_checks_are_recorded_as_checks_that_passed(client, exchanges):
    """Connect's checks are exchanges marked with the feed they proved open; Directo's own
    answer to the empty put (Type 99 from the sandbox) is a passed check, not an error."""
    assert client.check_connection() and client.check_articles()
    for component, operation in (("invoice", "put"), ("receipt", "get"), ("object", "get")):
        assert client.check_feed(component, operation)
    assert [(x.component, x.check, x.outcome, x.error) for x in exchanges] == [
        ("customer", "Customers out", "ok", None),
        ("item", "Articles out", "ok", None),
        ("invoice", "Invoices in", "ok", None),
        ("receipt", "Receipts out", "ok", None),
        ("object", "Objects out", "ok", None),
    ]
    assert b'type="99"' in exchanges[2].response_body  # Directo's answer kept as it came
    # Real work afterwards is not a check.
    list(client.iter_customers())
    assert exchanges[-1].check is None


def test_a_refused_check_stays_an_error(sandbox, make_client, exchanges):
    sandbox.state.add_token("NO-INVOICES", allow={"customer:get", "item:get"})
    with pytest.raises(E.DirectoNotActivated):
        make_client("NO-INVOICES").check_feed("invoice", "put")
    assert (exchanges[-1].check, exchanges[-1].outcome) == ("Invoices in", "DirectoNotActivated")


def test_check_feed_of_a_wrong_key_is_unauthorized(make_client):
    with pytest.raises(E.DirectoUnauthorized):
        make_client("WRONG-KEY-123").check_feed("invoice", "put")


def test_register_reads_include_closed_codes(sandbox, client, exchanges):
    open_items = {e.code: e for e in client.iter_register("item", closed=False)}
    closed_items = {e.code: e for e in client.iter_register("item", closed=True)}
    assert "TEENUS-KONSULT" in open_items and not open_items["TEENUS-KONSULT"].closed
    assert set(closed_items) == {"ART-9000"} and closed_items["ART-9000"].closed
    assert exchanges[-1].params == {"closed": "1"}
    objects = {e.code: e.closed for e in client.iter_register("object")}
    assert objects["VANA"] is True and objects["JAAN"] is False
    assert exchanges[-1].params == {}
    later = list(client.iter_register("customer", ts=dt.date(2031, 1, 1), closed=False))
    assert later == [] and exchanges[-1].params == {"closed": "0", "ts": "01.01.2031"}
    with pytest.raises(ValueError):
        client.iter_register("receipt")


def test_token_required_when_body_loses_the_token(sandbox, make_client):
    class StrippingSession(requests.Session):
        """A broken proxy that drops the form body."""

        def request(self, method, url, **kwargs):
            kwargs["data"] = b"get=1&what=customer"
            return super().request(method, url, **kwargs)

    with pytest.raises(E.DirectoTokenRequired):
        make_client(session=StrippingSession()).check_connection()
    assert sandbox.requests[-1].answer == "err token required"


def test_empty_token_is_sent_as_is_and_rejected(make_client, sandbox):
    with pytest.raises(E.DirectoUnauthorized):
        make_client("").check_connection()
    assert sandbox.requests[-1].form["token"] == ""


def test_token_is_not_stripped_by_the_client(make_client, sandbox):
    with pytest.raises(E.DirectoUnauthorized):
        make_client(f" {TOKEN} ").check_connection()
    assert sandbox.requests[-1].form["token"] == f" {TOKEN} "


# ------------------------------------------------------------------ routing


@pytest.mark.parametrize(
    ("routing", "in_query", "in_body"),
    [("both", True, True), ("query", True, False), ("body", False, True)],
)
def test_routing_observed_by_sandbox(sandbox, make_client, routing, in_query, in_body):
    client = make_client(routing=routing)
    list(client.iter_customers(ts=dt.date(2025, 9, 1)))
    client.put_invoices([invoice(5001, update=True)])
    get_req, put_req = sandbox.requests
    for req, keys in (
        (get_req, ("get", "what", "closed", "ts")),
        (put_req, ("put", "what", "xd_update")),
    ):
        for key in keys:
            assert (key in req.query) is in_query, (routing, key)
            assert (key in req.form) is in_body, (routing, key)
        assert "token" not in req.query and req.form["token"] == TOKEN
        assert TOKEN not in req.path
    assert "xmldata" in put_req.form and "xmldata" not in put_req.query


def test_sandbox_requiring_query_routing_gives_routing_error(sandbox, make_client):
    sandbox.state.set_routing_required("query")
    with pytest.raises(E.DirectoRoutingError) as err:
        make_client(routing="body").check_connection()
    assert err.value.type_code == 404
    assert make_client(routing="both").check_connection()


def test_http_404_wrong_path(sandbox, make_client):
    with pytest.raises(E.DirectoRoutingError) as err:
        make_client(url=sandbox.base_url + "/xmlcore/wrong/xmlcore.asp").check_connection()
    assert err.value.http_status == 404


# ------------------------------------------------------------------ put invoices


def test_put_invoice_success_and_stored(sandbox, client, exchanges):
    payload = invoice(
        20260042, confirm=True, customername="Põhjala Puit OÜ",
        rows=(row(1), row(2, item="ART-1001", quantity=Decimal("120"), price=Decimal("3.20"),
                          discount=Decimal("5"), object="KATRIN")),
    )  # fmt: skip
    (res,) = client.put_invoices([payload])
    assert res == res.__class__(20260042, 0, "OK", "20260042")
    assert res.success
    stored = sandbox.state.invoice(20260042)
    assert stored["confirmed"] is True and stored["customercode"] == "K0001"
    assert stored["date"] == dt.date(2026, 1, 5) and stored["duedate"] == dt.date(2026, 1, 19)
    assert stored["paymentterm"] == "14" and stored["salesman"] == "JAAN"
    assert [(r["item"], r["quantity"], r["price"], r["object"]) for r in stored["rows"]] == [
        ("TEENUS-KONSULT", Decimal("2"), Decimal("80.00"), "JAAN"),
        ("ART-1001", Decimal("120"), Decimal("3.2"), "KATRIN"),
    ]
    assert stored["unknown_attributes"] == []  # every name we send is one Directo maps
    req = sandbox.requests[-1]
    assert "xd_update" not in req.form and "xd_update" not in req.query
    (ex,) = exchanges
    assert (ex.component, ex.operation, ex.outcome, ex.documents) == ("invoice", "put", "ok", 1)
    assert "xmldata=<?xml" in ex.request_body and "token=***" in ex.request_body
    assert ex.results == [res]


@pytest.mark.parametrize(("code", "desc"), [(30, "Created"), ("alternate", "Created")])
def test_success_type_30(sandbox, client, code, desc):
    sandbox.state.set_success_code(code)
    (res,) = client.put_invoices([invoice(11)])
    assert (res.type_code, res.desc, res.success) == (30, desc, True)
    (upd,) = client.put_invoices([invoice(11, update=True)])
    assert upd.success and upd.type_code == (30 if code == 30 else 0)


def test_duplicate_update_and_locked(sandbox, client):
    client.put_invoices([invoice(21)])
    (dup,) = client.put_invoices([invoice(21)])
    assert dup.type_code == 11 and isinstance(dup.error(), E.DirectoDuplicate)
    (upd,) = client.put_invoices([invoice(21, update=True, confirm=True, rows=(row(1), row(2)))])
    assert upd.success
    assert sandbox.requests[-1].form["xd_update"] == "1"
    stored = sandbox.state.invoice(21)
    assert stored["updates"] == 1 and len(stored["rows"]) == 2 and stored["confirmed"]
    (locked,) = client.put_invoices([invoice(21, update=True)])
    assert locked.type_code == 14 and isinstance(locked.error(), E.DirectoConfirmedLocked)


def test_update_of_unknown_number_creates(sandbox, client):
    (res,) = client.put_invoices([invoice(31, update=True)])
    assert res.success and sandbox.state.invoice(31) is not None


@pytest.mark.parametrize(
    ("changes", "desc"),
    [
        ({"rows": (row(item="ART-NOPE"),)}, "Item ART-NOPE not found"),
        ({"rows": (row(vatcode="77"),)}, "VAT code 77 not found"),
        ({"rows": (row(object="NOBODY"),)}, "Object NOBODY not found"),
        ({"salesman": "NOBODY"}, "Salesman NOBODY not found"),
        ({"customercode": "K9999"}, "Customer K9999 not found"),
    ],
)
def test_reference_not_found(sandbox, client, changes, desc):
    (res,) = client.put_invoices([invoice(41, **changes)])
    assert (res.type_code, res.desc) == (31, desc)
    err = res.error()
    assert isinstance(err, E.DirectoReferenceNotFound) and desc in str(err)
    assert sandbox.state.invoice(41) is None


def test_confirm_without_rows_is_type_29(sandbox, client):
    (res,) = client.put_invoices([invoice(51, confirm=True, rows=())])
    assert res.type_code == 29 and not res.success
    assert sandbox.state.invoice(51)["confirmed"] is False


def test_results_in_input_order_with_mixed_outcomes(sandbox, client):
    client.put_invoices([invoice(62)])
    payloads = [invoice(61), invoice(62), invoice(63, rows=(row(item="X"),)), invoice(64)]
    results = client.put_invoices(payloads)
    assert [(r.number, r.type_code) for r in results] == [(61, 0), (62, 11), (63, 31), (64, 0)]


def test_xd_update_only_for_update_payloads(sandbox, client):
    client.put_invoices([invoice(71), invoice(72)])
    before = len(sandbox.requests)
    payloads = [invoice(73), invoice(71, update=True), invoice(74), invoice(72, update=True)]
    results = client.put_invoices(payloads)
    assert [(r.number, r.success) for r in results] == [(n, True) for n in (73, 71, 74, 72)]
    creates, updates = sandbox.requests[before:]
    assert "xd_update" not in creates.form and "xd_update" not in creates.query
    assert updates.form["xd_update"] == "1" and updates.query["xd_update"] == "1"
    assert 'number="71"' in updates.form["xmldata"] and 'number="72"' in updates.form["xmldata"]
    assert 'number="71"' not in creates.form["xmldata"]


def test_duplicate_numbers_in_one_call_refused(client):
    with pytest.raises(ValueError, match="twice"):
        client.put_invoices([invoice(1), invoice(1, update=True)])


def test_empty_put_sends_nothing(sandbox, client):
    assert client.put_invoices([]) == []
    assert sandbox.requests == []


def test_batches_respect_max_request_bytes(sandbox, make_client):
    limit = 3000
    client = make_client(max_request_bytes=limit)
    payloads = [invoice(100 + i, rows=tuple(row(r) for r in range(1, 4))) for i in range(12)]
    results = client.put_invoices(payloads)
    assert [r.number for r in results] == [p.number for p in payloads]
    assert all(r.success for r in results)
    assert len(sandbox.requests) > 1
    for req in sandbox.requests:
        assert int(req.headers["Content-Length"]) <= limit
    assert sum(req.form["xmldata"].count("<invoice ") for req in sandbox.requests) == 12
    assert set(sandbox.state.invoices()) >= {p.number for p in payloads}


def test_single_invoice_too_large(make_client):
    with pytest.raises(ValueError, match="exceeds"):
        make_client(max_request_bytes=500).put_invoices([invoice(1)])


# ------------------------------------------------------------------ raw sandbox answers


def raw_put(sandbox, xmldata, token=TOKEN, **params):
    data = {"token": token, "put": "1", "what": "invoice", "xmldata": xmldata, **params}
    return requests.post(sandbox.url, data=data, timeout=5).content


@pytest.mark.parametrize(
    ("xml", "type_code"),
    [
        ('<invoices><invoice customercode="K0001"><rows/></invoice></invoices>', 12),
        ('<invoices><invoice number="5" customercode=""><rows/></invoice></invoices>', 13),
        ('<invoices><invoice number="2147483648" customercode="K0001"/></invoices>', 1),
        ('<invoices><invoice number="12.5" customercode="K0001"/></invoices>', 1),
        ('<invoices><invoice number="abc" customercode="K0001"/></invoices>', 1),
    ],
)
def test_sandbox_document_level_codes(sandbox, xml, type_code):
    from xmldirect.codec import parse_xml

    (result,) = parse_xml(raw_put(sandbox, xml))
    assert int(result.get("Type")) == type_code


@pytest.mark.parametrize(
    ("xml", "cls"),
    [
        ("<invoices><invoice", E.DirectoInvalidXml),
        ("", E.DirectoError),
        ("<orders/>", E.DirectoError),
    ],
)
def test_sandbox_whole_request_codes(sandbox, xml, cls):
    from xmldirect.codec import parse_put_results

    with pytest.raises(cls) as err:
        parse_put_results(raw_put(sandbox, xml), [1])
    assert err.value.type_code in (8, 99)


XXE_PUT = """<?xml version="1.0"?>
<!DOCTYPE invoices [<!ENTITY x SYSTEM "file:///etc/hostname">]>
<invoices><invoice number="881" customercode="K0001" comment="&x;"><rows/></invoice></invoices>"""
LAUGHS_PUT = """<?xml version="1.0"?>
<!DOCTYPE invoices [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<invoices><invoice number="882" customercode="K0001" comment="&d;"><rows/></invoice></invoices>"""


@pytest.mark.parametrize("xml", [XXE_PUT, LAUGHS_PUT])
def test_sandbox_refuses_entities_in_xmldata(sandbox, xml):
    body = raw_put(sandbox, xml)
    assert b'type="8"' in body
    assert sandbox.state.invoice(881) is None and sandbox.state.invoice(882) is None


def test_sandbox_accepts_get_with_query_string_token(sandbox):
    # The real interface accepts it (clients do it); our client never does.
    body = requests.get(
        sandbox.url, params={"token": TOKEN, "get": "1", "what": "item", "code": "ART-1001"},
        timeout=5,
    ).content  # fmt: skip
    assert b'code="ART-1001"' in body


# ------------------------------------------------------------------ faults


def test_read_timeout(sandbox, make_client, exchanges):
    sandbox.state.add_fault("delay", seconds=3)
    with pytest.raises(E.DirectoTimeout) as err:
        make_client(read_timeout=0.2).check_connection()
    assert err.value.retryable
    assert exchanges[-1].outcome == "DirectoTimeout" and exchanges[-1].http_status is None


def test_http_500_is_transient(sandbox, client, exchanges):
    sandbox.state.add_fault("http500")
    with pytest.raises(E.DirectoTransientError) as err:
        client.check_connection()
    assert err.value.http_status == 500 and not isinstance(err.value, E.DirectoTimeout)
    assert exchanges[-1].http_status == 500
    assert client.check_connection()  # one-shot fault


@pytest.mark.parametrize(
    ("status", "cls"),
    [(502, E.DirectoTransientError), (503, E.DirectoTransientError),
     (403, E.DirectoProtocolError), (307, E.DirectoProtocolError),
     (404, E.DirectoRoutingError)],
)  # fmt: skip
def test_http_status_mapping(sandbox, client, status, cls):
    sandbox.state.add_fault("http_status", status=status)
    with pytest.raises(cls) as err:
        client.check_connection()
    assert err.value.http_status == status


def test_malformed_answer(sandbox, client, exchanges):
    sandbox.state.add_fault("malformed")
    with pytest.raises(E.DirectoProtocolError):
        list(client.iter_customers())
    assert exchanges[-1].outcome == "DirectoProtocolError"
    assert exchanges[-1].response_body.startswith(b"<?xml")


@pytest.mark.parametrize(
    ("kind", "detail"),
    [("html_page", "web page instead of XML (Service temporarily unavailable)"),
     ("empty", "empty answer")],
)  # fmt: skip
def test_non_xml_answer_is_directo_unavailable(sandbox, client, exchanges, kind, detail):
    """A maintenance page or an empty body (HTTP 200) is an outage, not an XXE attempt."""
    sandbox.state.add_fault(kind)
    with pytest.raises(E.DirectoUnavailable) as err:
        client.check_connection()
    assert err.value.retryable and isinstance(err.value, E.DirectoTransientError)
    assert detail in str(err.value)
    assert "not XML Direct" in str(err.value)
    assert "DTD" not in str(err.value) and "XXE" not in str(err.value)
    assert exchanges[-1].outcome == "DirectoUnavailable" and exchanges[-1].http_status == 200
    assert client.check_connection()  # one-shot fault: Directo is back


@pytest.mark.parametrize("kind", ["html_page", "empty"])
def test_non_xml_put_answer_is_retried_as_update(sandbox, client, kind):
    sandbox.state.add_fault(kind, operation="put")
    with pytest.raises(E.DirectoUnavailable) as err:
        client.put_invoices([invoice(704)])
    assert isinstance(err.value, E.DirectoBatchError)
    assert err.value.failed_numbers == [704]  # state unknown: re-send as an update


def test_xml_answer_with_a_dtd_is_still_refused_as_unsafe(sandbox, client, monkeypatch):
    """Only a real XML document declaring a DTD is refused as unsafe (not retried)."""
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE transport [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<transport><customers/></transport>"
    )
    monkeypatch.setattr(sandbox.state, "answer_get", lambda *args: xxe)
    with pytest.raises(E.DirectoProtocolError, match="DTD") as err:
        client.check_connection()
    assert not isinstance(err.value, E.DirectoUnavailable) and not err.value.retryable


def test_oversized_put_answer_is_transient_and_memory_stays_bounded(
    make_client, sandbox, exchanges
):
    cap = 256 * 1024
    sandbox.state.add_fault("huge", operation="put", size=50 * 1024 * 1024)
    client = make_client(max_answer_bytes=cap)
    tracemalloc.start()
    try:
        with pytest.raises(E.DirectoAnswerTooLarge) as err:
            client.put_invoices([invoice(705)])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 50 MB were offered; the worker held about the cap (plus one chunk), never the answer.
    assert peak < 4 * cap, peak
    assert err.value.retryable and isinstance(err.value, E.DirectoBatchError)
    assert err.value.failed_numbers == [705]
    assert f"more than {cap} bytes" in str(err.value)
    exchange = exchanges[-1]
    assert exchange.outcome == "DirectoAnswerTooLarge"
    assert cap < exchange.response_size <= cap + 64 * 1024
    assert len(exchange.response_body) <= 64 * 1024
    (result,) = client.put_invoices([invoice(706)])  # the next call works again
    assert result.success


def test_default_answer_cap_and_streamed_reads_are_not_capped(make_client, sandbox):
    assert DirectoClient(sandbox.url, TOKEN).max_answer_bytes == DEFAULT_MAX_ANSWER_BYTES
    sandbox.state.add_customers(
        {"code": f"BIG{i:05d}", "name": f"Client {i} " + "x" * 100} for i in range(3000)
    )
    # A read far bigger than the cap streams through its spool as before.
    customers = list(make_client(max_answer_bytes=4096).iter_customers())
    assert len([c for c in customers if c.code.startswith("BIG")]) == 3000


def test_connection_drop_is_transient(sandbox, client):
    sandbox.state.add_fault("drop")
    with pytest.raises(E.DirectoTransientError) as err:
        client.check_connection()
    assert not isinstance(err.value, E.DirectoTimeout)


def test_connection_refused_is_transient(make_client):
    url = f"http://127.0.0.1:{closed_port()}/xmlcore/cap_xml_direct/xmlcore.asp"
    with pytest.raises(E.DirectoTransientError):
        make_client(url=url).check_connection()


def test_sticky_fault_and_clear(sandbox, client):
    sandbox.state.add_fault("http500", sticky=True)
    for _ in range(3):
        with pytest.raises(E.DirectoTransientError):
            client.check_connection()
    sandbox.state.clear_faults()
    assert client.check_connection()


def test_fault_limited_to_component(sandbox, client):
    sandbox.state.add_fault("http500", component="invoice", operation="put")
    assert client.check_connection()
    with pytest.raises(E.DirectoTransientError):
        client.put_invoices([invoice(1)])


def test_partial_results(sandbox, client):
    sandbox.state.add_fault("partial", count=1)
    results = client.put_invoices([invoice(201), invoice(202), invoice(203)])
    assert results[0].success
    assert [r.type_code for r in results[1:]] == [None, None]
    assert all(r.desc == "" for r in results[1:])  # no words of ours in the result
    # The sandbox did store them: re-sending as update succeeds.
    assert sandbox.state.invoice(203) is not None
    again = client.put_invoices([invoice(202, update=True), invoice(203, update=True)])
    assert all(r.success for r in again)


def test_process_then_timeout(sandbox, make_client, exchanges):
    sandbox.state.add_fault("process_then_timeout", seconds=3)
    client = make_client(read_timeout=0.3)
    with pytest.raises(E.DirectoTimeout) as err:
        client.put_invoices([invoice(301), invoice(302)])
    batch = err.value
    assert isinstance(batch, E.DirectoBatchError)
    assert batch.failed_numbers == [301, 302] and batch.unsent_numbers == []
    assert [r.type_code for r in batch.results] == [None, None]
    assert batch.partial_results == []
    assert "re-send it as an update" in batch.results[0].desc
    assert sandbox.state.invoice(301) is not None  # it WAS processed
    assert exchanges[-1].outcome.endswith("Timeout")
    (dup,) = client.put_invoices([invoice(301)])
    assert dup.type_code == 11
    (upd,) = client.put_invoices([invoice(301, update=True)])
    assert upd.success


def test_batch_failure_keeps_earlier_results(sandbox, make_client):
    client = make_client(max_request_bytes=1200)
    payloads = [invoice(400 + i) for i in range(6)]
    # Find out how batches are cut, then fail the second request.
    plan = client._batches(payloads, {})
    assert len(plan) >= 3
    calls = {"n": 0}
    original = sandbox.state.take_fault

    def second_request_fails(component, operation):
        calls["n"] += 1
        if calls["n"] == 2:
            from directo_sandbox import Fault

            return Fault("http500")
        return original(component, operation)

    sandbox.state.take_fault = second_request_fails
    with pytest.raises(E.DirectoTransientError) as err:
        client.put_invoices(payloads)
    batch = err.value
    first = [payloads[i].number for i in plan[0]]
    second = [payloads[i].number for i in plan[1]]
    rest = [payloads[i].number for b in plan[2:] for i in b]
    assert batch.failed_numbers == second and batch.unsent_numbers == rest
    assert [r.number for r in batch.results] == [p.number for p in payloads]
    assert [r.number for r in batch.partial_results] == first
    assert all(r.success for r in batch.partial_results)
    assert all(r.type_code is None for r in batch.results if r.number not in first)
    assert all(sandbox.state.invoice(n) is None for n in rest)


def test_unauthorized_put_raises_batch_error(make_client):
    with pytest.raises(E.DirectoUnauthorized) as err:
        make_client("NOT-A-KEY").put_invoices([invoice(1), invoice(2)])
    assert isinstance(err.value, E.DirectoBatchError)
    assert err.value.failed_numbers == [1, 2] and not err.value.retryable


# ------------------------------------------------------------------ token hygiene


def test_token_never_leaks(sandbox, make_client, exchanges):
    secret = "S3CRET-TOKEN-Ä&=+"
    sandbox.state.add_token(secret)
    client = make_client(secret, read_timeout=0.3)
    caught = []
    list(client.iter_customers(ts=dt.date(2025, 9, 1)))
    client.put_invoices([invoice(501), invoice(502, update=True)])
    for fault in ("http500", "malformed", "drop"):
        sandbox.state.add_fault(fault)
        with pytest.raises(E.DirectoError) as err:
            client.put_invoices([invoice(600 + len(caught))])
        caught.append(err.value)
    sandbox.state.add_fault("delay", seconds=2)
    with pytest.raises(E.DirectoTimeout) as err:
        client.check_connection()
    caught.append(err.value)
    with pytest.raises(E.DirectoUnauthorized) as err:
        make_client(secret + "x").check_connection()
    caught.append(err.value)

    for req in sandbox.requests:
        assert secret not in req.path and "token" not in req.query
        assert all(secret not in v for v in req.query.values())
    assert any(req.form.get("token") == secret for req in sandbox.requests)
    assert len(exchanges) == len(sandbox.requests)
    for ex in exchanges:
        blob = " ".join([ex.url, ex.request_body, repr(ex.params), ex.error or ""])
        assert secret not in blob and "S3CRET" not in blob
        assert "token=***" in ex.request_body
        assert b"S3CRET" not in (ex.response_body or b"")
    for exc in caught:
        assert "S3CRET" not in str(exc) and "S3CRET" not in repr(exc)


def test_exchange_reported_for_every_call(sandbox, client, exchanges):
    client.check_connection()
    sandbox.state.add_fault("http500")
    with pytest.raises(E.DirectoError):
        client.check_connection()
    client.put_invoices([invoice(701)])
    assert [e.outcome for e in exchanges] == ["ok", "DirectoTransientError", "ok"]
    assert all(e.duration_ms >= 0 for e in exchanges)
    assert exchanges[1].error and "HTTP 500" in exchanges[1].error


def test_broken_exchange_callback_does_not_break_the_call(sandbox):
    def boom(_exchange):
        raise RuntimeError("logger down")

    client = DirectoClient(sandbox.url, TOKEN, on_exchange=boom)
    (res,) = client.put_invoices([invoice(801)])
    assert res.success


def test_exchange_body_limit(make_client, exchanges):
    list(make_client(exchange_body_limit=50).iter_customers())
    assert len(exchanges[-1].response_body) == 50
    assert exchanges[-1].response_size > 50
