# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .directo_import import ARTICLE_TYPE_PARAM, ARTICLE_TYPES


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    directo_token = fields.Char(
        related="company_id.directo_token", readonly=False, groups="base.group_system"
    )
    directo_url = fields.Char(
        related="company_id.directo_url", readonly=False, groups="base.group_system"
    )
    directo_routing = fields.Selection(related="company_id.directo_routing", readonly=False)
    directo_invoice_export = fields.Boolean(
        related="company_id.directo_invoice_export", readonly=False
    )
    directo_auto_confirm = fields.Boolean(related="company_id.directo_auto_confirm", readonly=False)
    directo_auto_export = fields.Boolean(related="company_id.directo_auto_export", readonly=False)
    directo_salesperson_fallback = fields.Boolean(
        related="company_id.directo_salesperson_fallback", readonly=False
    )
    directo_retry_limit = fields.Integer(related="company_id.directo_retry_limit", readonly=False)
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

    directo_register_note = fields.Text(
        string="Directo Codes Copy", compute="_compute_directo_register_note"
    )

    directo_mapping_note = fields.Text(
        string="Directo Mappings", compute="_compute_directo_register_note"
    )

    @api.depends("company_id")
    def _compute_directo_register_note(self):
        Register = self.env["directo.register"].sudo()
        Mapping = self.env["directo.mapping.wizard"]
        for settings in self:
            settings.directo_register_note = Register._directo_freshness(settings.company_id)
            settings.directo_mapping_note = Mapping._directo_proposal_note(settings.company_id)

    def action_directo_open_mappings(self):
        """Review mappings: the company's taxes and users without Directo code, with the
        codes Odoo proposes."""
        self._directo_save_page()
        return self.env["directo.mapping.wizard"]._open_for(self.company_id)

    def action_directo_refresh_registers(self):
        self._directo_save_page()
        return self.company_id.action_directo_refresh_registers()

    def _directo_save_page(self):
        """Apply every change made on the settings page, as its Save button does.

        The Directo buttons carry ``noSaveDialog``: on a page with unsaved changes the web
        client saves this record and runs the button at once, instead of asking "Save
        changes?" (whose Save reloads the page and drops the click). Saving the record
        writes the company fields; ``execute`` applies the rest (system parameters,
        groups...), which would otherwise look saved while staying on this record only.
        """
        self.ensure_one()
        self.execute()

    def _directo_open(self, xmlid):
        """A navigation button of the page: save the page first, then open ``xmlid``."""
        self._directo_save_page()
        return self.env["ir.actions.act_window"]._for_xml_id(xmlid)

    def action_directo_open_exchanges(self):
        return self._directo_open("directo_connector.directo_exchange_action")

    def action_directo_open_imports(self):
        return self._directo_open("directo_connector.directo_import_action")

    def action_directo_open_registers(self):
        return self._directo_open("directo_connector.directo_register_code_action")

    def action_directo_open_receipts(self):
        return self._directo_open("directo_connector.directo_receipt_action")

    def action_directo_open_reconciliations(self):
        return self._directo_open("directo_connector.directo_reconciliation_action")

    def action_directo_connect(self):
        self._directo_save_page()
        return self.company_id.action_directo_connect()

    def action_directo_import_clients(self):
        self._directo_save_page()
        return self.env["directo.import"]._directo_start_action(
            "client", self.company_id, reload="record"
        )

    def action_directo_import_articles(self):
        # Saving the page stores "New products are" before the import reads it.
        self._directo_save_page()
        return self.env["directo.import"]._directo_start_action(
            "article", self.company_id, reload="record"
        )

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
        self._directo_save_page()
        return self.company_id.action_directo_fetch_paid_status()

    # Reconciliation with Directo
    directo_reconcile_tolerance = fields.Monetary(
        related="company_id.directo_reconcile_tolerance", readonly=False
    )
    directo_reconcile_interval = fields.Selection(
        related="company_id.directo_reconcile_interval", readonly=False
    )
    directo_reconcile_user_id = fields.Many2one(
        related="company_id.directo_reconcile_user_id", readonly=False
    )

    # Clients created in Directo ("Customers in")
    directo_customer_export = fields.Boolean(
        related="company_id.directo_customer_export", readonly=False
    )
    directo_customer_code_source = fields.Selection(
        related="company_id.directo_customer_code_source", readonly=False
    )
    directo_customer_sequence_id = fields.Many2one(
        related="company_id.directo_customer_sequence_id", readonly=False
    )
    directo_customer_sync = fields.Selection(
        related="company_id.directo_customer_sync", readonly=False
    )
