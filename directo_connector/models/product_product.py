# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.osv import expression


class ProductProduct(models.Model):
    _inherit = "product.product"

    directo_code = fields.Char(related="product_tmpl_id.directo_code", readonly=False)

    @api.model
    def _search_display_name(self, operator, value):
        """Find products by their Directo article code too (templates delegate to variants)."""
        domain = super()._search_display_name(operator, value)
        if value and operator not in expression.NEGATIVE_TERM_OPERATORS:
            domain = expression.OR([domain, [("directo_code", operator, value)]])
        return domain
