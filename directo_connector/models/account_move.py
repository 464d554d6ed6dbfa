# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    # Export (issue: export invoices to Directo)
    directo_state = fields.Selection(
        [("to_send", "To send"), ("sent", "Sent"), ("failed", "Failed")],
        string="Directo Status",
        copy=False,
        index=True,
        tracking=True,
        help="To send: not (yet) in Directo. Sent: Directo answered success. "
        "Failed: Directo refused it, see the Directo error.",
    )
    directo_number = fields.Integer(
        string="Directo Number",
        copy=False,
        index=True,
        help="Invoice number in Directo (the number stays the same on every re-send).",
    )
    directo_error = fields.Text(string="Directo Error", copy=False, readonly=True)
    directo_exchange_id = fields.Many2one(
        "directo.exchange", string="Last Directo Exchange", copy=False, readonly=True
    )

    # Paid status (issue: paid status from Directo)
    directo_payment_state = fields.Selection(
        [("not_paid", "Not paid"), ("partial", "Partially paid"), ("paid", "Paid")],
        string="Directo Payment Status",
        copy=False,
        index=True,
        readonly=True,
    )
    directo_amount_paid = fields.Monetary(
        string="Paid in Directo", copy=False, readonly=True, currency_field="currency_id"
    )
    directo_last_payment_date = fields.Date(
        string="Last Directo Payment", copy=False, readonly=True
    )
