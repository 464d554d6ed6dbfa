# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


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
        "the client's default resource, and follows the client when it is changed unless "
        "another resource was chosen on a saved row.",
    )

    # The line's own partner too: in the invoice form, account sets it on every row when the
    # invoice's client changes (``account.move._inverse_partner_id``), which is what reaches
    # rows not saved yet (``move_id.partner_id`` alone is only followed through line_ids).
    @api.depends("move_id.partner_id", "partner_id")
    def _compute_directo_resource_id(self):
        """The client's default resource, on a client change too.

        Like the salesperson of a sale order: a row not saved yet always takes the new
        client's default; a saved row takes it when it has no resource or still has the
        default of the client it was saved with (``_origin``, in the form), so a resource
        chosen on purpose is kept.
        """
        for line in self:
            current = line.directo_resource_id
            if line.display_type != "product":
                line.directo_resource_id = current  # other line types carry none
                continue
            saved = line._origin
            saved_default = (
                saved.move_id.partner_id.commercial_partner_id.directo_default_resource_id
            )
            if not saved.id or not current or current == saved_default:
                client = line.move_id.partner_id.commercial_partner_id
                line.directo_resource_id = client.directo_default_resource_id
            else:
                line.directo_resource_id = current

    def write(self, vals):
        if "directo_resource_id" in vals:
            self._directo_check_resource_editable()
        return super().write(vals)

    def _directo_check_resource_editable(self):
        """A posted invoice's resource may change until Directo holds the invoice: after
        that, Odoo would show another resource than the one Directo has."""
        held = self.move_id.filtered(lambda move: move.state == "posted" and move.directo_held)
        if held:
            raise UserError(
                self.env._(
                    "Directo already has invoice %(move)s: its rows' resource can no longer "
                    "be changed in Odoo. Reset the invoice to draft to change it, then post "
                    "and export it again.",
                    move=held[0].display_name,
                )
            )
