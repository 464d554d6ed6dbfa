# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..xmldirect.outcome import CONFIRMED, TAKEN
from .directo_invoice_mapper import EXPORT_MOVE_TYPES

EXTRA_EDI = "directo"


class AccountMoveSend(models.AbstractModel):
    """*Directo* in Odoo's own Send flow (the Send dialog and batch sending), next to the
    *Export to Directo* button: same checks, same sending path."""

    _inherit = "account.move.send"

    @api.model
    def _directo_is_applicable(self, move):
        move = move._origin
        return (
            move.move_type in EXPORT_MOVE_TYPES
            and move.state == "posted"
            and move.company_id.directo_invoice_export
            and move.directo_state in ("to_send", "unknown", "attention", "failed")
            and move.directo_document not in (CONFIRMED, TAKEN)
        )

    def _get_all_extra_edis(self) -> dict:
        # EXTENDS 'account'
        edis = super()._get_all_extra_edis()
        edis[EXTRA_EDI] = {
            "label": self.env._("Directo"),
            "is_applicable": self._directo_is_applicable,
            "help": self.env._("Export the invoice to Directo (XML Direct)."),
        }
        return edis

    def _get_alerts(self, moves, moves_data):
        # EXTENDS 'account'
        alerts = super()._get_alerts(moves, moves_data)
        directo_moves = moves.filtered(lambda m: EXTRA_EDI in moves_data[m]["extra_edis"])._origin
        if not directo_moves:
            return alerts
        prepared = self.env["directo.invoice.mapper"]._prepare(directo_moves)
        messages = [problem.message for prep in prepared for problem in prep.problems]
        if messages:
            alerts["directo_problems"] = {
                "level": "warning",
                "message": self.env._(
                    "Not sent to Directo until fixed:\n%(problems)s",
                    problems="\n".join(messages[:10]),
                ),
            }
        return alerts

    @api.model
    def _call_web_service_before_invoice_pdf_render(self, invoices_data):
        # EXTENDS 'account'
        super()._call_web_service_before_invoice_pdf_render(invoices_data)
        moves = self.env["account.move"].browse(
            [move.id for move, data in invoices_data.items() if EXTRA_EDI in data["extra_edis"]]
        )
        if not moves:
            return
        # The invoice still goes to the customer when Directo refuses it: the refusal is
        # recorded on the invoice (banner, note, activity) by the export itself.
        moves._directo_check_export_access()
        report = self.env["directo.invoice.export"]._send(moves, user=self.env.user)
        self.env["account.move"]._directo_record_refusals(report.problems)
