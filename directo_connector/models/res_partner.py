# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression


class ResPartner(models.Model):
    _inherit = "res.partner"

    directo_code = fields.Char(
        string="Directo Client Code",
        copy=False,
        index="btree_not_null",
        help="Client code in Directo: the key that links this client to Directo.",
    )
    directo_contact_code = fields.Char(
        copy=False,
        index="btree_not_null",
        help="Code of the contact person in Directo: links this contact to it, so a later "
        "import updates it instead of adding it again.",
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
