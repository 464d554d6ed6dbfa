# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..xmldirect.vatcodes import format_rate
from .directo_register import COMPONENT_LABELS, RATE_SOURCES


class DirectoRegisterCode(models.Model):
    """One code of a Directo register as Odoo last read it (see ``directo.register``).

    Written only by the register refresh, in bulk (an upsert per 1,000 codes).
    """

    _name = "directo.register.code"
    _description = "Directo: a client, article, object or VAT code Directo has"
    _order = "component, code"
    _rec_name = "code"
    _rec_names_search = ["code", "name"]

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
    vatcode = fields.Char(
        string="Article's VAT Code", readonly=True, help="Articles: their VAT code in Directo."
    )
    rate = fields.Float(
        string="VAT Rate (%)",
        digits=(16, 2),
        readonly=True,
        help="VAT codes: the code's rate. Articles: the rate their prices without and with "
        "VAT imply. Empty when Directo does not tell it.",
    )
    rate_source = fields.Selection(
        RATE_SOURCES,
        string="Rate From",
        readonly=True,
        help="Where the VAT code's rate comes from: Directo's VAT code list "
        "(itemaccountvatcode), or the prices of the articles that use it. When the articles "
        "of a code imply different rates, the code has no rate and no tax is checked "
        "against it.",
    )

    _sql_constraints = [
        ("code_uniq", "unique(register_id, code)", "A code appears once per register."),
    ]

    @api.depends("code", "name", "rate", "rate_source", "component")
    def _compute_display_name(self):
        """``4 (22 %)`` for a VAT code of known rate, ``JAAN Jaan Tamm`` for the others:
        what a user picks from Directo's list."""
        for record in self:
            if record.component == "vatcode":
                known = record.rate_source in ("item", "itemaccountvatcode")
                record.display_name = (
                    "%s (%s)" % (record.code, format_rate(record.rate)) if known else record.code
                )
            else:
                record.display_name = " ".join(filter(None, [record.code, record.name]))
