# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reconciliation: client balances in Directo (the sandbox) compared with Odoo's."""

import datetime as dt
from decimal import Decimal

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.directo_connector.xmldirect import InvoicePayload, InvoiceRowPayload

from .common import DirectoTransactionCase, posted_invoice

RECON_TOKEN = "RECON-TOKEN"
ACTIVITY_TYPE = "directo_connector.mail_activity_type_reconciliation"


@tagged("post_install", "-at_install")
class TestReconciliation(DirectoTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        # Clients of this company: codes are matched per company.
        cls.client_k1 = Partner.create(
            {"name": "Põhjala Puit OÜ", "is_company": True, "directo_code": "K0001",
             "company_id": cls.company.id}
        )  # fmt: skip
        cls.client_k2 = Partner.create(
            {"name": "Saare Kala AS", "is_company": True, "directo_code": "K0002",
             "company_id": cls.company.id}
        )  # fmt: skip
        cls.manager = new_test_user(
            cls.env,
            login="dx_recon_manager",
            groups="account.group_account_manager",
            company_id=cls.company.id,
        )
        cls.Run = cls.env["directo.reconciliation"]

    def setUp(self):
        super().setUp()
        # A Directo company of its own: two clients, nothing owed.
        self.sandbox.state.add_token(RECON_TOKEN, company="recon")
        self.sandbox.state.add_customers(
            [{"code": "K0001", "name": "Põhjala Puit OÜ"}, {"code": "K0002", "name": "Saare Kala"}],
            company="recon",
        )
        self.sandbox.state.add_vatcode("3", 0, company="recon")
        self.company.sudo().directo_token = RECON_TOKEN
        self.company.directo_reconcile_user_id = self.manager

    # ------------------------------------------------------------------ helpers

    def _invoice(self, amount, partner=None, move_type="out_invoice", number=None):
        """A posted invoice (no tax); with ``number``: marked as sent under it."""
        return posted_invoice(
            partner or self.client_k1, amount, "2026-01-10", move_type=move_type, number=number
        )

    def _put(self, number, amount, customer="K0001"):
        """The invoice as Directo stores it (0 % VAT): sent through XML Direct."""
        row = InvoiceRowPayload(None, "Konsultatsioon", Decimal(1), Decimal(str(amount)),
                                None, "3", None, 1)  # fmt: skip
        payload = InvoicePayload(number, customer, dt.date(2026, 1, 10), None, None, "EUR",
                                 None, True, (row,))  # fmt: skip
        (result,) = self.company._directo_client().put_invoices([payload])
        self.assertTrue(result.success, result.desc)

    def _exported(self, amount, number, partner=None, customer="K0001", directo_amount=None):
        move = self._invoice(amount, partner=partner, number=number)
        self._put(number, directo_amount if directo_amount is not None else amount, customer)
        return move

    def _reconcile(self, company=None):
        run = (company or self.company).directo_reconcile()
        self.assertEqual(run.state, "done", run.error)
        return run

    def _line(self, run, partner):
        line = run.line_ids.filtered(lambda line: line.partner_id == partner)
        self.assertEqual(len(line), 1, run.line_ids.mapped("explanation"))
        return line

    def _activities(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "directo.reconciliation"),
                ("activity_type_id", "=", self.env.ref(ACTIVITY_TYPE).id),
            ]
        )

    # ------------------------------------------------------------------ tests

    def test_agreeing_balances_give_no_line_and_no_activity(self):
        self._exported(100.0, 202600001)
        paid = self._exported(50.0, 202600002, partner=self.client_k2, customer="K0002")
        self.sandbox.state.add_receipt(202600002, company="recon")
        self.env["directo.receipt"]._directo_fetch_paid_status(self.company)
        self.assertEqual(paid.directo_payment_state, "paid")
        # A cent typed into Directo is within the tolerance (0.01 by default).
        self.sandbox.state.add_invoice(800009, "K0002", "0.01", company="recon")
        self.Run._cron_reconcile()
        run = self.Run.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(run.trigger, "scheduled")
        self.assertEqual(run.client_count, 2)
        self.assertEqual(run.difference_count, 0)
        self.assertFalse(run.line_ids)
        self.assertFalse(self._activities())
        # The one read is kept as an exchange.
        exchange = self.env["directo.exchange"].search(
            [("company_id", "=", self.company.id), ("component", "=", "customer")],
            order="id desc",
            limit=1,
        )
        self.assertTrue(exchange.success)
        self.assertEqual(exchange.document_count, 2)

    def test_agreeing_balances_with_offsetting_causes(self):
        """An invoice still To send and one typed into Directo for the same amount: the
        balances agree, yet both are shown (not counted as differing, no activity)."""
        waiting = self._invoice(80.0)
        self.sandbox.state.add_invoice(800001, "K0001", "80", company="recon")
        self.Run._cron_reconcile()
        run = self.Run.search([("company_id", "=", self.company.id)])
        self.assertEqual(run.difference_count, 0)
        self.assertFalse(self._activities())
        line = self._line(run, self.client_k1)
        self.assertFalse(line.differs)
        self.assertAlmostEqual(line.difference, 0.0)
        self.assertEqual(line.move_ids, waiting)
        kinds = [cause["kind"] for cause in line.causes]
        self.assertEqual(kinds, ["not_sent", "only_in_directo"])
        self.assertIn("To send", line.explanation)
        self.assertIn("only in Directo", line.explanation)
        differing = self.env["directo.reconciliation.line"].search(
            [("reconciliation_id", "=", run.id), ("differs", "=", True)]
        )
        self.assertFalse(differing, "the filter Differs leaves it out")

    def test_invoice_typed_into_directo_is_unexplained_only_in_directo(self):
        self._exported(100.0, 202600001)
        self.sandbox.state.add_invoice(800001, "K0001", "80", company="recon")
        run = self._reconcile()
        self.assertEqual(run.difference_count, 1)
        line = self._line(run, self.client_k1)
        self.assertEqual(line.directo_code, "K0001")
        self.assertAlmostEqual(line.directo_balance, 180.0)
        self.assertAlmostEqual(line.odoo_balance, 100.0)
        self.assertAlmostEqual(line.difference, 80.0)
        self.assertAlmostEqual(line.unexplained, 80.0)
        self.assertEqual(line.cause, "only_in_directo")
        self.assertIn("Unexplained: only in Directo", line.explanation)
        self.assertAlmostEqual(run.total_difference, 80.0)

    def test_receipt_for_an_unknown_number(self):
        """A receipt (read by the paid status) pays 800002, an invoice Odoo does not know:
        Directo's balance holds the invoice minus the money."""
        self.sandbox.state.add_invoice(800002, "K0001", "120", company="recon")
        receipt = self.sandbox.state.add_receipt(800002, amount="50", company="recon")
        self._exported(10.0, 202600001)
        self.env["directo.receipt"]._directo_fetch_paid_status(self.company)
        line = self._line(self._reconcile(), self.client_k1)
        self.assertAlmostEqual(line.difference, 70.0)
        self.assertEqual(line.cause, "unknown_invoice")
        self.assertAlmostEqual(line.unexplained, 0.0)
        self.assertIn("800002", line.explanation)
        self.assertIn(str(receipt), line.explanation)
        self.assertIn("only in Directo", line.explanation)
        # The receipts one click away.
        self.assertEqual(line.receipt_count, 1)
        action = line.action_open_receipts()
        receipts = self.env["directo.receipt"].search(action["domain"])
        self.assertEqual(receipts.mapped("number"), [receipt])

    def test_invoice_whose_directo_total_differs(self):
        """Directo holds 241.80 for an invoice of 237.90 in Odoo (another VAT rate): the
        receipt's invoice sum tells."""
        move = self._exported(237.90, 202600003, directo_amount="241.80")
        self.sandbox.state.add_receipt(202600003, amount="100", company="recon")
        self.env["directo.receipt"]._directo_fetch_paid_status(self.company)
        self.assertAlmostEqual(move.directo_amount_paid, 100.0)
        line = self._line(self._reconcile(), self.client_k1)
        self.assertAlmostEqual(line.directo_balance, 141.80)
        self.assertAlmostEqual(line.odoo_balance, 137.90)
        self.assertAlmostEqual(line.difference, 3.90)
        self.assertEqual(line.cause, "amount")
        self.assertAlmostEqual(line.unexplained, 0.0)
        self.assertEqual(line.move_ids, move)
        self.assertIn(move.name, line.explanation)
        self.assertIn("241.80", line.explanation)
        self.assertIn("237.90", line.explanation)
        # One click from the line to the invoice.
        action = line.action_open_invoices()
        self.assertEqual(action["res_id"], move.id)

    def test_invoice_not_sent_yet(self):
        self._exported(100.0, 202600001)
        waiting = self._invoice(60.0)
        self.assertEqual(waiting.directo_state, "to_send")
        line = self._line(self._reconcile(), self.client_k1)
        self.assertAlmostEqual(line.odoo_balance, 160.0)
        self.assertAlmostEqual(line.difference, -60.0)
        self.assertEqual(line.cause, "not_sent")
        self.assertAlmostEqual(line.unexplained, 0.0)
        self.assertEqual(line.move_ids, waiting)
        self.assertIn("To send", line.explanation)
        action = line.action_open_invoices()
        self.assertEqual(action["res_id"], waiting.id)

    def test_codes_compared_ignoring_case(self):
        """Directo ignores the case of client codes, so the comparison does too."""
        client = self.env["res.partner"].create(
            {"name": "Nordic Timber Oy", "directo_code": "K0003", "company_id": self.company.id}
        )
        self.sandbox.state.add_customer(code="k0003", balance="30", company="recon")
        self.sandbox.state.add_receipt(
            rows=[{"invoice": 800007, "amount": "5", "customer": "k0003"}], company="recon"
        )
        self._exported(1.0, 202600001)  # the paid status reads receipts once Odoo exported
        self.env["directo.receipt"]._directo_fetch_paid_status(self.company)
        run = self._reconcile()
        line = self._line(run, client)
        self.assertAlmostEqual(line.directo_balance, 25.0)
        self.assertIn("800007", line.explanation)
        self.assertFalse(run.line_ids.filtered(lambda line: not line.partner_id))

    def test_cancelled_in_odoo_only(self):
        """Cancelled in Odoo while Directo still holds it (a draft there)."""
        self._exported(100.0, 202600001)
        cancelled = self._exported(70.0, 202600005)
        cancelled.button_draft()
        cancelled.button_cancel()
        self.assertEqual(cancelled.state, "cancel")
        line = self._line(self._reconcile(), self.client_k1)
        self.assertAlmostEqual(line.odoo_balance, 100.0)
        self.assertAlmostEqual(line.difference, 70.0)
        self.assertEqual(line.cause, "cancelled")
        self.assertAlmostEqual(line.unexplained, 0.0)
        self.assertEqual(line.move_ids, cancelled)
        self.assertIn("202600005", line.explanation)

    def test_credit_note_and_clients_on_one_side_only(self):
        self._exported(100.0, 202600001)
        credit = self._invoice(30.0, move_type="out_refund", number=202600002)
        # Directo holds the invoice but not the credit note; a client unknown to Odoo owes
        # 40; K0002 is closed in Directo while Odoo counts an invoice for it.
        self.sandbox.state.add_customer(code="K0099", name="Ainult Directos OÜ",
                                        balance="40", company="recon")  # fmt: skip
        self._exported(25.0, 202600004, partner=self.client_k2, customer="K0002")
        self.sandbox.state.close("customer", "K0002", company="recon")
        run = self._reconcile()
        self.assertEqual(run.difference_count, 3)
        credit_line = self._line(run, self.client_k1)
        self.assertAlmostEqual(credit_line.difference, 30.0)
        self.assertEqual(credit_line.cause, "credit_note")
        self.assertEqual(credit_line.move_ids, credit)
        unknown = run.line_ids.filtered(lambda line: not line.partner_id)
        self.assertEqual(unknown.directo_code, "K0099")
        self.assertEqual(unknown.cause, "client_not_in_odoo")
        self.assertAlmostEqual(unknown.difference, 40.0)
        closed = self._line(run, self.client_k2)
        self.assertEqual(closed.cause, "client_not_in_directo")
        self.assertAlmostEqual(closed.difference, -25.0)
        self.assertEqual(run.client_count, 3)

    def test_receivable_when_payments_are_registered_in_odoo(self):
        """With Directo's payments registered as Odoo payments, Odoo's own receivable is
        compared: a payment registered in Odoo only shows up."""
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        self.company.directo_payment_journal_id = journal
        paid = self._exported(100.0, 202600001)
        self.sandbox.state.add_receipt(202600001, company="recon")
        self.env["directo.receipt"]._directo_fetch_paid_status(self.company)
        self.assertEqual(paid.payment_state, "paid")
        run = self._reconcile()
        self.assertEqual(run.balance_mode, "receivable")
        self.assertFalse(run.line_ids)
        odoo_only = self._exported(40.0, 202600002)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=odoo_only.ids
        ).create({"journal_id": journal.id})._create_payments()
        self.assertEqual(odoo_only.amount_residual, 0.0)
        line = self._line(self._reconcile(), self.client_k1)
        self.assertAlmostEqual(line.directo_balance, 40.0)
        self.assertAlmostEqual(line.odoo_balance, 0.0)
        self.assertEqual(line.cause, "paid_in_odoo")
        self.assertAlmostEqual(line.unexplained, 0.0)
        self.assertEqual(line.move_ids, odoo_only)

    def test_companies_kept_apart(self):
        other = self.env["res.company"].create({"name": "DX Reconcile Second"})
        self._configure_company(other, token="RECON-OTHER")
        self.sandbox.state.add_token("RECON-OTHER", company="recon2")
        self.sandbox.state.add_customer(code="K0001", balance="60", company="recon2")
        own_k1 = self.env["res.partner"].create(
            {"name": "Põhjala (second)", "directo_code": "K0001", "company_id": other.id}
        )
        self._exported(100.0, 202600001)
        first, second = self._reconcile(), self._reconcile(other)
        self.assertFalse(first.line_ids)
        line = self._line(second, own_k1)
        self.assertAlmostEqual(line.odoo_balance, 0.0, msg="the first company's invoice")
        self.assertAlmostEqual(line.difference, 60.0)
        self.assertEqual(line.company_id, other)
        # A user of the first company sees neither the second company's run nor its lines.
        user = new_test_user(
            self.env,
            login="dx_recon_reader",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        Run = self.Run.with_user(user)
        self.assertEqual(Run.search([("id", "in", (first | second).ids)]), first)
        self.assertFalse(
            self.env["directo.reconciliation.line"].with_user(user).search([("id", "=", line.id)])
        )
        # Readers read; only managers run.
        with self.assertRaises(AccessError):
            Run.action_reconcile_now()
        action = self.Run.with_user(self.manager).action_reconcile_now()
        self.assertEqual(action["res_model"], "directo.reconciliation")

    def test_scheduled_run_leaves_one_activity(self):
        self._exported(100.0, 202600001)
        self.sandbox.state.add_invoice(800001, "K0001", "80", company="recon")
        self.Run._cron_reconcile()
        run = self.Run.search([("company_id", "=", self.company.id)])
        self.assertEqual(run.difference_count, 1)
        activity = self._activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.res_id, run.id)
        self.assertEqual(activity.user_id, self.manager)
        # Not due again within the week: no second run.
        self.Run._cron_reconcile()
        self.assertEqual(self.Run.search_count([("company_id", "=", self.company.id)]), 1)
        # A week later the next run replaces the reminder: still one open activity.
        run.date -= dt.timedelta(days=7)
        self.Run._cron_reconcile()
        runs = self.Run.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(runs), 2)
        activity = self._activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.res_id, runs[0].id)
        # Off: no run at all.
        self.company.directo_reconcile_interval = "off"
        runs[0].date -= dt.timedelta(days=30)
        self.Run._cron_reconcile()
        self.assertEqual(self.Run.search_count([("company_id", "=", self.company.id)]), 2)

    def _queries_for(self, count, prefix, base):
        """(SQL queries, clients differing) of a run after ``count`` more clients, each
        differing (an invoice typed into Directo) and each with an invoice Odoo sent."""
        partners = self.env["res.partner"].create(
            [
                {"name": f"{prefix} {i}", "directo_code": f"{prefix}{i:03d}",
                 "company_id": self.company.id}
                for i in range(count)
            ]
        )  # fmt: skip
        self.sandbox.state.add_customers(
            [{"code": partner.directo_code, "name": partner.name} for partner in partners],
            company="recon",
        )
        for i, partner in enumerate(partners):
            self._exported(10.0, 202610000 + base + i, partner=partner,
                           customer=partner.directo_code)  # fmt: skip
            self.sandbox.state.add_invoice(810000 + base + i, partner.directo_code, "5",
                                           company="recon")  # fmt: skip
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        run = self._reconcile()
        return self.env.cr.sql_log_count - before, run.difference_count

    def test_queries_do_not_grow_with_the_clients(self):
        self._queries_for(2, "W", 0)  # warm-up: caches, the exchange model, the temp table
        few, differing_few = self._queries_for(3, "A", 100)
        many, differing_many = self._queries_for(12, "B", 200)
        self.assertEqual((differing_few, differing_many), (5, 17))
        self.assertLessEqual(many, few, "17 differing clients cost no more queries than 5")

    def test_directo_without_balances(self):
        """A Directo whose client output leaves out the balance: nothing is compared, the
        run says what to ask Directo for (no client is taken to owe 0)."""
        self._exported(100.0, 202600001)
        self.sandbox.state.set_report_balances(False)
        run = self.company.directo_reconcile()
        self.assertEqual(run.state, "failed")
        self.assertIn("carries no balance", run.error)
        self.assertFalse(run.line_ids)

    def test_explanation_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("et_EE")
        self.env["ir.module.module"]._load_module_terms(
            ["directo_connector"], ["et_EE"], overwrite=True
        )
        self._exported(100.0, 202600001)
        self._invoice(60.0)
        line = self._line(self._reconcile(), self.client_k1)
        self.assertIn("To send", line.explanation)
        estonian = line.with_context(lang="et_EE")
        estonian.invalidate_recordset(["explanation"])
        self.assertIn("on Odoos olekus „Saatmata“", estonian.explanation)
        self.assertEqual(
            dict(estonian._fields["cause"]._description_selection(estonian.env))["not_sent"],
            "Veel pole Directos",
        )

    def test_only_managers_reconcile(self):
        reader = new_test_user(
            self.env,
            login="dx_recon_billing",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        with self.assertRaises(AccessError):
            self.company.with_user(reader).directo_reconcile()
        run = self.company.with_user(self.manager).directo_reconcile()
        self.assertEqual(run.state, "done", run.error)
        # The reader reads it.
        self.assertEqual(run.with_user(reader).client_count, 2)

    def test_directo_failure_is_said_on_the_run(self):
        self.sandbox.state.add_fault("http500", component="customer", sticky=True)
        run = self.company.directo_reconcile()
        self.assertEqual(run.state, "failed")
        self.assertIn("500", run.error)
        self.assertFalse(run.line_ids)
        # An answer that is no client list (a truncated put answer) compares nothing
        # either; its exchange is kept.
        self.sandbox.state.clear_faults()
        self.sandbox.state.add_invoice(800001, "K0001", "80", company="recon")
        self.sandbox.state.add_fault("malformed", component="customer")
        run = self.company.directo_reconcile()
        self.assertEqual(run.state, "failed")
        self.assertIn("Reading the clients from Directo failed", run.error)
        self.assertIn("Unexpected answer", run.error)
        self.assertFalse(run.line_ids)
        self.assertEqual(run.client_count, 0)
        exchange = self.env["directo.exchange"].search(
            [("company_id", "=", self.company.id), ("component", "=", "customer")],
            order="id desc",
            limit=1,
        )
        self.assertFalse(exchange.success)
        # Reconcile now opens the failed run, which says why.
        action = self.Run.with_user(self.manager).action_reconcile_now()
        self.assertEqual(action["res_model"], "directo.reconciliation")
