# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..models.directo_register import COMPONENT_LABELS


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
            lines = wizard.problem_ids.filtered("partner_id")
            on = lines.filtered(lambda line: line.move_id.company_id.directo_customer_export)
            wizard.client_ids = on.partner_id
            wizard.client_off_ids = (lines - on).partner_id

    client_off_ids = fields.Many2many(
        "res.partner",
        compute="_compute_client_ids",
        string="Clients Directo Could Create",
        help="Clients without Directo client code whose company does not create clients in "
        "Directo (an administrator can switch it on from the dialog).",
    )

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
                            **self._fix_values(problem.record),
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

    @api.model
    def _fix_values(self, record):
        """The problem line's link to the record whose code is missing or wrong."""
        if not record:
            return {}
        fname = {"account.tax": "tax_id", "product.product": "product_id"}.get(
            record._name, "user_id" if record._name == "res.users" else None
        )
        return {fname: record.id} if fname else {}

    def action_send_valid(self):
        """Send: the codes picked in the dialog are saved first, every check runs again,
        and every invoice that is valid now is sent (without reopening anything)."""
        self.ensure_one()
        # Before anything is sent: a user who cannot record the result must not book
        # invoices in Directo (the rollback would leave no trace in Odoo).
        self.move_ids._directo_check_export_access()
        fixed = self._apply_fixes()
        prepared = self.env["directo.invoice.mapper"]._prepare(self.move_ids, resend=self.resend)
        valid = self.env["account.move"].browse([p.move.id for p in prepared if p.payload])
        if not valid:
            notice = (
                self.env._("The codes were saved; what is left to fix is below.")
                if fixed
                else self.env._(
                    "Nothing can be sent yet: pick the missing codes from Directo's list on "
                    "the lines below, or open the records to fix them."
                )
            )
            return self._open_for(prepared, resend=self.resend, notice=notice)
        return valid._directo_hand_over(resend=self.resend)

    def _apply_fixes(self):
        """Write the codes picked in the dialog on their records; True if any was."""
        Mapping = self.env["directo.mapping.wizard"]
        fixed = False
        for line in self.problem_ids.filtered("fix_code_id"):
            record, _fname = line._fix_target()
            if record:
                Mapping._directo_write_code(record, line.fix_code_id.code)
                fixed = True
        return fixed

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

    def action_allow_create_clients(self):
        """An administrator switches on 'Create Clients in Directo' for the companies of
        the clients without code, then creates them (one click, explained in the dialog)."""
        self.ensure_one()
        self._apply_fixes()
        companies = self.problem_ids.filtered(
            lambda line: line.partner_id in self.client_off_ids
        ).move_id.company_id
        for company in companies:
            company._directo_check_admin()
        companies.write({"directo_customer_export": True})
        self.invalidate_recordset(["client_ids", "client_off_ids"])
        return self.action_create_clients()

    def action_open_mappings(self):
        """The proposed mappings of the invoices' companies; back here afterwards."""
        self.ensure_one()
        self._apply_fixes()
        return self.env["directo.mapping.wizard"]._open_for(
            self.move_ids.company_id, export_wizard=self
        )

    def _refreshed_action(self, notice=None):
        """This dialog opened again for the same invoices, every check run again."""
        self.ensure_one()
        prepared = self.env["directo.invoice.mapper"]._prepare(self.move_ids, resend=self.resend)
        return self._open_for(prepared, resend=self.resend, notice=notice)


#: The register whose codes fix a problem, per record kind.
FIX_COMPONENTS = {"tax_id": "vatcode", "product_id": "item", "user_id": "object"}


class DirectoExportWizardLine(models.TransientModel):
    """One problem, with its fix in place: a code picked from Directo's list (for the tax,
    product, user or client whose code is missing or wrong), or the record to open."""

    _name = "directo.export.wizard.line"
    _description = "Export to Directo: one problem"
    _order = "move_id, sequence, id"

    wizard_id = fields.Many2one("directo.export.wizard", required=True, ondelete="cascade")
    sequence = fields.Integer()
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    company_id = fields.Many2one(related="move_id.company_id")
    line_id = fields.Many2one("account.move.line", string="Row", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client without Code", readonly=True)
    tax_id = fields.Many2one("account.tax", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    message = fields.Text(string="What to fix", readonly=True)
    fix_component = fields.Selection(
        COMPONENT_LABELS,
        compute="_compute_fix_component",
        help="The Directo register whose code fixes this problem.",
    )
    fix_code_id = fields.Many2one(
        "directo.register.code",
        string="Directo Code",
        domain="[('company_id', '=', company_id), ('component', '=', fix_component), "
        "('closed', '=', False)]",
        help="Pick the code from Directo's list: it is saved on the tax, product, user or "
        "client when you send.",
    )

    @api.depends("tax_id", "product_id", "user_id", "partner_id")
    def _compute_fix_component(self):
        for line in self:
            line.fix_component = (
                "customer"
                if line.partner_id
                else next((c for f, c in FIX_COMPONENTS.items() if line[f]), False)
            )

    def _fix_target(self):
        """(record, field) the picked code is written to."""
        self.ensure_one()
        if self.partner_id:
            return self.partner_id, "directo_code"
        for fname in FIX_COMPONENTS:
            if self[fname]:
                return self[fname], "directo_code"
        return None, None

    def action_open_record(self):
        """Open what this problem is about: the record whose code is missing, else the
        invoice."""
        self.ensure_one()
        record, _field = self._fix_target()
        record = record or self.move_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
