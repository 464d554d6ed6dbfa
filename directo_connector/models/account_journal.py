# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccountJournal(models.Model):
    _inherit = "account.journal"

    directo_number_prefix = fields.Char(
        size=9,
        help="Digits put in front of the digits of the invoice name to form the Directo "
        "invoice number (e.g. prefix 1: INV/2026/00042 is sent as 1202600042). Use it when "
        "two journals would otherwise give the same Directo number.",
    )
    directo_refund_number_prefix = fields.Char(
        string="Directo Credit Note Prefix",
        size=9,
        help="Digits put in front of credit note numbers of this journal instead of the "
        "Directo number prefix. Odoo numbers credit notes RINV/2026/00001 next to invoice "
        "INV/2026/00001: both would become Directo number 202600001, so give credit notes "
        "their own prefix (e.g. 1; mind Directo's maximum number 2147483647).",
    )

    @api.constrains("directo_number_prefix", "directo_refund_number_prefix")
    def _check_directo_number_prefix(self):
        for journal in self:
            for field_name in ("directo_number_prefix", "directo_refund_number_prefix"):
                prefix = (journal[field_name] or "").strip()
                if prefix and not (prefix.isascii() and prefix.isdigit()):
                    raise ValidationError(
                        self.env._(
                            "%(field)s of journal %(journal)s must contain digits only "
                            "(got %(prefix)s).",
                            field=journal._fields[field_name].string,
                            journal=journal.display_name,
                            prefix=prefix,
                        )
                    )

    def _directo_prefix(self, move_type):
        """Prefix for the Directo number of a move of ``move_type`` in this journal."""
        self.ensure_one()
        if move_type == "out_refund" and self.directo_refund_number_prefix:
            return self.directo_refund_number_prefix.strip()
        return (self.directo_number_prefix or "").strip()
