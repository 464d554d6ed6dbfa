# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Export of posted customer invoices and credit notes to Directo: the invoice's side.

The fields, the buttons, the guards (reset, cancel) and the scheduled action live here;
the mapping is ``directo.invoice.mapper``, the sending ``directo.invoice.export``.

``directo_state`` is the one export state (README "Export states" has the diagram):

* ``to_send``  posted, waiting for an export;
* ``sending``  handed to the sender, or carried by a request in flight: Directo may have it;
* ``sent``     Directo answered Type 0/30 for this very document (its docid);
* ``unknown``  the request got no answer for it: sent again automatically, as an update,
               at ``directo_retry_at`` (growing intervals, ``xmldirect.retry``);
* ``attention`` the answer was lost too many times in a row: a person checks Directo and
               exports it again (an update of the same number);
* ``failed``   Directo definitely did not book it; ``directo_error`` says what to fix.

Only the export writes these fields (:data:`EXPORT_STATE_FIELDS`): ``create`` and ``write``
refuse them from anyone else, RPC and imports included; the export writes them through
:meth:`AccountMove._directo_write_states`, whose context marker is a Python object that no
RPC call can carry.

``directo_document`` is what Directo holds under ``directo_number`` (a fact, not a state):
``maybe`` / ``draft`` / ``confirmed`` (ours), or ``taken`` (a document that is not ours).
While Directo holds ours the number is frozen: a rename or a prefix change after the first
send does not change it.
"""

import logging
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..notification import notification_action
from ..row_locks import lock_rows_quietly
from ..xmldirect import RuleError, directo_invoice_number
from ..xmldirect.outcome import CONFIRMED, DRAFT, MAYBE, TAKEN, holds_ours
from .directo_invoice_export import DirectoSendReport
from .directo_invoice_mapper import EXPORT_MOVE_TYPES

_logger = logging.getLogger(__name__)

EXPORT_ACTIVITY_TYPE = "directo_connector.mail_activity_type_export_failed"
# Fields that decide what is sent to Directo and how, or record Directo's answers.
EXPORT_STATE_FIELDS = frozenset(
    {
        "directo_state",
        "directo_number",
        "directo_document",
        "directo_error",
        "directo_retry_at",
        "directo_attempt_ids",
        "directo_payment_state",
        "directo_amount_paid",
        "directo_last_payment_date",
        "directo_amount_total",
    }
)
# The export's own writes carry this very object in their context (identity is checked:
# a JSON-RPC call can set the key, never this value).
_EXPORT_WRITE_KEY = "directo_export_write"
_EXPORT_WRITE = object()
# Selections this small stay sent within the user's request (write-ahead committed, so a
# killed request loses nothing); larger ones go to the background job at once.
DEFAULT_SYNC_LIMIT = 20


class AccountMove(models.Model):
    _inherit = "account.move"

    directo_state = fields.Selection(
        [
            ("to_send", "To send"),
            ("sending", "Sending"),
            ("sent", "Sent"),
            ("unknown", "Unknown outcome"),
            ("attention", "Needs attention"),
            ("failed", "Failed"),
        ],
        string="Directo Status",
        copy=False,
        index=True,
        readonly=True,
        help="To send: waiting for an export. Sending: on its way, Directo may have it. "
        "Sent: Directo accepted it. Unknown outcome: Directo's answer was lost; it is sent "
        "again automatically as an update of the same number. Needs attention: the answer "
        "was lost too many times in a row; check Directo, then export it again. Failed: "
        "Directo did not book it, see the Directo error.",
    )
    directo_retry_at = fields.Datetime(
        string="Next Automatic Try",
        copy=False,
        readonly=True,
        help="When the scheduled export sends this invoice again after a lost answer (as an "
        "update of the same number).",
    )
    directo_number = fields.Integer(
        copy=False,
        index=True,
        readonly=True,
        help="Invoice number in Directo, decided at the first send and kept for every "
        "later send of this invoice.",
    )
    directo_document = fields.Selection(
        [
            (MAYBE, "Maybe (answer lost)"),
            (DRAFT, "Draft"),
            (CONFIRMED, "Confirmed"),
            (TAKEN, "Number taken by another document"),
        ],
        string="In Directo",
        copy=False,
        readonly=True,
        help="What Directo holds under the Directo number: this invoice (maybe, as a draft, "
        "confirmed), or another document with the same number.",
    )
    directo_error = fields.Text(copy=False, readonly=True)
    directo_attempt_ids = fields.One2many(
        "directo.export.attempt", "move_id", string="Directo History", readonly=True
    )
    directo_number_note = fields.Char(compute="_compute_directo_number_note")

    # Paid status (issue: paid status from Directo)
    directo_payment_state = fields.Selection(
        # Worded apart from Odoo's own payment status, which is shown next to it.
        [
            ("not_paid", "Not paid in Directo"),
            ("partial", "Partially paid in Directo"),
            ("paid", "Paid in Directo"),
        ],
        string="Directo Payment Status",
        compute="_compute_directo_payment_state",
        store=True,
        copy=False,
        index=True,
        readonly=True,
    )
    directo_amount_paid = fields.Monetary(
        string="Paid in Directo", copy=False, readonly=True, currency_field="currency_id"
    )
    directo_last_payment_date = fields.Date(
        string="Last Directo Payment", copy=False, readonly=True
    )
    directo_payment_error = fields.Text(
        string="Directo Payment Registration Error",
        copy=False,
        readonly=True,
        help="Why the last attempt to register the Directo payment in Odoo failed. The "
        "scheduled action retries only when Directo's amount changes; 'Fetch paid status "
        "now' in Settings retries at once.",
    )

    # Directo-only data of the rows (their resource) stays editable after posting, until
    # Directo holds the invoice.
    directo_held = fields.Boolean(
        compute="_compute_directo_held",
        help="Directo holds this invoice (it was sent, or Directo may have stored it): "
        "what was sent with it is no longer changed in Odoo alone.",
    )
    directo_export_enabled = fields.Boolean(related="company_id.directo_invoice_export")
    directo_row_ids = fields.One2many(
        "account.move.line",
        "move_id",
        string="Rows Sent to Directo",
        domain=[("display_type", "=", "product")],
    )

    # Directo's amount of the invoice (the receipts' invoice sum), compared with Odoo's.
    directo_amount_total = fields.Monetary(
        string="Amount in Directo",
        copy=False,
        readonly=True,
        currency_field="currency_id",
        help="The invoice's amount as Directo reports it on the receipts paying it (their "
        "invoice sum). Empty until a receipt names the invoice.",
    )
    directo_amount_differs = fields.Boolean(
        compute="_compute_directo_amount_differs",
        store=True,
        index=True,
        copy=False,
        help="Directo's amount of this invoice is not Odoo's total: Directo booked other "
        "amounts (e.g. another VAT code or rate). Correct the invoice in Directo or in Odoo.",
    )

    @api.depends("directo_amount_total", "amount_total", "currency_id")
    def _compute_directo_amount_differs(self):
        for move in self:
            move.directo_amount_differs = bool(move.directo_amount_total) and bool(
                move.currency_id.compare_amounts(move.directo_amount_total, move.amount_total)
            )

    @api.depends("directo_document")
    def _compute_directo_held(self):
        for move in self:
            move.directo_held = holds_ours(move.directo_document)

    @api.depends("directo_document")
    def _compute_directo_payment_state(self):
        """Empty until Directo has something to say: the first read of receipts after the
        invoice reached Directo sets it (``directo.receipt.line``), 'Not paid in Directo'
        included. Sending alone never shows "not paid in Directo"."""
        for move in self:
            state = move.directo_payment_state
            if state == "not_paid" and not move.directo_held:
                # Directo refused the send that may have stored it: nothing to be paid there.
                state = False
            move.directo_payment_state = state

    @api.depends("directo_number", "directo_document", "name", "journal_id")
    def _compute_directo_number_note(self):
        for move in self:
            note = False
            if move.directo_number and move._directo_number_is_frozen():
                try:
                    current = move._directo_number_from_name()
                except RuleError:
                    current = None
                if current != move.directo_number:
                    note = self.env._(
                        "Directo keeps number %(number)s: the invoice was renamed (or its "
                        "journal's prefix changed) after it was first sent, and Directo "
                        "knows it by that number.",
                        number=move.directo_number,
                    )
            move.directo_number_note = note

    # ------------------------------------------------------------------ numbers

    def _directo_number_is_frozen(self):
        """Directo holds (or may hold) this invoice under ``directo_number``."""
        self.ensure_one()
        return holds_ours(self.directo_document)

    def _directo_number_from_name(self):
        """The number a first send uses; raises :class:`RuleError`."""
        self.ensure_one()
        return directo_invoice_number(
            self.name or "", self.journal_id._directo_prefix(self.move_type)
        )

    def _directo_number_or_none(self):
        self.ensure_one()
        if self.directo_number and self._directo_number_is_frozen():
            return self.directo_number
        try:
            return self._directo_number_from_name()
        except RuleError:
            return None

    # ------------------------------------------------------------------ posting, reset

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        to_send = posted.filtered(
            lambda m: m.move_type in EXPORT_MOVE_TYPES and m.company_id.directo_invoice_export
        )
        if to_send:
            to_send._directo_write_states(
                dict.fromkeys(
                    to_send.ids,
                    {"directo_state": "to_send", "directo_error": False, "directo_retry_at": False},
                )
            )
            if to_send.company_id.filtered("directo_auto_export"):
                self._directo_trigger_job()
        return posted

    def _check_draftable(self):
        """Reset to draft (and cancel, which resets first) of an invoice Directo holds."""
        result = super()._check_draftable()
        self._directo_check_changeable()
        return result

    def _directo_check_changeable(self):
        """Refuse leaving 'posted' while Directo holds the invoice confirmed, or while a
        request carries it."""
        confirmed = self.filtered(lambda m: m.directo_document == CONFIRMED)
        if confirmed:
            raise UserError(
                self.env._(
                    "%(moves)s is confirmed in Directo (number %(numbers)s) and cannot be "
                    "changed there any more. Correct it with a credit note instead.",
                    moves=", ".join(confirmed.mapped("name")),
                    numbers=", ".join(str(n) for n in confirmed.mapped("directo_number")),
                )
            )
        sending = self.filtered(lambda m: m.directo_state == "sending")
        in_flight = self.env["directo.invoice.export"]._in_flight(sending)
        if in_flight:
            raise UserError(
                self.env._(
                    "%(moves)s is being sent to Directo right now. Wait for Directo's answer "
                    "before changing it.",
                    moves=", ".join(in_flight.mapped("name")),
                )
            )

    # ------------------------------------------------------------------ state guard

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._directo_check_state_write(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._directo_check_state_write(vals)
        # Exports write these rows too (see row_locks).
        lock_rows_quietly(self.filtered("directo_state"))
        if vals.get("state") and vals["state"] != "posted":
            # Every way out of 'posted' (button_draft, button_cancel, a plain write over
            # RPC) meets the same guard.
            self.filtered(lambda m: m.state == "posted")._directo_check_changeable()
        return super().write(vals)

    def _directo_check_state_write(self, vals):
        forged = EXPORT_STATE_FIELDS.intersection(vals)
        if not forged or self.env.context.get(_EXPORT_WRITE_KEY) is _EXPORT_WRITE:
            return
        labels = [self._fields[name]._description_string(self.env) for name in sorted(forged)]
        moves = ", ".join(self.mapped("display_name")[:10]) or self.env._("a new invoice")
        raise UserError(
            self.env._(
                "%(fields)s of %(moves)s can only be set by the export to Directo and by "
                "Directo's answers. Use 'Export to Directo' on the invoice instead.",
                fields=", ".join(labels),
                moves=moves,
            )
        )

    def button_cancel(self):
        held = self.filtered(lambda m: m.state == "posted" and holds_ours(m.directo_document))
        result = super().button_cancel()
        for move in held:
            move.message_post(
                body=self.env._(
                    "Cancelled in Odoo only: Directo still holds draft invoice %(number)s. "
                    "Odoo never deletes documents in Directo; delete it there if it should "
                    "go, or reset this invoice to draft and post it again to update it.",
                    number=move.directo_number,
                )
            )
        return result

    # ------------------------------------------------------------------ user actions

    def action_directo_export(self):
        """Form button / list action: check everything, then send or show the problems."""
        return self._directo_export_action(resend=False)

    def action_directo_resend(self):
        """Re-send a Directo draft with the current content (``xd_update=1``)."""
        return self._directo_export_action(resend=True)

    def action_directo_replace(self):
        """Form button / list action for invoices whose number Directo reported as taken:
        ask for confirmation (naming the numbers), then replace Directo's document."""
        moves = self._directo_selection().filtered(lambda m: m.directo_document == TAKEN)
        if not moves:
            raise UserError(
                self.env._(
                    "None of the selected invoices has a number that Directo reported as taken."
                )
            )
        return self.env["directo.replace.wizard"]._open_for(moves)

    def _directo_replace_confirmed(self):
        """The user confirmed these numbers are theirs: Directo's document becomes this
        invoice's (an update of the same number)."""
        self._directo_check_export_access()
        self.filtered(lambda m: m.directo_document == TAKEN)._directo_write_states(
            {move.id: {"directo_document": MAYBE} for move in self}
        )
        return self._directo_export_action(resend=True)

    def _directo_selection(self):
        moves = self or self.browse(self.env.context.get("active_ids", []))
        if not moves:
            raise UserError(self.env._("Select the invoices to export to Directo first."))
        return moves

    def _directo_export_action(self, resend):
        moves = self._directo_selection()
        moves._directo_check_export_access()
        prepared = self.env["directo.invoice.mapper"]._prepare(moves, resend=resend)
        if any(prep.problems for prep in prepared):
            return self.env["directo.export.wizard"]._open_for(prepared, resend=resend)
        return moves._directo_hand_over(resend=resend)

    def _directo_hand_over(self, resend=False):
        """Send a small selection now, hand a large one to the background job."""
        export = self.env["directo.invoice.export"]
        if len(self) <= export._param("directo_connector.export_sync_limit", DEFAULT_SYNC_LIMIT):
            report = export._send(self, resend=resend, user=self.env.user)
            text, kind = report.message()
            return notification_action(
                self.env._("Export to Directo"), text, kind, sticky=kind != "success"
            )
        queued = self - export._in_flight(self)
        queued._directo_write_states(dict.fromkeys(queued.ids, {"directo_state": "sending"}))
        self._directo_trigger_job()
        return notification_action(
            self.env._("Export to Directo"),
            self.env._(
                "%(count)s invoice(s) are being sent to Directo in the background. You will "
                "be notified when Directo has answered; the invoices show 'Sending' meanwhile.",
                count=len(queued),
            ),
            "info",
        )

    def _directo_check_export_access(self):
        """Refuse, before anything is sent, a user who could not record the result.

        Buttons are public methods, callable over RPC by anyone who can read invoices. A
        user without write access would get the invoice booked in Directo and then an
        AccessError that rolls back every trace of it in Odoo.
        """
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._(
                    "%(user)s cannot export invoices to Directo: this needs the access "
                    "right 'Invoicing' (or higher) of Accounting in Settings > Users.",
                    user=self.env.user.name,
                )
            )
        try:
            self.check_access("write")
        except AccessError as error:
            raise AccessError(
                self.env._(
                    "%(user)s cannot export %(moves)s to Directo: exporting records the "
                    "result on the invoices, and %(user)s may not change them. (%(detail)s)",
                    user=self.env.user.name,
                    moves=", ".join(self.mapped("name")[:10]),
                    detail=error.args[0] if error.args else "",
                )
            ) from error

    # ------------------------------------------------------------------ state writes

    def _directo_needs_sending(self):
        """Still waiting for Directo (checked again once locked)."""
        self.ensure_one()
        retry_due = not self.directo_retry_at or self.directo_retry_at <= fields.Datetime.now()
        return (
            self.state == "posted"
            and self.directo_state in ("to_send", "sending", "unknown")
            and (self.directo_state != "unknown" or retry_due)
            and self.directo_document != CONFIRMED
        )

    def _directo_write_states(self, vals_by_id):
        """Write export results of many invoices in a few queries, not one
        ``account.move.write`` per invoice.

        The state and the Directo document go through ``write``, once per distinct set of
        values (most invoices of a batch share one outcome). What differs per invoice
        (number, error text) is stored with one UPDATE for the batch. Neither touches the
        accounting: no line sync, no balance check, no "manually modified". The state is
        not tracked in the chatter: a tracking message costs queries per invoice, and the
        Directo tab's history records every attempt with Directo's answer.

        The one path that writes :data:`EXPORT_STATE_FIELDS` (private: not callable over
        RPC); its low-level write touches only these fields of the addon.
        """
        moves = self.with_context(
            check_move_validity=False,
            skip_invoice_sync=True,
            skip_is_manually_modified=True,
            **{_EXPORT_WRITE_KEY: _EXPORT_WRITE},
        )
        lock_rows_quietly(moves.browse(list(vals_by_id)))
        grouped = ("directo_state", "directo_document")
        groups = defaultdict(list)
        own = {}
        for move_id, vals in vals_by_id.items():
            key = tuple(sorted((f, v) for f, v in vals.items() if f in grouped))
            if key:
                groups[key].append(move_id)
            rest = {f: v for f, v in vals.items() if f not in grouped}
            if rest:
                own[move_id] = rest
        for key, move_ids in groups.items():
            moves.browse(move_ids).write(dict(key))
        if not own:
            return
        records = moves.browse(list(own))
        # The low-level write bypasses the cache: flush what is pending first, drop the
        # stale values after. NULL for "no value" (False would be cast to text 'false').
        records.flush_recordset()
        records._write_multi(
            [{f: value or None for f, value in own[record.id].items()} for record in records]
        )
        fnames = {f for vals in own.values() for f in vals}
        records.invalidate_recordset([*fnames, "write_uid", "write_date"], flush=False)

    # ------------------------------------------------------------------ activities

    def _directo_activity_user(self, user):
        self.ensure_one()
        if user and not user._is_superuser() and not user._is_public():
            return user
        return self.invoice_user_id or self.create_uid

    def _directo_activity_type(self):
        """The addon's activity type; Odoo's "To-Do" when an administrator deleted it."""
        return (
            self.env.ref(EXPORT_ACTIVITY_TYPE, raise_if_not_found=False)
            or self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
            or self.env["mail.activity.type"]
        )

    def _directo_lock_for_notifications(self, users):
        """Notifying users of an activity writes the invoices (portal token), their
        clients and the users' partners (sign-up data), rows that users posting invoices
        of the same client write too: lock them first (see row_locks)."""
        lock_rows_quietly(self)
        lock_rows_quietly(self.partner_id | self.commercial_partner_id | users.partner_id)

    def _directo_schedule_activities(self, user):
        if not self:
            return
        user = user or self.env.user
        # Matched by type: a summary is translated and editable. No summary is stored,
        # so each reader sees the type's name in their own language.
        activity_type = self._directo_activity_type()
        vals_list = []
        model_id = self.env["ir.model"]._get_id(self._name)
        for move in self:
            assignee = move._directo_activity_user(user)
            open_ones = move.activity_ids.filtered(
                lambda a, assignee=assignee: (
                    a.activity_type_id == activity_type and a.user_id == assignee
                )
            )
            if open_ones:
                continue  # one reminder per user, not one per retry
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": move.id,
                    "activity_type_id": activity_type.id,
                    "note": escape(move.directo_error or ""),
                    "user_id": assignee.id,
                    "date_deadline": fields.Date.context_today(self),
                }
            )
        if vals_list:
            assignees = self.env["res.users"].browse({vals["user_id"] for vals in vals_list})
            self._directo_lock_for_notifications(assignees)
            self.env["mail.activity"].sudo().create(vals_list)

    def _directo_update_activity_notes(self):
        """The open "Directo export failed" activities of these invoices show their current
        error (after a refusal was explained further or the invoice needs attention): one
        ``write`` per distinct error, through mail's own logic."""
        activity_type = self._directo_activity_type()
        activities = self.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        ).sudo()
        by_error = defaultdict(lambda: activities.browse())
        errors = {move.id: move.directo_error or "" for move in self}
        for activity in activities:
            by_error[errors[activity.res_id]] |= activity
        for error, group in by_error.items():
            group.write({"note": escape(error)})

    def _directo_close_activities(self):
        if not self:
            return
        activity_type = self._directo_activity_type()
        activities = self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        if activities:
            self._directo_lock_for_notifications(activities.user_id)
            activities.sudo().action_feedback(feedback=self.env._("Exported to Directo."))

    # ------------------------------------------------------------------ background job

    @api.model
    def _directo_trigger_job(self):
        cron = self.env.ref("directo_connector.ir_cron_directo_export", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _cron_directo_export(self):
        """Send what waits: invoices handed over by a user (*Sending*), answers that were
        lost (*Unknown outcome* once its next try is due, or *Sending* left by a worker
        that died), and, for
        companies with 'Export automatically when posted', every invoice *To send*."""
        companies = self.env["res.company"].sudo().search([("directo_invoice_export", "=", True)])
        if not companies:
            return
        auto = companies.filtered("directo_auto_export")
        moves = self.search(
            [
                ("company_id", "in", companies.ids),
                ("move_type", "in", EXPORT_MOVE_TYPES),
                ("state", "=", "posted"),
                ("directo_document", "!=", CONFIRMED),
                "|",
                "|",
                ("directo_state", "=", "sending"),
                "&",
                ("directo_state", "=", "unknown"),
                "|",
                ("directo_retry_at", "=", False),
                ("directo_retry_at", "<=", fields.Datetime.now()),
                "&",
                ("directo_state", "=", "to_send"),
                ("company_id", "in", auto.ids),
            ],
            order="id",
        )
        if not moves:
            return
        requesters = moves.filtered(lambda m: m.directo_state == "sending").write_uid
        report = DirectoSendReport(self.env)
        # Errors, notes and activities in the language of the user they are meant for.
        by_lang = defaultdict(lambda: self.browse())
        for move in moves:
            by_lang[move.company_id._directo_lang(move._directo_activity_user(None))] |= move
        for lang, lang_moves in by_lang.items():
            part = self.with_context(lang=lang)._directo_send_in_batches(lang_moves)
            self.with_context(lang=lang)._directo_record_refusals(part.problems)
            report.merge(part)
        self._directo_notify(requesters, report)
        _logger.info(
            "Directo export job: %s sent, %s failed, %s refused by the checks",
            len(report.sent),
            len(report.failed),
            len(report.problems),
        )

    @api.model
    def _directo_send_in_batches(self, moves):
        export = self.env["directo.invoice.export"]
        report = DirectoSendReport(self.env)
        size = export._batch_size()
        for start in range(0, len(moves), size):
            # Each request is committed before and after it is sent (write-ahead): what
            # Directo answered is never lost if a later batch crashes the job.
            # A fresh transaction per batch: the lock then sees what other exports
            # committed since the search (and REPEATABLE READ raises no conflict).
            export._commit()
            report.merge(export._send(moves[start : start + size].with_env(export.env), quiet=True))
        return report

    @api.model
    def _directo_record_refusals(self, problems):
        """Invoices the checks refused in the background: record why, once, so someone
        can fix them (a note and an activity)."""
        refused = defaultdict(list)
        for problem in problems:
            refused[problem.move.id].append(problem.message)
        if not refused:
            return
        moves = self.browse(list(refused))
        bodies = {}
        for move in moves:
            if move.directo_error != "\n".join(refused[move.id]):
                bodies[move.id] = Markup("<p><b>%s</b></p><p>%s</p>") % (
                    self.env._("Directo export"),
                    Markup("<br/>").join(refused[move.id]),
                )
        moves._directo_write_states(
            {
                move_id: {"directo_state": "failed", "directo_error": "\n".join(messages)}
                for move_id, messages in refused.items()
            }
        )
        if bodies:
            self.browse(list(bodies))._message_log_batch(bodies)
        moves._directo_schedule_activities(None)

    @api.model
    def _directo_notify(self, users, report):
        """Tell the users who handed invoices over what Directo answered."""
        users = users.filtered(lambda u: not u._is_superuser() and not u._is_public())
        if not users or not (report.sent or report.failed or report.problems):
            return
        for user in users:
            text, kind = report.message(self.with_context(lang=user.lang).env)
            user._bus_send(
                "simple_notification",
                {
                    "title": self.env._("Export to Directo"),
                    "message": text,
                    "type": kind,
                    "sticky": kind != "success",
                },
            )
