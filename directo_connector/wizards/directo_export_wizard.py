# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class DirectoExportWizard(models.TransientModel):
    """The problems dialog: every reason why selected invoices cannot go to Directo,
    listed at once, with the option to send the valid ones."""

    _name = "directo.export.wizard"
    _description = "Export to Directo: problems"

    move_ids = fields.Many2many(
        "account.move", "directo_export_wizard_move_rel", string="Selected Invoices"
    )
    valid_move_ids = fields.Many2many(
        "account.move", "directo_export_wizard_valid_move_rel", string="Invoices Ready to Send"
    )
    problem_ids = fields.One2many("directo.export.wizard.line", "wizard_id", string="Problems")
    resend = fields.Boolean(help="Re-send invoices already in Directo as drafts.")
    valid_count = fields.Integer(compute="_compute_counts")
    problem_move_count = fields.Integer(compute="_compute_counts")
    summary = fields.Char(compute="_compute_counts")
    notice = fields.Text(readonly=True, help="What was done since the dialog last opened.")
    client_ids = fields.Many2many(
        "res.partner",
        compute="_compute_client_ids",
        string="Clients to Create in Directo",
        help="Clients without Directo client code whose company creates clients in Directo.",
    )
    register_note = fields.Text(
        string="Directo Codes Copy",
        compute="_compute_register_note",
        help="How fresh Odoo's copy of Directo's clients, articles and objects is: the "
        "codes of the invoices were checked against it.",
    )

    @api.depends("valid_move_ids", "problem_ids")
    def _compute_counts(self):
        for wizard in self:
            wizard.valid_count = len(wizard.valid_move_ids)
            wizard.problem_move_count = len(wizard.problem_ids.move_id)
            if not wizard.problem_ids:
                wizard.summary = self.env._(
                    "All %(total)s selected invoice(s) are ready to send to Directo.",
                    total=len(wizard.move_ids),
                )
                continue
            wizard.summary = self.env._(
                "%(bad)s of %(total)s selected invoice(s) cannot be sent to Directo. "
                "%(good)s invoice(s) are ready.",
                bad=wizard.problem_move_count,
                total=len(wizard.move_ids),
                good=wizard.valid_count,
            )

    @api.depends("problem_ids.partner_id")
    def _compute_client_ids(self):
        for wizard in self:
            wizard.client_ids = wizard.problem_ids.filtered(
                lambda line: line.partner_id and line.move_id.company_id.directo_customer_export
            ).partner_id

    @api.depends("move_ids")
    def _compute_register_note(self):
        Register = self.env["directo.register"].sudo()
        for wizard in self:
            companies = wizard.move_ids.company_id.filtered("directo_invoice_export")
            wizard.register_note = Register._directo_freshness(companies) if companies else False

    @api.model
    def _open_for(self, prepared, resend=False, notice=None):
        """Create the dialog for the output of ``directo.invoice.mapper._prepare``."""
        moves = self.env["account.move"].browse([prep.move.id for prep in prepared])
        valid = self.env["account.move"].browse([prep.move.id for prep in prepared if prep.payload])
        lines = []
        for prep in prepared:
            for sequence, problem in enumerate(prep.problems):
                lines.append(
                    fields.Command.create(
                        {
                            "sequence": sequence,
                            "move_id": problem.move.id,
                            "line_id": problem.line.id if problem.line else False,
                            "partner_id": problem.client.id if problem.client else False,
                            "message": problem.message,
                        }
                    )
                )
        wizard = self.create(
            {
                "move_ids": [fields.Command.set(moves.ids)],
                "valid_move_ids": [fields.Command.set(valid.ids)],
                "problem_ids": lines,
                "resend": resend,
                "notice": notice or False,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Export to Directo"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_send_valid(self):
        self.ensure_one()
        # Before anything is sent: a user who cannot record the result must not book
        # invoices in Directo (the rollback would leave no trace in Odoo).
        self.valid_move_ids._directo_check_export_access()
        return self.valid_move_ids._directo_hand_over(resend=self.resend)

    def action_create_clients(self):
        """'Create in Directo' for the clients without Directo client code; the dialog
        comes back here, checked again, once they are created."""
        self.ensure_one()
        lines = self.problem_ids.filtered(lambda line: line.partner_id in self.client_ids)
        return self.env["directo.customer.wizard"]._open_for(
            self.client_ids,
            export_wizard=self,
            companies={line.partner_id.id: line.move_id.company_id for line in lines},
        )

    def _refreshed_action(self, notice=None):
        """This dialog opened again for the same invoices, every check run again."""
        self.ensure_one()
        prepared = self.env["directo.invoice.mapper"]._prepare(self.move_ids, resend=self.resend)
        return self._open_for(prepared, resend=self.resend, notice=notice)


class DirectoExportWizardLine(models.TransientModel):
    _name = "directo.export.wizard.line"
    _description = "Export to Directo: one problem"
    _order = "move_id, sequence, id"

    wizard_id = fields.Many2one("directo.export.wizard", required=True, ondelete="cascade")
    sequence = fields.Integer()
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    line_id = fields.Many2one("account.move.line", string="Row", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client without Code", readonly=True)
    message = fields.Text(string="What to fix", readonly=True)
