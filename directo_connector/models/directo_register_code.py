# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .directo_register import COMPONENT_LABELS


class DirectoRegisterCode(models.Model):
    """One code of a Directo register as Odoo last read it (see ``directo.register``).

    Written only by the register refresh, in bulk (an upsert per 1,000 codes).
    """

    _name = "directo.register.code"
    _description = "Directo: a client, article or object code Directo has"
    _order = "component, code"
    _rec_name = "code"

    register_id = fields.Many2one(
        "directo.register",
        string="Copy",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    component = fields.Selection(COMPONENT_LABELS, string="Register", required=True, readonly=True)
    code = fields.Char(required=True, readonly=True)
    name = fields.Char(readonly=True)
    closed = fields.Boolean(readonly=True, help="Closed in Directo: invoices cannot use it.")
    ts = fields.Datetime(string="Changed in Directo", readonly=True)

    _sql_constraints = [
        ("code_uniq", "unique(register_id, code)", "A code appears once per register."),
    ]
