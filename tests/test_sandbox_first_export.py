"""The sandbox's part in the first export (issue 21): articles tell their VAT code's rate,
the VAT code list tells nothing more than Directo documents, and the demo's invoices can be
paid at once."""

import dataclasses
import datetime as dt
from decimal import Decimal

from xmldirect.codec import InvoicePayload, InvoiceRowPayload
from xmldirect.vatcodes import rates_from_articles


def test_articles_tell_the_rates_of_their_vat_codes(client):
    entries = list(client.iter_register("item", closed=False))
    raamat = next(e for e in entries if e.code == "TEENUS-RAAMAT")
    assert (raamat.vatcode, raamat.salesprice, raamat.vatprice) == (
        "4",
        Decimal("350"),
        Decimal("427"),
    )
    rates = rates_from_articles((e.vatcode, e.salesprice, e.vatprice) for e in entries)
    assert {code: r.rate for code, r in rates.items()} == {
        "1": Decimal(24),
        "2": Decimal(9),
        "3": Decimal(0),
        "4": Decimal(22),
    }


def test_add_item_derives_the_price_with_vat(sandbox, client):
    sandbox.add_item(code="NEW-1", name="x", salesprice="10", vatcode="2")
    (entry,) = client.iter_register("item", code="NEW-1")
    assert entry.vatprice == Decimal("10.90")


def test_vat_code_list_answers_nothing_undocumented(client):
    assert list(client.iter_vat_code_list()) == []


def _payload(number):
    row = InvoiceRowPayload(
        "TEENUS-KONSULT", "Konsultatsioon", Decimal(2), Decimal(80), None, "1", "ADMIN", 1
    )
    return InvoicePayload(
        number, "K0001", dt.date(2026, 1, 15), None, None, "EUR", "ADMIN", False, (row,)
    )


def test_demo_pays_new_invoices_when_asked(sandbox, client):
    client.put_invoices([_payload(880001)])
    assert not [r for r in sandbox.state.receipts().values() if r["rows"][0]["invoice"] == 880001]
    sandbox.state.set_pay_new_invoices(True)
    client.put_invoices([_payload(880002)])
    (paid,) = [r for r in sandbox.state.receipts().values() if r["rows"][0]["invoice"] == 880002]
    assert paid["confirmed"]
    assert paid["rows"][0]["received"] == Decimal("198.40")  # 2 x 80 + 24 %
    # An update of the same invoice is not paid twice.
    client.put_invoices([dataclasses.replace(_payload(880002), update=True)])
    assert len([r for r in sandbox.state.receipts().values()
                if r["rows"][0]["invoice"] == 880002]) == 1  # fmt: skip
