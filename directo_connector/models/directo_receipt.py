# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Receipts (incoming payments) read from Directo, and the paid-status sync.

Why receipts are read *unfiltered* by confirmation (``confirmed=None``): a receipt that
loses its confirmation in Directo gets a new ``ts`` but would never come back through a
``confirmed=1`` read, so the money it carried would stay counted forever. Reading every
receipt changed since the watermark and counting only the rows of confirmed receipts
covers confirmation, edits and un-confirmation with one call.
"""

import hashlib
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_date

from ..xmldirect import DirectoError, DirectoNotActivated
from ..xmldirect.outcome import OURS
from .directo_receipt_line import IN_DIRECTO

_logger = logging.getLogger(__name__)

#: Receipts are stored in chunks of about this many rows (one search, one create and one
#: unlink per chunk), so a 10,000-row answer costs a few dozen queries, not thousands.
CHUNK_ROWS = 2000
#: Overlap of the ``ts`` filter: Directo documents a date-only filter (time part and
#: time zone unknown), so the run re-reads the watermark's day and the day before.
WATERMARK_OVERLAP = timedelta(days=1)
#: How many unknown invoice numbers a run names in its summary and server log.
UNKNOWN_SAMPLE = 20


def _receipt_time(receipt):
    """The receipt's time: Directo's receipt output (ws_laekumised.xsd) has no time on the
    receipt itself, only on its rows (``aeg``): the latest row time then."""
    times = [row.aeg for row in receipt.rows if row.aeg]
    return receipt.aeg or (max(times) if times else None)


def _row_date(row, receipt):
    moment = row.aeg or receipt.aeg or receipt.ts
    return moment.date() if moment else None


def _receipt_digest(receipt):
    """A fingerprint of what matters in a receipt: unchanged receipts are skipped."""
    parts = [str(int(bool(receipt.confirmed))), receipt.paymentmode or ""]
    for row in receipt.rows:
        parts.append(
            "|".join(
                str(value if value is not None else "")
                for value in (
                    row.invoice,
                    row.customer,
                    row.received,
                    row.invoicesum,
                    row.aeg and row.aeg.isoformat(),
                    row.regno,
                    row.customername,
                )
            )
        )
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()


class DirectoReceipt(models.Model):
    """A receipt (incoming payment document) as Directo last reported it."""

    _name = "directo.receipt"
    _description = "Directo Receipt"
    _order = "directo_ts desc, number desc"
    _rec_name = "number"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, ondelete="cascade"
    )
    number = fields.Integer(string="Receipt Number", required=True, readonly=True, index=True)
    paymentmode = fields.Char(string="Payment Mode", readonly=True)
    receipt_datetime = fields.Datetime(
        string="Receipt Time", readonly=True, help="The receipt's time (aeg) in Directo."
    )
    confirmed = fields.Boolean(
        readonly=True,
        index=True,
        help="Only confirmed receipts settle invoices; the rows of an unconfirmed receipt "
        "are kept but not counted.",
    )
    directo_ts = fields.Datetime(
        string="Changed in Directo",
        readonly=True,
        help="The receipt's last-change time (ts) as Directo reports it (Directo's clock).",
    )
    rows_digest = fields.Char(readonly=True, copy=False)
    last_read_at = fields.Datetime(string="Last Read", readonly=True)
    line_ids = fields.One2many("directo.receipt.line", "receipt_id", string="Rows", readonly=True)
    amount_received = fields.Monetary(
        string="Received",
        compute="_compute_amount_received",
        store=True,
        currency_field="currency_id",
        aggregator=None,
        help="Sum of the rows in their currency; rows in different currencies (invoices "
        "in different currencies) are converted to the company currency.",
    )
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_amount_received", store=True, readonly=True
    )

    _sql_constraints = [
        (
            "number_company_uniq",
            "unique(company_id, number)",
            "A Directo receipt number is stored once per company.",
        )
    ]

    @api.depends("line_ids.received", "line_ids.currency_id", "company_id.currency_id")
    def _compute_amount_received(self):
        for receipt in self:
            company_currency = receipt.company_id.currency_id
            currencies = receipt.line_ids.currency_id
            if len(currencies) <= 1:
                # Never add up amounts in different currencies as they are.
                receipt.currency_id = currencies or company_currency
                receipt.amount_received = sum(receipt.line_ids.mapped("received"))
                continue
            receipt.currency_id = company_currency
            receipt.amount_received = sum(
                line.currency_id._convert(
                    line.received,
                    company_currency,
                    receipt.company_id,
                    line.payment_date or fields.Date.context_today(receipt),
                )
                for line in receipt.line_ids
            )

    @api.depends("number")
    def _compute_display_name(self):
        for receipt in self:
            receipt.display_name = self.env._("Directo receipt %(number)s", number=receipt.number)

    # ------------------------------------------------------------------ sync

    @api.model
    def _cron_fetch_paid_status(self):
        """Scheduled action: every connected company with invoice export switched on.

        Each company is committed on its own (outside tests): its invoice row locks are
        released at once and a worker timeout later on does not discard its work. A
        processing error is handled inside the run (the read and its exchange are kept);
        the savepoint here only catches what fails before or while reading.
        """
        companies = self.env["res.company"].sudo().search([("directo_invoice_export", "=", True)])
        companies._directo_for_each_company(
            lambda company: self.with_env(company.env)._directo_fetch_paid_status(
                company, retry_failed_payments=False
            ),
            "paid status",
        )
        return True

    @api.model
    def _directo_request_ts(self, company):
        """The ``ts`` filter for the next read (a date; None = read everything)."""
        if company.directo_receipt_watermark:
            return (company.directo_receipt_watermark - WATERMARK_OVERLAP).date()
        # First run: nothing paying our invoices can have changed before the first of them.
        self.env["account.move"].flush_model(
            ["directo_number", "directo_document", "invoice_date", "company_id"]
        )
        self.env.cr.execute(
            """
            SELECT MIN(LEAST(invoice_date, create_date::date))
              FROM account_move
             WHERE company_id = %s AND directo_document IN %s AND directo_number != 0
            """,
            [company.id, OURS],
        )
        first = self.env.cr.fetchone()[0]
        return first - WATERMARK_OVERLAP if first else None

    @api.model
    def _directo_fetch_paid_status(self, company, retry_failed_payments=True):
        """Read receipts changed since the watermark, store them, update the invoices.

        Returns the run summary (a dict). A Directo failure (network, timeout, malformed
        answer...) keeps the receipts read before it - each is complete - but leaves the
        watermark unchanged, so the next run reads the same period again. An error while
        processing what was read rolls the processing back (watermark unchanged too) but
        never the exchange of the read: the read happens outside that savepoint.

        ``retry_failed_payments``: also retry invoices whose Odoo payment registration
        failed and whose Directo amount has not changed since (the button does, after
        someone fixed the cause; the scheduled action does not).
        """
        company.ensure_one()
        # A system job: it reads and writes receipts, invoices and payments of the company.
        return self.sudo()._directo_fetch_paid_status_run(
            company.sudo(), retry_failed_payments=retry_failed_payments
        )

    @api.model
    def _directo_read_receipts(self, company, ts, stats):
        """Read the receipts (and log the exchange); returns (receipts, largest ts).

        Runs outside any savepoint of the run: the exchange, stored when the answer has
        been read to its end, must survive whatever happens while processing it. The
        parsed receipts are plain objects (never an XML tree).
        """
        receipts, max_ts = [], None
        try:
            client = company._directo_client()
            for receipt in client.iter_receipts(ts=ts, confirmed=None):
                receipts.append(receipt)
                if receipt.ts and (max_ts is None or receipt.ts > max_ts):
                    max_ts = receipt.ts
        except DirectoError as error:
            # A refused key names the feed to activate (Receipts out); the rest as is.
            stats["error"] = (
                company._directo_diagnose(error, False)
                if isinstance(error, DirectoNotActivated)
                else error.translated(self.env._)
            )
            _logger.warning(
                "Directo paid status for company %s: read failed, watermark kept: %s",
                company.id,
                error,
            )
        stats["receipts"] = len(receipts)
        # Receipts parsed before a failure are complete documents: they are kept.
        return receipts, max_ts

    @api.model
    def _directo_fetch_paid_status_run(self, company, retry_failed_payments=True):
        stats = {
            "receipts": 0,
            "changed": 0,
            "unchanged": 0,
            "rows": 0,
            "unknown": 0,
            "mismatch": 0,
            "invoices": 0,
            "payments": 0,
            "payments_left": 0,
            "error": False,
            "process_error": False,
        }
        unknown_numbers = []
        # "Exported" = Directo holds (or may hold) our document with that number; a number
        # written on a refused attempt does not count (see _directo_mark_exported_not_paid).
        exported = (
            self.env["account.move"]
            .sudo()
            .search_count([("company_id", "=", company.id), *IN_DIRECTO], limit=1)
        )
        ts = self._directo_request_ts(company)
        receipts, max_ts = [], None
        stats["asked_at"] = fields.Datetime.now()
        if exported:
            receipts, max_ts = self._directo_read_receipts(company, ts, stats)

        try:
            with self.env.cr.savepoint():
                self._directo_process_receipts(
                    company, receipts, stats, unknown_numbers, retry_failed_payments
                )
        except Exception as error:  # the exchange of the read above is kept
            _logger.exception(
                "Directo paid status for company %s: processing the receipts failed, "
                "watermark kept",
                company.id,
            )
            # Everything counted so far was rolled back with the savepoint.
            for key in ("changed", "unchanged", "rows", "unknown", "mismatch", "invoices"):
                stats[key] = 0
            stats.update(payments=0, payments_left=0, process_error=str(error))
            stats["error"] = stats["error"] or str(error)
            unknown_numbers.clear()

        vals = {"directo_receipt_last_sync": fields.Datetime.now()}
        if not stats["error"] and max_ts:
            current = company.directo_receipt_watermark
            vals["directo_receipt_watermark"] = max(current, max_ts) if current else max_ts
        if unknown_numbers:
            _logger.warning(
                "Directo paid status for company %s: %s receipt row(s) name invoices unknown "
                "to Odoo and were ignored: %s",
                company.id,
                stats["unknown"],
                ", ".join(map(str, unknown_numbers[:UNKNOWN_SAMPLE])),
            )
        if not exported and not stats["process_error"]:
            stats["error"] = False
            vals["directo_receipt_sync_message"] = self.env._(
                "No invoice of %(company)s has been exported to Directo yet: nothing to match.",
                company=company.name,
            )
        else:
            vals["directo_receipt_sync_message"] = self._directo_summary(
                company, stats, unknown_numbers, ts
            )
        stats["message"] = vals["directo_receipt_sync_message"]
        company.write(vals)
        return stats

    @api.model
    def _directo_process_receipts(
        self, company, receipts, stats, unknown_numbers, retry_failed_payments=True
    ):
        """Store the receipts read, update the invoices and (optionally) Odoo payments."""
        Line = self.env["directo.receipt.line"]
        affected = set()
        if not stats["error"]:  # Directo answered: what it did not report is not paid
            Line._directo_mark_exported_not_paid(company, stats["asked_at"])
        affected |= Line._directo_rematch_unknown(company)
        chunk, chunk_rows = [], 0
        for receipt in receipts:
            chunk.append(receipt)
            chunk_rows += len(receipt.rows) + 1
            if chunk_rows >= CHUNK_ROWS:
                affected |= self._directo_store_chunk(company, chunk, stats, unknown_numbers)
                chunk, chunk_rows = [], 0
        if chunk:
            affected |= self._directo_store_chunk(company, chunk, stats, unknown_numbers)

        moves = self.env["account.move"].sudo().browse(sorted(affected))
        changed = Line._directo_refresh_invoices(moves)
        stats["invoices"] = len(changed)
        if company.directo_payment_journal_id:
            candidates = Line._directo_payment_candidates(
                company, moves, changed=changed, retry_failed=retry_failed_payments
            )
            stats["payments"], stats["payments_left"] = Line._directo_sync_payments(candidates)

    @api.model
    def _directo_summary(self, company, stats, unknown_numbers, ts):
        _ = self.env._
        lines = [
            self.env._(
                "%(receipts)s receipt(s) read (changed since %(since)s): %(changed)s new or "
                "changed, %(unchanged)s unchanged, %(rows)s row(s).",
                receipts=stats["receipts"],
                # The user's date format, as the settings' date fields around the summary.
                since=format_date(self.env, ts) if ts else self.env._("the beginning"),
                changed=stats["changed"],
                unchanged=stats["unchanged"],
                rows=stats["rows"],
            ),
            self.env._(
                "%(invoices)s invoice(s) changed paid status or amount.", invoices=stats["invoices"]
            ),
        ]
        if company.directo_payment_journal_id:
            lines.append(
                self.env._(
                    "%(payments)s Odoo payment(s) registered or removed in %(journal)s.",
                    payments=stats["payments"],
                    journal=company.directo_payment_journal_id.display_name,
                )
            )
            if stats["payments_left"]:
                lines.append(
                    self.env._(
                        "%(count)s invoice(s) are left for the next run (time limit).",
                        count=stats["payments_left"],
                    )
                )
        if stats["unknown"]:
            lines.append(
                self.env._(
                    "%(count)s row(s) for invoices unknown to Odoo were ignored: %(numbers)s.",
                    count=stats["unknown"],
                    numbers=", ".join(map(str, unknown_numbers[:UNKNOWN_SAMPLE])),
                )
            )
        if stats["mismatch"]:
            lines.append(
                self.env._(
                    "%(count)s row(s) were ignored because their client code differs from the "
                    "invoice customer's Directo Client Code (see Directo > Receipts).",
                    count=stats["mismatch"],
                )
            )
        if stats["process_error"]:
            lines.append(
                self.env._(
                    "Processing the receipts read failed: %(error)s. Nothing of this run was "
                    "saved (the answer is in Directo > Exchanges); the watermark was not "
                    "moved, the next run reads the same period again.",
                    error=stats["process_error"],
                )
            )
        elif stats["error"]:
            lines.append(
                self.env._(
                    "Reading receipts failed: %(error)s. What was read is kept; the watermark "
                    "was not moved, the next run reads the same period again.",
                    error=stats["error"],
                )
            )
        return "\n".join(lines)

    @api.model
    def _directo_store_chunk(self, company, receipts, stats, unknown_numbers):
        """Store a chunk of receipts; returns the ids of the invoices they touch.

        A receipt that comes back changed has its rows replaced as a whole, so nothing is
        counted twice and removed or reduced rows reduce the paid amount.
        """
        Line = self.env["directo.receipt.line"].sudo()
        by_number = {}
        for receipt in receipts:  # the same number twice in one answer: the last wins
            by_number[receipt.number] = receipt
        existing = {
            rec.number: rec
            for rec in self.sudo().search(
                [("company_id", "=", company.id), ("number", "in", list(by_number))]
            )
        }
        now = fields.Datetime.now()
        to_create, changed = [], {}
        for number, receipt in by_number.items():
            digest = _receipt_digest(receipt)
            record = existing.get(number)
            if record and record.rows_digest == digest:
                stats["unchanged"] += 1
                continue
            stats["changed"] += 1
            header = {
                "paymentmode": receipt.paymentmode,
                "receipt_datetime": _receipt_time(receipt),
                "confirmed": bool(receipt.confirmed),
                "directo_ts": receipt.ts,
                "rows_digest": digest,
                "last_read_at": now,
            }
            if record:
                changed[record] = (receipt, header)
            else:
                to_create.append((receipt, dict(header, company_id=company.id, number=number)))

        affected = set()
        if changed:
            old_lines = Line.search([("receipt_id", "in", [r.id for r in changed])])
            affected |= set(old_lines.move_id.ids)
            old_lines.unlink()
            for record, (_receipt, header) in changed.items():
                record.write(header)
        created = self.sudo().create([vals for _receipt, vals in to_create])

        new_pairs = zip(created, [receipt for receipt, _vals in to_create], strict=True)
        pairs = list(changed.items()) + [(record, (receipt, None)) for record, receipt in new_pairs]
        matcher = Line._directo_matcher(
            company, {row.invoice for _r, (receipt, _h) in pairs for row in receipt.rows}
        )
        line_vals = []
        for record, (receipt, _header) in pairs:
            for sequence, row in enumerate(receipt.rows, start=1):
                move_id, match_state = matcher(row.invoice, row.customer)
                if match_state == "unknown_invoice":
                    stats["unknown"] += 1
                    if row.invoice not in unknown_numbers:
                        unknown_numbers.append(row.invoice)
                elif match_state == "customer_mismatch":
                    stats["mismatch"] += 1
                if move_id:
                    affected.add(move_id)
                line_vals.append(
                    {
                        "receipt_id": record.id,
                        "sequence": sequence,
                        "invoice_number": row.invoice or 0,
                        "customer_code": row.customer,
                        "customer_name": row.customername,
                        "regno": row.regno,
                        "received": float(row.received),
                        "invoicesum": float(row.invoicesum) if row.invoicesum is not None else 0.0,
                        "row_datetime": row.aeg,
                        "payment_date": _row_date(row, receipt),
                        "move_id": move_id,
                        "match_state": match_state,
                    }
                )
        stats["rows"] += len(line_vals)
        Line.create(line_vals)
        return affected
