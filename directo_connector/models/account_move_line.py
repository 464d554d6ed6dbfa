# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    directo_resource_id = fields.Many2one(
        "res.users",
        string="Resource",
        compute="_compute_directo_resource_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Team member sent to Directo as this row's object/salesman code. Defaults to "
        "the client's default resource.",
    )

    @api.depends("move_id.partner_id")
    def _compute_directo_resource_id(self):
        for line in self:
            if line.directo_resource_id or line.display_type != "product":
                # Keep a resource chosen by the user; other line types carry none.
                line.directo_resource_id = line.directo_resource_id
                continue
            client = line.move_id.partner_id.commercial_partner_id
            line.directo_resource_id = client.directo_default_resource_id
