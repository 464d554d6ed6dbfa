# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    directo_invoice_id = fields.Many2one(
        "account.move",
        string="Registered from Directo for",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="Set on payments the Directo paid-status sync registered for this invoice; "
        "the sync removes them again when Directo stops reporting the money.",
    )
    directo_receipt_line_ids = fields.One2many(
        "directo.receipt.line", "payment_id", string="Directo Receipt Rows", readonly=True
    )
