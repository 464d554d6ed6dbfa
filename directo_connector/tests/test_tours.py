# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The first hour of a new administrator, clicked through in a real browser (Odoo tours,
``static/tests/tours/``) against the Directo sandbox. Each tour ends on what the user sees.

Screenshots: with ``DIRECTO_SCREENSHOTS=<folder>`` in the environment, every tour step that
logs ``directo-screenshot:<name>`` saves the page as ``<folder>/<name>.png`` (that is how
the README's screenshots are made: ``DIRECTO_SCREENSHOTS=directo_connector/static/description``).
"""

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import SANDBOX_TOKEN, DirectoTourCase


@tagged("post_install", "-at_install")
class TestDirectoTours(DirectoTourCase):
    def _connected(self):
        self.company.sudo().directo_connection_state = "connected"

    def test_a_connect_with_a_pasted_key(self):
        """Paste the key with spaces around it, click Connect once: Connected. Without the
        settings buttons saving the page themselves, the click opens "Unsaved changes"."""
        self.company.sudo().directo_token = False
        self.start_tour(
            "/odoo/action-account.action_account_config", "directo_connect", login="admin"
        )
        self.assertEqual(self.company.directo_connection_state, "connected")
        self.assertEqual(self.company.sudo().directo_token, SANDBOX_TOKEN)

    def test_b_client_import(self):
        """Menu Import Clients, the scheduled action reads, the notification opens the
        preview, tick every row, Add Selected: the clients are under Customers."""
        self._connected()
        self.start_tour("/odoo", "directo_client_import", login="admin")
        clients = self.env["res.partner"].search([("directo_code", "=", "K0001")])
        self.assertEqual(clients.name, "Põhjala Puit OÜ")
        self.assertGreater(clients.customer_rank, 0)

    def test_c_article_import(self):
        """New products are Goods (unsaved), Import articles once, preview, Add Selected."""
        self._connected()
        self.start_tour(
            "/odoo/action-account.action_account_config", "directo_article_import", login="admin"
        )
        product = self.env["product.template"].search([("directo_code", "=", "ART-1001")])
        self.assertEqual(product.name, "Terrassilaud 28x120 mänd")
        self.assertEqual(product.type, "consu", "the unsaved choice on the page applied")

    def _exportable_invoice(self, client):
        tax = self.env["account.tax"].create(
            {"name": "KM 24% (tour)", "amount": 24, "type_tax_use": "sale", "directo_code": "1"}
        )
        product = self.env["product.product"].create(
            {"name": "Konsultatsioon", "directo_code": "TEENUS-KONSULT"}
        )
        seller = new_test_user(
            self.env, login="dx_tour_seller", name="Jaan Tamm", groups="base.group_user"
        )
        seller.directo_code = "JAAN"
        client.write({"user_id": seller.id, "directo_default_resource_is_user": True})
        return self._posted_invoice(client, product, tax)

    def _posted_invoice(self, client, product, tax, salesperson=None):
        """A posted invoice of one row (100 without VAT) of ``product`` with ``tax``."""
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": client.id,
                "invoice_user_id": (salesperson or self.env.user).id,
                "invoice_date": "2026-01-15",
                "invoice_date_due": "2026-01-29",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "price_unit": 100,
                            "tax_ids": [Command.set(tax.ids)],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _sales_journal_numbers(self):
        # The tour checks 202600001: the first invoice of the year in a fresh journal.
        journal = self.env["account.journal"].create(
            {"name": "Tour Sales", "code": "TOUR", "type": "sale"}
        )
        return journal

    def test_d_export_an_invoice(self):
        """Post an invoice, Export to Directo: the Sent badge, the number without separators."""
        self._connected()
        client = self.env["res.partner"].create(
            {"name": "Põhjala Puit OÜ", "is_company": True, "directo_code": "K0001"}
        )
        journal = self._sales_journal_numbers()
        move = self._exportable_invoice(client)
        move.button_draft()
        move.write({"journal_id": journal.id, "name": False})
        move.action_post()
        self.assertEqual(move.name, "TOUR/2026/00001")
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type/%s" % move.id,
            "directo_export_invoice",
            login="admin",
        )
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(self.sandbox.invoice(202600001)["customercode"], "K0001")

    def test_e_list_export_with_a_problem(self):
        """Two invoices from the list, one client without a code: the problems dialog, then
        Send the valid invoices."""
        self._connected()
        good_client = self.env["res.partner"].create(
            {"name": "Põhjala Puit OÜ", "is_company": True, "directo_code": "K0001"}
        )
        bad_client = self.env["res.partner"].create({"name": "Uus Klient OÜ", "is_company": True})
        good = self._exportable_invoice(good_client)
        bad = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": bad_client.id,
                "invoice_date": "2026-01-16",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": good.invoice_line_ids.product_id.id,
                            "price_unit": 50,
                            "tax_ids": [Command.set(good.invoice_line_ids.tax_ids.ids)],
                        }
                    )
                ],
            }
        )
        bad.action_post()
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "directo_export_list_problems",
            login="admin",
        )
        self.assertEqual(good.directo_state, "sent")
        self.assertEqual(bad.directo_state, "to_send")
        self.assertEqual(len([r for r in self.sandbox.requests if r.operation == "put"]), 1)

    def test_a_connect_in_estonian(self):
        """Tour (a) for an Estonian user: the connection status and diagnosis read Estonian."""
        self.company.sudo().directo_token = False
        self._admin_in_estonian()
        self.start_tour(
            "/odoo/action-account.action_account_config", "directo_connect_et", login="admin"
        )
        self.assertEqual(self.company.directo_connection_state, "connected")

    def test_b_client_import_in_estonian(self):
        """Tour (b) for an Estonian administrator: the import's form updates itself when the
        job is done; its notification, activity and chatter, written by the job, read
        Estonian."""
        self._connected()
        self._admin_in_estonian()
        self.start_tour("/odoo", "directo_client_import_et", login="admin")
        run = self.env["directo.import"].search([("kind", "=", "client")], limit=1)
        self.assertEqual(run.state, "ready")
        self.assertIn("eelvaade", run.activity_ids.summary)

    def test_d_export_in_estonian(self):
        """Tour (d) for an Estonian user: button, notification, badge and history in Estonian."""
        self._connected()
        client = self.env["res.partner"].create(
            {"name": "Põhjala Puit OÜ", "is_company": True, "directo_code": "K0001"}
        )
        move = self._exportable_invoice(client)
        self._admin_in_estonian()
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type/%s" % move.id,
            "directo_export_invoice_et",
            login="admin",
        )
        self.assertEqual(move.directo_state, "sent")

    def _posted_invoice_without_product(self, client):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": client.id,
                "invoice_date": "2026-01-15",
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Konsultatsioon", "price_unit": 100, "tax_ids": [Command.clear()]}
                    )
                ],
            }
        )
        move.action_post()
        return move

    def test_f_paid_status(self):
        """An exported invoice, a receipt for it in Directo, Fetch paid status now: the
        invoice shows Paid in Directo (and its Directo number without separators)."""
        self._connected()
        client = self.env["res.partner"].create(
            {"name": "Põhjala Puit OÜ", "is_company": True, "directo_code": "K0001"}
        )
        move = self._posted_invoice_without_product(client)
        # What a successful export writes (the export itself is tested in test_export).
        move._directo_write_states(
            {
                move.id: {
                    "directo_state": "sent",
                    "directo_number": 202600001,
                    "directo_document": "draft",
                }
            }
        )
        self.sandbox.state.add_receipt(202600001, amount="100.00", ts="2026-01-20T10:00:00")
        self.start_tour(
            "/odoo/action-account.action_account_config", "directo_paid_status", login="admin"
        )
        self.assertEqual(move.directo_payment_state, "paid")

    def test_g_resource_on_a_posted_invoice(self):
        """The rows' resource is Directo-only information: set on a posted invoice that
        Directo does not have yet, in the browser (the invoice lines are read-only)."""
        katrin = new_test_user(
            self.env, login="dx_tour_katrin", name="Katrin Kask", groups="base.group_user"
        )
        katrin.directo_code = "KATRIN"
        client = self.env["res.partner"].create(
            {"name": "Tallinna Mööbel OÜ", "is_company": True, "directo_code": "K0003"}
        )
        move = self._posted_invoice_without_product(client)
        self.assertEqual(move.directo_state, "to_send")
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type/%s" % move.id,
            "directo_invoice_resource",
            login="admin",
        )
        self.assertEqual(move.invoice_line_ids.directo_resource_id, katrin)
        self.assertEqual(move.state, "posted")

    def test_needs_attention_then_export(self):
        """Directo's answer was lost twice in a row (the company's limit): the invoice list's
        filter finds it, its banner says what was tried, Export to Directo sends it."""
        self._connected()
        self.company.directo_retry_limit = 2
        client = self.env["res.partner"].create(
            {"name": "Põhjala Puit OÜ", "is_company": True, "directo_code": "K0001"}
        )
        move = self._exportable_invoice(client)
        for _lost in range(2):
            self.sandbox.add_fault("http500", component="invoice", operation="put")
            move._directo_hand_over()
        self.assertEqual(move.directo_state, "attention")
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "directo_needs_attention",
            login="admin",
        )
        self.assertEqual(move.directo_state, "sent")
        puts = [r for r in self.sandbox.requests if r.operation == "put"]
        # A create (no xd_update), then updates of the same number only.
        self.assertEqual([r.query.get("xd_update") for r in puts], [None, "1", "1"])

    def test_h_probable_client_linked_keeping_odoo_values(self):
        """A *Probably the same* client shows its differences in the preview; *Link, Keep
        Odoo's Values* links it without writing any of them."""
        self._connected()
        existing = self.env["res.partner"].create(
            {"name": "Saare Kala", "is_company": True, "vat": "EE109876543", "email": "x@y.ee"}
        )
        run = self.env["directo.import"]._directo_enqueue("client", self.company)
        self.env["directo.import"]._cron_process_imports()
        self.assertEqual(run.state, "ready", run.error)
        self.start_tour(
            "/odoo/action-directo_connector.directo_import_action/%s" % run.id,
            "directo_client_probable",
            login="admin",
        )
        self.assertEqual(existing.directo_code, "K0002")
        self.assertEqual((existing.name, existing.email), ("Saare Kala", "x@y.ee"))

    # ------------------------------------------------------------------ issue 21

    def _invoice_with_tax(self, client, tax, salesperson):
        product = self.env["product.product"].create(
            {"name": "Konsultatsioon", "directo_code": "TEENUS-KONSULT"}
        )
        return self._posted_invoice(client, product, tax, salesperson)

    def test_i_first_export_of_a_fresh_company(self):
        """A fresh company connected to the sandbox confirms the proposed mappings on one
        screen and exports its first invoice without any other configuration (the client
        and the article as their imports leave them)."""
        self.company.sudo().write(
            {"directo_token": False, "directo_connection_state": "not_connected"}
        )
        admin = self.env.ref("base.user_admin")
        admin.directo_code = False
        tax22 = self.env["account.tax"].search(
            [
                ("company_id", "=", self.company.id),
                ("type_tax_use", "=", "sale"),
                ("amount", "=", 22),
                ("name", "=", "22% G"),
            ]
        )
        self.assertTrue(tax22, "the Estonian chart's 22 % tax")
        self.assertFalse(tax22.directo_code)
        client = self.env["res.partner"].create(
            {"name": "Põhjala Puit OÜ", "is_company": True, "directo_code": "K0001"}
        )
        move = self._invoice_with_tax(client, tax22, admin)
        self.start_tour(
            "/odoo/action-account.action_account_config", "directo_first_export", login="admin"
        )
        self.assertEqual(tax22.directo_code, "4")
        self.assertEqual(admin.directo_code, "ADMIN")
        self.assertEqual(move.directo_state, "sent")
        stored = self.sandbox.invoice(move.directo_number)
        self.assertEqual(stored["rows"][0]["object"], "ADMIN", "the invoice's salesperson")
        self.assertEqual(float(self.sandbox.state.invoice_total(move.directo_number)), 122.0)

    def test_j_problems_dialog_fixes_in_place(self):
        """The problems dialog: a missing VAT code picked from Directo's list, a missing
        client created in Directo (the administrator switches it on there), then Send."""
        self._connected()
        self.company.action_directo_refresh_registers()
        self.company.directo_customer_export = False
        admin = self.env.ref("base.user_admin")
        admin.directo_code = "ADMIN"
        tax9 = self.env["account.tax"].create(
            {"name": "KM 9% (tour)", "amount": 9, "type_tax_use": "sale"}
        )
        client = self.env["res.partner"].create({"name": "Uus Klient OÜ", "is_company": True})
        move = self._invoice_with_tax(client, tax9, admin)
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type/%s" % move.id,
            "directo_dialog_fixes",
            login="admin",
        )
        self.assertEqual(tax9.directo_code, "2")
        self.assertTrue(self.company.directo_customer_export)
        self.assertTrue(client.directo_code)
        self.assertEqual(self.sandbox.state.customer(client.directo_code)["name"], "Uus Klient OÜ")
        self.assertEqual(move.directo_state, "sent")
