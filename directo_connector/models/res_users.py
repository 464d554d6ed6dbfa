# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    directo_code = fields.Char(
        copy=False,
        help="This person's salesman / object code in Directo, sent for the invoice rows "
        "they are the resource of and as the invoice's seller.",
    )
