# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


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
    directo_auto_confirm = fields.Boolean(
        related="company_id.directo_auto_confirm", readonly=False
    )
    directo_connection_state = fields.Selection(related="company_id.directo_connection_state")
    directo_connection_checked_at = fields.Datetime(
        related="company_id.directo_connection_checked_at"
    )
    directo_connection_message = fields.Text(related="company_id.directo_connection_message")

    def action_directo_connect(self):
        self.ensure_one()
        return self.company_id.action_directo_connect()

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
