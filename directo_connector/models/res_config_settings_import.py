# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .directo_import import ARTICLE_TYPE_PARAM, ARTICLE_TYPES


class ResConfigSettings(models.TransientModel):
    """Settings of the client and article import (kept apart from the connection settings)."""

    _inherit = "res.config.settings"

    directo_article_product_type = fields.Selection(
        ARTICLE_TYPES,
        string="Type of Products Created from Directo Articles",
        default="service",
        config_parameter=ARTICLE_TYPE_PARAM,
    )

    def action_directo_import_clients(self):
        self.ensure_one()
        return self.env["directo.import"]._directo_start_action("client", self.company_id)

    def action_directo_import_articles(self):
        self.ensure_one()
        # The product type chosen on screen applies to this import without pressing Save.
        self.env["ir.config_parameter"].sudo().set_param(
            ARTICLE_TYPE_PARAM, self.directo_article_product_type or "service"
        )
        return self.env["directo.import"]._directo_start_action("article", self.company_id)
