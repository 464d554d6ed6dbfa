# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..xmldirect.vatcodes import format_rate, same_rate


class AccountTax(models.Model):
    _inherit = "account.tax"

    directo_code = fields.Char(
        string="Directo VAT Code",
        copy=False,
        help="VAT code of this tax in Directo (Directo's VAT codes differ per database).",
    )
    directo_vat_rate = fields.Char(
        string="Rate in Directo",
        compute="_compute_directo_vat_rate",
        help="The rate of this tax's Directo VAT code, as Odoo's copy of Directo's codes "
        "knows it (empty when it does not). Invoices are not sent while it differs from the "
        "tax's own rate.",
    )
    directo_rate_differs = fields.Boolean(compute="_compute_directo_vat_rate")

    @api.depends("directo_code", "amount", "amount_type", "company_id")
    def _compute_directo_vat_rate(self):
        Register = self.env["directo.register"].sudo()
        rates = {company: Register._directo_vat_rates(company) for company in self.company_id}
        for tax in self:
            rate = rates.get(tax.company_id, {}).get((tax.directo_code or "").strip())
            tax.directo_vat_rate = format_rate(rate) if rate is not None else False
            tax.directo_rate_differs = (
                rate is not None
                and tax.amount_type in ("percent", "division")
                and not same_rate(tax.amount, rate)
            )
