# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime as dt
import threading
from decimal import Decimal
from unittest.mock import patch

from odoo import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import format_date

from odoo.addons.directo_connector.models.directo_receipt import WATERMARK_OVERLAP
from odoo.addons.directo_connector.xmldirect import InvoicePayload, InvoiceRowPayload

from .common import DirectoTransactionCase, posted_invoice

LOGGER = "odoo.addons.directo_connector.models.directo_receipt"
#: Gross total of the sandbox's demo invoice 700001 (5 x 80.00 + 24 % VAT), paid in full
#: by the demo's confirmed receipt 900001.
DEMO_INVOICE_TOTAL = 496.0


@tagged("post_install", "-at_install")
class TestPaidStatus(DirectoTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.client_k1 = Partner.create(
            {"name": "Põhjala Puit OÜ", "is_company": True, "directo_code": "K0001"}
        )
        cls.client_k2 = Partner.create(
            {"name": "Saare Kala AS", "is_company": True, "directo_code": "K0002"}
        )
        cls.bank_journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )

    # ------------------------------------------------------------------ helpers

    def _invoice(self, amount, number, partner=None, date="2025-09-01", currency=None):
        """A posted customer invoice, marked as exported with Directo number ``number``."""
        return posted_invoice(
            partner or self.client_k1, amount, date, currency=currency, number=number
        )

    def _directo_invoice(self, number, amount, customer="K0001"):
        """Put the invoice into the sandbox's store (0 % VAT code '3') via XML Direct."""
        payload = InvoicePayload(
            number=number,
            customercode=customer,
            date=dt.date(2025, 9, 1),
            duedate=None,
            paymentterm=None,
            currency="EUR",
            salesman=None,
            confirm=True,
            rows=(
                InvoiceRowPayload(
                    item=None,
                    description="Konsultatsioon",
                    quantity=Decimal(1),
                    price=Decimal(str(amount)),
                    discount=None,
                    vatcode="3",
                    object=None,
                    rn=1,
                ),
            ),
        )
        (result,) = self.company._directo_client().put_invoices([payload])
        self.assertTrue(result.success, result.desc)

    def _exported(self, amount, number, partner=None, customer="K0001"):
        """Invoice in Odoo and in Directo."""
        move = self._invoice(amount, number, partner=partner)
        self._directo_invoice(number, amount, customer=customer)
        return move

    def _fetch(self):
        return self.env["directo.receipt"]._directo_fetch_paid_status(self.company)

    def _receipt_requests(self):
        return [r for r in self.sandbox.requests if r.component == "receipt"]

    def _notes(self, move):
        return move.message_ids.filtered(lambda m: "Directo payment status" in (m.body or ""))

    # ------------------------------------------------------------------ tests

    def test_full_payment(self):
        """The demo's confirmed receipt 900001 pays invoice 700001 in full."""
        move = self._invoice(DEMO_INVOICE_TOTAL, 700001)
        stats = self._fetch()
        self.assertFalse(stats["error"])
        self.assertEqual(move.directo_payment_state, "paid")
        self.assertAlmostEqual(move.directo_amount_paid, DEMO_INVOICE_TOTAL)
        receipt = self.env["directo.receipt"].search(
            [("company_id", "=", self.company.id), ("number", "=", 900001)]
        )
        self.assertTrue(receipt.confirmed)
        self.assertEqual(receipt.line_ids.move_id, move)
        self.assertEqual(receipt.line_ids.match_state, "matched")
        self.assertEqual(receipt.line_ids.customer_code, "K0001")
        self.assertEqual(move.directo_last_payment_date, receipt.line_ids.payment_date)
        self.assertTrue(move.directo_last_payment_date)
        # Directo's receipt has no time of its own (ws_laekumised.xsd): its row's is shown.
        self.assertTrue(receipt.receipt_datetime)
        self.assertEqual(receipt.receipt_datetime, receipt.line_ids.row_datetime)
        # The summary writes dates as the settings around it do (the user's format).
        since = dt.date(2025, 9, 1) - WATERMARK_OVERLAP  # the day before the invoice
        self.assertIn("changed since %s" % format_date(self.env, since), stats["message"])
        self.assertNotIn("31.08.2025", stats["message"])
        # One chatter note for the change, Odoo's own payment state untouched.
        self.assertEqual(len(self._notes(move)), 1)
        self.assertIn("Paid", self._notes(move).body)
        self.assertEqual(move.payment_state, "not_paid")
        # Unconfirmed receipts are read too (to notice un-confirmation), never counted.
        unconfirmed = self.env["directo.receipt"].search(
            [("company_id", "=", self.company.id), ("number", "=", 900002)]
        )
        self.assertFalse(unconfirmed.confirmed)
        (request,) = self._receipt_requests()
        self.assertNotIn("confirmed", {**request.query, **request.form})
        exchange = self.env["directo.exchange"].search(
            [("company_id", "=", self.company.id), ("component", "=", "receipt")],
            limit=1,
        )
        self.assertTrue(exchange.success)
        # The "Paid in Directo" filter.
        self.assertIn(
            move,
            self.env["account.move"].search([("directo_payment_state", "=", "paid")]),
        )
        # Fetching again changes nothing: nothing is counted twice.
        stats = self._fetch()
        self.assertEqual(stats["changed"], 0)
        self.assertAlmostEqual(move.directo_amount_paid, DEMO_INVOICE_TOTAL)
        self.assertEqual(len(self._notes(move)), 1)

    def test_two_partial_payments(self):
        move = self._exported(100.0, 810001)
        self._fetch()
        self.assertEqual(move.directo_payment_state, "not_paid")
        self.sandbox.add_receipt(invoice=810001, amount="40.00", number=910001)
        self._fetch()
        self.assertEqual(move.directo_payment_state, "partial")
        self.assertAlmostEqual(move.directo_amount_paid, 40.0)
        self.sandbox.add_receipt(invoice=810001, amount="60.00", number=910002)
        stats = self._fetch()
        self.assertEqual(stats["changed"], 1)
        self.assertEqual(move.directo_payment_state, "paid")
        self.assertAlmostEqual(move.directo_amount_paid, 100.0)
        self.assertEqual(
            self._notes(move)
            .mapped(lambda m: "Partially paid in Directo → Paid in Directo" in m.body)
            .count(True),
            1,
        )
        self.assertEqual(len(self._notes(move)), 2)

    def test_several_invoices_in_one_receipt(self):
        first = self._exported(100.0, 810011)
        second = self._exported(250.0, 810012, partner=self.client_k2, customer="K0002")
        self.sandbox.add_receipt(
            rows=[{"invoice": 810011, "amount": "100"}, {"invoice": 810012, "amount": "50"}],
            number=910011,
        )
        self._fetch()
        self.assertEqual(first.directo_payment_state, "paid")
        self.assertEqual(second.directo_payment_state, "partial")
        self.assertAlmostEqual(second.directo_amount_paid, 50.0)

    def test_unknown_invoice_ignored_and_logged(self):
        move = self._exported(100.0, 810021)
        self.sandbox.add_receipt(invoice=999123, amount="10.00", number=910021)
        with self.assertLogs(LOGGER, level="WARNING") as logs:
            stats = self._fetch()
        self.assertGreaterEqual(stats["unknown"], 1)
        self.assertIn("999123", "\n".join(logs.output))
        self.assertIn("999123", self.company.directo_receipt_sync_message)
        line = self.env["directo.receipt.line"].search([("invoice_number", "=", 999123)])
        self.assertEqual(line.match_state, "unknown_invoice")
        self.assertFalse(line.move_id)
        self.assertEqual(move.directo_payment_state, "not_paid")
        # The answer naming the unknown invoice is kept as an exchange.
        exchange = self.env["directo.exchange"].search(
            [("company_id", "=", self.company.id), ("component", "=", "receipt")], limit=1
        )
        self.assertIn("999123", exchange.response_body)
        # If that invoice later turns out to be ours, the stored row is matched.
        late = self._invoice(10.0, 999123)
        self._fetch()
        self.assertEqual(line.match_state, "matched")
        self.assertEqual(late.directo_payment_state, "paid")

    def test_client_code_mismatch_not_counted(self):
        # Directo has 810031 for K0001, but in Odoo the number belongs to K0002's invoice.
        move = self._invoice(100.0, 810031, partner=self.client_k2)
        self._directo_invoice(810031, 100.0, customer="K0001")
        self.sandbox.add_receipt(invoice=810031, number=910031)
        stats = self._fetch()
        self.assertEqual(stats["mismatch"], 1)
        self.assertEqual(move.directo_payment_state, "not_paid")
        line = self.env["directo.receipt.line"].search([("invoice_number", "=", 810031)])
        self.assertEqual(line.match_state, "customer_mismatch")

    def test_receipt_edited_after_read(self):
        move = self._exported(100.0, 810041)
        number = self.sandbox.add_receipt(invoice=810041, number=910041)
        self._fetch()
        self.assertEqual(move.directo_payment_state, "paid")
        self.sandbox.edit_receipt(number, amount="30.00")
        stats = self._fetch()
        self.assertEqual(stats["changed"], 1)
        receipt = self.env["directo.receipt"].search([("number", "=", number)])
        self.assertEqual(len(receipt.line_ids), 1, "rows are replaced, not added")
        self.assertAlmostEqual(receipt.line_ids.received, 30.0)
        self.assertEqual(move.directo_payment_state, "partial")
        self.assertAlmostEqual(move.directo_amount_paid, 30.0)
        # A reversal row in the same receipt reduces the paid amount.
        self.sandbox.edit_receipt(
            number,
            rows=[{"invoice": 810041, "amount": "30.00"}, {"invoice": 810041, "amount": "-30.00"}],
        )
        self._fetch()
        self.assertEqual(move.directo_payment_state, "not_paid")
        self.assertAlmostEqual(move.directo_amount_paid, 0.0)

    def test_receipt_unconfirmed(self):
        move = self._exported(100.0, 810051)
        number = self.sandbox.add_receipt(invoice=810051, number=910051)
        self._fetch()
        self.assertEqual(move.directo_payment_state, "paid")
        self.sandbox.unconfirm_receipt(number)
        self._fetch()
        receipt = self.env["directo.receipt"].search([("number", "=", number)])
        self.assertFalse(receipt.confirmed)
        self.assertEqual(move.directo_payment_state, "not_paid")
        self.assertAlmostEqual(move.directo_amount_paid, 0.0)
        self.assertFalse(move.directo_last_payment_date)
        self.assertIn("Paid in Directo → Not paid in Directo", self._notes(move)[0].body)
        self.sandbox.confirm_receipt(number)
        self._fetch()
        self.assertEqual(move.directo_payment_state, "paid")

    def test_watermark_advance_with_overlap(self):
        self._invoice(100.0, 810061, date="2025-09-10")
        self.sandbox.add_receipt(
            invoice=810061, amount="10", number=910061, ts=dt.datetime(2025, 9, 20, 14, 30)
        )
        self.assertFalse(self.company.directo_receipt_watermark)
        self._fetch()
        # First run: from the day before the first exported invoice.
        first = self._receipt_requests()[-1]
        self.assertEqual({**first.query, **first.form}["ts"], "09.09.2025")
        self.assertEqual(self.company.directo_receipt_watermark, dt.datetime(2025, 9, 20, 14, 30))
        # Next run: one day of overlap before the watermark.
        self.sandbox.add_receipt(
            invoice=810061, amount="20", number=910062, ts=dt.datetime(2025, 9, 19, 23, 0)
        )
        self.sandbox.add_receipt(
            invoice=810061, amount="40", number=910063, ts=dt.datetime(2025, 9, 18, 12, 0)
        )
        stats = self._fetch()
        second = self._receipt_requests()[-1]
        self.assertEqual({**second.query, **second.form}["ts"], "19.09.2025")
        self.assertEqual(stats["unchanged"], 1)  # 910061 again, skipped
        numbers = self.env["directo.receipt"].search([]).mapped("number")
        self.assertIn(910062, numbers)  # changed within the overlap: read
        self.assertNotIn(910063, numbers)  # older than the overlap: not asked for
        # The watermark never goes back.
        self.assertEqual(self.company.directo_receipt_watermark, dt.datetime(2025, 9, 20, 14, 30))
        self.sandbox.add_receipt(
            invoice=810061, amount="1", number=910064, ts=dt.datetime(2025, 9, 22, 8, 0)
        )
        self._fetch()
        self.assertEqual(self.company.directo_receipt_watermark, dt.datetime(2025, 9, 22, 8, 0))

    def test_transient_failure_keeps_watermark(self):
        move = self._exported(100.0, 810071)
        self._fetch()
        watermark = self.company.directo_receipt_watermark
        self.assertTrue(watermark)
        self.sandbox.add_receipt(invoice=810071, number=910071)
        self.sandbox.add_fault("http500", component="receipt")
        stats = self._fetch()
        self.assertTrue(stats["error"])
        self.assertEqual(self.company.directo_receipt_watermark, watermark)
        self.assertIn("watermark was not moved", self.company.directo_receipt_sync_message)
        self.assertEqual(move.directo_payment_state, "not_paid")
        failed = self.env["directo.exchange"].search(
            [("company_id", "=", self.company.id), ("component", "=", "receipt")], limit=1
        )
        self.assertFalse(failed.success)
        # A truncated answer is a failure too: the watermark stays.
        self.sandbox.add_fault("malformed", component="receipt")
        stats = self._fetch()
        self.assertTrue(stats["error"])
        self.assertEqual(self.company.directo_receipt_watermark, watermark)
        # Next run succeeds and catches up.
        stats = self._fetch()
        self.assertFalse(stats["error"])
        self.assertEqual(move.directo_payment_state, "paid")
        self.assertGreater(self.company.directo_receipt_watermark, watermark)

    def test_payment_registration_on_and_off(self):
        self.assertTrue(self.bank_journal)
        self.company.directo_payment_journal_id = self.bank_journal
        move = self._exported(100.0, 810081)
        first = self.sandbox.add_receipt(invoice=810081, amount="40.00", number=910081)
        self._fetch()
        self.assertEqual(move.directo_payment_state, "partial")
        self.assertEqual(move.payment_state, "partial")
        self.assertAlmostEqual(move.amount_residual, 60.0)
        payment = self.env["account.payment"].search([("directo_invoice_id", "=", move.id)])
        self.assertEqual(len(payment), 1)
        self.assertEqual(payment.journal_id, self.bank_journal)
        self.assertAlmostEqual(payment.amount, 40.0)
        self.assertEqual(payment.directo_receipt_line_ids.receipt_id.number, first)
        second = self.sandbox.add_receipt(invoice=810081, amount="60.00", number=910082)
        self._fetch()
        self.assertEqual(move.directo_payment_state, "paid")
        self.assertEqual(move.payment_state, "paid")
        self.assertEqual(
            len(self.env["account.payment"].search([("directo_invoice_id", "=", move.id)])), 2
        )
        # Directo takes the second payment back: ours is removed, Odoo follows.
        self.sandbox.unconfirm_receipt(second)
        self._fetch()
        self.assertEqual(move.directo_payment_state, "partial")
        self.assertEqual(move.payment_state, "partial")
        self.assertEqual(
            self.env["account.payment"].search([("directo_invoice_id", "=", move.id)]), payment
        )
        # And the first one too.
        self.sandbox.edit_receipt(first, amount="0")
        self._fetch()
        self.assertEqual(move.payment_state, "not_paid")
        self.assertFalse(self.env["account.payment"].search([("directo_invoice_id", "=", move.id)]))
        # Registration off: Directo's status moves, Odoo's payment state does not.
        self.company.directo_payment_journal_id = False
        self.sandbox.confirm_receipt(second)
        self._fetch()
        self.assertEqual(move.directo_payment_state, "partial")
        self.assertEqual(move.payment_state, "not_paid")

    def test_payment_registration_catches_up(self):
        """Switched on later, or cut short by the time limit: the next run registers."""
        move = self._exported(100.0, 810091)
        self.sandbox.add_receipt(invoice=810091, amount="70.00", number=910091)
        self._fetch()
        self.assertEqual(move.directo_payment_state, "partial")
        self.assertEqual(move.payment_state, "not_paid")
        self.company.directo_payment_journal_id = self.bank_journal
        Line = self.env["directo.receipt.line"]
        self.assertEqual(Line._directo_sync_payments(move, budget=-1), (0, 1))
        self.assertEqual(move.payment_state, "not_paid")
        stats = self._fetch()  # nothing changed in Directo
        self.assertEqual(stats["changed"], 0)
        self.assertEqual(stats["payments"], 1)
        self.assertEqual(move.payment_state, "partial")
        self.assertAlmostEqual(move.amount_residual, 30.0)
        # Steady state: nothing more to do.
        self.assertEqual(self._fetch()["payments"], 0)

    def test_fetch_button_in_settings(self):
        move = self._invoice(DEMO_INVOICE_TOTAL, 700001)
        settings = Form(self.env["res.config.settings"])
        settings.directo_payment_journal_id = self.bank_journal
        record = settings.save()
        action = record.action_directo_fetch_paid_status()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("receipt(s) read", action["params"]["message"])
        self.assertEqual(self.company.directo_payment_journal_id, self.bank_journal)
        self.assertEqual(move.directo_payment_state, "paid")
        self.assertEqual(move.payment_state, "paid")
        self.assertTrue(self.company.directo_receipt_last_sync)

    def test_cron_only_companies_with_key_and_export(self):
        move = self._invoice(DEMO_INVOICE_TOTAL, 700001)
        self.company.directo_invoice_export = False
        self.env["directo.receipt"]._cron_fetch_paid_status()
        self.assertFalse(self._receipt_requests())
        self.assertFalse(move.directo_payment_state == "paid")
        self.company.directo_invoice_export = True
        self.env["directo.receipt"]._cron_fetch_paid_status()
        self.assertEqual(move.directo_payment_state, "paid")
        cron = self.env.ref("directo_connector.ir_cron_directo_paid_status")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "hours"))

    def test_nothing_exported_no_call(self):
        stats = self._fetch()
        self.assertFalse(self._receipt_requests())
        self.assertFalse(stats["error"])
        self.assertIn("nothing to match", self.company.directo_receipt_sync_message)

    def test_views(self):
        Move = self.env["account.move"]
        search = Move.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn('name="directo_paid"', search)
        form = Move.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("directo_payment_state", form)
        action = self.env.ref("directo_connector.directo_receipt_action")
        self.assertEqual(action.res_model, "directo.receipt")

    # ------------------------------------------------------------------ review fixes

    def _receipt_exchanges(self):
        return self.env["directo.exchange"].search(
            [("company_id", "=", self.company.id), ("component", "=", "receipt")]
        )

    def test_processing_error_keeps_exchange_and_watermark(self):
        """A crash while processing what was read rolls the processing back, never the
        exchange of the read (button and scheduled action alike)."""
        move = self._exported(100.0, 810101)
        self._fetch()
        watermark = self.company.directo_receipt_watermark
        self.assertTrue(watermark)
        self.sandbox.add_receipt(invoice=810101, number=910101)
        Receipt = self.env["directo.receipt"]
        before = self._receipt_exchanges()
        with (
            patch.object(type(Receipt), "_directo_store_chunk", side_effect=ValueError("boom")),
            self.assertLogs(LOGGER, level="ERROR"),
        ):
            stats = self._fetch()
        self.assertIn("boom", stats["error"])
        self.assertIn(
            "Processing the receipts read failed", self.company.directo_receipt_sync_message
        )
        new = self._receipt_exchanges() - before
        self.assertEqual(len(new), 1, "the exchange of the read is kept")
        self.assertTrue(new.success)
        self.assertIn("910101", new.response_body)
        self.assertEqual(self.company.directo_receipt_watermark, watermark)
        self.assertFalse(Receipt.search([("number", "=", 910101)]))
        self.assertEqual(move.directo_payment_state, "not_paid")
        # The same through the scheduled action (its per-company savepoint).
        before = self._receipt_exchanges()
        with (
            patch.object(type(Receipt), "_directo_store_chunk", side_effect=ValueError("boom")),
            self.assertLogs(LOGGER, level="ERROR"),
        ):
            Receipt._cron_fetch_paid_status()
        self.assertEqual(len(self._receipt_exchanges() - before), 1)
        self.assertEqual(self.company.directo_receipt_watermark, watermark)
        # Fixed: the next run reads the same period again and catches up.
        stats = self._fetch()
        self.assertFalse(stats["error"])
        self.assertEqual(move.directo_payment_state, "paid")
        self.assertGreater(self.company.directo_receipt_watermark, watermark)

    def test_payment_error_noted_once_and_skipped(self):
        """A registration failure is noted once, not every run, and is not retried by the
        scheduled action until Directo's amount changes; success clears it."""
        self.company.directo_payment_journal_id = self.bank_journal
        methods = self.bank_journal.inbound_payment_method_line_ids
        methods.journal_id = False  # a journal without incoming payment methods
        move = self._exported(100.0, 810111)
        number = self.sandbox.add_receipt(invoice=810111, amount="40.00", number=910111)
        Receipt = self.env["directo.receipt"]
        Receipt._cron_fetch_paid_status()
        self.assertEqual(move.directo_payment_state, "partial")
        self.assertEqual(move.payment_state, "not_paid")
        error = move.directo_payment_error
        self.assertIn("payment method", error)
        failure_notes = move.message_ids.filtered(
            lambda m: "could not be registered" in (m.body or "")
        )
        self.assertEqual(len(failure_notes), 1)
        # Second run, nothing changed in Directo: not retried, no second note.
        with patch.object(
            type(self.env["directo.receipt.line"]), "_directo_sync_invoice_payments"
        ) as sync:
            Receipt._cron_fetch_paid_status()
        sync.assert_not_called()
        # The button retries at once; the same error adds no note either.
        stats = self._fetch()
        self.assertEqual(stats["payments"], 0)
        self.assertEqual(move.directo_payment_error, error)
        notes = move.message_ids.filtered(lambda m: "could not be registered" in (m.body or ""))
        self.assertEqual(notes, failure_notes)
        # Cause fixed, Directo's amount changes: the scheduled action retries, succeeds
        # and clears the error.
        methods.journal_id = self.bank_journal
        self.sandbox.edit_receipt(number, amount="60.00")
        Receipt._cron_fetch_paid_status()
        self.assertFalse(move.directo_payment_error)
        self.assertEqual(move.payment_state, "partial")
        self.assertAlmostEqual(move.amount_residual, 40.0)

    def test_cron_commits_each_company(self):
        """Outside tests, each company is committed on its own (row locks released, a
        later timeout does not discard it)."""
        other = self.env["res.company"].create({"name": "Directo Second Company"})
        self._configure_company(other)
        self._invoice(DEMO_INVOICE_TOTAL, 700001)
        with (
            patch.object(threading.current_thread(), "testing", False),
            patch.object(self.env.cr, "commit") as commit,
        ):
            self.env["directo.receipt"]._cron_fetch_paid_status()
        self.assertEqual(commit.call_count, 2)
        self.assertTrue(other.directo_receipt_last_sync)

    def test_refused_invoice_gets_no_payment_badge(self):
        """A Type 31 refusal writes the Directo number but Directo stored nothing: no
        'Not paid in Directo' badge, and a receipt naming that number is not counted."""
        tax = self.env["account.tax"].create(
            {"name": "DX 0%", "amount": 0, "type_tax_use": "sale", "directo_code": "3"}
        )
        product = self.env["product.product"].create(
            {"name": "Consulting hour", "directo_code": "TEENUS-KONSULT"}
        )
        katrin = new_test_user(self.env, login="dx_paid_katrin", groups="base.group_user")
        katrin.directo_code = "KATRIN"
        unknown_client = self.env["res.partner"].create(
            {
                "name": "Unknown To Directo OÜ",
                "is_company": True,
                "directo_code": "K9999",
                "directo_default_resource_id": katrin.id,
            }
        )
        refused = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": unknown_client.id,
                "invoice_date": "2025-09-01",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "price_unit": 50,
                            "tax_ids": [Command.set(tax.ids)],
                        }
                    )
                ],
            }
        )
        refused.action_post()
        prepared = self.env["directo.invoice.mapper"]._prepare(refused)
        self.assertFalse([p.message for prep in prepared for p in prep.problems])
        refused.action_directo_export()
        self.assertEqual(refused.directo_state, "failed")
        self.assertIn("Type 31", refused.directo_error)
        self.assertTrue(refused.directo_number)
        self.assertFalse(refused.directo_document)
        sent = self._invoice(DEMO_INVOICE_TOTAL, 700001)
        self.sandbox.add_receipt(
            rows=[{"invoice": refused.directo_number, "amount": "10.00"}],
            number=910121,
        )
        self._fetch()
        self.assertEqual(sent.directo_payment_state, "paid")
        self.assertFalse(refused.directo_payment_state)
        self.assertFalse(refused.directo_amount_paid)
        line = self.env["directo.receipt.line"].search([("receipt_id.number", "=", 910121)])
        self.assertEqual(line.match_state, "unknown_invoice")
        self.assertNotIn(
            refused,
            self.env["account.move"].search([("directo_payment_state", "=", "not_paid")]),
        )

    def test_receipt_amounts_in_invoice_currency(self):
        """Rows carry the matched invoice's currency; a receipt paying invoices in two
        currencies is not added up as is."""
        company_currency = self.company.currency_id
        foreign = self.env.ref("base.USD" if company_currency.name != "USD" else "base.EUR")
        foreign.active = True
        self.env["res.currency.rate"].create(
            {"name": "2025-01-01", "rate": 2.0, "currency_id": foreign.id}
        )
        local = self._exported(100.0, 810131)
        abroad = self._invoice(50.0, 810132, currency=foreign)
        self._directo_invoice(810132, 50.0)
        self.sandbox.add_receipt(invoice=810132, amount="50.00", number=910131)
        self.sandbox.add_receipt(
            rows=[{"invoice": 810131, "amount": "100.00"}, {"invoice": 810132, "amount": "0"}],
            number=910132,
        )
        self._fetch()
        self.assertEqual(abroad.directo_payment_state, "paid")
        self.assertEqual(local.directo_payment_state, "paid")
        Receipt = self.env["directo.receipt"]
        single = Receipt.search([("number", "=", 910131)])
        self.assertEqual(single.line_ids.currency_id, foreign)
        self.assertEqual(single.currency_id, foreign)
        self.assertAlmostEqual(single.amount_received, 50.0)
        mixed = Receipt.search([("number", "=", 910132)])
        self.assertEqual(mixed.line_ids.currency_id, company_currency | foreign)
        self.assertEqual(mixed.currency_id, company_currency)
        self.assertAlmostEqual(mixed.amount_received, 100.0)
        self.sandbox.edit_receipt(
            910132,
            rows=[{"invoice": 810131, "amount": "100.00"}, {"invoice": 810132, "amount": "10"}],
        )
        self._fetch()
        self.assertAlmostEqual(mixed.amount_received, 105.0)  # 10 at 2.0 per company unit
        unknown = self.env["directo.receipt.line"].create(
            {"receipt_id": mixed.id, "invoice_number": 999, "received": 1.0}
        )
        self.assertEqual(unknown.currency_id, company_currency)
