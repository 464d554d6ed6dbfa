# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One client whose balance in Directo differs from what Odoo expects, with the causes."""

from odoo import api, fields, models
from odoo.tools import SQL

from ..xmldirect import reconcile
from ..xmldirect.outcome import OURS

#: Export states of documents Directo may not hold (as Odoo does) yet: every state but Sent.
NOT_SENT_STATES = ("to_send", "sending", "unknown", "attention", "failed")


class DirectoReconciliationLine(models.Model):
    _name = "directo.reconciliation.line"
    _description = "Directo Reconciliation Line"
    _order = "reconciliation_id desc, abs_difference desc, id"
    _rec_name = "directo_code"

    reconciliation_id = fields.Many2one(
        "directo.reconciliation",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        related="reconciliation_id.company_id", store=True, index=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id", readonly=True)
    date = fields.Datetime(related="reconciliation_id.date", store=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Client", index="btree_not_null", readonly=True
    )
    directo_code = fields.Char(string="Directo Client Code", readonly=True, index=True)
    directo_name = fields.Char(string="Name in Directo", readonly=True)
    directo_balance = fields.Monetary(
        string="Balance in Directo",
        readonly=True,
        currency_field="currency_id",
        help="The client's open receivables as Directo reported them (balance).",
    )
    odoo_balance = fields.Monetary(
        string="Balance in Odoo",
        readonly=True,
        currency_field="currency_id",
        help="What Odoo expects Directo to report: the invoices and credit notes of the "
        "client Odoo sent (or is sending) to Directo minus what Directo reported as paid "
        "for them; Odoo's own receivable of those documents when Directo's payments are "
        "registered in Odoo.",
    )
    difference = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="Balance in Directo minus balance in Odoo.",
    )
    abs_difference = fields.Monetary(
        string="Absolute Difference", readonly=True, currency_field="currency_id"
    )
    unexplained = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="The part of the difference no cause found by Odoo explains.",
    )
    differs = fields.Boolean(
        readonly=True,
        index=True,
        help="The balances differ by more than the tolerance. Without it, the balances "
        "agree but Odoo found causes that offset each other.",
    )
    cause = fields.Selection(
        [
            (reconcile.AMOUNT, "Directo's amount differs"),
            (reconcile.NOT_SENT, "Not in Directo yet"),
            (reconcile.CANCELLED, "Cancelled in Odoo only"),
            (reconcile.UNKNOWN_INVOICE, "Invoice only in Directo (receipt)"),
            (reconcile.CREDIT_NOTE, "Credit note not counted"),
            (reconcile.PAID_IN_ODOO, "Paid in Odoo only"),
            (reconcile.CLIENT_NOT_IN_ODOO, "Client not in Odoo"),
            (reconcile.CLIENT_NOT_IN_DIRECTO, "Client not in Directo"),
            (reconcile.ONLY_IN_DIRECTO, "Unexplained: only in Directo"),
            (reconcile.ONLY_IN_ODOO, "Unexplained: only in Odoo"),
        ],
        string="Main Cause",
        readonly=True,
        index=True,
        help="The cause that explains the largest part of the difference.",
    )
    causes = fields.Json(readonly=True)
    explanation = fields.Text(
        compute="_compute_explanation",
        help="Every cause Odoo found for the difference, with the part it explains.",
    )
    move_ids = fields.Many2many(
        "account.move",
        "directo_reconciliation_line_move_rel",
        "line_id",
        "move_id",
        string="Invoices",
        readonly=True,
        help="The Odoo invoices and credit notes concerned.",
    )
    move_count = fields.Integer(compute="_compute_move_count", string="Invoice Count")
    receipt_count = fields.Integer(
        compute="_compute_receipt_count",
        help="Receipts in Directo paying invoice numbers Odoo does not know, for this client.",
    )

    @api.depends("move_ids")
    def _compute_move_count(self):
        for line in self:
            line.move_count = len(line.move_ids)

    @api.depends("causes")
    def _compute_receipt_count(self):
        for line in self:
            line.receipt_count = len(line._directo_receipt_numbers())

    def _directo_receipt_numbers(self):
        self.ensure_one()
        return sorted(
            {
                number
                for cause in self.causes or []
                for number in (cause.get("detail") or {}).get("receipts") or []
            }
        )

    @api.depends("causes", "directo_code")
    def _compute_explanation(self):
        for line in self:
            line.explanation = "\n".join(
                line._directo_cause_text(cause) for cause in line.causes or []
            )

    # ------------------------------------------------------------------ causes

    @api.model
    def _directo_plain(self, cause):
        return {
            "kind": cause.kind,
            "amount": cause.amount,
            "move_id": cause.move_id,
            "number": cause.number,
            "detail": cause.detail,
        }

    @api.model
    def _directo_causes(self, run, partner_ids, codes):
        """What Odoo knows about differing clients, in a few queries for the whole chunk.

        Returns ``{partner id: (causes, credit notes Directo holds)}`` from the client's
        documents and ``{client code in lower case: (causes, [])}`` from receipts for
        invoice numbers Odoo does not know (read by the paid status).
        """
        found = {}
        if partner_ids:
            documents = self._directo_documents(run, partner_ids)
            sums = self._directo_invoice_sums(
                [d["id"] for d in documents if d["state"] == "posted"]
            )
            for doc in documents:
                causes, credit_notes = found.setdefault(doc["partner_id"], ([], []))
                causes.extend(self._directo_document_causes(run, doc, sums.get(doc["id"])))
                if doc["refund"] and doc["state"] == "posted" and doc["directo_state"] == "sent":
                    credit_notes.append((doc["id"], doc["number"], doc["total_signed"]))
        for code, cause in self._directo_unknown_receipts(run, codes):
            found.setdefault(code, ([], []))[0].append(cause)
        return found

    @api.model
    def _directo_documents(self, run, partner_ids):
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, m.commercial_partner_id, m.name, m.move_type = 'out_refund',
                       m.state, m.directo_state, m.directo_document, m.directo_number,
                       m.amount_total, m.amount_total_signed,
                       COALESCE(m.directo_amount_paid, 0), m.amount_residual_signed
                  FROM account_move m
                 WHERE m.company_id = %s AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.commercial_partner_id = ANY(%s)
                   AND ((m.state = 'posted' AND m.directo_state IS NOT NULL)
                        OR (m.state != 'posted' AND m.directo_document IN %s
                            AND m.directo_number != 0))
                 ORDER BY m.id
                """,
                run.company_id.id,
                partner_ids,
                OURS,
            )
        )
        keys = (
            "id", "partner_id", "name", "refund", "state", "directo_state", "document",
            "number", "total", "total_signed", "paid", "residual_signed",
        )  # fmt: skip
        documents = [dict(zip(keys, row, strict=True)) for row in self.env.cr.fetchall()]
        for doc in documents:
            ratio = doc["total_signed"] / doc["total"] if doc["total"] else 1.0
            doc["ratio"] = ratio
            # What Directo should count as open for it (company currency).
            doc["expected"] = doc["total_signed"] - doc["paid"] * ratio
        return documents

    @api.model
    def _directo_document_causes(self, run, doc, directo_sum):
        detail = {"name": doc["name"], "refund": doc["refund"], "state": doc["directo_state"]}
        number = doc["number"] or None
        odoo_open = doc["residual_signed"] if run.balance_mode == "receivable" else doc["expected"]
        if doc["state"] != "posted":
            return [
                reconcile.Cause(reconcile.CANCELLED, doc["expected"], doc["id"], number, detail)
            ]
        if doc["directo_state"] in NOT_SENT_STATES:
            return [reconcile.Cause(reconcile.NOT_SENT, -odoo_open, doc["id"], number, detail)]
        causes = []
        digits = run.currency_id.decimal_places
        if directo_sum and reconcile.differs(directo_sum, doc["total"], 0.0, digits):
            causes.append(
                reconcile.Cause(
                    reconcile.AMOUNT,
                    (directo_sum - doc["total"]) * doc["ratio"],
                    doc["id"],
                    number,
                    dict(
                        detail,
                        directo_total=directo_sum * doc["ratio"],
                        odoo_total=doc["total"] * doc["ratio"],
                    ),
                )
            )
        if run.balance_mode == "receivable" and reconcile.differs(
            doc["expected"], odoo_open, 0.0, digits
        ):
            causes.append(
                reconcile.Cause(
                    reconcile.PAID_IN_ODOO, doc["expected"] - odoo_open, doc["id"], number, detail
                )
            )
        return causes

    @api.model
    def _directo_invoice_sums(self, move_ids):
        """``{move id: Directo's invoice sum}`` from the latest receipt row reporting it."""
        if not move_ids:
            return {}
        self.flush_model()
        self.env["directo.receipt"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (l.move_id) l.move_id, l.invoicesum
                  FROM directo_receipt_line l
                  JOIN directo_receipt r ON r.id = l.receipt_id
                 WHERE l.move_id = ANY(%s) AND l.match_state = 'matched'
                   AND COALESCE(l.invoicesum, 0) != 0
                 ORDER BY l.move_id, r.directo_ts DESC NULLS LAST, l.id DESC
                """,
                move_ids,
            )
        )
        return {move_id: float(amount) for move_id, amount in self.env.cr.fetchall()}

    @api.model
    def _directo_unknown_receipts(self, run, codes):
        """``[(client code, cause)]``: receipt rows paying invoice numbers Odoo does not
        know. The invoice is in Directo only: it adds its sum (when the receipt reports
        it), the money received reduces the balance."""
        if not codes:
            return []
        self.flush_model()
        self.env["directo.receipt"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT lower(l.customer_code), l.invoice_number,
                       array_agg(DISTINCT r.number ORDER BY r.number),
                       SUM(CASE WHEN l.confirmed THEN l.received ELSE 0 END),
                       (array_agg(l.invoicesum ORDER BY r.directo_ts DESC NULLS LAST,
                                  l.id DESC))[1]
                  FROM directo_receipt_line l
                  JOIN directo_receipt r ON r.id = l.receipt_id
                 WHERE l.company_id = %s AND l.match_state = 'unknown_invoice'
                   AND lower(l.customer_code) = ANY(%s)
                 GROUP BY 1, 2
                 ORDER BY 1, 2
                """,
                run.company_id.id,
                [code.lower() for code in codes],
            )
        )
        out = []
        for code, number, receipts, received, invoicesum in self.env.cr.fetchall():
            received, invoicesum = float(received or 0.0), float(invoicesum or 0.0)
            detail = {"receipts": receipts, "received": received, "invoicesum": invoicesum}
            cause = reconcile.Cause(
                reconcile.UNKNOWN_INVOICE, invoicesum - received, None, number, detail
            )
            out.append((code, cause))
        return out

    # ------------------------------------------------------------------ wording

    def _directo_amount(self, amount):
        if amount is None:
            return ""
        text = self.currency_id.format(amount)
        return "+" + text if amount > 0 else text

    def _directo_document_word(self, cause):
        if cause.get("refund"):
            return self.env._("Credit note")
        return self.env._("Invoice")

    def _directo_cause_text(self, cause):
        """One cause in the reader's language."""
        kind = cause["kind"]
        detail = cause.get("detail") or {}
        values = {
            "amount": self._directo_amount(cause.get("amount")),
            "document": self._directo_document_word(detail),
            "invoice": detail.get("name") or "",
            "number": cause.get("number") or "",
            "code": self.directo_code or "",
        }
        if kind == reconcile.AMOUNT:
            return self.env._(
                "%(invoice)s (Directo number %(number)s): Directo's amount %(directo)s, "
                "Odoo's total %(odoo)s (%(amount)s).",
                directo=self.currency_id.format(detail.get("directo_total") or 0.0),
                odoo=self.currency_id.format(detail.get("odoo_total") or 0.0),
                **values,
            )
        if kind == reconcile.NOT_SENT:
            states = dict(
                self.env["account.move"]._fields["directo_state"]._description_selection(self.env)
            )
            return self.env._(
                "%(document)s %(invoice)s is '%(state)s' in Odoo: Directo may not hold it "
                "yet (%(amount)s).",
                state=states.get(detail.get("state"), detail.get("state") or ""),
                **values,
            )
        if kind == reconcile.CANCELLED:
            return self.env._(
                "%(document)s %(invoice)s is cancelled or back in draft in Odoo, but Directo "
                "still holds it as number %(number)s (%(amount)s).",
                **values,
            )
        if kind == reconcile.UNKNOWN_INVOICE:
            sums = detail.get("invoicesum")
            return self.env._(
                "Invoice %(number)s is only in Directo: receipt(s) %(receipts)s pay it "
                "(%(received)s received; invoice sum %(sum)s) (%(amount)s).",
                receipts=", ".join(str(n) for n in detail.get("receipts") or []),
                received=self.currency_id.format(detail.get("received") or 0.0),
                sum=self.currency_id.format(sums) if sums else self.env._("not reported"),
                **values,
            )
        if kind == reconcile.CREDIT_NOTE:
            return self.env._(
                "Credit note %(invoice)s (Directo number %(number)s) is not subtracted in "
                "Directo's balance (%(amount)s): how Directo counts credit invoices is not "
                "documented; check it in Directo.",
                **values,
            )
        if kind == reconcile.PAID_IN_ODOO:
            return self.env._(
                "%(document)s %(invoice)s is paid in Odoo beyond what Directo reports as "
                "paid (%(amount)s).",
                **values,
            )
        if kind == reconcile.CLIENT_NOT_IN_ODOO:
            return self.env._(
                "No client in Odoo has Directo client code %(code)s: its whole balance is "
                "only in Directo (%(amount)s).",
                **values,
            )
        if kind == reconcile.CLIENT_NOT_IN_DIRECTO:
            return self.env._(
                "Directo's list of open clients has no client %(code)s (closed or deleted "
                "there, or another code): Odoo still counts its documents (%(amount)s).",
                **values,
            )
        if kind == reconcile.ONLY_IN_DIRECTO:
            return self.env._(
                "Unexplained: only in Directo (%(amount)s), e.g. an invoice typed straight "
                "into Directo or a correction booked there.",
                **values,
            )
        return self.env._(
            "Unexplained: only in Odoo (%(amount)s), e.g. a document deleted in Directo or "
            "a payment Directo booked without a receipt.",
            **values,
        )

    # ------------------------------------------------------------------ actions

    def action_open_invoices(self):
        """The invoices concerned; without any, all invoices of the client."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if self.move_ids:
            domain = [("id", "in", self.move_ids.ids)]
        else:
            domain = [
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("commercial_partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
            ]
        action.update(
            {
                "name": self.env._("Invoices of %(client)s", client=self._directo_client_name()),
                "domain": domain,
                "context": {"default_move_type": "out_invoice", "create": False},
            }
        )
        if len(self.move_ids) == 1:
            action.update({"views": [(False, "form")], "res_id": self.move_ids.id})
        return action

    def action_open_receipts(self):
        """The receipts (read by the paid status) that pay invoices only in Directo."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "directo_connector.directo_receipt_action"
        )
        action["domain"] = [
            ("company_id", "=", self.company_id.id),
            ("number", "in", self._directo_receipt_numbers()),
        ]
        return action

    def action_open_client(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "views": [(False, "form")],
        }

    def _directo_client_name(self):
        return self.partner_id.display_name or self.directo_name or self.directo_code or ""
