# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Invoice export against the Directo sandbox (real HTTP, real Odoo invoices)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

from lxml import etree

from odoo import Command, api
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from odoo.addons.directo_connector.xmldirect import InvoicePayload

from ..models.directo_invoice_export import DirectoSendReport, Sending
from .common import DirectoSandboxMixin, DirectoTransactionCase

DATA = Path(__file__).parent / "data"


def _canonical(xml_text):
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=True)
    root = etree.fromstring(
        xml_text.encode("utf-8") if isinstance(xml_text, str) else xml_text, parser
    )
    return etree.tostring(root, method="c14n").decode()


class DirectoExportCommon(DirectoTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company.write({"directo_auto_confirm": False})
        income = env["account.account"].search(
            [("company_ids", "in", cls.company.id), ("account_type", "=", "income")], limit=1
        )
        cls.journal = env["account.journal"].create(
            {
                "name": "Directo Test Sales",
                "code": "DXT",
                "type": "sale",
                "company_id": cls.company.id,
                "default_account_id": income.id,
            }
        )
        Tax = env["account.tax"]
        cls.tax24 = Tax.create(
            {
                "name": "DX 24%",
                "amount": 24,
                "type_tax_use": "sale",
                "directo_code": "1",
                "company_id": cls.company.id,
            }
        )
        cls.tax0 = Tax.create(
            {
                "name": "DX 0% EU",
                "amount": 0,
                "type_tax_use": "sale",
                "directo_code": "3",
                "company_id": cls.company.id,
            }
        )
        cls.tax_nocode = Tax.create(
            {
                "name": "DX 9% no code",
                "amount": 9,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        Product = env["product.product"]
        cls.consult = Product.create(
            {"name": "Consulting hour", "directo_code": "TEENUS-KONSULT", "list_price": 80}
        )
        cls.boards = Product.create(
            {"name": "Decking board", "directo_code": "ART-1001", "list_price": 3.2}
        )
        cls.nocode_product = Product.create({"name": "Product without code"})

        def user(login, code):
            u = new_test_user(env, login=login, groups="base.group_user", company_id=cls.company.id)
            u.directo_code = code
            return u

        cls.jaan = user("dx_jaan", "JAAN")
        cls.katrin = user("dx_katrin", "KATRIN")
        cls.mari = user("dx_mari", "MARI")
        cls.nocode_user = user("dx_nocode", False)
        cls.accountant = new_test_user(
            env,
            login="dx_accountant",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
        )
        Partner = env["res.partner"]
        cls.client = Partner.create(
            {
                "name": "Põhjala Puit OÜ",
                "is_company": True,
                "directo_code": "K0001",
                "user_id": cls.jaan.id,
                "directo_default_resource_id": cls.katrin.id,
            }
        )
        cls.client2 = Partner.create(
            {
                "name": "Saare Kala AS",
                "is_company": True,
                "directo_code": "K0002",
                "user_id": cls.mari.id,
                "directo_default_resource_is_user": True,
            }
        )
        cls.nocode_client = Partner.create({"name": "Client without code", "is_company": True})

    # ------------------------------------------------------------------ helpers

    def _invoice(
        self,
        partner=None,
        lines=None,
        move_type="out_invoice",
        post=True,
        date="2026-01-15",
        due="2026-01-29",
        journal=None,
    ):
        partner = partner or self.client
        if lines is None:
            lines = [{"product_id": self.consult.id, "quantity": 2, "price_unit": 80}]
        vals_lines = []
        for line in lines:
            line = dict(line)
            if "display_type" not in line:
                line.setdefault("tax_ids", [Command.set(self.tax24.ids)])
            vals_lines.append(Command.create(line))
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "journal_id": (journal or self.journal).id,
                "invoice_date": date,
                "invoice_date_due": due,
                "invoice_line_ids": vals_lines,
            }
        )
        if post:
            move.action_post()
        return move

    def _put_requests(self):
        return [
            r for r in self.sandbox.requests if r.component == "invoice" and r.operation == "put"
        ]

    def _sent_xml(self, index=-1):
        return self._put_requests()[index].form["xmldata"]

    def _assert_xml(self, expected_file, index=-1):
        sent = self._sent_xml(index)
        path = DATA / expected_file
        self.assertTrue(path.exists(), "missing %s; sent:\n%s" % (path, sent))
        expected = path.read_text(encoding="utf-8")
        self.assertEqual(_canonical(sent), _canonical(expected), sent)

    def _export(self, moves):
        """What the user's click does: returns the action (notification or dialog)."""
        return moves.with_user(self.accountant).action_directo_export()

    def _payload(self, move, resend=False):
        (prep,) = self.env["directo.invoice.mapper"]._prepare(move, resend=resend)
        self.assertFalse(prep.problems, [p.message for p in prep.problems])
        return prep.payload

    def _problems(self, moves):
        return [
            p.message
            for prep in self.env["directo.invoice.mapper"]._prepare(moves)
            for p in prep.problems
        ]


@tagged("post_install", "-at_install")
class TestDirectoExport(DirectoExportCommon):
    # ------------------------------------------------------------------ happy path

    def test_post_marks_to_send(self):
        move = self._invoice(post=False)
        self.assertFalse(move.directo_state)
        move.action_post()
        self.assertEqual(move.directo_state, "to_send")
        vendor_bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.client.id,
                "invoice_date": "2026-01-15",
                "invoice_line_ids": [Command.create({"name": "x", "price_unit": 1, "tax_ids": []})],
            }
        )
        vendor_bill.action_post()
        self.assertFalse(vendor_bill.directo_state)
        self.company.directo_invoice_export = False
        other = self._invoice()
        self.assertFalse(other.directo_state)

    def test_export_invoice_xml(self):
        """Header, rows (discount, sections/notes skipped), object, seller, draft."""
        move = self._invoice(
            lines=[
                {"display_type": "line_section", "name": "Work in January"},
                {
                    "product_id": self.consult.id,
                    "name": "Consulting & advice",
                    "quantity": 5,
                    "price_unit": 80,
                    "discount": 10,
                },
                {"display_type": "line_note", "name": "Thank you"},
                {
                    "product_id": self.boards.id,
                    "name": "Decking board 28x120",
                    "quantity": 120,
                    "price_unit": 3.2,
                    "tax_ids": [Command.set(self.tax0.ids)],
                    "directo_resource_id": self.mari.id,
                },
            ]
        )
        self.assertEqual(move.name, "DXT/2026/00001")
        action = self._export(move)
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(len(self._put_requests()), 1)
        self._assert_xml("invoice_draft.xml")
        self.assertNotIn("xd_update", self._put_requests()[0].query)
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(move.directo_number, 202600001)
        self.assertEqual(move.directo_document, "draft")
        self.assertFalse(move.directo_error)
        (attempt,) = move.directo_attempt_ids
        self.assertEqual(
            (attempt.state, attempt.type_code, attempt.number), ("sent", 0, "202600001")
        )
        self.assertEqual(attempt.exchange_id.component, "invoice")
        self.assertIn('number="202600001"', attempt.exchange_id.request_body)
        stored = self.sandbox.invoice(202600001)
        self.assertFalse(stored["confirmed"])
        self.assertEqual([r["object"] for r in stored["rows"]], ["KATRIN", "MARI"])
        self.assertEqual(stored["salesman"], "JAAN")
        self.assertEqual(stored["rows"][0]["discount"], Decimal("10"))

    def test_auto_confirm_on(self):
        self.company.directo_auto_confirm = True
        move = self._invoice()
        self._export(move)
        self._assert_xml("invoice_confirmed.xml")
        self.assertTrue(self.sandbox.invoice(202600001)["confirmed"])
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(move.directo_document, "confirmed")

    def test_credit_note_negative_quantities_own_prefix(self):
        invoice = self._invoice()
        self._export(invoice)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": self.journal.id, "date": "2026-01-20", "reason": "returned"})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        refund.action_post()
        self.assertEqual(refund.name, "RDXT/2026/00001")
        # Same digits as the invoice: refused until the credit notes get their own prefix.
        problems = self._problems(refund)
        self.assertEqual(len(problems), 1)
        self.assertIn("202600001", problems[0])
        self.assertIn("DXT/2026/00001", problems[0])
        self.assertIn("Directo Test Sales", problems[0])
        self.journal.directo_refund_number_prefix = "1"
        self._export(refund)
        self.assertEqual(refund.directo_state, "sent", refund.directo_error)
        self.assertEqual(refund.directo_number, 1202600001)
        self._assert_xml("credit_note.xml")
        self.assertEqual(self.sandbox.invoice(1202600001)["rows"][0]["quantity"], Decimal(-2))

    def test_list_action_many_invoices_one_request(self):
        moves = self._invoice() | self._invoice(partner=self.client2) | self._invoice()
        action = self.env.ref("directo_connector.action_account_move_directo_export")
        result = (
            action.with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=moves.ids)
            .run()
        )
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(len(self._put_requests()), 1)
        self.assertEqual(set(moves.mapped("directo_state")), {"sent"})
        self.assertEqual(sorted(moves.mapped("directo_number")), [202600001, 202600002, 202600003])
        self.assertEqual(len(moves.directo_attempt_ids.exchange_id), 1)

    def test_batches(self):
        self.env["ir.config_parameter"].sudo().set_param("directo_connector.export_batch_size", 2)
        moves = self.env["account.move"]
        for _i in range(5):
            moves |= self._invoice()
        self._export(moves)
        self.assertEqual(len(self._put_requests()), 3)
        self.assertEqual(set(moves.mapped("directo_state")), {"sent"})
        self.assertEqual(len(moves.directo_attempt_ids.exchange_id), 3)

    def test_each_invoice_links_to_the_request_that_carried_it(self):
        """Two batches: each invoice points to the exchange whose request held its number
        (not simply the newest invoice exchange of the company)."""
        self.env["ir.config_parameter"].sudo().set_param("directo_connector.export_batch_size", 1)
        first, second = self._invoice(), self._invoice()
        self._export(first | second)
        self.assertEqual(len(self._put_requests()), 2)
        self.assertNotEqual(
            first.directo_attempt_ids.exchange_id, second.directo_attempt_ids.exchange_id
        )
        for move, other in ((first, second), (second, first)):
            body = move.directo_attempt_ids.exchange_id.request_body
            self.assertIn('number="%s"' % move.directo_number, body)
            self.assertNotIn('number="%s"' % other.directo_number, body)

    def test_exchange_link_after_timeout(self):
        """A request without an answer is still the one that carried the invoice."""
        self.env["ir.config_parameter"].sudo().set_param("directo_connector.read_timeout", "0.5")
        move = self._invoice()
        self.sandbox.add_fault("process_then_timeout", seconds=3, component="invoice")
        self._export(move)
        self.assertEqual(move.directo_state, "unknown")
        (attempt,) = move.directo_attempt_ids
        self.assertEqual(attempt.state, "unknown")
        self.assertIn('number="202600001"', attempt.exchange_id.request_body)
        self.assertFalse(attempt.exchange_id.success)

    # ------------------------------------------------------------------ access

    def test_read_only_user_cannot_export(self):
        """An auditor can read invoices but not record an export: refused before sending."""
        auditor = new_test_user(
            self.env,
            login="dx_auditor",
            groups="account.group_account_readonly",
            company_id=self.company.id,
        )
        move = self._invoice()
        for method in ("action_directo_export", "action_directo_resend"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(move.with_user(auditor), method)()
        # The list action's server code and the problems dialog's send button, too.
        bad = self._invoice(partner=self.nocode_client)
        action = self._export(move | bad)
        wizard = self.env["directo.export.wizard"].browse(action["res_id"])
        with self.assertRaises(AccessError):
            wizard.with_user(auditor).action_send_valid()
        self.assertEqual(self._put_requests(), [])
        self.assertEqual(move.directo_state, "to_send")

    def test_directo_status_and_number_are_readonly(self):
        move = self._invoice()
        self._export(move)
        self.assertTrue(move._fields["directo_state"].readonly)
        self.assertTrue(move._fields["directo_number"].readonly)
        form = Form(move.with_user(self.accountant))
        for fname, value in (("directo_number", 999), ("directo_state", "to_send")):
            with self.subTest(field=fname), self.assertRaises(AssertionError):
                setattr(form, fname, value)
        self.assertEqual(move.directo_number, 202600001)
        self.assertEqual(move.directo_state, "sent")

    def test_export_does_not_mark_invoice_manually_modified(self):
        move = self._invoice()
        move.is_manually_modified = False
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.assertFalse(move.is_manually_modified)

    def test_success_type_30(self):
        self.sandbox.set_success_code(30)
        move = self._invoice()
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(move.directo_number, 202600001)

    # ------------------------------------------------------------------ exactly once

    def test_prefix_change_after_export_keeps_the_number(self):
        move = self._invoice()
        self._export(move)
        self.assertEqual(move.directo_number, 202600001)
        self.journal.directo_number_prefix = "1"
        move.button_draft()
        move.action_post()
        self.assertEqual(move.directo_state, "to_send")
        self.assertIn("202600001", move.directo_number_note)
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(move.directo_number, 202600001)
        self.assertEqual(self._put_requests()[-1].query.get("xd_update"), "1")
        self.assertIsNone(self.sandbox.invoice(1202600001))
        self.assertEqual(self.sandbox.invoice(202600001)["updates"], 1)
        # The prefix applies to invoices never sent.
        other = self._invoice()
        self._export(other)
        self.assertEqual(other.directo_number, 1202600002)

    def test_rename_after_reset_keeps_the_number(self):
        move = self._invoice()
        self._export(move)
        move.button_draft()
        move.name = "DXT/2026/00077"
        move.action_post()
        self.assertEqual(move.name, "DXT/2026/00077")
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(move.directo_number, 202600001)
        self.assertIsNone(self.sandbox.invoice(202600077))
        self.assertIn("renamed", move.directo_number_note)

    def test_foreign_docid_is_never_sent(self):
        """Directo answers success for document 999: our invoice is not marked Sent; its
        outcome is unknown and the next export updates the same number."""
        move = self._invoice()
        self.sandbox.add_fault("foreign_docid", component="invoice")
        self._export(move)
        self.assertEqual(move.directo_state, "unknown")
        self.assertEqual(move.directo_document, "maybe")
        self.assertIn("no result", move.directo_error)
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(self._put_requests()[-1].query.get("xd_update"), "1")
        self.assertEqual(move.directo_attempt_ids.sorted("id").mapped("state"), ["unknown", "sent"])

    def test_reset_and_cancel_of_a_directo_draft(self):
        move = self._invoice()
        self._export(move)
        self.assertEqual(move.directo_document, "draft")
        move.button_cancel()
        self.assertEqual(move.state, "cancel")
        self.assertIn("Directo still holds draft invoice 202600001", move.message_ids[0].body)
        move.button_draft()
        move.action_post()
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(self.sandbox.invoice(202600001)["updates"], 1)

    def test_large_selection_goes_to_the_background_job(self):
        self.env["ir.config_parameter"].sudo().set_param("directo_connector.export_sync_limit", 2)
        moves = self._invoice() | self._invoice() | self._invoice()
        action = self._export(moves)
        self.assertIn("background", action["params"]["message"])
        self.assertEqual(set(moves.mapped("directo_state")), {"sending"})
        self.assertEqual(self._put_requests(), [])
        cron = self.env.ref("directo_connector.ir_cron_directo_export")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        self.env["account.move"]._cron_directo_export()  # auto export is off: still sent
        self.assertEqual(set(moves.mapped("directo_state")), {"sent"})
        self.assertEqual(len(self._put_requests()), 1)

    def test_replace_in_directo_from_the_list(self):
        moves = self._invoice() | self._invoice()
        preps = self.env["directo.invoice.mapper"]._prepare(moves)
        foreign = [
            InvoicePayload(
                **{
                    **{n: getattr(prep.payload, n) for n in prep.payload.__slots__},
                    "customercode": "K0004",
                }
            )
            for prep in preps
        ]
        self.company._directo_client().put_invoices(foreign)
        self._export(moves)
        self.assertEqual(set(moves.mapped("directo_document")), {"taken"})
        action = self.env.ref("directo_connector.action_account_move_directo_replace")
        result = (
            action.with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=moves.ids)
            .run()
        )
        wizard = self.env["directo.replace.wizard"].browse(result["res_id"])
        self.assertIn("202600001", wizard.summary)
        self.assertIn("202600002", wizard.summary)
        wizard.with_user(self.accountant).action_confirm()
        self.assertEqual(set(moves.mapped("directo_state")), {"sent"})
        self.assertEqual(self.sandbox.invoice(202600002)["customercode"], "K0001")

    def test_odoo_send_dialog_exports_to_directo(self):
        """Directo is a checkbox of Odoo's Send dialog, ticked by default for companies that
        export; sending goes through the same checks and the same sending path."""
        move = self._invoice()
        bad = self._invoice(partner=self.nocode_client)
        Wizard = self.env["account.move.send.wizard"].with_user(self.accountant)
        wizard = Wizard.with_context(active_model="account.move", active_ids=move.ids).create({})
        self.assertEqual(wizard.extra_edi_checkboxes["directo"]["checked"], True)
        self.assertEqual(wizard.extra_edi_checkboxes["directo"]["label"], "Directo")
        wizard.sending_methods = ["manual"]
        wizard.action_send_and_print()
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(len(self._put_requests()), 1)
        # Sent already: no checkbox any more.
        wizard = Wizard.with_context(active_model="account.move", active_ids=move.ids).create({})
        self.assertNotIn("directo", wizard.extra_edi_checkboxes or {})
        # An invoice the checks refuse: the dialog warns, and sending records why.
        wizard = Wizard.with_context(active_model="account.move", active_ids=bad.ids).create({})
        self.assertIn("no Directo client code", wizard.alerts["directo_problems"]["message"])
        wizard.sending_methods = ["manual"]
        wizard.action_send_and_print()
        self.assertEqual(bad.directo_state, "failed")
        self.assertIn("no Directo client code", bad.directo_error)
        self.assertEqual(len(self._put_requests()), 1)
        # Companies that do not export get no checkbox.
        self.company.directo_invoice_export = False
        other = self._invoice()
        wizard = Wizard.with_context(active_model="account.move", active_ids=other.ids).create({})
        self.assertNotIn("directo", wizard.extra_edi_checkboxes or {})

    # ------------------------------------------------------------------ rules

    def test_number_from_real_sequence_names(self):
        first = self._invoice()
        second = self._invoice()
        self.assertEqual((first.name, second.name), ("DXT/2026/00001", "DXT/2026/00002"))
        self.assertEqual(self._payload(first).number, 202600001)
        self.assertEqual(self._payload(second).number, 202600002)
        # The company's own sales journal (INV/yyyy/nnnnn)
        inv_journal = self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "sale"), ("code", "=", "INV")],
            limit=1,
        )
        if inv_journal:
            inv = self._invoice(journal=inv_journal)
            self.assertRegex(inv.name, r"^INV/2026/\d{5}$")
            digits = int("".join(c for c in inv.name if c.isdigit()))
            self.assertEqual(self._payload(inv).number, digits)
        self.journal.directo_number_prefix = "1"
        self.assertEqual(self._payload(first).number, 1202600001)

    def test_number_too_large_and_without_digits(self):
        move = self._invoice()
        self.journal.directo_number_prefix = "99"
        problems = self._problems(move)
        self.assertEqual(len(problems), 1)
        self.assertIn("99202600001", problems[0])
        self.assertIn("2147483647", problems[0])
        self.journal.directo_number_prefix = False
        draft = self._invoice(post=False)
        draft.name = "DXT-SPECIAL"
        draft.action_post()
        self.assertEqual(draft.name, "DXT-SPECIAL")
        problems = self._problems(draft)
        self.assertEqual(len(problems), 1)
        self.assertIn("DXT-SPECIAL", problems[0])
        self.assertIn("no digits", problems[0])

    def test_payment_term_days(self):
        move = self._invoice(date="2026-01-15", due="2026-02-14")
        self.assertEqual(self._payload(move).paymentterm, "30")
        term = self.env["account.payment.term"].create(
            {
                "name": "14 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "nb_days": 14})
                ],
            }
        )
        with Form(
            self.env["account.move"].with_context(
                default_move_type="out_invoice", default_journal_id=self.journal.id
            )
        ) as f:
            f.partner_id = self.client
            f.invoice_date = dt.date(2026, 3, 1)
            f.invoice_payment_term_id = term
            with f.invoice_line_ids.new() as line:
                line.product_id = self.consult
                line.tax_ids.clear()
                line.tax_ids.add(self.tax24)
        move2 = f.record
        move2.action_post()
        payload = self._payload(move2)
        self.assertEqual(payload.paymentterm, "14")
        self.assertEqual(payload.duedate, dt.date(2026, 3, 15))
        same_day = self._invoice(date="2026-01-15", due="2026-01-15")
        self.assertEqual(self._payload(same_day).paymentterm, "0")

    def test_payment_term_mode_due_date_only(self):
        self.company.directo_payment_term_mode = "due_date"
        move = self._invoice(date="2026-01-15", due="2026-01-29")
        payload = self._payload(move)
        self.assertIsNone(payload.paymentterm)
        self.assertEqual(payload.duedate, dt.date(2026, 1, 29))
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        stored = self.sandbox.invoice(move.directo_number)
        self.assertIsNone(stored["paymentterm"])
        self.assertEqual(stored["duedate"], dt.date(2026, 1, 29))

    def test_resource_chain_all_levels(self):
        # 1. the row's own resource
        move = self._invoice(
            lines=[
                {
                    "product_id": self.consult.id,
                    "quantity": 1,
                    "price_unit": 80,
                    "directo_resource_id": self.mari.id,
                }
            ]
        )
        self.assertEqual(self._payload(move).rows[0].object, "MARI")
        # 2. no row resource -> the client's default resource
        move = self._invoice()
        move.invoice_line_ids.directo_resource_id = False
        self.assertEqual(self._payload(move).rows[0].object, "KATRIN")
        # 3. no default resource, "default resource = default user" -> salesperson
        move = self._invoice(partner=self.client2)
        self.assertFalse(move.invoice_line_ids.directo_resource_id)
        self.assertEqual(self._payload(move).rows[0].object, "MARI")
        self._export(move)
        self.assertEqual(self.sandbox.invoice(move.directo_number)["rows"][0]["object"], "MARI")
        # nothing at all (and the invoice's salesperson not used) -> a problem naming the
        # row and the client
        move = self._invoice(partner=self.client2)
        self.client2.directo_default_resource_is_user = False
        self.company.directo_salesperson_fallback = False
        problems = self._problems(move)
        self.assertEqual(len(problems), 1)
        self.assertIn("row 1", problems[0])
        self.assertIn("Saare Kala AS", problems[0])
        # a chosen resource without code: never silently skipped
        self.client2.directo_default_resource_is_user = True
        self.mari.directo_code = False
        problems = self._problems(move)
        self.assertEqual(len(problems), 1)
        self.assertIn(self.mari.name, problems[0])
        self.assertIn("no Directo code", problems[0])

    def test_seller_fallback(self):
        move = self._invoice()
        self.assertEqual(self._payload(move).salesman, "JAAN")
        # Default user without code -> first row resource with a code
        self.client.user_id = self.nocode_user
        self.assertEqual(self._payload(move).salesman, "KATRIN")
        self.client.user_id = False
        self.assertEqual(self._payload(move).salesman, "KATRIN")

    # ------------------------------------------------------------------ checks

    def test_checks_list_every_problem_at_once(self):
        good = self._invoice()
        bad = self._invoice(
            partner=self.nocode_client,
            lines=[
                {
                    "product_id": self.nocode_product.id,
                    "quantity": 1,
                    "price_unit": 10,
                    "directo_resource_id": self.katrin.id,
                },
                {
                    "product_id": self.consult.id,
                    "quantity": 1,
                    "price_unit": 10,
                    "tax_ids": [],
                    "directo_resource_id": self.katrin.id,
                },
                {
                    "product_id": self.consult.id,
                    "quantity": 1,
                    "price_unit": 10,
                    "tax_ids": [Command.set((self.tax24 | self.tax0).ids)],
                    "directo_resource_id": self.katrin.id,
                },
                {
                    "product_id": self.consult.id,
                    "quantity": 1,
                    "price_unit": 10,
                    "tax_ids": [Command.set(self.tax_nocode.ids)],
                    "directo_resource_id": self.nocode_user.id,
                },
            ],
        )
        draft = self._invoice(post=False)
        cancelled = self._invoice(post=False)
        cancelled.button_cancel()
        action = self._export(good | bad | draft | cancelled)
        self.assertEqual(action["res_model"], "directo.export.wizard")
        self.assertEqual(self._put_requests(), [])
        wizard = self.env["directo.export.wizard"].browse(action["res_id"])
        self.assertEqual(wizard.valid_move_ids, good)
        by_move = {}
        for line in wizard.problem_ids:
            by_move.setdefault(line.move_id, []).append(line)
        self.assertEqual(set(by_move), {bad, draft, cancelled})
        messages = [line.message for line in by_move[bad]]
        # client, row 1 article, row 2 no tax, row 3 two taxes, row 4 tax code + resource
        self.assertEqual(len(messages), 6, messages)
        text = "\n".join(messages)
        self.assertIn("Client without code has no Directo client code", text)
        self.assertIn("row 1", text)
        self.assertIn("Product without code has no Directo Article Code", text)
        self.assertIn("row 2 (Consulting hour) has no tax", text)
        self.assertIn("row 3 (Consulting hour) has 2 taxes", text)
        self.assertIn("tax DX 9% no code has no Directo VAT Code", text)
        # row 4's resource without code is named as well
        self.assertTrue(any(self.nocode_user.name in m and "row 4" in m for m in messages))
        rows = by_move[bad]
        self.assertEqual(
            [line.line_id for line in rows if line.line_id][:1],
            [bad.invoice_line_ids[0]],
        )
        self.assertIn("draft", by_move[draft][0].message)
        self.assertIn("cancelled", by_move[cancelled][0].message)
        self.assertIn(bad.name, messages[0])
        # Send the valid ones
        result = wizard.with_user(self.accountant).action_send_valid()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(good.directo_state, "sent")
        self.assertEqual(bad.directo_state, "to_send")
        self.assertEqual(len(self._put_requests()), 1)

    def test_check_export_switched_off(self):
        move = self._invoice()
        self.company.directo_invoice_export = False
        problems = self._problems(move)
        self.assertEqual(len(problems), 1)
        self.assertIn("switched off", problems[0])
        self.assertIn(self.company.name, problems[0])

    def test_check_same_number_in_selection_and_already_exported(self):
        other_journal = self.env["account.journal"].create(
            {
                "name": "Second Sales",
                "code": "DXU",
                "type": "sale",
                "default_account_id": self.journal.default_account_id.id,
            }
        )
        a = self._invoice()
        self._export(a)
        b = self._invoice(journal=other_journal)  # DXU/2026/00001 -> 202600001 too
        problems = self._problems(b)
        self.assertEqual(len(problems), 1)
        self.assertIn("DXT/2026/00001", problems[0])
        self.assertIn("Second Sales", problems[0])
        c = self._invoice()  # DXT/2026/00002
        d = self._invoice(journal=other_journal)  # DXU/2026/00002
        problems = self._problems(c | d)
        self.assertEqual(len(problems), 2)
        other_journal.directo_number_prefix = "1"
        self.assertEqual(self._problems(b | c | d), [])

    # ------------------------------------------------------------------ Directo answers

    def test_type_31_unknown_codes_name_the_record(self):
        cases = [
            (self.client, "K0001", "K9999", "client code K9999", "Põhjala Puit OÜ"),
            (
                self.consult,
                "TEENUS-KONSULT",
                "ART-9999",
                "article code ART-9999",
                "Consulting hour",
            ),
            (self.tax24, "1", "77", "VAT code 77", "DX 24%"),
            (self.katrin, "KATRIN", "NOBODY", "no object NOBODY", self.katrin.name),
            (self.jaan, "JAAN", "SELLER", "no object SELLER for the salesman", self.jaan.name),
        ]
        for record, good_code, bad_code, what, name in cases:
            with self.subTest(what=what):
                # No copy of Directo's registers: Directo's refusal is what finds the code.
                self.env["directo.register"].sudo().search([]).unlink()
                record.directo_code = bad_code
                move = self._invoice()
                self._export(move)
                record.directo_code = good_code
                self.assertEqual(move.directo_state, "failed")
                self.assertIn(what, move.directo_error)
                self.assertIn(name, move.directo_error)
                self.assertIn("Type 31", move.directo_error)
                self.assertFalse(move.directo_document)

    def test_failure_one_activity_one_note_not_a_flood(self):
        # A VAT code: Odoo's copy of Directo's registers cannot catch it before sending.
        self.tax24.directo_code = "77"
        move = self._invoice()
        notes_before = len(move.message_ids)
        for _i in range(3):
            move.with_user(self.accountant).action_directo_export()
        self.assertEqual(len(self._put_requests()), 3)
        self.assertEqual(move.directo_state, "failed")
        export_type = self.env.ref("directo_connector.mail_activity_type_export_failed")
        activities = move.activity_ids.filtered(lambda a: a.activity_type_id == export_type)
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.accountant)
        notes = move.message_ids[: len(move.message_ids) - notes_before].filtered(
            lambda m: "VAT code 77" in (m.body or "")
        )
        self.assertEqual(len(notes), 1)
        # Fixed: success closes the activity
        self.tax24.directo_code = "1"
        move.with_user(self.accountant).action_directo_export()
        self.assertEqual(move.directo_state, "sent")
        self.assertFalse(move.activity_ids.filtered(lambda a: a.activity_type_id == export_type))
        self.assertFalse(move.directo_error)

    def test_type_5_and_404_nothing_stored(self):
        self.company.sudo().directo_token = "DEMO-NOINVOICE"
        move = self._invoice()
        self._export(move)
        self.assertEqual(move.directo_state, "failed")
        self.assertIn("not activated", move.directo_error)
        self.assertFalse(move.directo_document)
        self.company.sudo().directo_token = "WRONG"
        self._export(move)
        self.assertIn("rejected the XML Direct key", move.directo_error)
        self.company.sudo().directo_token = "DEMO-TOKEN"
        self.company.directo_routing = "body"
        self.sandbox.set_routing_required("query")
        self._export(move)
        self.assertIn("route", move.directo_error)
        self.assertFalse(move.directo_document)
        self.company.directo_routing = "both"
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.assertNotIn("xd_update", self._put_requests()[-1].query)

    def test_type_29_saved_not_confirmed(self):
        """Directo stores the draft but cannot confirm (sandbox: no rows)."""
        self.company.directo_auto_confirm = True
        move = self._invoice()
        (prep,) = self.env["directo.invoice.mapper"]._prepare(move)
        empty = InvoicePayload(
            **{**{n: getattr(prep.payload, n) for n in prep.payload.__slots__}, "rows": ()}
        )
        prep.payload = empty
        logged = []
        client = self.company._directo_client(
            on_logged=lambda exchange, record: logged.append((exchange, record))
        )
        export = self.env["directo.invoice.export"]
        export._send_chunk(client, [Sending(prep)], logged, DirectoSendReport(self.env), None)
        self.assertEqual(move.directo_state, "failed")
        self.assertIn("Type 29", move.directo_error)
        self.assertIn("draft", move.directo_error)
        self.assertEqual(move.directo_document, "draft")
        # next export updates the stored draft
        self._export(move)
        self.assertEqual(self._put_requests()[-1].query.get("xd_update"), "1")
        self.assertEqual(move.directo_state, "sent")
        self.assertTrue(self.sandbox.invoice(202600001)["confirmed"])

    # ------------------------------------------------------------------ re-export

    def test_resend_draft_uses_xd_update(self):
        move = self._invoice()
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        # Unchanged: nothing to send
        problems = self._problems(move)
        self.assertEqual(len(problems), 1)
        self.assertIn("already in Directo", problems[0])
        # Changed and posted again -> to send -> update of the same number
        move.button_draft()
        move.invoice_line_ids.quantity = 7
        move.action_post()
        self.assertEqual(move.directo_state, "to_send")
        self._export(move)
        request = self._put_requests()[-1]
        self.assertEqual(request.query.get("xd_update"), "1")
        self.assertEqual(move.directo_state, "sent")
        stored = self.sandbox.invoice(202600001)
        self.assertEqual(stored["rows"][0]["quantity"], Decimal(7))
        self.assertEqual(stored["updates"], 1)
        # Explicit re-send of an unchanged draft
        move.with_user(self.accountant).action_directo_resend()
        self.assertEqual(self._put_requests()[-1].query.get("xd_update"), "1")
        self.assertEqual(self.sandbox.invoice(202600001)["updates"], 2)

    def test_confirmed_refused_before_sending(self):
        self.company.directo_auto_confirm = True
        move = self._invoice()
        self._export(move)
        self.assertEqual(move.directo_document, "confirmed")
        # Reset to draft is refused (a credit note is the way): the export stays refused.
        with self.assertRaisesRegex(UserError, "credit note"):
            move.button_draft()
        with self.assertRaisesRegex(UserError, "credit note"):
            move.button_cancel()
        count = len(self._put_requests())
        action = self._export(move)
        self.assertEqual(action["res_model"], "directo.export.wizard")
        wizard = self.env["directo.export.wizard"].browse(action["res_id"])
        self.assertIn("already confirmed in Directo", wizard.problem_ids.message)
        self.assertEqual(len(self._put_requests()), count)
        # The explicit re-send path refuses it too
        action = move.with_user(self.accountant).action_directo_resend()
        self.assertEqual(action["res_model"], "directo.export.wizard")
        self.assertEqual(len(self._put_requests()), count)

    def test_confirmed_in_directo_meanwhile_type_14(self):
        move = self._invoice()
        self._export(move)
        self.sandbox.confirm_invoice(202600001)
        move.button_draft()
        move.action_post()
        self._export(move)
        self.assertEqual(move.directo_state, "failed")
        self.assertIn("confirmed in Directo", move.directo_error)
        self.assertIn("Type 14", move.directo_error)
        self.assertEqual(move.directo_document, "confirmed")
        count = len(self._put_requests())
        self.assertTrue(any("already confirmed" in p for p in self._problems(move)))
        self.assertEqual(len(self._put_requests()), count)

    def test_duplicate_never_sent_not_overwritten_then_replace(self):
        move = self._invoice()
        (prep,) = self.env["directo.invoice.mapper"]._prepare(move)
        # Someone else's document already has this number in Directo.
        other = InvoicePayload(
            **{
                **{n: getattr(prep.payload, n) for n in prep.payload.__slots__},
                "customercode": "K0004",
            }
        )
        self.company._directo_client().put_invoices([other])
        self._export(move)
        self.assertEqual(move.directo_state, "failed")
        self.assertEqual(move.directo_document, "taken")
        self.assertIn("Replace in Directo", move.directo_error)
        self.assertEqual(self.sandbox.invoice(202600001)["customercode"], "K0004")
        # The user confirms it is this invoice
        action = move.with_user(self.accountant).action_directo_replace()
        wizard = self.env["directo.replace.wizard"].browse(action["res_id"])
        self.assertIn("202600001", wizard.summary)
        wizard.with_user(self.accountant).action_confirm()
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(move.directo_document, "draft")
        self.assertEqual(self.sandbox.invoice(202600001)["customercode"], "K0001")

    def test_duplicate_after_refusal_not_overwritten(self):
        """A Type 31 refusal records the number but Directo stored nothing of ours: a
        document with that number created later is someone else's. The next export's
        Duplicate is not silently overwritten; only 'Replace in Directo' does that."""
        self.consult.directo_code = "ART-9999"
        move = self._invoice()
        self._export(move)
        self.assertEqual(move.directo_state, "failed")
        self.assertIn("Type 31", move.directo_error)
        self.assertEqual(move.directo_number, 202600001)
        self.assertFalse(move.directo_document)
        self.consult.directo_code = "TEENUS-KONSULT"
        (prep,) = self.env["directo.invoice.mapper"]._prepare(move)
        foreign = InvoicePayload(
            **{
                **{n: getattr(prep.payload, n) for n in prep.payload.__slots__},
                "customercode": "K0004",
            }
        )
        self.company._directo_client().put_invoices([foreign])  # someone else's number N
        count = len(self._put_requests())
        self._export(move)
        requests = self._put_requests()[count:]
        self.assertEqual([r.query.get("xd_update") for r in requests], [None])
        self.assertEqual(move.directo_state, "failed")
        self.assertEqual(move.directo_document, "taken")
        self.assertIn("Replace in Directo", move.directo_error)
        self.assertEqual(self.sandbox.invoice(202600001)["customercode"], "K0004")
        self.assertEqual(self.sandbox.invoice(202600001)["updates"], 0)

    # ------------------------------------------------------------------ failures in transit

    def _short_timeout(self):
        self.env["ir.config_parameter"].sudo().set_param("directo_connector.read_timeout", "0.5")

    def test_timeout_then_retry_as_update(self):
        self._short_timeout()
        move = self._invoice()
        self.sandbox.add_fault("process_then_timeout", seconds=3, component="invoice")
        action = self._export(move)
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(move.directo_state, "unknown")
        self.assertEqual(move.directo_document, "maybe")
        self.assertEqual(move.directo_number, 202600001)
        self.assertIn("did not answer in time", move.directo_error)
        self.assertIn("update", move.directo_error)
        self.assertIsNotNone(self.sandbox.invoice(202600001))  # Directo did store it
        self._export(move)
        self.assertEqual(self._put_requests()[-1].query.get("xd_update"), "1")
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(
            len(self.sandbox.invoices()),
            1 + len([n for n in self.sandbox.invoices() if n != 202600001]),
        )
        self.assertEqual(self.sandbox.invoice(202600001)["updates"], 1)

    def test_timeout_confirmed_then_retry_answered_14(self):
        """Sent with confirm=1, answer lost, Directo booked it: the retry's Type 14 says the
        number is confirmed there. Only Type 0/30 marks an invoice as sent, so it stays
        failed with an explanation, and it is never sent again."""
        self._short_timeout()
        self.company.directo_auto_confirm = True
        move = self._invoice()
        self.sandbox.add_fault("process_then_timeout", seconds=3, component="invoice")
        self._export(move)
        self.assertEqual(move.directo_state, "unknown")
        self._export(move)
        self.assertEqual(move.directo_state, "failed")
        self.assertEqual(move.directo_document, "confirmed")
        self.assertIn("most probably this invoice", move.directo_error)
        self.assertIn("Type 14", move.directo_error)
        puts = len(self._put_requests())
        self._export(move)
        self.assertEqual(len(self._put_requests()), puts, "a confirmed invoice is never re-sent")
        self.assertEqual(move.directo_state, "failed")

    def test_partial_answer(self):
        moves = self._invoice() | self._invoice()
        self.sandbox.add_fault("partial", count=1, component="invoice")
        self._export(moves)
        first, second = moves.sorted("name")
        self.assertEqual(first.directo_state, "sent")
        self.assertEqual(second.directo_state, "unknown")
        self.assertIn("no result", second.directo_error)
        self._export(second)
        self.assertEqual(self._put_requests()[-1].query.get("xd_update"), "1")
        self.assertEqual(second.directo_state, "sent")

    def test_connection_drop_and_http_500(self):
        move = self._invoice()
        self.sandbox.add_fault("http500", component="invoice")
        self._export(move)
        self.assertEqual(move.directo_state, "unknown")
        self.sandbox.add_fault("drop", component="invoice")
        self._export(move)
        self.assertEqual(move.directo_state, "unknown")
        self._export(move)
        self.assertEqual(move.directo_state, "sent")

    # ------------------------------------------------------------------ auto export

    def test_auto_export_cron(self):
        self.company.directo_auto_export = True
        moves = self._invoice() | self._invoice()
        self.consult.directo_code = False
        refused = self._invoice()
        self.consult.directo_code = "TEENUS-KONSULT"
        cron = self.env.ref("directo_connector.ir_cron_directo_export")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        self.consult.directo_code = False
        self.env["account.move"]._cron_directo_export()
        self.assertEqual(set(moves.mapped("directo_state")), {"failed"})
        self.consult.directo_code = "TEENUS-KONSULT"
        (moves | refused)._directo_write_states(
            dict.fromkeys((moves | refused).ids, {"directo_state": "to_send"})
        )
        self.env["account.move"]._cron_directo_export()
        self.assertEqual(set((moves | refused).mapped("directo_state")), {"sent"})
        self.assertEqual(len(self._put_requests()), 1)
        # Nothing waiting: no request
        self.env["account.move"]._cron_directo_export()
        self.assertEqual(len(self._put_requests()), 1)

    def test_auto_export_off_cron_sends_nothing(self):
        self._invoice()
        self.env["account.move"]._cron_directo_export()
        self.assertEqual(self._put_requests(), [])

    # ------------------------------------------------------------------ query counts

    def test_query_count_does_not_grow_per_invoice(self):
        def run(n):
            moves = self.env["account.move"]
            for _i in range(n):
                moves |= self._invoice(
                    lines=[
                        {"product_id": self.consult.id, "quantity": 1, "price_unit": 80},
                        {"product_id": self.boards.id, "quantity": 3, "price_unit": 3.2},
                    ]
                )
            self.env.invalidate_all()
            moves = self.env["account.move"].browse(moves.ids)
            before = self.env.cr.sql_log_count
            self.env["directo.invoice.mapper"]._prepare(moves)
            prepare_queries = self.env.cr.sql_log_count - before
            self.env.invalidate_all()
            moves = self.env["account.move"].browse(moves.ids)
            before = self.env.cr.sql_log_count
            report = self.env["directo.invoice.export"]._send(moves)
            self.env.flush_all()
            send_queries = self.env.cr.sql_log_count - before
            self.assertEqual(len(report.sent), n)
            return prepare_queries, send_queries

        run(1)  # warms the caches (config parameters, xml ids): not a per-invoice cost
        prepare_small, send_small = run(3)
        prepare_big, send_big = run(12)
        # Mapping: a constant number of queries whatever the batch size.
        self.assertEqual(prepare_small, prepare_big)
        # Sending: results are written per outcome and in one UPDATE per batch, so 12
        # invoices cost what 3 cost (up to a few queries of tracking bookkeeping).
        # (The first run also pays one-off caches, so it may cost more than the second.)
        self.assertLessEqual(send_big, send_small + 3, (send_small, send_big))


class DirectoCommittedCase(DirectoSandboxMixin, TransactionCase):
    """Committed invoices exported by several transactions at once (own cursors), as
    workers do. ``invoice_count`` posted invoices; ``self.ids['moves']``.

    Nothing is written in the test's own transaction: it would hold row locks (e.g. on
    the company) that the committing cursors below would wait for forever.
    """

    invoice_count = 1

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._start_directo_sandbox()
        cls.company = cls.env.company

    def setUp(self):
        super().setUp()
        self.sandbox.reset()
        registry = self.env.registry
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            company = env["res.company"].browse(self.company.id)
            self._saved = company.sudo().read(
                [
                    "directo_url",
                    "directo_token",
                    "directo_invoice_export",
                    "directo_auto_confirm",
                    "directo_auto_export",
                    "directo_connection_state",
                ]
            )[0]
            company.sudo().write(
                {
                    "directo_url": self.sandbox.url,
                    "directo_token": "DEMO-TOKEN",
                    "directo_invoice_export": True,
                    "directo_auto_confirm": False,
                    "directo_auto_export": True,
                    "directo_connection_state": "connected",
                }
            )
            income = env["account.account"].search(
                [("company_ids", "in", company.id), ("account_type", "=", "income")], limit=1
            )
            journal = env["account.journal"].create(
                {
                    "name": "Directo Concurrency",
                    "code": "DXC",
                    "type": "sale",
                    "company_id": company.id,
                    "default_account_id": income.id,
                }
            )
            tax = env["account.tax"].create(
                {
                    "name": "DXC 24%",
                    "amount": 24,
                    "type_tax_use": "sale",
                    "directo_code": "1",
                    "company_id": company.id,
                }
            )
            product = env["product.product"].create(
                {"name": "DXC consulting", "directo_code": "TEENUS-KONSULT"}
            )
            seller = env["res.users"].create(
                {
                    "name": "DXC Jaan",
                    "login": "dxc_jaan",
                    "directo_code": "JAAN",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                }
            )
            partner = env["res.partner"].create(
                {
                    "name": "DXC client",
                    "directo_code": "K0001",
                    "user_id": seller.id,
                    "directo_default_resource_is_user": True,
                }
            )
            moves = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "journal_id": journal.id,
                        "invoice_date": "2026-01-15",
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "quantity": 1,
                                    "price_unit": 80,
                                    "tax_ids": [Command.set(tax.ids)],
                                }
                            )
                        ],
                    }
                    for _i in range(self.invoice_count)
                ]
            )
            moves.action_post()
            cr.commit()  # pylint: disable=invalid-commit
            self.ids = {
                "move": moves[0].id,
                "moves": moves.ids,
                "journal": journal.id,
                "tax": tax.id,
                "product": product.id,
                "partner": partner.id,
                "user": seller.id,
                "company": company.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            # Whatever a test left in flight or confirmed in Directo: gone with the invoices.
            ids = tuple(self.ids["moves"])
            cr.execute("DELETE FROM directo_export_attempt WHERE move_id IN %s", [ids])
            cr.execute("UPDATE account_move SET directo_document = NULL WHERE id IN %s", [ids])
            moves = env["account.move"].browse(self.ids["moves"])
            moves.filtered(lambda m: m.state == "posted").button_draft()
            moves.with_context(force_delete=True).unlink()
            env["account.journal"].browse(self.ids["journal"]).unlink()
            env["product.product"].browse(self.ids["product"]).product_tmpl_id.unlink()
            env["account.tax"].browse(self.ids["tax"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()
            user = env["res.users"].browse(self.ids["user"])
            partner = user.partner_id
            user.unlink()
            partner.unlink()
            # The copy of Directo's registers a test may have made (committed).
            env["directo.register"].search([("company_id", "=", self.ids["company"])]).unlink()
            saved = dict(self._saved)
            saved.pop("id")
            env["res.company"].browse(self.ids["company"]).sudo().write(saved)
            cr.commit()  # pylint: disable=invalid-commit

    def _env(self, cr):
        # directo_commit: these cursors commit like a real worker (write-ahead included).
        return api.Environment(cr, api.SUPERUSER_ID, {"directo_commit": True})

    def _puts(self):
        return [r for r in self.sandbox.requests if r.operation == "put"]


@tagged("post_install", "-at_install")
class TestDirectoExportConcurrency(DirectoCommittedCase):
    def test_two_exports_at_once_send_once(self):
        """A locked invoice, or one a live request carries, is skipped by a second export."""
        registry = self.env.registry
        with registry.cursor() as cr1, registry.cursor() as cr2:
            env1, env2 = self._env(cr1), self._env(cr2)
            move1 = env1["account.move"].browse(self.ids["move"])
            # Export 1 has locked the invoice and not committed yet...
            self.assertEqual(env1["directo.invoice.export"]._lock(move1), move1)
            # ...export 2 (another user, the scheduled action) skips it.
            report = env2["directo.invoice.export"]._send(env2["account.move"].browse(move1.id))
            self.assertFalse(report.sent)
            self.assertEqual(report.busy.ids, [move1.id])
            self.assertIn("someone else is exporting", report.message()[0])
            cr1.rollback()
            # A request in flight (write-ahead committed, answer awaited): skipped as well.
            env1["directo.export.attempt"].create(
                {"move_id": move1.id, "number": "1", "state": "pending"}
            )
            cr1.commit()  # pylint: disable=invalid-commit
            cr2.rollback()
            report = env2["directo.invoice.export"]._send(env2["account.move"].browse(move1.id))
            self.assertEqual(report.busy.ids, [move1.id])
            env1["directo.export.attempt"].search([("move_id", "=", move1.id)]).unlink()
            cr1.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self._puts(), [])

    def test_cron_after_concurrent_button_export(self):
        """The job found the invoice 'To send'; before it locks, a user's export sends it.
        The job skips it quietly: no second request, not marked Failed, no activity."""
        registry = self.env.registry
        Export = type(self.env["directo.invoice.export"])
        send = Export._send
        calls = []

        def button_export_first(export, moves, *args, **kwargs):
            if not calls:
                calls.append(moves.ids)
                with registry.cursor() as cr1:
                    move = self._env(cr1)["account.move"].browse(moves.ids)
                    move.with_context(directo_commit=True)._directo_hand_over()
            return send(export, moves, *args, **kwargs)

        with registry.cursor() as cr2, patch.object(Export, "_send", button_export_first):
            self._env(cr2)["account.move"]._cron_directo_export()
        self.assertEqual(calls, [[self.ids["move"]]])
        with registry.cursor() as cr:
            move = self._env(cr)["account.move"].browse(self.ids["move"])
            self.assertEqual(move.directo_state, "sent")
            self.assertFalse(move.directo_error)
            self.assertFalse(move.activity_ids)
            self.assertEqual(move.directo_attempt_ids.mapped("state"), ["sent"])
        self.assertEqual(len(self._puts()), 1)

    def test_killed_worker_then_next_run_sends_once(self):
        """Directo stored the invoice, then the worker died before recording the answer:
        the write-ahead left 'Sending' and a pending attempt; once the lease has run out,
        the next run sends it again as an update of the same number and ends Sent, with
        exactly one document in Directo."""
        registry = self.env.registry
        Export = type(self.env["directo.invoice.export"])
        known = set(self.sandbox.invoices())

        def killed(*args, **kwargs):
            raise RuntimeError("worker killed")

        with registry.cursor() as cr1, patch.object(Export, "_apply", killed):
            move = self._env(cr1)["account.move"].browse(self.ids["move"])
            with self.assertRaisesRegex(RuntimeError, "killed"):
                move._directo_hand_over()
            cr1.rollback()
        with registry.cursor() as cr2:
            env2 = self._env(cr2)
            move = env2["account.move"].browse(self.ids["move"])
            self.assertEqual(move.directo_state, "sending")
            self.assertEqual(move.directo_document, "maybe")
            number = move.directo_number
            self.assertTrue(number)
            self.assertEqual(move.directo_attempt_ids.mapped("state"), ["pending"])
            self.assertIsNotNone(self.sandbox.invoice(number))
            # Within the lease another worker may still be waiting: nothing is sent.
            env2["account.move"]._cron_directo_export()
            self.assertEqual(len(self._puts()), 1)
            with self.assertRaisesRegex(UserError, "being sent"):
                move.button_draft()
            # The lease has run out: the next run resolves it.
            cr2.execute(
                "UPDATE directo_export_attempt SET write_date = write_date - interval '1 day'"
                " WHERE move_id = %s",
                [move.id],
            )
            env2["account.move"]._cron_directo_export()
            move.invalidate_recordset()
            self.assertEqual(move.directo_state, "sent")
            self.assertEqual(move.directo_number, number)
            self.assertEqual(
                move.directo_attempt_ids.sorted("id").mapped("state"), ["unknown", "sent"]
            )
        puts = self._puts()
        self.assertEqual(len(puts), 2)
        self.assertEqual(puts[1].query.get("xd_update"), "1")
        self.assertEqual(set(self.sandbox.invoices()) - known, {number})
        self.assertEqual(self.sandbox.invoice(number)["updates"], 1)
