"""Client balances: does Directo agree with Odoo? Pure rules, no Odoo.

Directo reports each client's open receivables (``balance`` of ``what=customer``,
reference §3.1 and §4 point 8). Odoo computes what that balance should be from the invoices
and credit notes it sent there minus what Directo reported as paid for them. A client whose
two figures differ by more than the tolerance gets its difference explained, cause by cause:
each :class:`Cause` carries the part of *Directo − Odoo* it accounts for; what no cause
accounts for is the residual, "only in Directo" (or "only in Odoo" when negative).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AMOUNT",
    "CANCELLED",
    "CAUSES",
    "CLIENT_NOT_IN_DIRECTO",
    "CLIENT_NOT_IN_ODOO",
    "CREDIT_NOTE",
    "NOT_SENT",
    "ONLY_IN_DIRECTO",
    "ONLY_IN_ODOO",
    "PAID_IN_ODOO",
    "UNKNOWN_INVOICE",
    "Cause",
    "differs",
    "explain",
    "main_cause",
]

#: Directo's amount for an invoice Odoo sent differs from Odoo's total (receipts' invoice sum).
AMOUNT = "amount"
#: Odoo counts an invoice or credit note Directo may not hold (To send, Sending, Unknown
#: outcome, Needs attention, Failed).
NOT_SENT = "not_sent"
#: Cancelled or reset to draft in Odoo while Directo still holds it.
CANCELLED = "cancelled"
#: A receipt in Directo pays an invoice number Odoo does not know: an invoice only in Directo.
UNKNOWN_INVOICE = "unknown_invoice"
#: Directo does not count (all or some of) the credit notes Odoo sent in the balance.
CREDIT_NOTE = "credit_note"
#: Odoo's receivable is lower than Directo's open amount: paid in Odoo, not in Directo.
PAID_IN_ODOO = "paid_in_odoo"
#: Directo lists the client, Odoo has no client with its code.
CLIENT_NOT_IN_ODOO = "client_not_in_odoo"
#: Odoo counts an open balance for a client Directo's list of open clients does not have.
CLIENT_NOT_IN_DIRECTO = "client_not_in_directo"
#: What no cause explains.
ONLY_IN_DIRECTO = "only_in_directo"
ONLY_IN_ODOO = "only_in_odoo"
#: Every cause, in the order they are shown.
CAUSES = (
    AMOUNT,
    NOT_SENT,
    CANCELLED,
    UNKNOWN_INVOICE,
    CREDIT_NOTE,
    PAID_IN_ODOO,
    CLIENT_NOT_IN_ODOO,
    CLIENT_NOT_IN_DIRECTO,
    ONLY_IN_DIRECTO,
    ONLY_IN_ODOO,
)


@dataclass(frozen=True, slots=True)
class Cause:
    """One part of a client's difference.

    ``amount``: the part of *Directo − Odoo* it explains (None: Odoo cannot say how much,
    e.g. a receipt for an unknown invoice whose invoice sum Directo did not report).
    ``move_id``: the Odoo invoice concerned; ``number``: Directo's invoice number;
    ``detail``: plain values for the message (states, amounts, receipt numbers).
    """

    kind: str
    amount: float | None
    move_id: int | None = None
    number: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def _round(value: float, digits: int) -> float:
    return round(value + 0.0, digits)


def differs(directo: float, odoo: float, tolerance: float, digits: int = 2) -> bool:
    """Whether the balances differ by more than ``tolerance`` (compared in cents)."""
    return _round(abs(directo - odoo), digits) > _round(tolerance, digits)


def _credit_note_causes(
    residual: float,
    credit_notes: Sequence[tuple[int, int | None, float]],
    tolerance: float,
    digits: int,
) -> list[Cause]:
    """Credit notes that account for the residual: Directo holds more by exactly their
    (negative) total, i.e. it does not subtract them. One credit note alone first, then
    all of them together."""
    for move_id, number, total in credit_notes:
        if not differs(residual, -total, tolerance, digits):
            return [Cause(CREDIT_NOTE, _round(-total, digits), move_id, number)]
    together = sum(total for _m, _n, total in credit_notes)
    if len(credit_notes) > 1 and not differs(residual, -together, tolerance, digits):
        return [
            Cause(CREDIT_NOTE, _round(-total, digits), move_id, number)
            for move_id, number, total in credit_notes
        ]
    return []


def explain(
    difference: float,
    causes: Iterable[Cause],
    credit_notes: Sequence[tuple[int, int | None, float]] = (),
    tolerance: float = 0.01,
    digits: int = 2,
) -> tuple[list[Cause], float]:
    """The causes of a client's ``difference`` (Directo − Odoo) and the residual.

    ``causes``: what Odoo found (amounts, invoices not sent, receipts for unknown
    numbers...). ``credit_notes``: ``(move id, Directo number, signed total)`` of the
    credit notes Directo holds; they become a cause only when they account for what the
    other causes leave. The residual beyond the tolerance becomes "only in Directo"
    (positive) or "only in Odoo" (negative). Returns (causes, unexplained amount).
    """
    found = [cause for cause in causes if cause.amount is None or _round(cause.amount, digits)]
    explained = sum(cause.amount for cause in found if cause.amount is not None)
    residual = _round(difference - explained, digits)
    if differs(residual, 0.0, tolerance, digits) and credit_notes:
        credit = _credit_note_causes(residual, credit_notes, tolerance, digits)
        found += credit
        residual = _round(residual - sum(cause.amount for cause in credit), digits)
    if differs(residual, 0.0, tolerance, digits):
        found.append(Cause(ONLY_IN_DIRECTO if residual > 0 else ONLY_IN_ODOO, residual))
    else:
        residual = 0.0
    order = {kind: index for index, kind in enumerate(CAUSES)}
    found.sort(key=lambda cause: (order.get(cause.kind, len(order)), cause.number or 0))
    return found, residual


def main_cause(causes: Iterable[Cause]) -> str | None:
    """The cause that explains the largest part (for grouping lines); a cause without an
    amount only when no other has one."""
    best, best_amount = None, -1.0
    for cause in causes:
        amount = abs(cause.amount) if cause.amount is not None else 0.0
        if amount > best_amount:
            best, best_amount = cause.kind, amount
    return best
