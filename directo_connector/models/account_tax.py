# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountTax(models.Model):
    _inherit = "account.tax"

    directo_code = fields.Char(
        string="Directo VAT Code",
        copy=False,
        help="VAT code of this tax in Directo (Directo's VAT codes differ per database).",
    )
