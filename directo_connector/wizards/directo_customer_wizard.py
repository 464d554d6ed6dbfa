# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.directo_customer_export import PROBLEM
from ..notification import notification_action
from ..xmldirect.customers import CREATED, LINKED, NOT_SENT, REFUSED, TAKEN, UNKNOWN

DONE = (CREATED, LINKED)
LINE_STATES = [
    ("draft", "To create"),
    (CREATED, "Created"),
    (LINKED, "Linked"),
    (TAKEN, "Code taken in Directo"),
    (REFUSED, "Refused"),
    (NOT_SENT, "Not sent"),
    (UNKNOWN, "Unknown outcome"),
    (PROBLEM, "Fix first"),
]


class DirectoCustomerWizard(models.TransientModel):
    """The small dialog creating clients in Directo: each client with the code it gets
    (typed here when the company chose so), then Directo's answer per client."""

    _name = "directo.customer.wizard"
    _description = "Create clients in Directo"

    line_ids = fields.One2many("directo.customer.wizard.line", "wizard_id", string="Clients")
    state = fields.Selection([("draft", "To create"), ("done", "Sent")], default="draft")
    export_wizard_id = fields.Many2one(
        "directo.export.wizard",
        string="Invoice Export",
        ondelete="cascade",
        help="The problems dialog of the invoice export this dialog was opened from.",
    )
    summary = fields.Text(compute="_compute_summary")
    retry_count = fields.Integer(
        compute="_compute_summary", help="Clients not created yet that can be sent again."
    )
    exchange_ids = fields.Many2many(
        "directo.exchange", string="Exchanges", groups="base.group_system", readonly=True
    )

    @api.depends("line_ids.state", "state")
    def _compute_summary(self):
        for wizard in self:
            lines = wizard.line_ids
            wizard.retry_count = len(lines - lines.filtered(lambda line: line.state in DONE))
            if wizard.state == "draft":
                wizard.summary = self.env._(
                    "%(count)s client(s) will be created in Directo with the codes below. "
                    "A code is written on the client only when Directo has created it.",
                    count=len(lines),
                )
            else:
                done = lines.filtered(lambda line: line.state in DONE)
                wizard.summary = self.env._(
                    "%(done)s of %(count)s client(s) created in Directo. The others are "
                    "unchanged in Odoo: see why below, fix it and try again.",
                    done=len(done),
                    count=len(lines),
                )

    # ------------------------------------------------------------------ opening

    @api.model
    def _open_for(self, partners, export_wizard=None, companies=None):
        """Create the dialog for ``partners`` (clients without Directo client code)."""
        export = self.env["directo.customer.export"]
        partners = partners.filtered(lambda partner: not partner.directo_code)
        if not partners:
            raise UserError(self.env._("The selected clients already have a Directo client code."))
        export._check_access(partners)
        company_of = {
            partner.id: (companies or {}).get(partner.id) or partner._directo_company()
            for partner in partners
        }
        self.env["res.company"].union(*company_of.values())._directo_check_customers_in()
        entries = export._prepare(partners, companies=company_of, preview=True)
        wizard = self.create(
            {
                "export_wizard_id": export_wizard.id if export_wizard else False,
                "line_ids": [fields.Command.create(self._line_values(entry)) for entry in entries],
            }
        )
        return wizard._action()

    def _line_values(self, entry):
        company = entry.company
        source = company.directo_customer_code_source
        if entry.pending:
            hint = self.env._(
                "Sent to Directo earlier without an answer: kept, so Directo gets it once"
            )
        elif source == "sequence":
            sequence = company.directo_customer_sequence_id.sudo()
            hint = self.env._(
                "Sequence, from %(code)s on",
                code=sequence.get_next_char(sequence.number_next_actual) if sequence else "K00001",
            )
        elif source == "ref":
            hint = self.env._("The client's Reference")
        else:
            hint = self.env._("Type the code")
        return {
            "partner_id": entry.partner.id,
            "company_id": company.id,
            "code": entry.code or False,
            "code_editable": source == "manual",
            "code_hint": hint,
            "state": PROBLEM if entry.problems else "draft",
            "message": "\n".join(entry.problems) or False,
        }

    def _action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Create in Directo"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    # ------------------------------------------------------------------ sending

    def action_create(self):
        """Check again (codes may have been typed), send the clients not created yet,
        show Directo's answers."""
        self.ensure_one()
        export = self.env["directo.customer.export"]
        lines = self.line_ids.filtered(lambda line: line.state not in DONE)
        if not lines:
            raise UserError(self.env._("These clients were already created in Directo."))
        partners = lines.partner_id
        export._check_access(partners)
        lines.company_id._directo_check_customers_in()
        entries = export._prepare(
            partners,
            typed={line.partner_id.id: line.code or "" for line in lines if line.code_editable},
            companies={line.partner_id.id: line.company_id for line in lines},
        )
        exchanges = []
        export._create(entries, exchanges=exchanges)
        by_partner = {entry.partner.id: entry for entry in entries}
        for line in lines:
            entry = by_partner[line.partner_id.id]
            line.write(
                {
                    "state": entry.state,
                    "message": entry.message or False,
                    "code": entry.code or line.code,
                }
            )
        self.sudo().exchange_ids = [fields.Command.link(record.id) for record in exchanges]
        self.state = "done"
        text, kind = export._report(entries)
        if not self.retry_count:
            if self.export_wizard_id:
                return self.export_wizard_id._refreshed_action(notice=text)
            return notification_action(self.env._("Directo"), text, kind)
        return self._action()

    def action_back_to_export(self):
        self.ensure_one()
        done = self.line_ids.filtered(lambda line: line.state in DONE)
        notice = "\n".join(done.mapped("message")) or False
        return self.export_wizard_id._refreshed_action(notice=notice)


class DirectoCustomerWizardLine(models.TransientModel):
    _name = "directo.customer.wizard.line"
    _description = "Create clients in Directo: one client"
    _order = "id"

    wizard_id = fields.Many2one("directo.customer.wizard", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Client", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    code = fields.Char(string="Directo Client Code")
    code_editable = fields.Boolean()
    code_hint = fields.Char(string="Code From", readonly=True)
    state = fields.Selection(LINE_STATES, string="Result", default="draft", readonly=True)
    message = fields.Text(string="Directo's Answer", readonly=True)
