# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Clients created in Directo from Odoo ("Customers in"), and their name, e-mail and phone
kept in step. Read it top to bottom:

1. :meth:`_prepare` — one :class:`CustomerEntry` per client: the code it gets (a pending
   code, the code typed, its Reference, or — from a sequence — none yet) and every problem
   found before sending (no code, too long, used by another client in Odoo, values longer
   than Directo stores);
2. :meth:`_create` — per company: codes drawn from the sequence (skipping codes used in
   Odoo); **write-ahead**: the codes are committed on the clients as *pending* before the
   request (Directo may create them from then on); one request per batch; each client's
   answer, matched by docid = code, becomes an outcome (``xmldirect.customers``). Only a
   success writes the code as the client's Directo Client Code; a refusal leaves the
   client as it was; a lost answer keeps the pending code, so the next attempt re-uses it
   and links the client when Directo has it. Generated codes Directo already holds (e.g.
   clients closed there) are replaced by the next ones and sent again;
3. :meth:`_update` — Directo's partial update (``xd_customer_update=1``) of the name,
   e-mail and phone of linked clients, on request or in the background.
"""

import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from ..notification import notification_action
from ..xmldirect import DirectoBatchError, DirectoError, PutResult, RuleError
from ..xmldirect.codec import CUSTOMER_TYPE_COMPANY, CUSTOMER_TYPE_PRIVATE, CustomerPayload
from ..xmldirect.customers import (
    CREATED,
    LINKED,
    NOT_SENT,
    REFUSED,
    TAKEN,
    UPDATED,
    check_code,
    customer_outcome,
    same_client,
    update_outcome,
    value_problems,
)

_logger = logging.getLogger(__name__)

# A generated code Directo already holds is replaced by the next one and sent again, at
# most this many times per client and click.
GENERATED_CODE_RETRIES = 3
# Refused by the checks, before anything was sent.
PROBLEM = "problem"
# Clients per background update run (each batch is one request, committed on its own).
UPDATE_CHUNK = 500


class CustomerEntry:
    """One client in one send: its code, where it came from, the payload, the outcome."""

    __slots__ = (
        "code",
        "company",
        "generated",
        "message",
        "partner",
        "payload",
        "pending",
        "problems",
        "skipped",
        "state",
        "typed",
    )

    def __init__(self, partner, company):
        self.partner = partner
        self.company = company
        self.code = None
        self.generated = False  # drawn from the company's sequence
        self.typed = False  # typed by the user
        # A code sent earlier whose answer was lost: Directo may have the client under it.
        self.pending = partner.directo_code_pending or None
        self.payload = None
        self.problems = []
        self.skipped = []  # generated codes Directo already had
        self.state = None
        self.message = None

    @property
    def label(self):
        return self.partner.display_name

    def refuse(self, message):
        self.state = PROBLEM
        self.message = message


class DirectoCustomerExport(models.AbstractModel):
    _name = "directo.customer.export"
    _description = "Directo: clients created in Directo"

    # ------------------------------------------------------------------ access

    @api.model
    def _check_access(self, partners):
        """Before anything is sent: the user must be allowed to record the result."""
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._(
                    "%(user)s cannot create clients in Directo: this needs the access "
                    "right 'Invoicing' (or higher) of Accounting in Settings > Users.",
                    user=self.env.user.name,
                )
            )
        try:
            partners.check_access("write")
        except AccessError as error:
            raise AccessError(
                self.env._(
                    "%(user)s cannot send %(clients)s to Directo: the Directo client code is "
                    "recorded on the client, and %(user)s may not change clients. (%(detail)s)",
                    user=self.env.user.name,
                    clients=", ".join(partners.mapped("display_name")[:10]),
                    detail=error.args[0] if error.args else "",
                )
            ) from error

    def _commit(self):
        # One rule for every write-ahead commit of the addon (not inside Odoo's tests).
        self.env["directo.invoice.export"]._commit()

    # ------------------------------------------------------------------ payload

    @api.model
    def _street(self, partner):
        return ", ".join(part for part in (partner.street, partner.street2) if part) or None

    @api.model
    def _payload(self, partner, code):
        """What Directo gets for ``partner`` (the partial update uses code, name, e-mail
        and phone of it). Address lines as the client import reads them: street, city,
        ZIP."""
        return CustomerPayload(
            code=code,
            name=partner.name,
            type=CUSTOMER_TYPE_COMPANY if partner.is_company else CUSTOMER_TYPE_PRIVATE,
            regno=partner.company_registry or None,
            vatregno=partner.vat or None,
            address1=self._street(partner),
            address2=partner.city or None,
            address3=partner.zip or None,
            country=partner.country_id.code or None,
            email=partner.email or None,
            phone=partner.phone or None,
        )

    @api.model
    def _values(self, partner):
        """{Directo attribute: (label of the Odoo field, value)} for the length checks."""

        def label(name):
            return partner._fields[name]._description_string(self.env)

        return {
            "name": (label("name"), partner.name),
            "regno": (label("company_registry"), partner.company_registry),
            "vatregno": (label("vat"), partner.vat),
            "address1": (label("street"), self._street(partner)),
            "address2": (label("city"), partner.city),
            "address3": (label("zip"), partner.zip),
            "email": (label("email"), partner.email),
            "phone": (label("phone"), partner.phone),
        }

    # ------------------------------------------------------------------ checks

    @api.model
    def _prepare(self, partners, typed=None, companies=None, preview=False):
        """One :class:`CustomerEntry` per client, with its code and its problems.

        ``typed`` maps a partner id to the code the user typed; ``companies`` a partner id
        to the company whose Directo gets it (default: the client's own, else the user's);
        ``preview``: the dialog opens, codes are still to be typed.
        """
        typed = typed or {}
        companies = companies or {}
        entries = []
        for partner in partners:
            entry = CustomerEntry(partner, companies.get(partner.id) or partner._directo_company())
            entries.append(entry)
            if partner.directo_code:
                entry.problems.append(
                    self.env._(
                        "%(client)s already has Directo client code %(code)s.",
                        client=entry.label,
                        code=partner.directo_code,
                    )
                )
                continue
            self._propose_code(entry, typed.get(partner.id), preview)
            entry.problems.extend(
                error.translated(self.env._)
                for error in value_problems(entry.label, self._values(partner))
            )
        self._check_codes_free(entries)
        for entry in entries:
            if entry.problems:
                entry.refuse("\n".join(entry.problems))
        return entries

    def _propose_code(self, entry, typed, preview=False):
        """The code typed (when the company lets users type it), else the pending code,
        else the client's Reference; a sequence code is drawn only when sending."""
        source = entry.company.directo_customer_code_source
        _ = self.env._
        if source == "manual" and typed is not None:
            raw, label = typed, self.env._("the code typed for it")
            entry.typed = True
        elif entry.pending:
            raw, label = entry.pending, self.env._("the code sent to Directo earlier")
        elif source == "sequence" or (source == "manual" and preview):
            return
        elif source == "ref":
            raw, label = entry.partner.ref, self.env._("its Reference")
        else:
            raw, label = typed, self.env._("the code typed for it")
        try:
            entry.code = check_code(raw, entry.label, label)
        except RuleError as error:
            entry.problems.append(error.translated(_))

    @api.model
    def _code_holders(self, codes, company):
        """{code: client} of the codes already used in Odoo, as Directo Client Code or
        as a pending code, by a client of ``company`` or shared by all companies
        (archived clients and clients the user cannot see included). One query."""
        if not codes:
            return {}
        holders = {}
        for holder in (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                [
                    ("parent_id", "=", False),
                    ("company_id", "in", [company.id, False]),
                    "|",
                    ("directo_code", "in", list(codes)),
                    ("directo_code_pending", "in", list(codes)),
                ],
                ["directo_code", "directo_code_pending", "display_name", "active"],
            )
        ):
            for code in (holder.directo_code, holder.directo_code_pending):
                if code in codes:
                    holders.setdefault(code, holder)
        return holders

    def _check_codes_free(self, entries):
        """A code may be given once in the selection and must not be used in Odoo."""
        by_code = defaultdict(list)
        for entry in entries:
            if entry.code and not entry.problems:
                by_code[(entry.company, entry.code.casefold())].append(entry)
        by_company = defaultdict(set)
        for entry in entries:
            if entry.code:
                by_company[entry.company].add(entry.code)
        holders = {}
        for company, codes in by_company.items():
            for code, holder in self._code_holders(codes, company).items():
                holders[(company, code)] = holder
        _ = self.env._
        for same in by_code.values():
            if len(same) > 1:
                for entry in same:
                    entry.problems.append(
                        self.env._(
                            "Code %(code)s is given to %(clients)s: each client needs its own "
                            "Directo client code.",
                            code=entry.code,
                            clients=", ".join(other.label for other in same),
                        )
                    )
        for entry in entries:
            holder = holders.get((entry.company, entry.code))
            if not holder or holder == entry.partner:
                continue
            name = holder.display_name
            if not holder.active:
                name = self.env._("%(partner)s (archived)", partner=name)
            entry.problems.append(
                self.env._(
                    "Directo client code %(code)s (for %(client)s) is already used in Odoo by "
                    "%(other)s. Use another code.",
                    code=entry.code,
                    client=entry.label,
                    other=name,
                )
            )

    # ------------------------------------------------------------------ creating

    @api.model
    def _create(self, entries, exchanges=None):
        """Create the entries without problems in Directo; returns ``entries`` with each
        one's state and message (``xmldirect.customers`` states, or ``PROBLEM``). The
        ``directo.exchange`` of every request is appended to ``exchanges``."""
        by_company = defaultdict(list)
        for entry in entries:
            if entry.state is None:
                by_company[entry.company].append(entry)
        for company, group in by_company.items():
            self._create_company(company, group, [] if exchanges is None else exchanges)
        return entries

    def _create_company(self, company, entries, exchanges):
        try:
            client = company._directo_client(
                on_logged=lambda _exchange, record: exchanges.append(record)
            )
        except UserError as error:
            for entry in entries:
                entry.state, entry.message = NOT_SENT, error.args[0]
            return
        todo = self._lock(entries)
        for attempt in range(GENERATED_CODE_RETRIES + 1):
            todo = self._draw_codes(company, todo)
            if not todo:
                return
            for entry in todo:
                entry.payload = self._payload(entry.partner, entry.code)
            self._write_ahead(todo)
            self._put(client, todo)
            self._recognise_own(client, todo)
            last_try = attempt == GENERATED_CODE_RETRIES
            self._apply(todo, last_try=last_try)
            # Generated codes Directo already has: the next ones of the sequence.
            todo = [entry for entry in todo if entry.state == TAKEN and entry.generated]
            if last_try:
                return
            for entry in todo:
                entry.skipped.append(entry.code)
                entry.code = entry.pending = entry.state = None

    def _lock(self, entries):
        """Lock the clients nobody else is sending (``FOR NO KEY UPDATE SKIP LOCKED``) and
        read them again: another user may have created one, or sent it with a code whose
        answer is pending, since the dialog opened. That pending code is used again (not a
        new one), so Directo never gets one client twice."""
        partners = self.env["res.partner"].browse([entry.partner.id for entry in entries])
        partners.flush_recordset(["directo_code", "directo_code_pending"])
        self.env.cr.execute(
            "SELECT id FROM res_partner WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
            [tuple(partners.ids)],
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        partners.invalidate_recordset(["directo_code", "directo_code_pending"])
        todo = []
        for entry in entries:
            partner = entry.partner
            if partner.id not in locked:
                entry.state = NOT_SENT
                entry.message = self.env._(
                    "%(client)s was not sent: someone else is sending it to Directo right "
                    "now. Try again in a minute.",
                    client=entry.label,
                )
            elif partner.directo_code:
                entry.refuse(
                    self.env._(
                        "%(client)s already has Directo client code %(code)s.",
                        client=entry.label,
                        code=partner.directo_code,
                    )
                )
            else:
                pending = partner.directo_code_pending or None
                if pending and pending != entry.pending and not entry.typed:
                    entry.code = entry.pending = pending
                todo.append(entry)
        return todo

    def _draw_codes(self, company, entries):
        """Give the entries without code the next free codes of the company's sequence
        (codes used in Odoo are skipped); returns the entries that have a valid code."""
        needing = [entry for entry in entries if not entry.code]
        if needing and company.directo_customer_code_source != "sequence":
            for entry in needing:  # only a sequence gives codes of its own
                entry.refuse(self.env._("%(client)s has no code to send.", client=entry.label))
            needing = []
        if needing:
            sequence = company._directo_customer_sequence()
            codes = []
            for _round in range(100):  # a guard against a sequence stuck on used codes
                fresh = self._next_codes(sequence, len(needing) - len(codes))
                used = self._code_holders(set(fresh), company)
                codes += [code for code in fresh if code not in used]
                if len(codes) == len(needing):
                    break
            for entry in needing[len(codes) :]:
                entry.refuse(
                    self.env._(
                        "Sequence %(sequence)s gave only codes already used in Odoo: set its "
                        "next number (Settings > Invoicing > Directo).",
                        sequence=sequence.name,
                    )
                )
            for entry, code in zip(needing, codes, strict=False):
                try:
                    entry.code = check_code(
                        code,
                        entry.label,
                        self.env._("sequence %(sequence)s", sequence=sequence.name),
                    )
                    entry.generated = True
                except RuleError as error:
                    entry.refuse(error.translated(self.env._))
        return [entry for entry in entries if entry.code and entry.state is None]

    @api.model
    def _next_codes(self, sequence, count):
        """``count`` values of ``sequence`` in one query where Odoo's implementation
        allows it (a plain PostgreSQL sequence), else one by one."""
        if count <= 0:
            return []
        if sequence.implementation == "standard" and not sequence.use_date_range:
            # Odoo's own name for the sequence's PostgreSQL sequence (ir.sequence._next_do).
            self.env.cr.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                ["ir_sequence_%03d" % sequence.id, count],
            )
            return [sequence.get_next_char(row[0]) for row in self.env.cr.fetchall()]
        return [sequence._next() for _i in range(count)]

    def _set_pending(self, codes_by_partner_id):
        """Write ``directo_code_pending`` of many clients in one UPDATE, without touching
        anything else of them (a refused client must be left as it was)."""
        partners = self.env["res.partner"].browse(list(codes_by_partner_id))
        partners.flush_recordset(["directo_code_pending"])
        self.env.cr.execute(
            """UPDATE res_partner AS p SET directo_code_pending = v.code
                 FROM unnest(%s::int[], %s::varchar[]) AS v(id, code)
                WHERE p.id = v.id""",
            [list(codes_by_partner_id), [code or None for code in codes_by_partner_id.values()]],
        )
        partners.invalidate_recordset(["directo_code_pending"], flush=False)

    def _write_ahead(self, entries):
        """Commit, before the request, the code each client is sent with: from now on
        Directo may hold the client under it."""
        self._set_pending({entry.partner.id: entry.code for entry in entries})
        self._commit()

    def _put(self, client, entries):
        """One ``put_customers`` call; sets each entry's state and message."""
        error = None
        try:
            results = client.put_customers([entry.payload for entry in entries])
        except DirectoBatchError as batch_error:
            error, results = batch_error, batch_error.results
        except DirectoError as other:
            error, results = other, []
        if len(results) != len(entries):
            results = [PutResult(entry.code, None, "") for entry in entries]
        unsent = set(getattr(error, "unsent_numbers", None) or ())
        for entry, result in zip(entries, results, strict=True):
            outcome = customer_outcome(
                result,
                client=entry.label,
                error=error if result.type_code is None else None,
                sent=result.number not in unsent,
            )
            entry.state = outcome.state
            entry.message = outcome.message.translated(self.env._) if outcome.message else None

    def _recognise_own(self, client, entries):
        """A Duplicate for a code sent earlier without answer is most likely that earlier
        request's work: read Directo's client and link it when it is the same one."""
        for entry in entries:
            if entry.state != TAKEN or entry.pending != entry.code:
                continue
            try:
                found = list(client.iter_customers(code=entry.code))
            except DirectoError:
                continue
            if found and same_client(entry.payload, found[0]):
                entry.state = LINKED

    def _apply(self, entries, last_try=True):
        """Record the outcomes: the code of created (or recognised) clients, the pending
        code of clients whose answer was lost; the others are left as they were."""
        done = [entry for entry in entries if entry.state in (CREATED, LINKED)]
        cleared = [entry for entry in entries if entry.state in (TAKEN, REFUSED, NOT_SENT)]
        if cleared:
            self._set_pending({entry.partner.id: None for entry in cleared})
        if done:
            partners = self.env["res.partner"].browse([entry.partner.id for entry in done])
            partners.flush_recordset()
            # One UPDATE for the batch (a write per client would cost queries per client);
            # the codes were checked free before sending.
            partners._write_multi(
                [{"directo_code": entry.code, "directo_code_pending": None} for entry in done]
            )
            partners.invalidate_recordset(
                ["directo_code", "directo_code_pending", "write_uid", "write_date"], flush=False
            )
            partners.modified(["directo_code"])
            # Directo has them now: Odoo's copy of its clients too (the pre-send check).
            Register = self.env["directo.register"].sudo()
            for company in {entry.company for entry in done}:
                Register._directo_add_codes(
                    company,
                    "customer",
                    [(e.code, e.partner.name) for e in done if e.company == company],
                )
        notes = {}
        for entry in done:
            entry.message = self._success_message(entry)
            notes[entry.partner.id] = Markup("<p><b>%s</b></p><p>%s</p>") % (
                self.env._("Directo"),
                entry.message,
            )
        for entry in entries:
            if entry.state == TAKEN and entry.generated and last_try:
                entry.message = self.env._(
                    "Directo already has clients with codes %(codes)s (they may be closed "
                    "there), so %(client)s was not created. Set the next number of sequence "
                    "%(sequence)s (Settings > Invoicing > Directo) above Directo's codes, then "
                    "try again.",
                    codes=", ".join([*entry.skipped, entry.code]),
                    client=entry.label,
                    sequence=entry.company.directo_customer_sequence_id.name,
                )
        if notes:
            self.env["res.partner"].browse(list(notes))._message_log_batch(notes)
        self._commit()

    def _success_message(self, entry):
        _ = self.env._
        if entry.state == LINKED:
            message = self.env._(
                "%(client)s was already in Directo as client %(code)s (created by an earlier "
                "request whose answer was lost): linked to it.",
                client=entry.label,
                code=entry.code,
            )
        else:
            message = self.env._(
                "%(client)s was created in Directo as client %(code)s.",
                client=entry.label,
                code=entry.code,
            )
        if entry.skipped:
            message += " " + self.env._(
                "Codes %(codes)s were already used in Directo and were skipped.",
                codes=", ".join(entry.skipped),
            )
        return message

    @api.model
    def _report(self, entries):
        """(text, notification type) summarising a creation."""
        done = [entry for entry in entries if entry.state in (CREATED, LINKED)]
        failed = [entry for entry in entries if entry.state not in (CREATED, LINKED)]
        parts = [entry.message for entry in done[:10]]
        if len(done) > 10:
            parts.append(self.env._("… and %(count)s more.", count=len(done) - 10))
        parts += [entry.message for entry in failed[:10]]
        return "\n".join(parts) or self.env._("Nothing was sent to Directo."), (
            "warning" if failed else "success"
        )

    # ------------------------------------------------------------------ keeping in step

    @api.model
    def _mark_update_pending(self, partners):
        """The name, e-mail or phone of linked clients changed: offer the update, or
        have the background job send it, as each client's company chose."""
        flagged = partners.browse()
        auto = False
        for partner in partners:
            mode = partner.directo_sync_mode
            if mode in ("offer", "auto"):
                flagged |= partner
                auto = auto or mode == "auto"
        if not flagged:
            return
        flagged.sudo().with_context(directo_from_directo=True).write(
            {"directo_update_pending": True, "directo_update_error": False}
        )
        if auto:
            cron = self.env.ref(
                "directo_connector.ir_cron_directo_customer_update", raise_if_not_found=False
            )
            if cron:
                cron.sudo()._trigger()

    @api.model
    def _update(self, partners):
        """Send the name, e-mail and phone of linked ``partners`` (partial update: nothing
        else changes in Directo); returns {partner: (state, message)}."""
        by_company = defaultdict(lambda: partners.browse())
        for partner in partners:
            by_company[partner._directo_company()] |= partner
        outcomes = {}
        for company, group in by_company.items():
            # In the background (OdooBot): the company's language, else the user's.
            lang = company._directo_lang(self.env.user)
            outcomes.update(self.with_context(lang=lang)._update_company(company, group))
        self._record_updates(outcomes)
        return outcomes

    def _update_company(self, company, partners):
        try:
            client = company._directo_client()
        except UserError as error:
            return dict.fromkeys(partners, (NOT_SENT, error.args[0]))
        error = None
        payloads = [self._payload(partner, partner.directo_code) for partner in partners]
        try:
            results = client.put_customers(payloads, partial=True)
        except DirectoBatchError as batch_error:
            error, results = batch_error, batch_error.results
        except DirectoError as other:
            error, results = other, []
        if len(results) != len(payloads):
            results = [PutResult(payload.code, None, "") for payload in payloads]
        unsent = set(getattr(error, "unsent_numbers", None) or ())
        outcomes = {}
        for partner, result in zip(partners, results, strict=True):
            outcome = update_outcome(
                result,
                client=partner.display_name,
                error=error if result.type_code is None else None,
                sent=result.number not in unsent,
            )
            message = outcome.message.translated(self.env._) if outcome.message else None
            outcomes[partner] = (outcome.state, message)
        return outcomes

    def _record_updates(self, outcomes):
        """Updated: nothing pending. Lost answer: sent again by the next run. Refused:
        the error is shown on the client (one chatter note per new error) and the
        background job leaves it until the client changes again."""
        if not outcomes:
            return
        partners = self.env["res.partner"].browse([partner.id for partner in outcomes])
        groups, notes = defaultdict(lambda: partners.browse()), {}
        for partner in partners:
            state, message = outcomes[partner]
            error = message if state in (REFUSED, NOT_SENT) else None
            groups[(state != UPDATED, error or False)] |= partner
            if error and error != (partner.directo_update_error or None):
                notes[partner.id] = Markup("<p><b>%s</b></p><p>%s</p>") % (
                    self.env._("Directo update"),
                    error,
                )
        # Through the partner's own write (other modules' logic included), one per
        # distinct outcome: most clients of a batch share one.
        for (pending, error), group in groups.items():
            group.with_context(directo_from_directo=True).write(
                {"directo_update_pending": pending, "directo_update_error": error}
            )
        if notes:
            partners.browse(list(notes))._message_log_batch(notes)
        self._commit()

    @api.model
    def _update_action(self, partners):
        """'Update in Directo' on clients: send now, say what Directo answered."""
        self._check_access(partners)
        unlinked = partners.filtered(lambda partner: not partner.directo_code)
        if unlinked:
            raise UserError(
                self.env._(
                    "%(clients)s have no Directo client code: create them in Directo (or set "
                    "their code) first.",
                    clients=", ".join(unlinked.mapped("display_name")[:10]),
                )
            )
        companies = self.env["res.company"].union(
            *(partner._directo_company() for partner in partners)
        )
        companies._directo_check_customers_in()
        outcomes = self._update(partners)
        done = [p for p, (state, _m) in outcomes.items() if state == UPDATED]
        messages = [message for _state, message in outcomes.values() if message]
        if done:
            messages.insert(
                0,
                self.env._(
                    "Name, e-mail and phone of %(count)s client(s) updated in Directo.",
                    count=len(done),
                ),
            )
        failed = len(done) != len(outcomes)
        return notification_action(
            self.env._("Directo"),
            "\n".join(messages[:11]),
            "warning" if failed else "success",
            sticky=failed,
        )

    @api.model
    def _cron_update_clients(self):
        """Background job: the partial updates waiting in companies that chose it."""
        companies = (
            self.env["res.company"]
            .sudo()
            .search(
                [("directo_customer_export", "=", True), ("directo_customer_sync", "=", "auto")]
            )
        )
        if not companies:
            return
        partners = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("directo_update_pending", "=", True),
                    ("directo_update_error", "=", False),
                    ("directo_code", "!=", False),
                    ("parent_id", "=", False),
                    ("company_id", "in", [*companies.ids, False]),
                ],
                order="id",
            )
        ).filtered(lambda partner: partner._directo_company() in companies)
        for start in range(0, len(partners), UPDATE_CHUNK):
            outcomes = self._update(partners[start : start + UPDATE_CHUNK])
            _logger.info(
                "Directo client update: %s updated, %s not",
                sum(1 for state, _m in outcomes.values() if state == UPDATED),
                sum(1 for state, _m in outcomes.values() if state != UPDATED),
            )
