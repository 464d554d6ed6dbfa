# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sending invoices to Directo and applying its answers: the one path every export takes.

Read it top to bottom:

1. :meth:`_send` locks the invoices nobody else is sending, drops quietly what no longer
   needs sending, maps the rest (``directo.invoice.mapper``);
2. :meth:`_write_ahead` **claims the whole selection** while the locks are held: every
   invoice it will carry is committed as *Sending* with a pending attempt (the lease)
   before the first request. No other worker, cron thread or server sends an invoice
   whose lease is live;
3. per request, :meth:`_still_ours` re-locks the chunk in a fresh transaction, drops what
   another worker took over (only possible once a lease ran out) and renews the lease of
   the rest; then one request (:meth:`_put`);
4. :meth:`_apply` — each invoice's answer, matched by docid, becomes an outcome
   (``xmldirect.outcome.invoice_outcome``); :meth:`_record` commits it in a short
   transaction that writes only the addon's own columns and rows (state, number, error,
   attempts), retried on serialization failures; then, in transactions of their own whose
   failure changes nothing recorded, the chatter notes and activities (:meth:`_follow_up`);
5. :meth:`_diagnose` — only then, refusals whose cause may be a code of the invoice are
   explained down to the record and field to fix (``xmldirect.diagnosis``), from Odoo's
   copy of Directo's registers brought up to date first (a constant number of requests,
   whatever the number of invoices). A worker dying here loses only the explanation.

A worker that dies between 2 and 4 leaves *Sending* with a pending attempt; once that
attempt's lease has run out the next run sends the invoice again, as an update of the
same number (Directo may hold it). Lost answers are re-sent with growing intervals until
a limit, then the invoice *Needs attention* (``xmldirect.retry``). See README "Export
states".
"""

import logging
import random
import time
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import OperationalError

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import format_datetime

from ..xmldirect import (
    DirectoBatchError,
    DirectoError,
    DirectoNotActivated,
    PutResult,
)
from ..xmldirect.diagnosis import describe_use, diagnosable, named_uses, refusal_diagnosis
from ..xmldirect.outcome import (
    FAILED,
    MAYBE,
    SENT,
    UNKNOWN,
    TransportFailure,
    holds_ours,
    invoice_outcome,
    transport_failure,
)
from ..xmldirect.retry import next_retry, parse_intervals

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 250
# A pending attempt renewed less than this ago is a live lease: a request carrying it may
# still be waiting for Directo (the read timeout is 60 s).
DEFAULT_LEASE_SECONDS = 600
# Recording Directo's answer is retried this many times on serialization failures.
RECORD_TRIES = 8
RETRY_INTERVALS_PARAM = "directo_connector.retry_intervals"


class Sending:
    """One invoice in one request: what was sent, what Directo held before, the answer."""

    __slots__ = (
        "attempt",
        "detail",
        "document_before",
        "error_before",
        "exchange",
        "failure",
        "message",
        "prep",
        "result",
        "to_diagnose",
    )

    def __init__(self, prep):
        self.prep = prep
        self.document_before = prep.move.directo_document or None
        self.error_before = prep.move.directo_error or ""
        self.message = None  # the user's message written by _apply
        self.to_diagnose = False  # a refusal _diagnose explains further
        self.attempt = None
        self.exchange = None
        self.result = None
        self.failure = None  # a TransportFailure when the request got no usable answer
        self.detail = ""

    @property
    def move(self):
        return self.prep.move

    @property
    def payload(self):
        return self.prep.payload


class DirectoInvoiceExport(models.AbstractModel):
    _name = "directo.invoice.export"
    _description = "Directo: invoice export"

    # ------------------------------------------------------------------ parameters

    def _param(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(key, default)
        try:
            return max(0, int(value))
        except (TypeError, ValueError):
            return default

    def _batch_size(self):
        return max(1, self._param("directo_connector.export_batch_size", DEFAULT_BATCH_SIZE))

    def _lease_start(self):
        seconds = self._param("directo_connector.sending_lease_seconds", DEFAULT_LEASE_SECONDS)
        return fields.Datetime.now() - timedelta(seconds=seconds)

    def _can_commit(self):
        """Commit between steps, except inside Odoo's tests (which may force it on their
        own cursors to play a worker that dies)."""
        return self.env.context.get("directo_commit") or self.env["account.move"]._can_commit()

    def _commit(self):
        if self._can_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit

    # ------------------------------------------------------------------ transactions

    def _transaction(self, work, optional=False):
        """Run ``work`` in a short transaction of its own and commit it.

        Serialization failures and deadlocks (another worker, a user re-posting an invoice
        of the same client) are retried in a fresh transaction with a short random pause,
        so an answer of Directo is never dropped over them. ``optional`` work (notes,
        activities: what touches rows other code also writes) that still fails is rolled
        back and logged, never raised: what was recorded before stays recorded. Inside
        Odoo's tests (no commit) a savepoint stands for the transaction.
        """
        committing = self._can_commit()
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                if committing:
                    work()
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                else:
                    with self.env.cr.savepoint():
                        work()
                return True
            except Exception as error:
                if committing:
                    self.env.cr.rollback()
                concurrent = (
                    isinstance(error, OperationalError)
                    and error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY
                )
                if concurrent and attempt < RECORD_TRIES:
                    _logger.info("Directo export: %s, retrying (%s)", error.pgcode, attempt)
                    time.sleep(random.uniform(0.05, 0.2) * attempt)
                    continue
                if not optional:
                    raise
                _logger.warning("Directo export: follow-up skipped: %s", error)
                return False
        return False

    # ------------------------------------------------------------------ in flight

    def _in_flight(self, moves):
        """The moves of ``moves`` a live request is carrying right now (pending attempt
        renewed within the lease)."""
        if not moves:
            return moves
        self.env["directo.export.attempt"].flush_model()
        self.env.cr.execute(
            """SELECT DISTINCT move_id FROM directo_export_attempt
                WHERE state = 'pending' AND move_id IN %s AND write_date > %s""",
            [tuple(moves.ids), self._lease_start()],
        )
        return moves.browse(row[0] for row in self.env.cr.fetchall())

    def _lock(self, moves):
        """Lock the moves nobody else is exporting; ``FOR NO KEY UPDATE SKIP LOCKED``: a
        concurrent export gets nothing for a locked invoice instead of waiting for it.

        Under REPEATABLE READ a row another export claimed (and committed) after this
        transaction's snapshot raises a serialization failure here instead of being
        locked: the request is retried by Odoo and then sees the claim.
        """
        if not moves:
            return moves
        moves.flush_recordset()
        self.env.cr.execute(
            "SELECT id FROM account_move WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
            [tuple(moves.ids)],
            log_exceptions=False,  # a serialization failure is retried, not a bad query
        )
        locked = moves.browse(row[0] for row in self.env.cr.fetchall())
        # Values read before the lock may be stale: another export may just have committed.
        locked.invalidate_recordset()
        return moves.filtered(lambda m: m in locked)

    # ------------------------------------------------------------------ sending

    def _send(self, moves, resend=False, user=None, quiet=False):
        """Send ``moves``; returns a :class:`DirectoSendReport`.

        ``quiet`` (the scheduled action): invoices that no longer need sending once locked
        (another export sent them meanwhile) are skipped without a word.
        """
        report = DirectoSendReport(self.env)
        locked = self._lock(moves)
        busy = (moves - locked) | self._in_flight(locked)
        report.busy = busy
        todo = locked - busy
        if quiet:
            todo = todo.filtered(lambda m: m._directo_needs_sending())
        prepared = self.env["directo.invoice.mapper"]._prepare(todo, resend=resend)
        by_company = defaultdict(list)
        for prep in prepared:
            if prep.payload:
                by_company[prep.move.company_id].append(Sending(prep))
            else:
                report.problems.extend(prep.problems)
        clients = {}
        for company, sendings in by_company.items():
            connection = self._connect(company, sendings, report, user)
            if connection:
                clients[company] = connection
        # The whole selection is claimed before the first request, locks still held.
        self._write_ahead([s for company in clients for s in by_company[company]])
        for company, (client, logged) in clients.items():
            for chunk in self._chunks(by_company[company]):
                chunk = self._still_ours(chunk)
                if chunk:
                    self._send_chunk(client, chunk, logged, report, user)
        return report

    def _connect(self, company, sendings, report, user):
        """(client, exchange log) for ``company``; when the company cannot be called, its
        invoices are answered 'not sent' at once and None is returned."""
        logged = []
        try:
            client = company._directo_client(
                on_logged=lambda exchange, record: logged.append((exchange, record))
            )
        except UserError as error:
            for sending in sendings:
                sending.result = PutResult(sending.payload.number, None, error.args[0])
                sending.failure = TransportFailure.NOT_SENT
                sending.detail = error.args[0]
            self._apply(sendings, report, user)
            return None
        return client, logged

    def _chunks(self, sendings):
        """Requests of at most the batch size; creates and updates travel apart
        (``xd_update`` is per request)."""
        size = self._batch_size()
        for update in (False, True):
            group = [s for s in sendings if s.payload.update is update]
            for start in range(0, len(group), size):
                yield group[start : start + size]

    def _send_chunk(self, client, chunk, logged, report, user):
        """One request, the answers recorded (committed), refusals explained."""
        self._put(client, chunk, logged)
        # The exchange (request and answer) is kept first: recording the answer may be
        # rolled back and retried, the exchange it links to must not be.
        self._commit()
        self._apply(chunk, report, user)
        self._diagnose(chunk, report)

    def _write_ahead(self, sendings):
        """Commit, before any request, that these invoices are on their way: their number
        is frozen, Directo may hold them from now on, and a pending attempt is the lease."""
        if not sendings:
            return
        moves = self.env["account.move"].browse([s.move.id for s in sendings])
        attempts = self.env["directo.export.attempt"].sudo()
        # Attempts whose lease ran out (a worker died waiting) got no answer. A live lease
        # is never overridden: _send skipped those invoices as busy.
        attempts.search(
            [
                ("move_id", "in", moves.ids),
                ("state", "=", "pending"),
                ("write_date", "<=", self._lease_start()),
            ]
        ).write({"state": "unknown"})
        attempts = attempts.create(
            [
                {
                    "move_id": s.move.id,
                    "number": str(s.payload.number),
                    "update": s.payload.update,
                    "state": "pending",
                }
                for s in sendings
            ]
        )
        for sending, attempt in zip(sendings, attempts, strict=True):
            sending.attempt = attempt
        moves._directo_write_states(
            {
                s.move.id: {
                    "directo_state": "sending",
                    "directo_number": s.payload.number,
                    "directo_document": (
                        s.document_before if holds_ours(s.document_before) else MAYBE
                    ),
                    "directo_retry_at": False,
                }
                for s in sendings
            }
        )
        self._commit()

    def _still_ours(self, chunk):
        """Right before a request, in a fresh transaction: the invoices of ``chunk`` whose
        lease is still this export's (renewed and committed); the others are dropped.

        Earlier requests of the same export may have taken longer than a lease; another
        worker may then have taken an invoice over, and it alone sends it now.
        """
        attempts = self.env["directo.export.attempt"].sudo()
        moves = self.env["account.move"].browse([s.move.id for s in chunk])
        locked = self._lock(moves)
        attempts.flush_model()
        self.env.cr.execute(
            """UPDATE directo_export_attempt SET write_date = (now() at time zone 'UTC')
                WHERE id IN %s AND state = 'pending' AND move_id IN %s RETURNING id""",
            [tuple(s.attempt.id for s in chunk), tuple(locked.ids or [0])],
        )
        renewed = {row[0] for row in self.env.cr.fetchall()}
        attempts.invalidate_model(["write_date"])
        self._commit()
        dropped = [s.move.name for s in chunk if s.attempt.id not in renewed]
        if dropped:
            _logger.info("Directo export: taken over by another worker: %s", dropped)
        return [s for s in chunk if s.attempt.id in renewed]

    def _put(self, client, chunk, logged):
        """One ``put_invoices`` call; sets each sending's result, failure and exchange."""
        payloads = [s.payload for s in chunk]
        error = None
        try:
            results = client.put_invoices(payloads)
        except DirectoBatchError as batch_error:
            error, results = batch_error, batch_error.results
        except DirectoError as other:
            error, results = other, []
        failure = transport_failure(error)
        if len(results) != len(payloads):
            # No answer per document: ``detail`` (below) says why, in the user's language.
            results = [PutResult(p.number, None, "") for p in payloads]
        carried = _exchanges_by_number(logged, payloads, error)
        unsent = set(getattr(error, "unsent_numbers", None) or ())
        detail = self._error_detail(chunk[0].move.company_id, error) if error is not None else ""
        for sending, result in zip(chunk, results, strict=True):
            sending.result = result
            sending.exchange = carried.get(sending.payload.number)
            sending.failure = failure
            sending.detail = detail
            if sending.payload.number in unsent:
                # A later request of the same call never left Odoo.
                sending.failure = TransportFailure.NOT_SENT
                sending.exchange = None

    @staticmethod
    def _error_detail(company, error):
        """A refused feed is named (what to ask Directo); other errors as they are."""
        if isinstance(error, DirectoNotActivated):
            return company._directo_diagnose(error, False)
        return error.translated(company.env._)

    # ------------------------------------------------------------------ answers

    def _apply(self, sendings, report, user):
        """Record each invoice's outcome and attempt (committed first, in a transaction of
        their own); then one note + activity per new failure, which may fail without
        changing what was recorded."""
        if not sendings:
            return
        states, attempts, notes = {}, [], {}
        failed = self.env["account.move"]
        for sending in sendings:
            move = sending.move
            outcome = self._outcome(sending)
            message = outcome.message.translated(self.env._) if outcome.message else None
            states[move.id] = {
                "directo_state": outcome.state,
                "directo_document": outcome.document or False,
                "directo_error": message if outcome.state != SENT else False,
                "directo_retry_at": False,
            }
            attempts.append((sending, outcome.state, message))
            sending.message = message
            # Explained further by _diagnose, which then notes and reports it.
            sending.to_diagnose = outcome.state == FAILED and diagnosable(sending.result)
            if outcome.state == SENT:
                report.sent |= move
            else:
                failed |= move
                report.failed |= move
                if sending.to_diagnose:
                    continue
                report.errors.append(message)
                if sending.error_before != message:
                    notes[move.id] = message
        moves = self.env["account.move"].browse(list(states))

        def record():
            self._write_attempts(attempts)
            self._schedule_retries(states, notes)
            moves._directo_write_states(states)

        self._transaction(record)
        attention = moves.filtered(lambda m: states[m.id]["directo_state"] == "attention")
        self._follow_up(notes, failed, moves - failed, attention, user)

    def _follow_up(self, notes, failed, sent, changed, user):
        """What an answer changes beyond the addon's own rows: chatter notes, activities
        (which notify users and may touch partners), each part in a transaction of its
        own that may fail without changing what was recorded. ``changed``: invoices whose
        open activity must show their new error."""
        self._transaction(lambda: self._log_notes(notes), optional=True)
        self._transaction(lambda: failed._directo_schedule_activities(user), optional=True)
        self._transaction(lambda: changed._directo_update_activity_notes(), optional=True)
        self._transaction(lambda: sent._directo_close_activities(), optional=True)

    def _schedule_retries(self, states, notes):
        """Lost answers: when the job sends the invoice again (as an update), or, after the
        company's limit of lost answers in a row, *Needs attention* with what was tried."""
        unknown = [move_id for move_id, vals in states.items() if vals["directo_state"] == UNKNOWN]
        if not unknown:
            return
        intervals = parse_intervals(
            self.env["ir.config_parameter"].sudo().get_param(RETRY_INTERVALS_PARAM)
        )
        now = fields.Datetime.now()
        for move, tried in self._lost_in_a_row(unknown).items():
            limit = move.company_id.directo_retry_limit
            retry_at = next_retry(tried["count"], now, intervals, limit)
            if retry_at:
                states[move.id]["directo_retry_at"] = retry_at
                continue
            message = self.env._(
                "Directo's answer for invoice %(move)s was lost %(count)s times in a row "
                "(from %(first)s to %(last)s); Odoo stopped sending it. Check in Directo "
                "whether invoice %(number)s exists and is right, then use 'Export to "
                "Directo' on this invoice: it updates number %(number)s, never creates a "
                "second invoice. Each attempt is listed in the Directo tab.",
                move=move.name,
                count=tried["count"],
                first=tried["first"],
                last=tried["last"],
                number=move.directo_number,
            )
            states[move.id].update(directo_state="attention", directo_error=message)
            notes[move.id] = message

    def _lost_in_a_row(self, move_ids):
        """{move: {count, first, last}}: the answers lost in a row, the latest included
        (attempts already written), with when the first and the last of them were sent.
        One query for the batch."""
        self.env["directo.export.attempt"].flush_model()
        self.env.cr.execute(
            """SELECT move_id, array_agg(state ORDER BY id DESC),
                      array_agg(create_date ORDER BY id DESC)
                 FROM directo_export_attempt WHERE move_id IN %s GROUP BY move_id""",
            [tuple(move_ids)],
        )
        lost = {}
        moves = self.env["account.move"].browse(move_ids)
        for move_id, states, dates in self.env.cr.fetchall():
            count = next((i for i, state in enumerate(states) if state != UNKNOWN), len(states))
            lost[moves.browse(move_id)] = {
                "count": max(count, 1),
                "first": self._format_datetime(dates[max(count, 1) - 1]),
                "last": self._format_datetime(dates[0]),
            }
        return lost

    def _format_datetime(self, value):
        """In the reader's language and time zone (the context of the export)."""
        return format_datetime(self.env, value, dt_format="short")

    def _log_notes(self, notes):
        """One chatter note per new failure; a retry failing the same way adds nothing."""
        if notes:
            self.env["account.move"].browse(list(notes))._message_log_batch(
                {
                    move_id: Markup("<p><b>%s</b></p><p>%s</p>")
                    % (self.env._("Directo export"), note)
                    for move_id, note in notes.items()
                }
            )

    def _outcome(self, sending):
        result, move = sending.result, sending.move
        culprits = ()
        if result.type_code == 31:
            culprits = tuple(
                dict.fromkeys(
                    describe_use(use).translated(self.env._)
                    for use in named_uses(sending.prep.uses, result.desc)
                )
            )
        return invoice_outcome(
            result,
            document=sending.document_before,
            confirm=sending.payload.confirm,
            invoice=move.name,
            journal=move.journal_id.name,
            culprits=culprits,
            failure=sending.failure,
            detail=sending.detail,
        )

    # ------------------------------------------------------------------ explanations

    def _diagnose(self, sendings, report):
        """Explain the refusals of ``sendings`` (already applied and committed) down to
        the record and field to fix, then note and report them.

        Odoo's copy of the company's Directo registers is brought up to date first: a
        constant number of requests (clients, articles, objects), at most once a minute,
        however many invoices were refused.
        """
        refused = [s for s in sendings if s.to_diagnose]
        if not refused:
            return
        company = refused[0].move.company_id
        codes = {use.code for sending in refused for use in sending.prep.uses}
        Register = self.env["directo.register"].sudo()
        try:
            with self.env.cr.savepoint():
                Register._directo_for(company)._directo_refresh()
                views = Register._directo_views(company, codes)
        except Exception:  # the outcome is written: never lose it over an explanation
            _logger.exception("Directo export: explaining refusals failed")
            views = {}
        errors, notes = {}, {}
        for sending in refused:
            diagnosis = refusal_diagnosis(
                sending.result,
                invoice=sending.move.name,
                uses=sending.prep.uses,
                registers=views,
            )
            message = diagnosis.translated(self.env._) if diagnosis else sending.message
            report.errors.append(message)
            if message != sending.message:
                errors[sending] = message
            if sending.error_before != message:
                notes[sending.move.id] = message
        moves = self.env["account.move"].browse([s.move.id for s in errors])

        def record():
            moves._directo_write_states(
                {s.move.id: {"directo_error": message} for s, message in errors.items()}
            )
            self._write_attempt_messages(errors)

        if errors:
            self._transaction(record)
        none = moves.browse()
        self._follow_up(notes, none, none, moves, None)

    def _write_attempt_messages(self, messages):
        records = (
            self.env["directo.export.attempt"]
            .sudo()
            .browse([sending.attempt.id for sending in messages])
        )
        records.flush_recordset()
        records._write_multi([{"message": message} for message in messages.values()])
        records.invalidate_recordset(flush=False)

    def _write_attempts(self, attempts):
        """Fill the pending attempts with Directo's answer, one UPDATE for the batch.
        (Invoices that never left Odoo, e.g. the company is not connected, have none.)"""
        attempts = [item for item in attempts if item[0].attempt]
        if not attempts:
            return
        records = (
            self.env["directo.export.attempt"]
            .sudo()
            .browse([sending.attempt.id for sending, _state, _message in attempts])
        )
        records.flush_recordset()
        records._write_multi(
            [
                {
                    "state": state,
                    "type_code": sending.result.type_code,
                    "description": sending.result.desc or None,
                    "message": message or None,
                    "exchange_id": sending.exchange.id if sending.exchange else None,
                }
                for sending, state, message in attempts
            ]
        )
        records.invalidate_recordset(flush=False)


def _exchanges_by_number(logged, payloads, error):
    """{invoice number: the directo.exchange of the request that carried it}.

    ``logged`` holds the requests of one ``put_invoices`` call (emptied here). An answered
    request names its documents in its results; a request without a usable answer carried
    the batch in flight (``failed_numbers``). Invoices never sent get no exchange.
    """
    links = {}
    unsent = set(getattr(error, "unsent_numbers", None) or ())
    for exchange, record in logged:
        numbers = [result.number for result in exchange.results]
        if not numbers:
            numbers = list(getattr(error, "failed_numbers", None) or ()) or [
                p.number for p in payloads if p.number not in links and p.number not in unsent
            ]
        for number in numbers:
            links[number] = record
    logged.clear()
    return links


class DirectoSendReport:
    """What one export did, for the notification shown to the user."""

    def __init__(self, env):
        self.env = env
        empty = env["account.move"]
        self.sent = empty
        self.failed = empty
        self.busy = empty
        self.problems = []
        self.errors = []

    def merge(self, other):
        self.sent |= other.sent
        self.failed |= other.failed
        self.busy |= other.busy
        self.problems.extend(other.problems)
        self.errors.extend(other.errors)

    def message(self, env=None):
        """(text, notification type) summarising the export, in ``env``'s language."""
        env = env or self.env
        parts = []
        if self.sent:
            parts.append(env._("%(count)s invoice(s) sent to Directo.", count=len(self.sent)))
        if self.failed:
            parts.append(
                env._("%(count)s invoice(s) failed:", count=len(self.failed))
                + "\n"
                + "\n".join(self.errors[:10])
            )
        if self.busy:
            parts.append(
                env._(
                    "%(count)s invoice(s) skipped: someone else is exporting them right now "
                    "(%(names)s).",
                    count=len(self.busy),
                    names=", ".join(self.busy.mapped("name")[:10]),
                )
            )
        if self.problems:
            parts.append(
                env._("Not sent:") + "\n" + "\n".join(p.message for p in self.problems[:10])
            )
        if not parts:
            parts.append(env._("Nothing to send to Directo."))
        bad = self.failed or self.problems or self.busy
        return "\n\n".join(parts), "warning" if bad else "success"
