# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rows' resource on posted invoices, and what an exported invoice shows at once."""

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .test_export import DirectoExportCommon


@tagged("post_install", "-at_install")
class TestDirectoInvoiceRows(DirectoExportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # An ordinary client: no default resource, "default resource: default user" off.
        cls.plain_client = cls.env["res.partner"].create(
            {"name": "Tallinna Mööbel OÜ", "is_company": True, "directo_code": "K0003"}
        )

    def test_resource_set_on_a_posted_invoice_until_directo_holds_it(self):
        # Without the invoice's salesperson as the last fallback the row needs a resource.
        self.company.directo_salesperson_fallback = False
        move = self._invoice(partner=self.plain_client)
        self.assertFalse(move.directo_row_ids.directo_resource_id)
        self.assertEqual(
            self._problems(move),
            [
                "%s row 1 (Consulting hour) has no resource: set one on the row, or a default "
                "resource on client Tallinna Mööbel OÜ." % move.name
            ],
        )
        # The invoice lines are read-only once posted; the Directo tab's rows are not.
        self.assertFalse(move.directo_held)
        with Form(move) as form, form.directo_row_ids.edit(0) as row:
            row.directo_resource_id = self.katrin
        self.assertEqual(move.invoice_line_ids.directo_resource_id, self.katrin)
        self.assertEqual(move.state, "posted")
        self._export(move)
        self.assertEqual(move.directo_state, "sent", move.directo_error)
        self.assertIn('object="KATRIN"', self._sent_xml())
        # Directo holds it now: the resource is what Directo has.
        self.assertTrue(move.directo_held)
        with self.assertRaisesRegex(UserError, "Directo already has invoice"):
            move.invoice_line_ids.directo_resource_id = self.mari
        with (
            Form(move) as form,
            self.assertRaises(AssertionError),
            form.directo_row_ids.edit(0) as row,
        ):
            row.directo_resource_id = self.mari
        # Reset to draft: editable again, like every other field of the invoice.
        move.button_draft()
        move.invoice_line_ids.directo_resource_id = self.mari
        self.assertEqual(move.invoice_line_ids.directo_resource_id, self.mari)

    def test_failed_export_is_not_held(self):
        """A refused invoice (Type 31: unknown client code) is not in Directo: its rows'
        resource can still be changed on the posted invoice."""
        unknown = self.env["res.partner"].create(
            {"name": "Unknown OÜ", "is_company": True, "directo_code": "K9999"}
        )
        move = self._invoice(partner=unknown)
        move.invoice_line_ids.directo_resource_id = self.katrin
        self._export(move)
        self.assertEqual(move.directo_state, "failed")
        self.assertFalse(move.directo_held)
        move.invoice_line_ids.directo_resource_id = self.jaan
        self.assertEqual(move.invoice_line_ids.directo_resource_id, self.jaan)

    def test_resource_column_only_for_companies_that_export(self):
        move = self._invoice(post=False)
        self.assertTrue(move.directo_export_enabled)
        self.company.directo_invoice_export = False
        self.assertFalse(move.directo_export_enabled)
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("not parent.directo_export_enabled", arch)

    def test_not_paid_in_directo_only_once_directo_was_asked(self):
        """Sending says nothing about payment: no "Not paid in Directo" until receipts were
        read from Directo after the invoice got there; the words differ from Odoo's own
        'Not Paid'."""
        move = self._invoice()
        self.assertFalse(move.directo_payment_state)
        self._export(move)
        self.assertEqual(move.directo_state, "sent", move.directo_error)
        self.assertFalse(move.directo_payment_state)
        stats = self.env["directo.receipt"]._directo_fetch_paid_status(self.company)
        self.assertFalse(stats["error"])
        self.assertEqual(move.directo_payment_state, "not_paid")
        labels = dict(move._fields["directo_payment_state"]._description_selection(self.env))
        self.assertEqual(labels["not_paid"], "Not paid in Directo")
        payment_labels = dict(move._fields["payment_state"]._description_selection(self.env))
        self.assertNotIn(labels["not_paid"], payment_labels.values())
        # A refused invoice gets no Directo payment status.
        refused = self._invoice(partner=self.nocode_client)
        self.assertFalse(refused.directo_payment_state)
