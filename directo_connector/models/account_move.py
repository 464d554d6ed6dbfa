# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Export of posted customer invoices and credit notes to Directo.

One code path maps Odoo records to plain ``InvoicePayload`` objects:
:meth:`AccountMove._directo_prepare`. The pre-send checks (the problems dialog) and the
sender both call it, so what is checked is exactly what is sent. The business rules
(number, payment term days, resource and seller resolution) live in ``xmldirect.rules``.

Why the state machine looks the way it does:

* ``directo_number`` is written on every attempt: the Directo number is the idempotency
  key and must stay identical across re-sends.
* ``directo_stored`` means "Directo has, or may have, this number": the next export is an
  update (``xd_update=1``), never a blind create. It is set on success (draft), on
  Type 29 (saved, confirmation failed) and whenever the outcome is unknown (timeout,
  missing result in a partial answer).
* ``directo_confirmed`` means Directo booked it: any further export is refused before
  sending (Directo would answer Type 14).
"""

import logging
import threading
from collections import defaultdict
from decimal import Decimal

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_repr

from ..notification import notification_action
from ..xmldirect import (
    DirectoBatchError,
    DirectoError,
    DirectoNotActivated,
    DirectoRoutingError,
    DirectoTimeout,
    DirectoTokenRequired,
    DirectoTransientError,
    DirectoUnauthorized,
    InvoicePayload,
    InvoiceRowPayload,
    PutResult,
    Resource,
    RuleError,
    directo_invoice_number,
    payment_term_days,
    resolve_row_object,
    resolve_seller,
)

_logger = logging.getLogger(__name__)

EXPORT_MOVE_TYPES = ("out_invoice", "out_refund")
DEFAULT_BATCH_SIZE = 250
ACTIVITY_SUMMARY = "Directo export failed"
# Transport failures after which Directo certainly did not store anything.
_NOT_PROCESSED_ERRORS = (
    DirectoUnauthorized,
    DirectoNotActivated,
    DirectoTokenRequired,
    DirectoRoutingError,
)
# Type 1 with this Estonian word means "duplicate invoice" ("korduv arve").
_DUPLICATE_WORDS = ("korduv", "duplicate")


class DirectoNotSent(Exception):
    """Nothing left Odoo for this invoice (e.g. the company has no XML Direct key)."""


class DirectoProblem:
    """One reason why an invoice cannot be exported (shown in the problems dialog)."""

    __slots__ = ("line", "message", "move")

    def __init__(self, move, message, line=None):
        self.move = move
        self.line = line
        self.message = message


class DirectoPrepared:
    """Outcome of mapping one move: its payload (None if it has problems), the problems
    and which Odoo record each sent code came from (to explain Directo's Type 31)."""

    __slots__ = ("move", "payload", "problems", "sources")

    def __init__(self, move):
        self.move = move
        self.payload = None
        self.problems = []
        # code -> list of sentences naming the record that carries it
        self.sources = defaultdict(list)


def _decimal(value, digits):
    return Decimal(float_repr(value, digits))


def _resource(user):
    return Resource(user.name, user.directo_code) if user else None


class AccountMove(models.Model):
    _inherit = "account.move"

    # Export (issue: export invoices to Directo)
    directo_state = fields.Selection(
        [("to_send", "To send"), ("sent", "Sent"), ("failed", "Failed")],
        string="Directo Status",
        copy=False,
        index=True,
        readonly=True,
        tracking=True,
        help="To send: not (yet) in Directo. Sent: Directo answered success. "
        "Failed: Directo refused it, see the Directo error.",
    )
    directo_number = fields.Integer(
        copy=False,
        index=True,
        readonly=True,
        help="Invoice number in Directo (the number stays the same on every re-send).",
    )
    directo_error = fields.Text(copy=False, readonly=True)
    directo_exchange_id = fields.Many2one(
        "directo.exchange", string="Last Directo Exchange", copy=False, readonly=True
    )
    directo_confirmed = fields.Boolean(
        string="Confirmed in Directo",
        copy=False,
        readonly=True,
        help="Directo booked (confirmed) this invoice. It cannot be changed there any more, "
        "so it is not exported again.",
    )
    directo_stored = fields.Boolean(
        string="Stored in Directo",
        copy=False,
        readonly=True,
        help="Directo has (or, after a timeout, may have) a document with this number: "
        "the next export updates it (xd_update=1) instead of creating a new one.",
    )
    directo_duplicate = fields.Boolean(
        string="Number Taken in Directo",
        copy=False,
        readonly=True,
        help="Directo answered 'Duplicate': it already has a document with this number "
        "that Odoo never sent. 'Replace in Directo' overwrites it with this invoice.",
    )
    directo_outcome_unknown = fields.Boolean(
        copy=False,
        readonly=True,
        help="The last export got no answer for this invoice (timeout or partial answer). "
        "Directo may have stored it; the next export re-sends it as an update.",
    )

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

    @api.depends("directo_state", "directo_stored")
    def _compute_directo_held(self):
        for move in self:
            move.directo_held = move.directo_state == "sent" or move.directo_stored

    @api.depends("directo_stored")
    def _compute_directo_payment_state(self):
        """An invoice Directo holds starts as 'Not paid in Directo'; the receipts read
        from Directo set the rest (``directo.receipt.line``)."""
        for move in self:
            state = move.directo_payment_state
            if not state and move.directo_stored and move.move_type == "out_invoice":
                state = "not_paid"
            move.directo_payment_state = state

    # ------------------------------------------------------------------ posting

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        to_send = posted.filtered(
            lambda m: m.move_type in EXPORT_MOVE_TYPES and m.company_id.directo_invoice_export
        )
        if to_send:
            to_send.write({"directo_state": "to_send"})
            auto = to_send.company_id.filtered(lambda c: c.directo_auto_export)
            if auto:
                cron = self.env.ref(
                    "directo_connector.ir_cron_directo_export", raise_if_not_found=False
                )
                if cron:
                    cron._trigger()
        return posted

    # ------------------------------------------------------------------ mapping

    def _directo_prepare(self, resend=False):
        """Map every move of ``self`` to an ``InvoicePayload`` or to its problems.

        Returns a list of :class:`DirectoPrepared`, in the order of ``self``. This is the
        only place where Odoo records become Directo values; it reads everything through
        the recordset's prefetching, so the number of queries does not grow per invoice.
        """
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        discount_digits = self.env["decimal.precision"].precision_get("Discount")
        prepared = []
        for move in self:
            prep = DirectoPrepared(move)
            prepared.append(prep)
            move._directo_map(prep, resend, price_digits, qty_digits, discount_digits)
        self._directo_check_numbers(prepared)
        return prepared

    def _directo_map(self, prep, resend, price_digits, qty_digits, discount_digits):
        self.ensure_one()
        move = self
        company = move.company_id
        label = move.name or _("(draft invoice %s)", move.id)
        problems = prep.problems

        def problem(message, line=None):
            problems.append(DirectoProblem(move, message, line))

        # --- document-level checks
        if move.move_type not in EXPORT_MOVE_TYPES:
            problem(_("%(move)s is not a customer invoice or credit note.", move=label))
            return
        if move.state != "posted":
            state = dict(move._fields["state"]._description_selection(self.env))[move.state]
            problem(
                _(
                    "Invoice %(move)s is %(state)s: only posted invoices go to Directo. "
                    "Confirm it first.",
                    move=label,
                    state=state.lower(),
                )
            )
        if not company.directo_invoice_export:
            problem(
                _(
                    "Export to Directo is switched off for company %(company)s. Switch on "
                    "'Export Invoices to Directo' in Settings > Invoicing > Directo.",
                    company=company.name,
                )
            )
        if move.directo_confirmed:
            problem(
                _(
                    "Invoice %(move)s is already confirmed in Directo (number %(number)s) and "
                    "cannot be changed there any more. Correct it in Directo, e.g. with a "
                    "credit invoice.",
                    move=label,
                    number=move.directo_number,
                )
            )
        elif move.directo_state == "sent" and not resend:
            # Nothing changed since the last successful export (posting again resets
            # the state to "to send"): sending it again would only duplicate traffic.
            problem(
                _(
                    "Invoice %(move)s is already in Directo as number %(number)s and has not "
                    "changed since (post it again after a change, or use 'Re-send to "
                    "Directo' on the invoice).",
                    move=label,
                    number=move.directo_number,
                )
            )

        # --- number
        number = None
        try:
            number = directo_invoice_number(
                move.name or "", move.journal_id._directo_prefix(move.move_type)
            )
        except RuleError as error:
            problem(
                _(
                    "%(error)s Or set a Directo number prefix on journal %(journal)s "
                    "(Accounting > Configuration > Journals).",
                    error=error.translated(self.env._),
                    journal=move.journal_id.name,
                )
            )

        # --- client
        client = move.partner_id.commercial_partner_id
        client_code = (client.directo_code or "").strip()
        if not client_code:
            problem(
                _(
                    "Invoice %(move)s: client %(client)s has no Directo client code. Set it "
                    "on the client (Directo Client Code) or import the client from Directo.",
                    move=label,
                    client=client.display_name,
                )
            )
        else:
            prep.sources[client_code].append(
                _(
                    "client code %(code)s of client %(client)s",
                    code=client_code,
                    client=client.display_name,
                )
            )
        default_user = client.user_id
        default_resource = client.directo_default_resource_id

        # --- rows
        sign = -1 if move.move_type == "out_refund" else 1
        rows = []
        row_codes = []
        rn = 0
        for line in move.invoice_line_ids:
            if line.display_type != "product":
                continue  # sections and notes are not sent
            rn += 1
            row_label = _(
                "%(move)s row %(rn)s (%(name)s)",
                move=label,
                rn=rn,
                name=(line.name or line.product_id.display_name or "").split("\n")[0][:60],
            )
            row_ok = True
            product = line.product_id
            item = (product.directo_code or "").strip()
            if not product:
                row_ok = False
                problem(
                    _(
                        "%(row)s has no product. Directo needs an article code on every row: "
                        "choose a product that has a Directo Article Code.",
                        row=row_label,
                    ),
                    line,
                )
            elif not item:
                row_ok = False
                problem(
                    _(
                        "%(row)s: product %(product)s has no Directo Article Code. Set it on "
                        "the product or import the article from Directo.",
                        row=row_label,
                        product=product.display_name,
                    ),
                    line,
                )
            else:
                prep.sources[item].append(
                    _(
                        "article code %(code)s of product %(product)s (%(row)s)",
                        code=item,
                        product=product.display_name,
                        row=row_label,
                    )
                )
            taxes = line.tax_ids
            vatcode = None
            if not taxes:
                row_ok = False
                problem(
                    _(
                        "%(row)s has no tax. Directo needs exactly one VAT code per row: add "
                        "one tax that has a Directo VAT Code.",
                        row=row_label,
                    ),
                    line,
                )
            elif len(taxes) > 1:
                row_ok = False
                problem(
                    _(
                        "%(row)s has %(count)s taxes (%(taxes)s). Directo takes exactly one "
                        "VAT code per row: keep one tax on the row.",
                        row=row_label,
                        count=len(taxes),
                        taxes=", ".join(taxes.mapped("name")),
                    ),
                    line,
                )
            else:
                vatcode = (taxes.directo_code or "").strip()
                if not vatcode:
                    row_ok = False
                    problem(
                        _(
                            "%(row)s: tax %(tax)s has no Directo VAT Code. Set it under "
                            "Accounting > Configuration > Taxes > %(tax)s (Directo VAT Code).",
                            row=row_label,
                            tax=taxes.name,
                        ),
                        line,
                    )
                else:
                    prep.sources[vatcode].append(
                        _("VAT code %(code)s of tax %(tax)s", code=vatcode, tax=taxes.name)
                    )
            try:
                obj = resolve_row_object(
                    row_label,
                    _resource(line.directo_resource_id),
                    client.display_name,
                    _resource(default_resource),
                    client.directo_default_resource_is_user,
                    _resource(default_user),
                )
            except RuleError as error:
                row_ok = False
                obj = None
                problem(error.translated(self.env._), line)
            else:
                who = line.directo_resource_id or default_resource or default_user
                prep.sources[obj].append(
                    _(
                        "object code %(code)s of user %(user)s (%(row)s)",
                        code=obj,
                        user=who.name,
                        row=row_label,
                    )
                )
            row_codes.append(obj)
            if not row_ok:
                continue
            price = line.price_unit
            if taxes.price_include:
                price = taxes.compute_all(
                    price,
                    currency=move.currency_id,
                    quantity=1.0,
                    product=product,
                    partner=move.partner_id,
                )["total_excluded"]
            rows.append(
                InvoiceRowPayload(
                    item=item,
                    description=line.name or product.display_name,
                    quantity=_decimal(sign * line.quantity, qty_digits),
                    price=_decimal(price, price_digits),
                    discount=_decimal(line.discount, discount_digits) if line.discount else None,
                    vatcode=vatcode,
                    object=obj,
                    rn=rn,
                )
            )
        if not rn:
            problem(_("Invoice %(move)s has no invoice rows to send.", move=label))
        if problems or number is None:
            return
        seller = resolve_seller(_resource(default_user), row_codes)
        if seller and seller not in prep.sources:
            prep.sources[seller].append(
                _("salesman code %(code)s of user %(user)s", code=seller, user=default_user.name)
            )
        prep.payload = InvoicePayload(
            number=number,
            customercode=client_code,
            date=move.invoice_date,
            duedate=move.invoice_date_due,
            # Days between invoice and due date, as Uku sends it, unless the company's
            # Directo term codes are not day counts (see README).
            paymentterm=(
                str(payment_term_days(move.invoice_date, move.invoice_date_due))
                if company.directo_payment_term_mode == "days"
                else None
            ),
            currency=move.currency_id.name,
            salesman=seller,
            confirm=bool(company.directo_auto_confirm),
            rows=tuple(rows),
            # resend: the user explicitly asked to replace what Directo has.
            update=bool(move.directo_stored or resend),
        )

    def _directo_number_or_none(self):
        self.ensure_one()
        try:
            return directo_invoice_number(
                self.name or "", self.journal_id._directo_prefix(self.move_type)
            )
        except RuleError:
            return None

    @api.model
    def _directo_check_numbers(self, prepared):
        """Two invoices must never map to one Directo number (per company)."""
        by_key = defaultdict(list)
        for prep in prepared:
            move = prep.move
            number = prep.payload.number if prep.payload else move._directo_number_or_none()
            if number:
                by_key[(move.company_id.id, number)].append(prep)
        if not by_key:
            return
        # Invoices outside the selection that already hold one of these numbers.
        selected_ids = [prep.move.id for prep in prepared]
        holders = self.search_fetch(
            [
                ("directo_number", "in", list({number for _c, number in by_key})),
                ("company_id", "in", list({company for company, _n in by_key})),
                ("id", "not in", selected_ids),
            ],
            ["directo_number", "name", "company_id"],
        )
        taken = {(h.company_id.id, h.directo_number): h for h in holders}
        for (company_id, number), preps in by_key.items():
            holder = taken.get((company_id, number))
            for prep in preps:
                others = [p.move.name for p in preps if p is not prep]
                if holder:
                    others.insert(0, holder.name)
                if not others:
                    continue
                prep.problems.append(
                    DirectoProblem(
                        prep.move,
                        _(
                            "Invoice %(move)s maps to Directo number %(number)s, like "
                            "%(others)s. Directo numbers must be unique: set a different "
                            "Directo number prefix (or credit note prefix) on journal "
                            "%(journal)s (Accounting > Configuration > Journals).",
                            move=prep.move.name,
                            number=number,
                            others=", ".join(others),
                            journal=prep.move.journal_id.name,
                        ),
                    )
                )
                prep.payload = None

    # ------------------------------------------------------------------ user actions

    def action_directo_export(self):
        """Form button / list action: check everything, then send or show the problems."""
        return self._directo_export_action(resend=False)

    def action_directo_resend(self):
        """Re-send as an update (xd_update=1): invoices already in Directo as drafts, or
        whose number Directo reported as taken and the user confirms is this invoice."""
        return self._directo_export_action(resend=True)

    def _directo_export_action(self, resend):
        moves = self or self.browse(self.env.context.get("active_ids", []))
        if not moves:
            raise UserError(_("Select the invoices to export to Directo first."))
        moves._directo_check_export_access()
        prepared = moves._directo_prepare(resend=resend)
        if any(prep.problems for prep in prepared):
            return self.env["directo.export.wizard"]._open_for(prepared, resend=resend)
        return moves._directo_send(resend=resend)._directo_notification()

    def _directo_check_export_access(self):
        """Refuse, before anything is sent, a user who could not record the result.

        Buttons are public methods, callable over RPC by anyone who can read invoices. A
        user without write access would get the invoice booked in Directo and then an
        AccessError that rolls back every trace of it in Odoo.
        """
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                _(
                    "%(user)s cannot export invoices to Directo: this needs the Invoicing "
                    "access right 'Billing' (or higher) in Settings > Users.",
                    user=self.env.user.name,
                )
            )
        try:
            self.check_access("write")
        except AccessError as error:
            raise AccessError(
                _(
                    "%(user)s cannot export %(moves)s to Directo: exporting records the "
                    "result on the invoices, and %(user)s may not change them. (%(detail)s)",
                    user=self.env.user.name,
                    moves=", ".join(self.mapped("name")[:10]),
                    detail=error.args[0] if error.args else "",
                )
            ) from error

    # ------------------------------------------------------------------ sending

    def _directo_lock(self):
        """Lock the moves of ``self`` that nobody else is exporting right now.

        ``FOR NO KEY UPDATE SKIP LOCKED``: a second export of the same invoice running at
        the same moment (another user, the scheduled action) gets nothing for it instead of
        waiting and sending it a second time. Returns the locked moves.
        """
        if not self:
            return self
        self.flush_recordset()
        self.env.cr.execute(
            "SELECT id FROM account_move WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
            [tuple(self.ids)],
        )
        locked = self.browse(row[0] for row in self.env.cr.fetchall())
        # Values read before the lock may be stale: another export may just have committed.
        locked.invalidate_recordset()
        return self.filtered(lambda m: m in locked)

    def _directo_send(self, resend=False, user=None):
        """Send the exportable moves of ``self``; returns a :class:`DirectoSendReport`."""
        report = DirectoSendReport(self.env)
        locked = self._directo_lock()
        report.busy = self - locked
        prepared = locked._directo_prepare(resend=resend)
        ready = []
        for prep in prepared:
            if prep.payload:
                ready.append(prep)
            else:
                report.problems.extend(prep.problems)
        by_company = defaultdict(list)
        for prep in ready:
            by_company[prep.move.company_id].append(prep)
        batch_size = self._directo_batch_size()
        outcomes = {}
        for company, preps in by_company.items():
            # (client exchange, stored directo.exchange) of each request, in order.
            logged = []
            try:
                client = company._directo_client(
                    on_logged=lambda exchange, record, logged=logged: logged.append(
                        (exchange, record)
                    )
                )
            except UserError as error:
                not_sent = DirectoNotSent(error.args[0])
                for prep in preps:
                    result = PutResult(prep.payload.number, None, str(not_sent))
                    outcomes[prep.move.id] = (prep, result, None, not_sent, False)
                continue
            # Creates and updates travel in separate requests (xd_update is per request).
            # Grouped up front: a resolved Duplicate turns a create into an update.
            groups = [[p for p in preps if p.payload.update is update] for update in (False, True)]
            for group in groups:
                for start in range(0, len(group), batch_size):
                    chunk = group[start : start + batch_size]
                    self._directo_put_chunk(client, chunk, outcomes, logged)
        self._directo_apply(outcomes, report, user)
        return report

    def _directo_put_chunk(self, client, chunk, outcomes, logged):
        """Send ``chunk`` (one HTTP request unless the client splits it by size);
        Duplicates of invoices Directo already has from us are re-sent as updates."""
        payloads = [prep.payload for prep in chunk]
        results, error = self._directo_put(client, payloads)
        carried = self._directo_exchanges_by_number(logged, payloads, error)
        no_exchange = self.env["directo.exchange"]
        retry = []
        for prep, result in zip(chunk, results, strict=True):
            if self._directo_is_duplicate(result) and prep.move._directo_sent_before():
                retry.append(prep)
            else:
                exchange = carried.get(prep.payload.number, no_exchange)
                outcomes[prep.move.id] = (prep, result, exchange, error, False)
        if not retry:
            return
        # Directo already holds the number of an invoice we sent before (its answer was
        # lost, or our transaction recording it was rolled back): Odoo is the master of
        # this number, so the resolution is to update that document with our content.
        payloads = [self._directo_as_update(prep.payload) for prep in retry]
        results, error = self._directo_put(client, payloads)
        carried = self._directo_exchanges_by_number(logged, payloads, error)
        for prep, payload, result in zip(retry, payloads, results, strict=True):
            prep.payload = payload
            exchange = carried.get(payload.number, no_exchange)
            outcomes[prep.move.id] = (prep, result, exchange, error, True)

    @staticmethod
    def _directo_as_update(payload):
        values = {name: getattr(payload, name) for name in payload.__slots__}
        values["update"] = True
        return InvoicePayload(**values)

    @api.model
    def _directo_put(self, client, payloads):
        """``put_invoices`` that never raises: returns (results, transport error or None)."""
        try:
            return client.put_invoices(payloads), None
        except DirectoBatchError as error:
            results = error.results
            if len(results) != len(payloads):
                results = [PutResult(p.number, None, str(error)) for p in payloads]
            return results, error
        except DirectoError as error:
            return [PutResult(p.number, None, str(error)) for p in payloads], error
        except ValueError as error:
            # The codec refused a payload (should not happen after the checks).
            _logger.exception("Directo export: payload refused by the codec")
            return [PutResult(p.number, 17, str(error)) for p in payloads], None

    @staticmethod
    def _directo_exchanges_by_number(logged, payloads, error):
        """{invoice number: the directo.exchange of the request that carried it}.

        ``logged`` holds the requests of one ``put_invoices`` call (emptied here). An
        answered request names its documents in its results; a request without a usable
        answer carried the batch in flight (``failed_numbers``). Invoices never sent
        (``unsent_numbers``) get no exchange.
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

    @staticmethod
    def _directo_is_duplicate(result):
        if result.type_code == 11:
            return True
        desc = (result.desc or "").lower()
        return result.type_code == 1 and any(word in desc for word in _DUPLICATE_WORDS)

    def _directo_sent_before(self):
        """True if Directo has (or may have) this number from an earlier export of this
        very invoice. Only ``directo_stored`` says so: ``directo_number`` is also written
        on definite refusals (Type 31, 13, not sent), after which Directo has nothing of
        ours, so a document with that number there belongs to someone else."""
        self.ensure_one()
        return bool(self.directo_stored)

    @api.model
    def _directo_batch_size(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("directo_connector.export_batch_size", DEFAULT_BATCH_SIZE)
        )
        try:
            return max(1, int(value))
        except (TypeError, ValueError):
            return DEFAULT_BATCH_SIZE

    # ------------------------------------------------------------------ results

    def _directo_apply(self, outcomes, report, user):
        """Write each document's outcome; one note + one activity per new failure."""
        if not outcomes:
            return
        moves = self.browse(list(outcomes))
        bodies = {}
        failed_moves = self.browse()
        succeeded = self.browse()
        state_vals = {}
        own_vals = {}
        for move in moves:
            prep, result, exchange, error, via_update = outcomes[move.id]
            vals, message = move._directo_outcome_values(prep, result, error, via_update)
            state_vals[move.id] = vals
            own = own_vals[move.id] = {"directo_number": prep.payload.number}
            if exchange:
                own["directo_exchange_id"] = exchange.id
            if vals["directo_state"] == "sent":
                succeeded |= move
                report.sent |= move
                if message:
                    report.notes.append(message)
            else:
                failed_moves |= move
                report.failed |= move
                report.errors.append(message)
                if (move.directo_error or "") != message:
                    bodies[move.id] = Markup("<p>%s</p>") % message
            own["directo_error"] = message if vals["directo_state"] != "sent" else False
            if vals["directo_state"] == "sent" and message:
                bodies[move.id] = Markup("<p>%s</p>") % message
        self._directo_write_results(state_vals, own_vals)
        if bodies:
            # One chatter note per new failure; a retry failing the same way adds nothing.
            self.browse(list(bodies))._message_log_batch(
                {
                    move_id: Markup("<p><b>%s</b></p>%s") % (_("Directo export"), body)
                    for move_id, body in bodies.items()
                }
            )
        failed_moves._directo_schedule_activities(user)
        succeeded._directo_close_activities()

    @api.model
    def _directo_write_results(self, state_vals, own_vals):
        """Write the export results of many invoices in a few queries, not one
        ``account.move.write`` per invoice.

        ``state_vals`` ({move id: values}): the status (tracked, shown in the chatter).
        Most invoices of a batch share the same outcome, so moves with identical values
        are written together, once per distinct outcome.

        ``own_vals`` ({move id: values}): what differs per invoice (Directo number,
        error text, exchange link). These are untracked technical fields that nothing
        depends on; they are stored in one UPDATE for the whole batch.

        Neither touches the accounting: no line sync, no balance check, and the invoice
        is not flagged as manually modified.
        """
        moves = self.with_context(
            check_move_validity=False,
            skip_invoice_sync=True,
            skip_is_manually_modified=True,
        )
        groups = defaultdict(list)
        for move_id, vals in state_vals.items():
            groups[tuple(sorted(vals.items()))].append(move_id)
        for key, move_ids in groups.items():
            moves.browse(move_ids).write(dict(key))
        if not own_vals:
            return
        fnames = sorted({fname for vals in own_vals.values() for fname in vals})
        records = moves.browse(list(own_vals))
        # The low-level write bypasses the cache: flush what is pending (the status
        # written above, its write_date) first, drop the stale values after.
        records.flush_recordset()
        # Column values: NULL for "no value" (False would be cast to text 'false'). The
        # ORM's low-level write issues one UPDATE per set of fields written.
        records._write_multi(
            [
                {fname: value or None for fname, value in own_vals[record.id].items()}
                for record in records
            ]
        )
        records.invalidate_recordset([*fnames, "write_uid", "write_date"], flush=False)

    def _directo_outcome_values(self, prep, result, error, via_update):
        """(values to write, user message) for one document's answer."""
        self.ensure_one()
        move = self
        payload = prep.payload
        number = payload.number
        label = move.name
        if result.success:
            vals = {
                "directo_state": "sent",
                "directo_confirmed": payload.confirm,
                "directo_stored": True,
                "directo_outcome_unknown": False,
                "directo_duplicate": False,
            }
            message = None
            if via_update:
                message = _(
                    "Directo already had invoice number %(number)s from an earlier export of "
                    "%(move)s; it was updated with the current invoice.",
                    number=number,
                    move=label,
                )
            return vals, message
        failed = {"directo_state": "failed", "directo_outcome_unknown": False}
        if result.type_code is None:
            if isinstance(error, (DirectoNotSent, *_NOT_PROCESSED_ERRORS)):
                # Directo refused the whole request (key, feed, URL): nothing was stored.
                return failed, _(
                    "Invoice %(move)s was not sent: %(detail)s. Check the Directo connection "
                    "in Settings > Invoicing > Directo, then export again.",
                    move=label,
                    detail=error,
                )
            unsent = isinstance(error, DirectoBatchError) and number in error.unsent_numbers
            if unsent:
                return failed, _(
                    "Invoice %(move)s was not sent because an earlier request failed "
                    "(%(detail)s). Export it again.",
                    move=label,
                    detail=error,
                )
            failed.update(directo_stored=True, directo_outcome_unknown=True)
            if isinstance(error, DirectoTimeout):
                why = _("Directo did not answer in time")
            elif isinstance(error, DirectoTransientError):
                why = _("the connection to Directo failed")
            elif error is not None:
                why = _("Directo's answer could not be read (%(detail)s)", detail=error)
            else:
                why = _("Directo's answer had no result for it")
            return failed, _(
                "Invoice %(move)s: %(why)s, so it is unknown whether Directo stored number "
                "%(number)s. The next export re-sends it as an update of the same number "
                "(never as a new invoice).",
                move=label,
                why=why,
                number=number,
            )
        code, desc = result.type_code, (result.desc or "").strip()
        if code == 14:
            failed.update(directo_confirmed=True, directo_stored=True)
            if move.directo_outcome_unknown or via_update:
                # Most likely our own earlier attempt (answer lost) was booked and confirmed,
                # but only a Type 0/30 answer marks an invoice as exported: a person checks.
                return failed, _(
                    "Directo has a confirmed invoice number %(number)s and refuses to change "
                    "it. Odoo's earlier export of %(move)s got no answer, so that is most "
                    "probably this invoice, booked by that export: check invoice %(number)s "
                    "in Directo. Odoo does not mark it as sent without Directo's success "
                    "answer, and will not send it again. (Directo Type 14: %(desc)s)",
                    move=label,
                    number=number,
                    desc=desc,
                )
            failed.update(directo_confirmed=True, directo_stored=True)
            return failed, _(
                "Invoice %(move)s is confirmed in Directo (number %(number)s) and cannot be "
                "changed there: the changes were not sent. Correct it in Directo, e.g. with a "
                "credit invoice. (Directo Type 14: %(desc)s)",
                move=label,
                number=number,
                desc=desc,
            )
        if code == 29:
            failed.update(directo_stored=True)
            return failed, _(
                "Invoice %(move)s was saved in Directo as a draft (number %(number)s) but "
                "Directo could not confirm it: %(desc)s. Fix it in Directo or export it again "
                "(it will be updated). (Directo Type 29)",
                move=label,
                number=number,
                desc=desc,
            )
        if self._directo_is_duplicate(result):
            failed.update(directo_duplicate=True)
            return failed, _(
                "Directo already has an invoice number %(number)s that Odoo has no record of "
                "sending for %(move)s, so it was not overwritten. If it is another document, "
                "give journal %(journal)s a Directo number prefix (Accounting > Configuration "
                "> Journals) and export again; if it is this invoice (e.g. sent by an export "
                "that was interrupted), click 'Replace in Directo' on the invoice. "
                "(Directo Type %(type)s: %(desc)s)",
                number=number,
                move=label,
                journal=move.journal_id.name,
                type=code,
                desc=desc,
            )
        if code == 31:
            culprits = [
                sentence
                for code_value, sentences in prep.sources.items()
                if code_value and code_value.lower() in desc.lower()
                for sentence in sentences
            ]
            if culprits:
                return failed, _(
                    "Directo does not know %(what)s, used on invoice %(move)s. Fix the code "
                    "in Odoo so it matches Directo (or create it in Directo), then export "
                    "again. (Directo Type 31: %(desc)s)",
                    what="; ".join(dict.fromkeys(culprits)),
                    move=label,
                    desc=desc,
                )
            return failed, _(
                "Directo does not know a code used on invoice %(move)s (client, article, VAT "
                "or object code): %(desc)s. Check the codes, then export again. "
                "(Directo Type 31)",
                move=label,
                desc=desc,
            )
        if code == 13:
            return failed, _(
                "Directo could not identify the client of invoice %(move)s: %(desc)s. Check "
                "the client's Directo client code and that the client has an e-mail and "
                "registration number in Directo. (Directo Type 13)",
                move=label,
                desc=desc,
            )
        if code == 5:
            return failed, _(
                "Directo refused the XML Direct key for invoice %(move)s: %(desc)s. Check the "
                "connection in Settings > Invoicing > Directo. (Directo Type 5)",
                move=label,
                desc=desc,
            )
        return failed, _(
            "Directo refused invoice %(move)s (number %(number)s): %(desc)s (Directo Type "
            "%(type)s). Fix the invoice and export again.",
            move=label,
            number=number,
            desc=desc or _("no description"),
            type=code,
        )

    def _directo_activity_user(self, user):
        self.ensure_one()
        if user and not user._is_superuser() and not user._is_public():
            return user
        return self.invoice_user_id or self.create_uid

    def _directo_schedule_activities(self, user):
        if not self:
            return
        user = user or self.env.user
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        summary = _(ACTIVITY_SUMMARY)
        vals_list = []
        model_id = self.env["ir.model"]._get_id(self._name)
        for move in self:
            assignee = move._directo_activity_user(user)
            open_ones = move.activity_ids.filtered(
                lambda a, assignee=assignee: a.summary == summary and a.user_id == assignee
            )
            if open_ones:
                continue  # one reminder per user, not one per retry
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": move.id,
                    "activity_type_id": activity_type.id,
                    "summary": summary,
                    "note": escape(move.directo_error or ""),
                    "user_id": assignee.id,
                    "date_deadline": fields.Date.context_today(self),
                }
            )
        if vals_list:
            self.env["mail.activity"].sudo().create(vals_list)

    def _directo_close_activities(self):
        if not self:
            return
        summary = _(ACTIVITY_SUMMARY)
        activities = self.activity_ids.filtered(lambda a: a.summary == summary)
        if activities:
            activities.sudo().action_feedback(feedback=_("Exported to Directo."))

    # ------------------------------------------------------------------ scheduled action

    @api.model
    def _cron_directo_export(self):
        """Send what is waiting, for companies with 'Export automatically when posted'."""
        companies = self.env["res.company"].sudo().search([("directo_invoice_export", "=", True)])
        companies = companies.filtered("directo_auto_export")
        if not companies:
            return
        moves = self.search(
            [
                ("company_id", "in", companies.ids),
                ("move_type", "in", EXPORT_MOVE_TYPES),
                ("state", "=", "posted"),
                ("directo_confirmed", "=", False),
                "|",
                ("directo_state", "=", "to_send"),
                "&",
                ("directo_state", "=", "failed"),
                ("directo_outcome_unknown", "=", True),
            ],
            order="id",
        )
        if not moves:
            return
        commit = not getattr(threading.current_thread(), "testing", False)
        report = DirectoSendReport(self.env)
        batch_size = self._directo_batch_size()
        for start in range(0, len(moves), batch_size):
            # Lock, send, record and commit one batch at a time: what Directo answered is
            # never lost if a later batch crashes the job.
            part = moves[start : start + batch_size]._directo_send()
            report.merge(part)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        # Invoices the checks refused: record why, once, so someone can fix them.
        refused = defaultdict(list)
        for problem in report.problems:
            refused[problem.move.id].append(problem.message)
        if refused:
            refused_moves = self.browse(list(refused))
            bodies = {}
            errors = {}
            for move in refused_moves:
                message = errors[move.id] = "\n".join(refused[move.id])
                if move.directo_error != message:
                    bodies[move.id] = Markup("<p><b>%s</b></p><p>%s</p>") % (
                        _("Directo export"),
                        Markup("<br/>").join(refused[move.id]),
                    )
            self._directo_write_results(
                dict.fromkeys(refused_moves.ids, {"directo_state": "failed"}),
                {move_id: {"directo_error": message} for move_id, message in errors.items()},
            )
            if bodies:
                self.browse(list(bodies))._message_log_batch(bodies)
            refused_moves._directo_schedule_activities(None)
        _logger.info(
            "Directo auto-export: %s sent, %s failed, %s refused by the checks",
            len(report.sent),
            len(report.failed),
            len(refused),
        )


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
        self.notes = []

    def merge(self, other):
        self.sent |= other.sent
        self.failed |= other.failed
        self.busy |= other.busy
        self.problems.extend(other.problems)
        self.errors.extend(other.errors)
        self.notes.extend(other.notes)

    def _directo_notification(self):
        env = self.env
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
        if self.notes:
            parts.extend(self.notes[:5])
        if not parts:
            parts.append(env._("Nothing to send to Directo."))
        bad = self.failed or self.problems or self.busy
        return notification_action(
            env._("Export to Directo"),
            "\n\n".join(parts),
            "warning" if bad else "success",
            sticky=bool(bad),
        )
