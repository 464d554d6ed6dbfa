# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reconciliation in a real browser: Reconcile now from the menu, the differing client in
the list, its invoices one click away (``static/tests/tours/directo_reconciliation.js``)."""

from odoo import Command
from odoo.tests import tagged

from .common import DirectoTourCase


@tagged("post_install", "-at_install")
class TestReconciliationTour(DirectoTourCase):
    def test_reconcile_now_from_the_menu(self):
        """Directo holds 234.36 for Saare Kala AS (its invoice 700002, typed into Directo);
        Odoo has a 50.00 invoice for it still To send. K0004 is not a client in Odoo."""
        self._reconcile_in_the_browser("directo_reconciliation", "/odoo")

    def test_reconcile_now_in_estonian(self):
        """The same for an Estonian administrator: the filter *Erineb*, the state
        *Saatmata* in the explanation and on the invoice."""
        self._admin_in_estonian()
        self._reconcile_in_the_browser(
            "directo_reconciliation_et",
            "/odoo/action-directo_connector.directo_reconciliation_action",
        )

    def _reconcile_in_the_browser(self, tour, url):
        client = self.env["res.partner"].create(
            {"name": "Saare Kala AS", "is_company": True, "directo_code": "K0002"}
        )
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": client.id,
                "invoice_date": "2026-01-15",
                "invoice_line_ids": [
                    Command.create({"name": "Kala", "price_unit": 50, "tax_ids": [Command.clear()]})
                ],
            }
        )
        move.action_post()
        self.assertEqual(move.directo_state, "to_send")
        self.start_tour(url, tour, login="admin")
        run = self.env["directo.reconciliation"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(run), 1)
        self.assertEqual(run.difference_count, 2)
        line = run.line_ids.filtered(lambda line: line.partner_id == client)
        self.assertAlmostEqual(line.difference, 184.36)
        self.assertEqual(line.move_ids, move)
        self.assertAlmostEqual(line.unexplained, 234.36)
