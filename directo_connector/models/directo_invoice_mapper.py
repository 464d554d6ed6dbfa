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
from ..xmldirect.outcome import CONFIRMED, holds_ours

EXPORT_MOVE_TYPES = ("out_invoice", "out_refund")


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

    def problem(self, message, line=None):
        self.problems.append(DirectoProblem(self.move, message, line))


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
        prepared = []
        for move in moves:
            prep = DirectoPrepared(move)
            prepared.append(prep)
            self._map_move(prep, resend, digits)
        self._check_numbers(prepared)
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
        if seller and seller not in prep.sources:
            prep.sources[seller].append(
                self.env._(
                    "salesman code %(code)s of user %(user)s",
                    code=seller,
                    user=client.user_id.name,
                )
            )
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

    def _label(self, move):
        return move.name or self.env._("(draft invoice %s)", move.id)

    def _check_document(self, prep, resend):
        move = prep.move
        label = self._label(move)
        _ = self.env._
        if move.state != "posted":
            state = dict(move._fields["state"]._description_selection(self.env))[move.state]
            prep.problem(
                _(
                    "Invoice %(move)s is %(state)s: only posted invoices go to Directo. "
                    "Confirm it first.",
                    move=label,
                    state=state.lower(),
                )
            )
        if not move.company_id.directo_invoice_export:
            prep.problem(
                _(
                    "Export to Directo is switched off for company %(company)s. Switch on "
                    "'Export Invoices to Directo' in Settings > Invoicing > Directo.",
                    company=move.company_id.name,
                )
            )
        if move.directo_document == CONFIRMED:
            prep.problem(
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
            prep.problem(
                _(
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
                    "(Accounting > Configuration > Journals).",
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
            prep.problem(
                self.env._(
                    "Invoice %(move)s: client %(client)s has no Directo client code. Set it "
                    "on the client (Directo Client Code) or import the client from Directo.",
                    move=self._label(move),
                    client=client.display_name,
                )
            )
        else:
            prep.sources[code].append(
                self.env._(
                    "client code %(code)s of client %(client)s",
                    code=code,
                    client=client.display_name,
                )
            )
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
            item = self._row_item(prep, line, row_label)
            tax, vatcode = self._row_vatcode(prep, line, row_label)
            obj = self._row_object(prep, line, row_label)
            objects.append(obj)
            if len(prep.problems) == before:
                rows.append(self._row_payload(line, rn, item, tax, vatcode, obj, digits))
        if not lines:
            prep.problem(
                self.env._("Invoice %(move)s has no invoice rows to send.", move=self._label(move))
            )
        return rows, objects

    def _row_item(self, prep, line, row_label):
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
            )
        else:
            prep.sources[item].append(
                self.env._(
                    "article code %(code)s of product %(product)s (%(row)s)",
                    code=item,
                    product=product.display_name,
                    row=row_label,
                )
            )
        return item

    def _row_vatcode(self, prep, line, row_label):
        _ = self.env._
        taxes = line.tax_ids
        if not taxes:
            prep.problem(
                _(
                    "%(row)s has no tax. Directo needs exactly one VAT code per row: add "
                    "one tax that has a Directo VAT Code.",
                    row=row_label,
                ),
                line,
            )
            return taxes, None
        if len(taxes) > 1:
            prep.problem(
                _(
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
                _(
                    "%(row)s: tax %(tax)s has no Directo VAT Code. Set it under "
                    "Accounting > Configuration > Taxes > %(tax)s (Directo VAT Code).",
                    row=row_label,
                    tax=taxes.name,
                ),
                line,
            )
            return taxes, None
        prep.sources[vatcode].append(
            _("VAT code %(code)s of tax %(tax)s", code=vatcode, tax=taxes.name)
        )
        return taxes, vatcode

    def _row_object(self, prep, line, row_label):
        client = line.move_id.partner_id.commercial_partner_id
        try:
            obj = resolve_row_object(
                row_label,
                _resource(line.directo_resource_id),
                client.display_name,
                _resource(client.directo_default_resource_id),
                client.directo_default_resource_is_user,
                _resource(client.user_id),
            )
        except RuleError as error:
            prep.problem(error.translated(self.env._), line)
            return None
        who = line.directo_resource_id or client.directo_default_resource_id or client.user_id
        prep.sources[obj].append(
            self.env._(
                "object code %(code)s of user %(user)s (%(row)s)",
                code=obj,
                user=who.name,
                row=row_label,
            )
        )
        return obj

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
                        "%(journal)s (Accounting > Configuration > Journals).",
                        move=prep.move.name,
                        number=number,
                        others=", ".join(others),
                        journal=prep.move.journal_id.name,
                    )
                )
                prep.payload = None
