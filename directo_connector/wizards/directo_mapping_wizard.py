# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Mappings proposed, confirmed in one place: the company's sales taxes and users without a
Directo code, each with the code Odoo proposes from its copy of Directo's registers (a VAT
code of the same rate, an object of the same name or e-mail), when there is exactly one."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..notification import notification_action
from ..xmldirect.vatcodes import format_rate, propose_tax_codes, propose_user_codes

#: Taxes whose ``amount`` is a percentage (the rate Directo's VAT codes are compared with).
RATE_TYPES = ("percent", "division")


class DirectoMappingWizard(models.TransientModel):
    _name = "directo.mapping.wizard"
    _description = "Directo: proposed mappings of taxes and users"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    line_ids = fields.One2many("directo.mapping.wizard.line", "wizard_id", string="Mappings")
    export_wizard_id = fields.Many2one(
        "directo.export.wizard",
        ondelete="cascade",
        help="The problems dialog this screen was opened from (it comes back there).",
    )
    summary = fields.Char(compute="_compute_summary")

    @api.depends("line_ids.proposed")
    def _compute_summary(self):
        for wizard in self:
            wizard.summary = self.env._(
                "%(proposed)s of %(total)s tax(es) and user(s) without a Directo code have a "
                "proposed code. Confirm them, pick another code from Directo's list, or leave "
                "a line unticked.",
                proposed=len(wizard.line_ids.filtered("proposed")),
                total=len(wizard.line_ids),
            )

    # ------------------------------------------------------------------ proposals

    @api.model
    def _directo_unmapped(self, company):
        """The company's records without Directo code: (sales taxes, internal users)."""
        taxes = self.env["account.tax"].search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("directo_code", "in", (False, "")),
            ]
        )
        users = self.env["res.users"].search(
            [
                ("share", "=", False),
                ("company_ids", "in", company.ids),
                ("directo_code", "in", (False, "")),
            ]
        )
        return taxes, users

    @api.model
    def _directo_proposals(self, company):
        """[(record, register code or None, reason)] for every unmapped tax and user."""
        Code = self.env["directo.register.code"].sudo()
        taxes, users = self._directo_unmapped(company)
        codes = Code.search(
            [
                ("company_id", "=", company.id),
                ("component", "in", ("vatcode", "object")),
                ("closed", "=", False),
            ]
        )
        vat = codes.filtered(
            lambda c: c.component == "vatcode" and c.rate_source in ("item", "itemaccountvatcode")
        )
        objects = codes.filtered(lambda c: c.component == "object")
        by_tax = propose_tax_codes(
            [(t.id, t.amount) for t in taxes if t.amount_type in RATE_TYPES],
            {c.code: c.rate for c in vat},
        )
        by_user = propose_user_codes(
            [(u.id, u.name, u.email) for u in users], [(c.code, c.name) for c in objects]
        )
        vat_by_code = {c.code: c for c in vat}
        obj_by_code = {c.code: c for c in objects}
        out = []
        for tax in taxes:
            code = vat_by_code.get(by_tax.get(tax.id))
            reason = (
                self.env._("Same rate: %(rate)s", rate=format_rate(tax.amount)) if code else False
            )
            out.append((tax, code, reason))
        for user in users:
            hit = by_user.get(user.id)
            code = obj_by_code.get(hit[0]) if hit else None
            reason = False
            if hit:
                reason = (
                    self.env._("Same name")
                    if hit[1] == "name"
                    else self.env._("Code is the e-mail's name")
                )
            out.append((user, code, reason))
        return out

    @api.model
    def _directo_proposal_note(self, company):
        """One sentence for the settings and Connect: how many proposals wait."""
        proposals = self._directo_proposals(company)
        if not proposals:
            return self.env._("Every sales tax and user has a Directo code.")
        return self.env._(
            "%(total)s sales tax(es) and user(s) have no Directo code; Odoo proposes a code "
            "for %(proposed)s of them: Settings > Invoicing > Directo > Directo codes > "
            "Review mappings.",
            total=len(proposals),
            proposed=len([p for p in proposals if p[1]]),
        )

    @api.model
    def _directo_write_code(self, record, code):
        """Save a code picked from Directo's list on ``record`` (tax, product, client or
        user).

        Only the record's Directo code is written. Invoicing users may set it on taxes,
        products and clients here although they may not edit those records otherwise: the
        code comes from Directo's own list and a tax's rate is checked against its code
        before every send. A user's code (Resources) stays the administrators'.
        """
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._(
                    "%(user)s cannot set Directo codes: this needs the Invoicing access right "
                    "'Invoicing' (or higher) in Settings > Users.",
                    user=self.env.user.name,
                )
            )
        if record._name == "res.users" and not self.env.is_system():
            raise UserError(
                self.env._(
                    "Only administrators set the Directo code of users (Invoicing > Directo > "
                    "Resources): ask one to give %(record)s the code %(code)s.",
                    record=record.display_name,
                    code=code,
                )
            )
        if record._name == "product.product":
            record = record.product_tmpl_id
        record.sudo().write({"directo_code": code})

    @api.model
    def _open_for(self, companies, export_wizard=None):
        """The screen for the first company (Odoo's copy brought up to date first when it
        is older than the maximum age)."""
        company = companies[:1] or self.env.company
        registers = self.env["directo.register"].sudo()._directo_for(company)
        if company._directo_can_call() and not all(r._directo_usable() for r in registers):
            registers._directo_refresh()
        lines = [
            fields.Command.create(
                {
                    "tax_id": record.id if record._name == "account.tax" else False,
                    "user_id": record.id if record._name == "res.users" else False,
                    "code_id": code.id if code else False,
                    "proposed": bool(code),
                    "apply": bool(code),
                    "reason": reason,
                }
            )
            for record, code, reason in self._directo_proposals(company)
        ]
        wizard = self.create(
            {
                "company_id": company.id,
                "line_ids": lines,
                "export_wizard_id": export_wizard.id if export_wizard else False,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Directo: proposed mappings"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    # ------------------------------------------------------------------ confirming

    def action_confirm_all(self):
        self.ensure_one()
        self.line_ids.filtered("code_id").apply = True
        return self.action_confirm()

    def action_confirm(self):
        """Write the ticked lines' codes on their taxes and users."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.apply and line.code_id)
        for line in lines:
            self._directo_write_code(line.tax_id or line.user_id, line.code_id.code)
        text = self.env._("%(count)s Directo code(s) saved.", count=len(lines))
        if self.export_wizard_id:
            return self.export_wizard_id._refreshed_action(notice=text)
        return notification_action(self.env._("Directo"), text, "success")

    def action_back(self):
        self.ensure_one()
        return self.export_wizard_id._refreshed_action()


class DirectoMappingWizardLine(models.TransientModel):
    _name = "directo.mapping.wizard.line"
    _description = "Directo: one proposed mapping"
    _order = "user_id, tax_id, id"

    wizard_id = fields.Many2one("directo.mapping.wizard", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="wizard_id.company_id")
    tax_id = fields.Many2one("account.tax", readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    component = fields.Selection(
        [("vatcode", "VAT code"), ("object", "Salesman / object")],
        string="Directo Register",
        compute="_compute_component",
    )
    code_id = fields.Many2one(
        "directo.register.code",
        string="Directo Code",
        domain="[('company_id', '=', company_id), ('component', '=', component), "
        "('closed', '=', False)]",
    )
    proposed = fields.Boolean(readonly=True, help="Odoo proposed this code.")
    reason = fields.Char(string="Why", readonly=True)
    apply = fields.Boolean(string="Confirm")

    @api.depends("tax_id", "user_id")
    def _compute_component(self):
        for line in self:
            line.component = "vatcode" if line.tax_id else "object"

    @api.onchange("code_id")
    def _onchange_code_id(self):
        for line in self:
            line.apply = bool(line.code_id)
