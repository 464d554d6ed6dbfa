# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo invoice → plain ``InvoicePayload`` (or every reason why not).

The pre-send checks (the problems dialog) and the sender both call
:meth:`DirectoInvoiceMapper._prepare`, so what is checked is exactly what is sent. The
business rules (number, payment term days, resource and seller) live in
``xmldirect.rules``.
"""

from collections import defaultdict
from decimal import Decimal

from odoo import api, models
from odoo.tools import float_repr

from ..xmldirect import (
    InvoicePayload,
    InvoiceRowPayload,
    Resource,
    RuleError,
    payment_term_days,
    resolve_row_object,
    resolve_seller,
)
from ..xmldirect.diagnosis import (
    ARTICLE,
    CLIENT,
    OBJECT,
    SALESMAN,
    VAT,
    CodeUse,
    register_findings,
)
from ..xmldirect.outcome import CONFIRMED, holds_ours
from ..xmldirect.vatcodes import format_rate, same_rate

EXPORT_MOVE_TYPES = ("out_invoice", "out_refund")


class DirectoProblem:
    """One reason why an invoice cannot be exported (shown in the problems dialog).

    ``client`` is set on "client has no Directo client code": the dialog offers to create
    that client in Directo. ``record`` is the record whose Directo code is missing or wrong
    (a tax, product or user): the dialog offers to set its code in place."""

    __slots__ = ("client", "line", "message", "move", "record")

    def __init__(self, move, message, line=None, client=None, record=None):
        self.move = move
        self.line = line
        self.message = message
        self.client = client
        self.record = record


class DirectoPrepared:
    """Outcome of mapping one move: its payload (None if it has problems), the problems
    and which Odoo record each sent code came from (``uses``: to check the codes against
    Odoo's copy of Directo's registers and to explain Directo's refusals)."""

    __slots__ = ("move", "payload", "problems", "uses", "vat_rates")

    def __init__(self, move, vat_rates=None):
        self.move = move
        self.payload = None
        self.problems = []
        # xmldirect.diagnosis.CodeUse of every code sent; ``ref`` is the invoice line
        self.uses = []
        # {Directo VAT code: rate or None} of Odoo's copy, for the company of the move
        self.vat_rates = vat_rates or {}

    def problem(self, message, line=None, client=None, record=None):
        self.problems.append(DirectoProblem(self.move, message, line, client, record))


def _decimal(value, digits):
    return Decimal(float_repr(value, digits))


def _resource(user):
    return Resource(user.name, user.directo_code) if user else None


class DirectoInvoiceMapper(models.AbstractModel):
    _name = "directo.invoice.mapper"
    _description = "Directo: invoice to XML Direct payload"

    @api.model
    def _prepare(self, moves, resend=False):
        """Map every move to an ``InvoicePayload`` or to its problems.

        Returns a list of :class:`DirectoPrepared`, in the order of ``moves``. It reads
        everything through the recordset's prefetching, so the number of queries does not
        grow per invoice.
        """
        precision = self.env["decimal.precision"].precision_get
        digits = {
            "price": precision("Product Price"),
            "qty": precision("Product Unit of Measure"),
            "discount": precision("Discount"),
        }
        Register = self.env["directo.register"].sudo()
        vat_rates = {company: Register._directo_vat_rates(company) for company in moves.company_id}
        prepared = []
        for move in moves:
            prep = DirectoPrepared(move, vat_rates.get(move.company_id))
            prepared.append(prep)
            self._map_move(prep, resend, digits)
        self._check_numbers(prepared)
        self._check_registers(prepared)
        return prepared

    # ------------------------------------------------------------------ one invoice

    def _map_move(self, prep, resend, digits):
        move = prep.move
        if move.move_type not in EXPORT_MOVE_TYPES:
            prep.problem(
                self.env._(
                    "%(move)s is not a customer invoice or credit note.", move=self._label(move)
                )
            )
            return
        self._check_document(prep, resend)
        number = self._number(prep)
        client_code = self._client_code(prep)
        rows, objects = self._rows(prep, digits)
        if prep.problems or number is None:
            return
        client = move.partner_id.commercial_partner_id
        seller = resolve_seller(_resource(client.user_id), objects)
        if seller:
            prep.uses.append(self._seller_use(prep, seller, client))
        company = move.company_id
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
            # Directo has (or may have) our document under this number: replace it.
            update=holds_ours(move.directo_document),
        )

    def _seller_use(self, prep, seller, client):
        """Where the invoice's salesman code comes from: the client's salesperson, else the
        first row's resource."""
        user = client.user_id
        if user and (user.directo_code or "").strip() == seller:
            where = self.env._("salesperson of client %(client)s", client=client.display_name)
            return CodeUse(SALESMAN, seller, user.name, where)
        row = next((u for u in prep.uses if u.kind == OBJECT and u.code == seller), None)
        if row is None:  # cannot happen: resolve_seller takes the code from a row
            return CodeUse(SALESMAN, seller, user.name or "", "")
        return CodeUse(SALESMAN, seller, row.record, row.where, row.ref)

    def _label(self, move):
        return move.name or self.env._("(draft invoice %s)", move.id)

    def _check_document(self, prep, resend):
        move = prep.move
        label = self._label(move)
        _ = self.env._
        if move.state != "posted":
            state = dict(move._fields["state"]._description_selection(self.env))[move.state]
            prep.problem(
                self.env._(
                    "Invoice %(move)s is %(state)s: only posted invoices go to Directo. "
                    "Confirm it first.",
                    move=label,
                    state=state.lower(),
                )
            )
        if not move.company_id.directo_invoice_export:
            prep.problem(
                self.env._(
                    "Export to Directo is switched off for company %(company)s. Switch on "
                    "'Export Invoices to Directo' in Settings > Invoicing > Directo.",
                    company=move.company_id.name,
                )
            )
        if move.directo_document == CONFIRMED:
            prep.problem(
                self.env._(
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
            prep.problem(
                self.env._(
                    "Invoice %(move)s is already in Directo as number %(number)s and has not "
                    "changed since (post it again after a change, or use 'Re-send to "
                    "Directo' on the invoice).",
                    move=label,
                    number=move.directo_number,
                )
            )

    def _number(self, prep):
        """The frozen Directo number, or the one derived from the name for a first send."""
        move = prep.move
        if move.directo_number and move._directo_number_is_frozen():
            return move.directo_number
        try:
            return move._directo_number_from_name()
        except RuleError as error:
            prep.problem(
                self.env._(
                    "%(error)s Or set a Directo number prefix on journal %(journal)s "
                    "(Invoicing > Configuration > Accounting > Journals).",
                    error=error.translated(self.env._),
                    journal=move.journal_id.name,
                )
            )
            return None

    def _client_code(self, prep):
        move = prep.move
        client = move.partner_id.commercial_partner_id
        code = (client.directo_code or "").strip()
        if not code:
            params = {"move": self._label(move), "client": client.display_name}
            if move.company_id.directo_customer_export:
                message = self.env._(
                    "Invoice %(move)s: client %(client)s has no Directo client code. Create "
                    "it in Directo ('Create in Directo'), set its code (Directo Client Code) "
                    "or import the client from Directo.",
                    **params,
                )
            else:
                message = self.env._(
                    "Invoice %(move)s: client %(client)s has no Directo client code. Set it "
                    "on the client (Directo Client Code) or import the client from Directo.",
                    **params,
                )
            prep.problem(message, client=client)
        else:
            prep.uses.append(CodeUse(CLIENT, code, client.display_name))
        return code

    # ------------------------------------------------------------------ rows

    def _rows(self, prep, digits):
        """(row payloads, object code of every row) of the invoice's product lines."""
        move = prep.move
        rows, objects = [], []
        all_lines = move.invoice_line_ids
        # filtered() would drop the prefetching across invoices: keep it.
        lines = all_lines.filtered(lambda line: line.display_type == "product").with_prefetch(
            all_lines._prefetch_ids
        )
        for rn, line in enumerate(lines, start=1):
            row_label = self.env._(
                "%(move)s row %(rn)s (%(name)s)",
                move=self._label(move),
                rn=rn,
                name=(line.name or line.product_id.display_name or "").split("\n")[0][:60],
            )
            before = len(prep.problems)
            where = self.env._("%(move)s row %(rn)s", move=self._label(move), rn=rn)
            item = self._row_item(prep, line, row_label, where)
            tax, vatcode = self._row_vatcode(prep, line, row_label, where)
            obj = self._row_object(prep, line, row_label, where)
            objects.append(obj)
            if len(prep.problems) == before:
                rows.append(self._row_payload(line, rn, item, tax, vatcode, obj, digits))
        if not lines:
            prep.problem(
                self.env._("Invoice %(move)s has no invoice rows to send.", move=self._label(move))
            )
        return rows, objects

    def _row_item(self, prep, line, row_label, where):
        product = line.product_id
        item = (product.directo_code or "").strip()
        if not product:
            prep.problem(
                self.env._(
                    "%(row)s has no product. Directo needs an article code on every row: "
                    "choose a product that has a Directo Article Code.",
                    row=row_label,
                ),
                line,
            )
        elif not item:
            prep.problem(
                self.env._(
                    "%(row)s: product %(product)s has no Directo Article Code. Set it on "
                    "the product or import the article from Directo.",
                    row=row_label,
                    product=product.display_name,
                ),
                line,
                record=product,
            )
        else:
            prep.uses.append(CodeUse(ARTICLE, item, product.display_name, where, line))
        return item

    def _row_vatcode(self, prep, line, row_label, where):
        _ = self.env._
        taxes = line.tax_ids
        if not taxes:
            prep.problem(
                self.env._(
                    "%(row)s has no tax. Directo needs exactly one VAT code per row: add "
                    "one tax that has a Directo VAT Code.",
                    row=row_label,
                ),
                line,
            )
            return taxes, None
        if len(taxes) > 1:
            prep.problem(
                self.env._(
                    "%(row)s has %(count)s taxes (%(taxes)s). Directo takes exactly one "
                    "VAT code per row: keep one tax on the row.",
                    row=row_label,
                    count=len(taxes),
                    taxes=", ".join(taxes.mapped("name")),
                ),
                line,
            )
            return taxes, None
        vatcode = (taxes.directo_code or "").strip()
        if not vatcode:
            prep.problem(
                self.env._(
                    "%(row)s: tax %(tax)s has no Directo VAT Code. Pick it here, or set it "
                    "under Invoicing > Configuration > Accounting > Taxes > %(tax)s (Directo "
                    "VAT Code).",
                    row=row_label,
                    tax=taxes.name,
                ),
                line,
                record=taxes,
            )
            return taxes, None
        if not self._check_vat_rate(prep, line, row_label, taxes, vatcode):
            return taxes, None
        prep.uses.append(CodeUse(VAT, vatcode, taxes.name, where, line))
        return taxes, vatcode

    def _check_vat_rate(self, prep, line, row_label, tax, vatcode):
        """False (and a problem) when the tax's rate is not the rate of its Directo code:
        Directo would book other amounts than Odoo. Codes whose rate Odoo does not know
        (not in the copy, or its articles disagree) are not checked."""
        code_rate = prep.vat_rates.get(vatcode)
        if code_rate is None or tax.amount_type not in ("percent", "division"):
            return True
        if same_rate(tax.amount, code_rate):
            return True
        prep.problem(
            self.env._(
                "%(row)s: tax %(tax)s (%(tax_rate)s) is mapped to Directo VAT code %(code)s, "
                "whose rate is %(code_rate)s: Directo would book other amounts than Odoo. "
                "Give the tax the Directo VAT code of rate %(tax_rate)s.",
                row=row_label,
                tax=tax.name,
                tax_rate=format_rate(tax.amount),
                code=vatcode,
                code_rate=format_rate(code_rate),
            ),
            line,
            record=tax,
        )
        return False

    def _row_object(self, prep, line, row_label, where):
        move = line.move_id
        client = move.partner_id.commercial_partner_id
        client_user = client.user_id if client.directo_default_resource_is_user else None
        salesperson = move.invoice_user_id if move.company_id.directo_salesperson_fallback else None
        try:
            obj = resolve_row_object(
                row_label,
                _resource(line.directo_resource_id),
                client.display_name,
                _resource(client.directo_default_resource_id),
                client.directo_default_resource_is_user,
                _resource(client.user_id),
                invoice_salesperson=_resource(salesperson),
            )
        except RuleError as error:
            who = self._row_person(line, client, client_user, salesperson)
            prep.problem(error.translated(self.env._), line, record=who or None)
            return None
        _ = self.env._
        if line.directo_resource_id:
            who, where = line.directo_resource_id, self.env._("%(row)s resource", row=where)
        elif client.directo_default_resource_id:
            who = client.directo_default_resource_id
            where = self.env._(
                "%(row)s, default resource of client %(client)s",
                row=where,
                client=client.display_name,
            )
        elif client_user:
            who = client.user_id
            where = self.env._(
                "%(row)s, salesperson of client %(client)s", row=where, client=client.display_name
            )
        else:
            who = salesperson
            where = self.env._("%(row)s, salesperson of the invoice", row=where)
        prep.uses.append(CodeUse(OBJECT, obj, who.name, where, line))
        return obj

    @staticmethod
    def _row_person(line, client, client_user, salesperson):
        """The user whose Directo code a row's object comes from (or would)."""
        return (
            line.directo_resource_id
            or client.directo_default_resource_id
            or client_user
            or salesperson
        )

    def _row_payload(self, line, rn, item, tax, vatcode, obj, digits):
        move = line.move_id
        sign = -1 if move.move_type == "out_refund" else 1
        price = line.price_unit
        if tax.price_include:
            price = tax.compute_all(
                price,
                currency=move.currency_id,
                quantity=1.0,
                product=line.product_id,
                partner=move.partner_id,
            )["total_excluded"]
        return InvoiceRowPayload(
            item=item,
            description=line.name or line.product_id.display_name,
            quantity=_decimal(sign * line.quantity, digits["qty"]),
            price=_decimal(price, digits["price"]),
            discount=_decimal(line.discount, digits["discount"]) if line.discount else None,
            vatcode=vatcode,
            object=obj,
            rn=rn,
        )

    # ------------------------------------------------------------------ numbers

    @api.model
    def _check_numbers(self, prepared):
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
        holders = self.env["account.move"].search_fetch(
            [
                ("directo_number", "in", list({number for _c, number in by_key})),
                ("company_id", "in", list({company for company, _n in by_key})),
                ("id", "not in", [prep.move.id for prep in prepared]),
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
                prep.problem(
                    self.env._(
                        "Invoice %(move)s maps to Directo number %(number)s, like "
                        "%(others)s. Directo numbers must be unique: set a different "
                        "Directo number prefix (or credit note prefix) on journal "
                        "%(journal)s (Invoicing > Configuration > Accounting > Journals).",
                        move=prep.move.name,
                        number=number,
                        others=", ".join(others),
                        journal=prep.move.journal_id.name,
                    )
                )
                prep.payload = None

    # ------------------------------------------------------------------ Directo's registers

    @api.model
    def _check_registers(self, prepared):
        """Codes Directo does not have, or has closed, according to Odoo's copy of its
        registers: listed with the other problems, before anything is sent.

        A copy that is missing or too old checks nothing (the export then relies on
        Directo's answer). When the copy finds something, it is first brought up to date
        (a few requests per company, at most once a minute), so a code created in Directo
        a moment ago does not stop the invoice.
        """
        by_company = defaultdict(list)
        for prep in prepared:
            if prep.uses and prep.move.company_id.directo_invoice_export:
                by_company[prep.move.company_id].append(prep)
        Register = self.env["directo.register"].sudo()
        for company, preps in by_company.items():
            codes = {use.code for prep in preps for use in prep.uses}
            findings = self._register_findings(company, preps, codes)
            if any(findings.values()):
                Register._directo_for(company)._directo_refresh()
                findings = self._register_findings(company, preps, codes)
            for prep, found in findings.items():
                for finding in found:
                    prep.problem(
                        finding.message.translated(self.env._),
                        finding.use.ref,
                        record=self._finding_record(finding),
                    )
                if found:
                    prep.payload = None

    def _finding_record(self, finding):
        """The product or user whose code Directo does not have (the dialog offers to
        pick another from Directo's list); None for the others."""
        line = finding.use.ref
        if not line:
            return None
        if finding.use.kind == ARTICLE:
            return line.product_id
        if finding.use.kind == OBJECT:
            move = line.move_id
            client = move.partner_id.commercial_partner_id
            client_user = client.user_id if client.directo_default_resource_is_user else None
            salesperson = (
                move.invoice_user_id if move.company_id.directo_salesperson_fallback else None
            )
            return self._row_person(line, client, client_user, salesperson) or None
        return None

    def _register_findings(self, company, preps, codes):
        views = self.env["directo.register"].sudo()._directo_views(company, codes)
        return {prep: register_findings(prep.uses, views) for prep in preps}
