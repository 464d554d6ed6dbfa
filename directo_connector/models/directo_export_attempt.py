# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class DirectoExportAttempt(models.Model):
    """One invoice carried by one request to Directo, with Directo's answer for it.

    Created *before* the request (state ``pending``, committed): a pending attempt is the
    lease that tells other workers a live request carries the invoice, and what a worker
    that died left behind (see ``directo.invoice.export``).
    """

    _name = "directo.export.attempt"
    _description = "Directo Export Attempt"
    _order = "id desc"

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True)
    number = fields.Char(string="Directo Number", readonly=True)
    update = fields.Boolean(
        string="As Update", readonly=True, help="Sent with xd_update=1 (replaces Directo's copy)."
    )
    state = fields.Selection(
        [
            ("pending", "Awaiting answer"),
            ("sent", "Accepted"),
            ("failed", "Refused"),
            ("unknown", "No answer"),
        ],
        readonly=True,
        index=True,
    )
    type_code = fields.Integer(string="Directo Type", readonly=True)
    description = fields.Char(string="Directo's Answer", readonly=True)
    message = fields.Text(string="Explanation", readonly=True)
    exchange_id = fields.Many2one(
        "directo.exchange",
        readonly=True,
        ondelete="set null",
        groups="base.group_system",  # exchanges hold raw requests: admins only
    )
