# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    directo_code = fields.Char(
        string="Directo Article Code",
        copy=False,
        index="btree_not_null",
        help="Article code in Directo, sent on invoice rows.",
    )
