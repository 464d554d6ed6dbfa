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

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        """Drop-downs: products whose Directo article code is ``name`` come first, then
        Odoo's own matches (reference, barcode, name), then other article code matches.

        ``product.product.name_search`` searches step by step on its own fields and never
        goes through ``_search_display_name`` when a name is typed.
        """
        if not name or operator in expression.NEGATIVE_TERM_OPERATORS:
            return super().name_search(name, args, operator, limit)
        domain = args or []
        found = self.search_fetch(
            expression.AND([domain, [("directo_code", "=", name)]]), ["display_name"], limit=limit
        )
        result = [(product.id, product.display_name) for product in found.sudo()]
        if limit and len(result) >= limit:
            return result
        rest = limit and limit - len(result)
        result += super().name_search(
            name, expression.AND([domain, [("id", "not in", found.ids)]]), operator, rest
        )
        if operator != "=" and not (limit and len(result) >= limit):
            seen = [product_id for product_id, _name in result]
            more = self.search_fetch(
                expression.AND(
                    [domain, [("directo_code", operator, name), ("id", "not in", seen)]]
                ),
                ["display_name"],
                limit=limit and limit - len(result),
            )
            result += [(product.id, product.display_name) for product in more.sudo()]
        return result
