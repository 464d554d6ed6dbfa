# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    directo_code = fields.Char(related="product_tmpl_id.directo_code", readonly=False)
