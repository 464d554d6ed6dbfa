# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

CONTACT_STATES = [
    ("new", "New"),
    ("linked", "Already there"),
    ("changed", "Changed"),
    ("closed", "Closed in Directo"),
]


class DirectoClientImportContact(models.Model):
    """A Directo contact person read with its client, shown on the client's preview line.

    Picking the client line adds its new contact persons, updates the changed ones and
    archives the ones closed in Directo.
    """

    _name = "directo.client.import.contact"
    _description = "Directo Contact Person Import Line"
    _order = "line_id, code, id"

    line_id = fields.Many2one(
        "directo.client.import.line",
        string="Client Line",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    code = fields.Char(string="Directo Contact Code", required=True, readonly=True)
    name = fields.Char(readonly=True)
    email = fields.Char(string="E-mail", readonly=True)
    phone = fields.Char(readonly=True)
    mobile = fields.Char(readonly=True)
    street = fields.Char(
        readonly=True, help="Address 1 of the contact person, when it is not the client's."
    )
    city = fields.Char(readonly=True)
    zip = fields.Char(string="ZIP", readonly=True)
    closed = fields.Boolean(
        string="Closed in Directo",
        readonly=True,
        help="Closed in Directo, or no longer among the client's open contact persons.",
    )
    is_primary = fields.Boolean(
        string="Client's Own Contact",
        readonly=True,
        help="Directo names this person as the client's own contact: one Odoo contact "
        "carries both.",
    )
    match_state = fields.Selection(CONTACT_STATES, string="Status", required=True, readonly=True)
    changes = fields.Text(string="Differences", readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Odoo Contact",
        readonly=True,
        help="The Odoo contact this Directo contact person is (or would be) linked to.",
    )
