# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression

# What Directo's partial client update (xd_customer_update=1) changes.
DIRECTO_SYNC_FIELDS = ("name", "email", "phone")


class ResPartner(models.Model):
    _inherit = "res.partner"

    directo_code = fields.Char(
        string="Directo Client Code",
        copy=False,
        index="btree_not_null",
        help="Client code in Directo: the key that links this client to Directo.",
    )
    directo_default_resource_id = fields.Many2one(
        "res.users",
        string="Default Resource",
        help="Team member sent to Directo as object/salesman code on invoice rows that have "
        "no resource of their own.",
    )
    directo_default_resource_is_user = fields.Boolean(
        string="Default Resource: Default User",
        help="When a row has no resource and no default resource is set, use the client's "
        "salesperson (default user) as the row's resource.",
    )

    @api.constrains("directo_code", "company_id", "parent_id", "is_company")
    def _check_directo_code_unique(self):
        # One query for the whole batch: imports create thousands of clients at once.
        partners = self.filtered(lambda p: p.directo_code and not p.parent_id)
        if not partners:
            return
        # Every holder counts: archived clients and clients the user cannot see (other
        # companies, record rules) keep their code.
        holders = {}
        for other in (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch(
                [
                    ("directo_code", "in", partners.mapped("directo_code")),
                    ("parent_id", "=", False),
                ],
                ["directo_code", "company_id", "active"],
            )
        ):
            holders.setdefault(other.directo_code, []).append(other)
        no_company = self.env["res.company"]
        for partner in partners:
            clash = next(
                (
                    other
                    for other in holders.get(partner.directo_code, [])
                    if other != partner and other.company_id in (partner.company_id, no_company)
                ),
                None,
            )
            if clash:
                holder = clash.display_name
                if not clash.active:
                    holder = _("%(partner)s (archived)", partner=holder)
                raise ValidationError(
                    _(
                        "Directo client code %(code)s of %(partner)s is already used by "
                        "%(other)s. Each client code links one client.",
                        code=partner.directo_code,
                        partner=partner.display_name,
                        other=holder,
                    )
                )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "directo_default_resource_id",
            "directo_default_resource_is_user",
        ]

    @api.model
    def _search_display_name(self, operator, value):
        """Find clients by their Directo client code too (searches, many2one dropdowns)."""
        domain = super()._search_display_name(operator, value)
        if value and operator not in expression.NEGATIVE_TERM_OPERATORS:
            domain = expression.OR([domain, [("directo_code", operator, value)]])
        return domain

    # ------------------------------------------------------------------ Customers in
    # Clients created in Directo from Odoo, and their name/e-mail/phone kept in step
    # (models/directo_customer_export.py does the sending). Kept in one block on purpose.

    directo_code_pending = fields.Char(
        string="Directo Client Code Pending",
        copy=False,
        readonly=True,
        help="The code Odoo asked Directo to create this client with, while the answer is "
        "awaited or after it was lost. The next 'Create in Directo' uses the same code and "
        "links the client when Directo has it.",
    )
    directo_update_pending = fields.Boolean(
        copy=False,
        readonly=True,
        help="The name, e-mail or phone changed in Odoo since Directo last got them.",
    )
    directo_update_error = fields.Text(
        copy=False,
        readonly=True,
        help="Why Directo did not take the last update of the name, e-mail and phone.",
    )
    directo_creatable = fields.Boolean(
        compute="_compute_directo_customers_in",
        help="A client without Directo client code whose company creates clients in Directo.",
    )
    directo_sync_mode = fields.Selection(
        lambda self: self.env["res.company"]._fields["directo_customer_sync"].selection,
        compute="_compute_directo_customers_in",
        string="Directo Keep in Step",
    )

    @api.depends_context("company")
    @api.depends(
        "directo_code",
        "parent_id",
        "company_id.directo_customer_export",
        "company_id.directo_customer_sync",
    )
    def _compute_directo_customers_in(self):
        for partner in self:
            company = partner._directo_company()
            partner.directo_creatable = bool(
                company.directo_customer_export
                and not partner.parent_id
                and not partner.directo_code
            )
            partner.directo_sync_mode = (
                company.directo_customer_sync if company.directo_customer_export else "off"
            )

    def _directo_company(self):
        """The company whose Directo holds this client (a shared client: the user's)."""
        self.ensure_one()
        return self.company_id or self.env.company

    def write(self, vals):
        watched = [name for name in DIRECTO_SYNC_FIELDS if name in vals]
        if not watched or self.env.context.get("directo_from_directo"):
            return super().write(vals)
        linked = self.filtered(lambda p: p.directo_code and not p.parent_id)
        before = {p.id: tuple(p[name] for name in DIRECTO_SYNC_FIELDS) for p in linked}
        result = super().write(vals)
        changed = linked.filtered(
            lambda p: tuple(p[name] for name in DIRECTO_SYNC_FIELDS) != before[p.id]
        )
        if changed:
            self.env["directo.customer.export"]._mark_update_pending(changed)
        return result

    def _directo_selection(self):
        partners = self or self.browse(self.env.context.get("active_ids", []))
        if not partners:
            raise UserError(_("Select the clients first."))
        # A contact person stands for its company: Directo knows companies only.
        return partners.commercial_partner_id

    def action_directo_create(self):
        """Form button / list action: the dialog creating the clients in Directo."""
        return self.env["directo.customer.wizard"]._open_for(self._directo_selection())

    def action_directo_update(self):
        """Form button / list action: send the name, e-mail and phone to Directo now."""
        return self.env["directo.customer.export"]._update_action(self._directo_selection())
