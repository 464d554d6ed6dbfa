# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .directo_import import ARTICLE_TYPE_PARAM, ARTICLE_TYPES


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    directo_token = fields.Char(
        related="company_id.directo_token", readonly=False, groups="base.group_system"
    )
    directo_url = fields.Char(related="company_id.directo_url", readonly=False)
    directo_routing = fields.Selection(related="company_id.directo_routing", readonly=False)
    directo_invoice_export = fields.Boolean(
        related="company_id.directo_invoice_export", readonly=False
    )
    directo_auto_confirm = fields.Boolean(related="company_id.directo_auto_confirm", readonly=False)
    directo_auto_export = fields.Boolean(related="company_id.directo_auto_export", readonly=False)
    directo_payment_term_mode = fields.Selection(
        related="company_id.directo_payment_term_mode", readonly=False
    )
    directo_connection_state = fields.Selection(related="company_id.directo_connection_state")
    directo_connection_checked_at = fields.Datetime(
        related="company_id.directo_connection_checked_at"
    )
    directo_connection_message = fields.Text(related="company_id.directo_connection_message")

    # Client and article import
    directo_article_product_type = fields.Selection(
        ARTICLE_TYPES,
        string="Type of Products Created from Directo Articles",
        default="service",
        config_parameter=ARTICLE_TYPE_PARAM,
    )

    directo_client_refresh = fields.Selection(
        related="company_id.directo_client_refresh", readonly=False
    )
    directo_client_refresh_apply = fields.Boolean(
        related="company_id.directo_client_refresh_apply", readonly=False
    )
    directo_client_watermark = fields.Datetime(
        related="company_id.directo_client_watermark", readonly=False
    )

    def action_directo_connect(self):
        self.ensure_one()
        return self.company_id.action_directo_connect()

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

    # Paid status from Directo
    directo_payment_journal_id = fields.Many2one(
        related="company_id.directo_payment_journal_id", readonly=False
    )
    directo_receipt_watermark = fields.Datetime(
        related="company_id.directo_receipt_watermark", readonly=False
    )
    directo_receipt_last_sync = fields.Datetime(related="company_id.directo_receipt_last_sync")
    directo_receipt_sync_message = fields.Text(related="company_id.directo_receipt_sync_message")

    def action_directo_fetch_paid_status(self):
        self.ensure_one()
        return self.company_id.action_directo_fetch_paid_status()
