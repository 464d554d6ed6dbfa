# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class DirectoReplaceWizard(models.TransientModel):
    """Confirmation before Odoo overwrites documents Directo reported as taken: names each
    invoice and the Directo number it will replace."""

    _name = "directo.replace.wizard"
    _description = "Replace in Directo: confirmation"

    move_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    summary = fields.Text(compute="_compute_summary")

    @api.depends("move_ids")
    def _compute_summary(self):
        for wizard in self:
            lines = [
                self.env._(
                    "%(move)s replaces Directo's document number %(number)s",
                    move=move.name,
                    number=move.directo_number,
                )
                for move in wizard.move_ids
            ]
            wizard.summary = "\n".join(lines)

    @api.model
    def _open_for(self, moves):
        wizard = self.create({"move_ids": [fields.Command.set(moves.ids)]})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Replace in Directo"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_confirm(self):
        self.ensure_one()
        return self.move_ids._directo_replace_confirmed()
