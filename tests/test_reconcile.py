"""Client balances compared (xmldirect.reconcile) and the sandbox's balances."""

import datetime as dt
from decimal import Decimal

from conftest import TOKEN

from xmldirect.client import DirectoClient
from xmldirect.codec import InvoicePayload, InvoiceRowPayload
from xmldirect.reconcile import (
    AMOUNT,
    CREDIT_NOTE,
    NOT_SENT,
    ONLY_IN_DIRECTO,
    ONLY_IN_ODOO,
    UNKNOWN_INVOICE,
    Cause,
    differs,
    explain,
    main_cause,
)


def test_differs_beyond_tolerance_only():
    assert not differs(100.0, 100.0, 0.01)
    assert not differs(100.01, 100.0, 0.01)
    assert differs(100.02, 100.0, 0.01)
    assert differs(0.0, 100.0, 0.01)
    # Float noise never makes equal balances differ.
    assert not differs(0.1 + 0.2, 0.3, 0.0)


def test_explain_causes_and_residual():
    causes = [
        Cause(NOT_SENT, -100.0, move_id=1),
        Cause(AMOUNT, 3.9, move_id=2, number=202600002),
    ]
    found, residual = explain(53.9, causes)
    assert [c.kind for c in found] == [AMOUNT, NOT_SENT, ONLY_IN_DIRECTO]
    assert residual == 150.0
    assert found[-1].amount == 150.0
    assert main_cause(found) == ONLY_IN_DIRECTO


def test_explain_fully_explained_has_no_residual():
    found, residual = explain(-237.9, [Cause(NOT_SENT, -237.9, move_id=1)])
    assert residual == 0.0
    assert [c.kind for c in found] == [NOT_SENT]
    # A residual within the tolerance is no cause of its own.
    found, residual = explain(-237.905, [Cause(NOT_SENT, -237.9, move_id=1)])
    assert residual == 0.0 and len(found) == 1


def test_explain_negative_residual_is_only_in_odoo():
    found, residual = explain(-40.0, [])
    assert residual == -40.0
    assert [c.kind for c in found] == [ONLY_IN_ODOO]


def test_explain_credit_notes_when_they_account_for_the_rest():
    credit = [(7, 202600007, -50.0), (8, 202600008, -20.0)]
    found, residual = explain(20.0, [], credit)
    assert residual == 0.0
    assert [(c.kind, c.move_id, c.amount) for c in found] == [(CREDIT_NOTE, 8, 20.0)]
    found, residual = explain(70.0, [], credit)
    assert residual == 0.0
    assert sorted(c.move_id for c in found) == [7, 8]
    # Credit notes that do not account for it are not blamed.
    found, residual = explain(33.0, [], credit)
    assert [c.kind for c in found] == [ONLY_IN_DIRECTO]
    assert residual == 33.0


def test_explain_zero_causes_dropped():
    found, _residual = explain(10.0, [Cause(AMOUNT, 0.0, move_id=1), Cause(UNKNOWN_INVOICE, 10.0)])
    assert [c.kind for c in found] == [UNKNOWN_INVOICE]


def _put(sandbox, number, amount, customer="K0001"):
    row = InvoiceRowPayload(None, "Row", Decimal(1), Decimal(amount), None, "1", None, 1)
    payload = InvoicePayload(
        number, customer, dt.date(2026, 1, 5), None, None, "EUR", None, True, (row,)
    )
    (res,) = DirectoClient(sandbox.url, TOKEN).put_invoices([payload])
    assert res.success


def _balances(sandbox):
    client = DirectoClient(sandbox.url, TOKEN)
    return {c.code: c.balance for c in client.iter_customers()}


def test_sandbox_balance_from_invoices_receipts_and_opening(sandbox):
    balances = _balances(sandbox)
    # Demo: 700001 (496.00) paid by the confirmed 900001; 700002 (234.36) with only an
    # unconfirmed receipt; K0004 opens with 150.00; the others owe nothing.
    assert balances["K0001"] == Decimal("0.00")
    assert balances["K0002"] == Decimal("234.36")
    assert balances["K0004"] == Decimal("150.00")
    assert balances["K0005"] == Decimal("0.00")
    _put(sandbox, 202600001, "100")  # 124.00 with 24 % VAT
    sandbox.state.add_invoice(800001, "K0001", "50")  # typed into Directo, 0 % VAT
    sandbox.state.add_receipt(rows=[{"invoice": 202600001, "amount": "24"}])
    sandbox.state.add_receipt(rows=[{"invoice": 999999, "amount": "10", "customer": "K0001"}])
    sandbox.state.add_receipt(202600001, amount="30", confirmed=False)
    assert _balances(sandbox)["K0001"] == Decimal("140.00")
    assert sandbox.state.customer_balance("K0001") == Decimal("140.00")


def test_sandbox_without_balances(sandbox):
    sandbox.state.set_report_balances(False)
    assert set(_balances(sandbox).values()) == {None}
    # Also through the HTTP control interface.
    import requests

    answer = requests.post(
        sandbox.url.split("/xmlcore")[0] + "/control/set_report_balances",
        json={"report": True},
        timeout=5,
    )
    assert answer.ok, answer.text
    assert _balances(sandbox)["K0004"] == Decimal("150.00")
