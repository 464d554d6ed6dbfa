# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..xmldirect.outcome import OURS

_logger = logging.getLogger(__name__)

#: Invoice fields written by the paid-status sync.
PAYMENT_FIELDS = ["directo_payment_state", "directo_amount_paid", "directo_last_payment_date"]
#: Domain of the invoices Directo holds, or may hold, under their Directo number (set on
#: every answer that stored it, never on a refused attempt - which writes the number too).
IN_DIRECTO = [("directo_document", "in", OURS), ("directo_number", "!=", 0)]
#: Rows per UPDATE statement when writing the paid status of many invoices.
SQL_BATCH = 1000
#: Seconds one run may spend registering/removing Odoo payments (about 0.1 s each, Odoo's
#: own payment wizard); invoices left over are picked up by the next run.
PAYMENT_TIME_BUDGET = 60


class DirectoReceiptLine(models.Model):
    """One row of a Directo receipt: money applied to one (sales) invoice."""

    _name = "directo.receipt.line"
    _description = "Directo Receipt Row"
    _order = "receipt_id, sequence, id"

    receipt_id = fields.Many2one(
        "directo.receipt", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        related="receipt_id.company_id", store=True, index=True, readonly=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=True,
        help="The matched invoice's currency (the amounts are compared with its total), "
        "else the company currency.",
    )
    confirmed = fields.Boolean(
        related="receipt_id.confirmed", store=True, index=True, readonly=True
    )
    sequence = fields.Integer(readonly=True)
    invoice_number = fields.Integer(
        index=True, readonly=True, help="Sales invoice number in Directo."
    )
    customer_code = fields.Char(string="Client Code", readonly=True)
    customer_name = fields.Char(string="Client Name", readonly=True)
    regno = fields.Char(string="Registration Code", readonly=True)
    received = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        aggregator=None,
        help="Amount received (Directo 'Summa S'), compared with the invoice total.",
    )
    invoicesum = fields.Monetary(
        string="Invoice Sum",
        readonly=True,
        currency_field="currency_id",
        aggregator=None,
        help="Directo's 'Arve saldo'; its exact meaning is not documented, so it is kept "
        "for information only.",
    )
    row_datetime = fields.Datetime(string="Row Time", readonly=True)
    payment_date = fields.Date(readonly=True)
    move_id = fields.Many2one(
        "account.move", string="Invoice", index="btree_not_null", readonly=True, ondelete="set null"
    )
    match_state = fields.Selection(
        [
            ("matched", "Matched"),
            ("unknown_invoice", "Invoice unknown to Odoo"),
            ("customer_mismatch", "Client code differs"),
            ("no_invoice", "No invoice number"),
        ],
        string="Match",
        readonly=True,
        index=True,
    )
    payment_id = fields.Many2one(
        "account.payment",
        string="Odoo Payment",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The Odoo payment registered for this row (optional, see Settings).",
    )

    @api.depends("move_id.currency_id", "company_id.currency_id")
    def _compute_currency_id(self):
        for line in self:
            line.currency_id = line.move_id.currency_id or line.company_id.currency_id

    # ------------------------------------------------------------------ matching

    @api.model
    def _directo_matcher(self, company, numbers):
        """A function ``(invoice number, client code) -> (move id, match state)``.

        Invoices are found by Directo number (one search for the whole chunk). When the
        row names a client and the invoice's customer has a Directo Client Code, both
        must agree: a row of another client that happens to carry our number is ignored.
        """
        numbers = [n for n in numbers if n]
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("move_type", "=", "out_invoice"),
                    ("directo_number", "in", numbers),
                    *IN_DIRECTO,
                ]
            )
            if numbers
            else self.env["account.move"]
        )
        by_number = {}
        for move in moves.sorted(lambda m: (m.state != "posted", m.id)):
            by_number.setdefault(move.directo_number, move)
        codes = {
            move.id: (move.commercial_partner_id.directo_code or move.partner_id.directo_code or "")
            .strip()
            .casefold()
            for move in by_number.values()
        }

        def match(number, customer_code):
            if not number:
                return False, "no_invoice"
            move = by_number.get(number)
            if move is None:
                return False, "unknown_invoice"
            ours = codes[move.id]
            theirs = (customer_code or "").strip().casefold()
            if ours and theirs and ours != theirs:
                return False, "customer_mismatch"
            return move.id, "matched"

        return match

    @api.model
    def _directo_rematch_unknown(self, company):
        """Rows stored before their invoice got its Directo number are matched now."""
        unknown = self.sudo().search(
            [("company_id", "=", company.id), ("match_state", "=", "unknown_invoice")]
        )
        if not unknown:
            return set()
        matcher = self._directo_matcher(company, set(unknown.mapped("invoice_number")))
        by_result = defaultdict(lambda: self.browse())
        for line in unknown:
            result = matcher(line.invoice_number, line.customer_code)
            if result[1] != "unknown_invoice":
                by_result[result] |= line
        affected = set()
        for (move_id, state), lines in by_result.items():
            lines.write({"move_id": move_id, "match_state": state})
            if move_id:
                affected.add(move_id)
        return affected

    @api.model
    def _directo_mark_exported_not_paid(self, company, asked_at):
        """Invoices in Directo without a Directo payment status become 'Not paid in
        Directo' once Directo has been asked: those sent before the receipts read at
        ``asked_at`` (an invoice sent meanwhile waits for the next read).

        "In Directo" is what Directo holds of ours (``directo_document``), not a non-zero
        ``directo_number``: the number is also kept after a refusal (e.g. Type 31), and
        such an invoice must not get a Directo payment badge.
        """
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("move_type", "=", "out_invoice"),
                    ("directo_payment_state", "=", False),
                    *IN_DIRECTO,
                    ("directo_attempt_ids", "not any", [("create_date", ">=", asked_at)]),
                ]
            )
        )
        if moves:
            self._directo_write_invoices({move.id: ("not_paid", 0.0, None) for move in moves})

    # ------------------------------------------------------------------ invoices

    @api.model
    def _directo_refresh_invoices(self, moves):
        """Recompute paid amount, last payment date and status of ``moves``.

        Only matched rows of confirmed receipts count. Status: 'paid' when the amount
        reaches the invoice total (in the invoice currency's rounding), 'partial' when
        positive, else 'not_paid'. Returns the invoices whose values changed; a status
        change is logged in the invoice's chatter.
        """
        moves = moves.exists().filtered(lambda m: m.move_type == "out_invoice")
        if not moves:
            return moves
        self.flush_model()
        totals = {
            move.id: (amount, date)
            for move, amount, date in self.sudo()._read_group(
                [
                    ("move_id", "in", moves.ids),
                    ("confirmed", "=", True),
                    ("match_state", "=", "matched"),
                ],
                ["move_id"],
                ["received:sum", "payment_date:max"],
            )
        }
        state_labels = dict(
            self.env["account.move"]
            ._fields["directo_payment_state"]
            ._description_selection(self.env)
        )
        updates, bodies = {}, {}
        for move in moves:
            currency = move.currency_id
            amount, date = totals.get(move.id, (0.0, None))
            amount = currency.round(amount or 0.0)
            if currency.compare_amounts(amount, 0.0) <= 0:
                state = "not_paid"
            elif currency.compare_amounts(amount, move.amount_total) >= 0:
                state = "paid"
            else:
                state = "partial"
            date = date or None
            old_state = move.directo_payment_state
            if (
                old_state == state
                and not currency.compare_amounts(amount, move.directo_amount_paid)
                and (move.directo_last_payment_date or None) == date
            ):
                continue
            updates[move.id] = (state, amount, date)
            if old_state != state and (old_state or state != "not_paid"):
                # (Odoo's translation export does not see calls nested in arguments.)
                none = self.env._("none")
                last = ""
                if date:
                    last = self.env._(", last payment %(date)s", date=format_date(self.env, date))
                bodies[move.id] = self.env._(
                    "Directo payment status: %(old)s → %(new)s (%(amount)s of %(total)s%(date)s).",
                    old=state_labels.get(old_state, none),
                    new=state_labels[state],
                    amount=currency.format(amount),
                    total=currency.format(move.amount_total),
                    date=last,
                )
        self._directo_write_invoices(updates)
        if bodies:
            moves.browse(list(bodies))._message_log_batch(bodies=bodies)
        self._directo_refresh_amounts(moves)
        return moves.browse(list(updates))

    @api.model
    def _directo_refresh_amounts(self, moves):
        """Directo's amount of each invoice: the invoice sum of the newest receipt row
        naming it (one query); written only where it changed."""
        if not moves:
            return
        self.env.cr.execute(
            """SELECT DISTINCT ON (move_id) move_id, invoicesum FROM directo_receipt_line
                WHERE move_id IN %s AND match_state = 'matched' AND invoicesum IS NOT NULL
                ORDER BY move_id, row_datetime DESC NULLS LAST, id DESC""",
            [tuple(moves.ids)],
        )
        sums = dict(self.env.cr.fetchall())
        changed = moves.filtered(
            lambda m: (
                m.id in sums and m.currency_id.compare_amounts(sums[m.id], m.directo_amount_total)
            )
        )
        if changed:
            changed._directo_write_states(
                {move.id: {"directo_amount_total": sums[move.id]} for move in changed}
            )
            # The low-level write does not tell the flag computed from it.
            changed.modified(["directo_amount_total"])

    @api.model
    def _directo_write_invoices(self, updates):
        """Write ``{move id: (state, amount, date)}`` in a few UPDATE statements.

        Why SQL: thousands of invoices get individual values in one run; the ORM would
        issue one UPDATE per invoice through account.move's heavy write(). These three
        fields are informational (read-only, nothing in Odoo computes from them), so
        the cache is invalidated and dependents are notified afterwards.
        """
        if not updates:
            return
        Move = self.env["account.move"]
        Move.flush_model(PAYMENT_FIELDS)
        items = list(updates.items())
        for start in range(0, len(items), SQL_BATCH):
            batch = items[start : start + SQL_BATCH]
            values = SQL(", ").join(
                SQL("(%s::int, %s::varchar, %s::numeric, %s::date)", move_id, state, amount, date)
                for move_id, (state, amount, date) in batch
            )
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE account_move AS m
                       SET directo_payment_state = v.state,
                           directo_amount_paid = v.amount,
                           directo_last_payment_date = v.date,
                           write_uid = %s,
                           write_date = (now() at time zone 'UTC')
                      FROM (VALUES %s) AS v(id, state, amount, date)
                     WHERE m.id = v.id
                    """,
                    self.env.uid,
                    values,
                )
            )
        moves = Move.browse(list(updates))
        moves.invalidate_recordset(PAYMENT_FIELDS + ["write_uid", "write_date"])
        moves.modified(PAYMENT_FIELDS)

    # ------------------------------------------------------------------ Odoo payments

    @api.model
    def _directo_payment_candidates(self, company, moves, changed=None, retry_failed=True):
        """Invoices whose Odoo payments may differ from Directo: ``moves`` (just read)
        plus leftovers of earlier runs (time budget, setting switched on later).

        An invoice whose registration failed (``directo_payment_error``: lock date, hashed
        entry, journal...) would fail the same way every hour and eat the time budget
        first: it is left out until its Directo values change (``changed``, the invoices
        the refresh just updated), unless ``retry_failed`` (the Settings button).
        """
        Move = self.env["account.move"].sudo()
        base = [
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
        ]
        under = Move.search(
            base
            + [
                ("directo_payment_state", "in", ("partial", "paid")),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        over = (
            self.env["account.payment"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("directo_invoice_id", "!=", False),
                    ("state", "!=", "canceled"),
                    ("directo_invoice_id.directo_payment_state", "in", ("not_paid", "partial")),
                ]
            )
            .directo_invoice_id
        )
        candidates = moves | under | over
        if retry_failed:
            return candidates
        changed = moves if changed is None else changed
        return candidates.filtered(lambda m: not m.directo_payment_error or m in changed)

    @api.model
    def _directo_sync_payments(self, moves, budget=PAYMENT_TIME_BUDGET):
        """Make the Odoo payments registered from Directo match Directo's paid amount.

        Per invoice, the payments we created (``directo_invoice_id``) should add up to
        the amount paid in Directo, capped to the invoice total. Missing money is
        registered as one payment in the company's Directo payment journal and
        reconciled with the invoice; money Directo no longer reports (edited, unconfirmed
        or reversed receipts) removes our newest payments first. Returns how many
        payments were created or removed and how many invoices were left for the next
        run (time budget).
        """
        moves = moves.exists().filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not moves:
            return 0, 0
        Payment = self.env["account.payment"].sudo()
        ours = defaultdict(lambda: Payment)
        for payment in Payment.search(
            [("directo_invoice_id", "in", moves.ids), ("state", "!=", "canceled")],
            order="id desc",
        ):
            ours[payment.directo_invoice_id.id] |= payment
        count = 0
        errors = {}  # move id -> error text (False: clear it)
        left = 0
        deadline = time.monotonic() + budget
        for index, move in enumerate(moves):
            if time.monotonic() > deadline:
                left = len(moves) - index
                break
            journal = move.company_id.directo_payment_journal_id
            if not journal:
                continue
            try:
                with self.env.cr.savepoint():
                    count += self._directo_sync_invoice_payments(move, ours[move.id], journal)
            except UserError as error:
                _logger.warning(
                    "Directo paid status: could not register/remove Odoo payments of "
                    "invoice %s (%s): %s",
                    move.id,
                    move.name,
                    error,
                )
                errors[move.id] = str(error)
            else:
                if move.directo_payment_error:
                    errors[move.id] = False
        self._directo_write_payment_errors(moves.browse(list(errors)), errors)
        return count, left

    @api.model
    def _directo_write_payment_errors(self, moves, errors):
        """Store each invoice's registration error (False clears it); a chatter note only
        when the error is new or different, so a failure repeated every run is noted once."""
        if not moves:
            return
        bodies = {
            move.id: self.env._(
                "Directo payment could not be registered in Odoo: %(error)s",
                error=errors[move.id],
            )
            for move in moves
            if errors[move.id] and errors[move.id] != (move.directo_payment_error or False)
        }
        moves.flush_recordset(["directo_payment_error"])
        # SQL, not write(): one statement for all of them instead of account.move's heavy
        # write() per invoice (an informational field: nothing computes from it).
        values = SQL(", ").join(
            SQL("(%s::int, %s::text)", move.id, errors[move.id] or None) for move in moves
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move AS m
                   SET directo_payment_error = v.error
                  FROM (VALUES %s) AS v(id, error)
                 WHERE m.id = v.id
                """,
                values,
            )
        )
        moves.invalidate_recordset(["directo_payment_error"])
        if bodies:
            moves.browse(list(bodies))._message_log_batch(bodies=bodies)

    @api.model
    def _directo_sync_invoice_payments(self, move, payments, journal):
        currency = move.currency_id
        target = min(max(move.directo_amount_paid, 0.0), move.amount_total)
        registered = sum(payments.mapped("amount"))
        count = 0
        to_remove = self.env["account.payment"]
        for payment in payments:  # newest first
            if currency.compare_amounts(registered, target) <= 0:
                break
            to_remove |= payment
            registered -= payment.amount
        if to_remove:
            # Back to draft first (unreconciles); a posted payment cannot lose its entry.
            to_remove.action_draft()
            to_remove.unlink()
            count += len(to_remove)
        delta = currency.round(min(target - registered, move.amount_residual))
        if currency.compare_amounts(delta, 0.0) > 0:
            lines = self.search(
                [
                    ("move_id", "=", move.id),
                    ("confirmed", "=", True),
                    ("match_state", "=", "matched"),
                    ("payment_id", "=", False),
                ]
            )
            receipts = ", ".join(str(n) for n in sorted(set(lines.receipt_id.mapped("number"))))
            wizard = (
                self.env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=move.ids)
                .create(
                    {
                        "journal_id": journal.id,
                        "amount": delta,
                        "payment_date": move.directo_last_payment_date
                        or fields.Date.context_today(self),
                        "payment_difference_handling": "open",
                        "communication": self.env._(
                            "%(invoice)s - Directo receipt %(receipts)s",
                            invoice=move.name,
                            receipts=receipts or "?",
                        ),
                    }
                )
            )
            new_payment = wizard._create_payments()
            new_payment.directo_invoice_id = move
            lines.payment_id = new_payment[:1]
            count += len(new_payment)
        return count
