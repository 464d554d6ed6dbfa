"""Business rules of the Odoo <-> Directo exchange, as pure functions: the invoice export
and how Directo's contact persons become Odoo contacts.

Every failure is a :class:`RuleError` whose message names the record the user has to fix
and where to fix it, because these messages are shown to accountants, not developers.
"""

# Odoo-free layer: there is no env here. ``_`` only marks English templates for Odoo's
# translation export; the Odoo layer translates them with ``env._`` (Message / RuleError).
# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import NamedTuple

from .codec import MAX_DOCUMENT_NUMBER
from .errors import _

__all__ = [
    "MAX_DIRECTO_NUMBER",
    "ClientContacts",
    "Resource",
    "RuleError",
    "contact_person_name",
    "directo_invoice_number",
    "own_address",
    "payment_term_days",
    "resolve_row_object",
    "resolve_seller",
    "same_person",
    "split_client_contacts",
]

# Directo's largest document number (an SQL int): one definition, in the codec.
MAX_DIRECTO_NUMBER = MAX_DOCUMENT_NUMBER
_DIGITS = re.compile(r"[0-9]")  # ASCII only: str "\d" would also accept e.g. Arabic digits


class RuleError(ValueError):
    """A business rule cannot be satisfied; the message says what to fix.

    ``template`` (English, ``%(name)s`` placeholders) and ``params`` are kept apart so the
    Odoo layer can show the message in the user's language.
    """

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)

    def translated(self, gettext) -> str:
        """The message through ``gettext(template, **params)``, e.g. Odoo's ``env._``."""
        return gettext(self.template, **self.params)


class Resource(NamedTuple):
    """A person (Odoo user/resource) and their Directo object / salesman code."""

    name: str
    code: str | None


def directo_invoice_number(name: str, prefix: str = "") -> int:
    """Directo invoice number from an Odoo invoice name.

    All ASCII digits of ``name`` are kept in order (``INV/2026/00042`` -> 202600042,
    ``INV-2026-0042`` -> 20260042). ``prefix`` (digits only, e.g. per journal so that an
    invoice and a credit note of the same sequence differ) is put in front.

    Leading zeros vanish in the integer (``prefix="0"`` is useless; ``INV/0001`` -> 1), so
    the mapping is only unique if the names of one journal have a fixed digit layout.
    Raises :class:`RuleError` when the name has no digits, the result is 0, or it exceeds
    Directo's maximum document number 2147483647.
    """
    label = name or "(no name)"
    prefix = (prefix or "").strip()
    if prefix and not (prefix.isascii() and prefix.isdigit()):
        raise RuleError(
            _(
                "Invoice %(invoice)s: the Directo number prefix '%(prefix)s' must contain "
                "digits only."
            ),
            invoice=label,
            prefix=prefix,
        )
    digits = "".join(_DIGITS.findall(name or ""))
    if not digits:
        raise RuleError(
            _(
                "Invoice %(invoice)s: its number contains no digits, so no Directo invoice "
                "number can be derived from it. Rename the invoice sequence to include digits."
            ),
            invoice=label,
        )
    number = int(prefix + digits)
    if number == 0:
        raise RuleError(
            _("Invoice %(invoice)s: the derived Directo number is 0, which is invalid."),
            invoice=label,
        )
    if number > MAX_DIRECTO_NUMBER:
        if prefix:
            template = _(
                "Invoice %(invoice)s with Directo number prefix '%(prefix)s' gives Directo "
                "number %(number)s, larger than Directo's maximum %(maximum)s. Use a shorter "
                "journal sequence (fewer digits) or a shorter prefix."
            )
        else:
            template = _(
                "Invoice %(invoice)s gives Directo number %(number)s, larger than Directo's "
                "maximum %(maximum)s. Use a shorter journal sequence (fewer digits)."
            )
        raise RuleError(
            template, invoice=label, prefix=prefix, number=number, maximum=MAX_DIRECTO_NUMBER
        )
    return number


def _as_date(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def payment_term_days(invoice_date: dt.date | None, due_date: dt.date | None) -> int:
    """Whole days from invoice date to due date; 0 if equal/missing, never negative."""
    if invoice_date is None or due_date is None:
        return 0
    return max(0, (_as_date(due_date) - _as_date(invoice_date)).days)


def _code(resource: Resource) -> str | None:
    code = (resource.code or "").strip()
    return code or None


def resolve_row_object(
    row_label: str,
    row_resource: Resource | None,
    client_label: str,
    client_default_resource: Resource | None,
    default_resource_is_default_user: bool,
    client_default_user: Resource | None,
    invoice_salesperson: Resource | None = None,
) -> str:
    """Directo object/salesman code for one invoice row.

    Order: the row's own resource; only when the row has none, the client's default
    resource; then, if "default resource = default user" is on, the client's default user;
    last, the invoice's salesperson (``invoice_salesperson``: None when the company does
    not use that fallback or the invoice has none). A resource that *is* chosen but has no
    code is an error naming it - we never silently fall back past a person the user
    explicitly picked.
    """
    if row_resource is not None:
        code = _code(row_resource)
        if code:
            return code
        raise RuleError(
            _(
                "%(row)s: resource %(resource)s has no Directo code: set it under "
                "Directo > Resources."
            ),
            row=row_label,
            resource=row_resource.name,
        )
    if client_default_resource is not None:
        code = _code(client_default_resource)
        if code:
            return code
        raise RuleError(
            _(
                "%(row)s: default resource %(resource)s of client %(client)s has no Directo "
                "code: set it under Directo > Resources, or set a resource on the row."
            ),
            row=row_label,
            resource=client_default_resource.name,
            client=client_label,
        )
    if default_resource_is_default_user and client_default_user is not None:
        code = _code(client_default_user)
        if code:
            return code
        raise RuleError(
            _(
                "%(row)s: default user %(user)s of client %(client)s has no Directo code: set "
                "it under Directo > Resources, or set a resource on the row."
            ),
            row=row_label,
            user=client_default_user.name,
            client=client_label,
        )
    if invoice_salesperson is not None:
        code = _code(invoice_salesperson)
        if code:
            return code
        raise RuleError(
            _(
                "%(row)s: salesperson %(user)s of the invoice has no Directo code: set it "
                "under Directo > Resources, or set a resource on the row."
            ),
            row=row_label,
            user=invoice_salesperson.name,
        )
    raise RuleError(
        _(
            "%(row)s has no resource: set one on the row, or a default resource on client "
            "%(client)s."
        ),
        row=row_label,
        client=client_label,
    )


def resolve_seller(
    client_default_user: Resource | None, row_object_codes: Sequence[str | None]
) -> str | None:
    """Invoice-level seller: the client's default user's code, else the first row code."""
    if client_default_user is not None:
        code = _code(client_default_user)
        if code:
            return code
    for code in row_object_codes:
        if code and code.strip():
            return code.strip()
    return None


# --------------------------------------------------------------------------- contact persons

_BLANKS = re.compile(r"\s+")


def _person_key(text: str | None) -> str:
    """Comparable form of a name or address line: case and runs of whitespace ignored."""
    return _BLANKS.sub(" ", text or "").strip().casefold()


def same_person(name: str | None, other: str | None) -> bool:
    """True when two contact names are the same person (Directo has no person id that
    the customer's own ``contact`` refers to: the name is all there is)."""
    key = _person_key(name)
    return bool(key) and key == _person_key(other)


def contact_person_name(
    name: str | None, firstname: str | None = None, lastname: str | None = None
) -> str | None:
    """Directo's ``name`` ("Kontaktisik"), else first and last name; None if neither."""
    if name and name.strip():
        return _BLANKS.sub(" ", name).strip()
    joined = " ".join(part.strip() for part in (firstname, lastname) if part and part.strip())
    return joined or None


def own_address(
    person: Sequence[str | None], company: Sequence[str | None]
) -> tuple[str | None, ...] | None:
    """A contact person's address lines when they differ from the company's, else None.

    None means the contact shares the company's address (Odoo keeps such contacts in sync
    with their company); an empty address is no address of its own either.
    """
    lines = tuple((line or "").strip() or None for line in person)
    if not any(lines):
        return None
    if [_person_key(line) for line in lines] == [_person_key(line) for line in company]:
        return None
    return lines


class ClientContacts(NamedTuple):
    """What becomes of a Directo customer's own ``contact`` in Odoo (the company itself
    always gets the customer's e-mail and phone: they are the client's, and the address Odoo
    sends invoices to)."""

    #: Code of the contact person who is the customer's own ``contact`` (one Odoo contact
    #: carries both), or None.
    primary_code: str | None
    #: E-mail / phone of the child contact made from the customer's own ``contact``.
    contact_email: str | None
    contact_phone: str | None


def split_client_contacts(
    contact: str | None,
    email: str | None,
    phone: str | None,
    persons: Sequence[tuple[str, str | None, str | None, str | None]],
) -> ClientContacts:
    """The child contact made from a customer's ``contact``, given the customer's e-mail and
    phone and its contact persons ``(code, name, email, phone)``.

    * No ``contact``: no such child contact.
    * A ``contact`` that is none of the contact persons: its child contact gets the customer's
      e-mail and phone, as before contact persons were read.
    * A ``contact`` that is one of the contact persons (same name): one child contact, with
      the person's code and the person's own e-mail / phone, the customer's where the person
      has none.
    """
    if not (contact and contact.strip()):
        return ClientContacts(None, None, None)
    person = next((p for p in persons if same_person(p[1], contact)), None)
    if person is None:
        return ClientContacts(None, email or None, phone or None)
    code, _name, person_email, person_phone = person
    return ClientContacts(code, person_email or email or None, person_phone or phone or None)
