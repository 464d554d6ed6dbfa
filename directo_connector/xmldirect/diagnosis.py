"""Which Odoo record to fix when Directo refuses an invoice (or would): pure, no Odoo.

Directo's wording for an unknown or closed code is undocumented (xml-direct.md §2.4): a
refusal may name the code, only the kind of record, say it in Estonian, or be a generic
"Error on import". So the explanation never depends on the description. It is built from

* the **code uses** of the invoice (:class:`CodeUse`: every client, article, VAT, object
  and salesman code it sends, with the Odoo record that carries it), and
* what Odoo knows of **Directo's registers** (:class:`RegisterView`: for the customer,
  item and object components, which of the asked codes Directo has and whether they are
  closed; the Odoo layer keeps that copy up to date with the ``ts`` filter).

Directo's VAT codes have no register XML Direct documents: when every other code is known
and open, the invoice's VAT codes are named as the remaining suspects. Words of the
description (English or Estonian) only decide which findings come first.

The same findings serve the pre-send check (:func:`register_findings`), before anything is
sent, and the explanation of a refusal (:func:`refusal_diagnosis`).
"""

# Odoo-free layer: there is no env here. ``_`` only marks English templates for Odoo's
# translation export; the Odoo layer translates them with ``env._`` (Message / RuleError).
# pylint: disable=prefer-env-translation

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .codec import PutResult
from .outcome import Message, is_duplicate
from .rules import _

__all__ = [
    "ARTICLE",
    "CHECKED_BEFORE_SENDING",
    "CLIENT",
    "CLOSED",
    "OBJECT",
    "REGISTER_OF",
    "SALESMAN",
    "UNKNOWN",
    "VAT",
    "CodeUse",
    "Finding",
    "RegisterView",
    "Sentences",
    "describe_use",
    "diagnosable",
    "named_uses",
    "refusal_diagnosis",
    "register_findings",
]

# Kinds of code an invoice sends.
CLIENT = "client"
ARTICLE = "article"
VAT = "vat"
OBJECT = "object"
SALESMAN = "salesman"
KIND_ORDER = (CLIENT, ARTICLE, OBJECT, SALESMAN, VAT)

#: The Directo component whose register must hold each kind of code. The test server and the
#: help page treat salesman codes as object codes; VAT codes have no readable register.
REGISTER_OF = {CLIENT: "customer", ARTICLE: "item", OBJECT: "object", SALESMAN: "object"}

#: Kinds the pre-send check refuses on. A salesman code missing from the objects is only
#: a suspect after a refusal: Directo's salesman register itself cannot be read.
CHECKED_BEFORE_SENDING = (CLIENT, ARTICLE, OBJECT)

# What a register says about a code.
UNKNOWN = "unknown"
CLOSED = "closed"

#: Result types whose meaning is certain already (confirmed, saved-not-confirmed, key or
#: feed refused, routing, unreadable XML, missing number, nothing to process, uniqueid,
#: removal): no code look-up would add anything. Duplicates are recognised separately.
_CERTAIN_TYPES = frozenset({5, 8, 11, 12, 14, 18, 19, 29, 99, 404})

#: Words of a description (English, Estonian) hinting at a kind: they order the findings.
_HINTS = {
    CLIENT: re.compile(r"customer|client|klient", re.IGNORECASE),
    ARTICLE: re.compile(r"\bitem|article|artik|\btoode|\btoote", re.IGNORECASE),
    OBJECT: re.compile(r"object|objekt", re.IGNORECASE),
    SALESMAN: re.compile(r"salesman|seller|m[üu]{1,2}ja", re.IGNORECASE),
    VAT: re.compile(r"\bvat|\bkm\b|\bkm[- ]?kood|k[äa]ibemaks", re.IGNORECASE),
}

_FINDING_TEMPLATES = {
    (CLIENT, UNKNOWN): _(
        "Directo does not know client code %(code)s of client %(record)s: fix the client's "
        "Directo Client Code or import the clients from Directo."
    ),
    (CLIENT, CLOSED): _(
        "Client %(record)s (code %(code)s) is closed in Directo: reopen it in Directo or "
        "give the client the code of an open Directo client."
    ),
    (ARTICLE, UNKNOWN): _(
        "Directo does not know article code %(code)s of product %(record)s (%(where)s): fix "
        "the product's Directo Article Code or import the articles from Directo."
    ),
    (ARTICLE, CLOSED): _(
        "Article %(code)s of product %(record)s (%(where)s) is closed in Directo: reopen it "
        "in Directo or give the product the code of an open article."
    ),
    (OBJECT, UNKNOWN): _(
        "Directo has no object %(code)s: user %(record)s (%(where)s). Fix the user's Directo "
        "Code (Invoicing > Directo > Resources) or create the object in Directo."
    ),
    (OBJECT, CLOSED): _(
        "Object %(code)s is closed in Directo: user %(record)s (%(where)s). Reopen it in "
        "Directo or fix the user's Directo Code (Invoicing > Directo > Resources)."
    ),
    (SALESMAN, UNKNOWN): _(
        "Directo has no object %(code)s for the salesman: user %(record)s (%(where)s). Fix "
        "the user's Directo Code (Invoicing > Directo > Resources) so it matches a salesman "
        "/ object code in Directo."
    ),
    (SALESMAN, CLOSED): _(
        "Object %(code)s of the salesman is closed in Directo: user %(record)s (%(where)s). "
        "Reopen it in Directo or fix the user's Directo Code (Invoicing > Directo > "
        "Resources)."
    ),
}

#: The field to fix, per kind of code (where the user corrects it in Odoo).
_FIELD_TEMPLATES = {
    CLIENT: _("the client's Directo Client Code"),
    ARTICLE: _("the product's Directo Article Code"),
    VAT: _("the tax's Directo VAT Code (Invoicing > Configuration > Accounting > Taxes)"),
    OBJECT: _("the user's Directo Code (Invoicing > Directo > Resources)"),
    SALESMAN: _("the user's Directo Code (Invoicing > Directo > Resources)"),
}

_USE_TEMPLATES = {
    CLIENT: _("client code %(code)s of client %(record)s"),
    ARTICLE: _("article code %(code)s of product %(record)s (%(where)s)"),
    VAT: _("VAT code %(code)s of tax %(record)s (%(where)s)"),
    OBJECT: _("object code %(code)s of user %(record)s (%(where)s)"),
    SALESMAN: _("salesman code %(code)s of user %(record)s (%(where)s)"),
}


@dataclass(frozen=True)
class CodeUse:
    """One code an invoice sends and the Odoo record it comes from.

    ``record`` is the record's display name (client, product, tax or user), ``where`` the
    place on the invoice ("INV/2026/00003 row 2", "the client's salesperson"); ``ref`` is
    the caller's own (e.g. the invoice line), never looked at here.
    """

    kind: str
    code: str
    record: str
    where: str = ""
    ref: Any = None


@dataclass(frozen=True)
class RegisterView:
    """What Odoo knows of one Directo register for the codes asked about.

    ``codes`` maps each code Directo has to its closed flag; a code missing from it is
    unknown to Directo. ``usable`` is False when the copy cannot be relied on (never read,
    too old, the feed not activated...); ``reason`` then says why, for the user.
    """

    component: str
    codes: Mapping[str, bool]
    usable: bool = True
    reason: str = ""


@dataclass(frozen=True)
class Finding:
    """A code Directo does not have, or has closed."""

    use: CodeUse
    status: str

    @property
    def message(self) -> Message:
        use = self.use
        return Message(
            _FINDING_TEMPLATES[(use.kind, self.status)],
            {"code": use.code, "record": use.record, "where": use.where},
        )


@dataclass(frozen=True)
class Sentences:
    """Several messages shown one after the other (a parameter of a :class:`Message`)."""

    messages: tuple[Message, ...]
    separator: str = " "

    def translated(self, gettext) -> str:
        return self.separator.join(message.translated(gettext) for message in self.messages)


def describe_use(use: CodeUse) -> Message:
    """ "article code X of product Y (INV/1 row 2)": the code and where it comes from."""
    return Message(
        _USE_TEMPLATES[use.kind], {"code": use.code, "record": use.record, "where": use.where}
    )


def _merge(uses: Iterable[CodeUse]) -> list[CodeUse]:
    """One use per (kind, code, record); the places where it occurs joined."""
    merged: dict[tuple[str, str, str], CodeUse] = {}
    for use in uses:
        key = (use.kind, use.code, use.record)
        known = merged.get(key)
        if known is None:
            merged[key] = use
        elif use.where and use.where not in known.where.split(", "):
            where = f"{known.where}, {use.where}" if known.where else use.where
            merged[key] = CodeUse(known.kind, known.code, known.record, where, known.ref)
    return list(merged.values())


def register_findings(
    uses: Iterable[CodeUse],
    registers: Mapping[str, RegisterView],
    kinds: Sequence[str] = CHECKED_BEFORE_SENDING,
) -> list[Finding]:
    """The uses of ``kinds`` whose code a usable register does not have, or has closed.

    ``registers`` maps a component ("customer", "item", "object") to its view; a
    component without a usable view is not judged.
    """
    findings = []
    for use in uses:
        if use.kind not in kinds:
            continue
        view = registers.get(REGISTER_OF.get(use.kind, ""))
        if view is None or not view.usable:
            continue
        closed = view.codes.get(use.code)
        if closed is None:
            findings.append(Finding(use, UNKNOWN))
        elif closed:
            findings.append(Finding(use, CLOSED))
    return findings


def _names(desc: str, code: str) -> bool:
    """``desc`` names ``code`` as a whole word ("ART-1" is not named by "ART-10")."""
    pattern = r"(?<![0-9A-Za-z])" + re.escape(code.lower()) + r"(?![0-9A-Za-z])"
    return re.search(pattern, desc.lower()) is not None


def named_uses(uses: Iterable[CodeUse], desc: str) -> list[CodeUse]:
    """The uses whose code Directo's description names."""
    desc = desc or ""
    return [use for use in uses if use.code and _names(desc, use.code)]


def diagnosable(result: PutResult) -> bool:
    """A refusal whose cause may be a code of the invoice (worth a look-up)."""
    if result.success or result.type_code is None:
        return False
    return result.type_code not in _CERTAIN_TYPES and not is_duplicate(result)


def _order(findings: list[Finding], desc: str, named: list[CodeUse]) -> list[Finding]:
    """Codes the description names first, then kinds it hints at, then the usual order."""
    hinted = [kind for kind in KIND_ORDER if _HINTS[kind].search(desc or "")]

    def rank(finding: Finding) -> tuple[int, int, int]:
        kind = finding.use.kind
        return (
            0 if finding.use in named else 1,
            0 if kind in hinted else 1,
            KIND_ORDER.index(kind),
        )

    return sorted(findings, key=rank)


def _uses_list(uses: Iterable[CodeUse]) -> Sentences:
    return Sentences(tuple(describe_use(use) for use in uses), "; ")


def refusal_diagnosis(
    result: PutResult,
    *,
    invoice: str,
    uses: Sequence[CodeUse],
    registers: Mapping[str, RegisterView],
) -> Message | None:
    """Explain Directo's refusal of ``invoice``, naming the record and field to fix.

    Returns None when there is nothing to add: the type's meaning is certain already
    (:func:`diagnosable`), or a Type 13 (client not identified) whose client code Directo
    has (its own message says what else identifies a client). Directo's Type and Desc are
    always quoted verbatim.
    """
    if not diagnosable(result):
        return None
    desc = (result.desc or "").strip()
    uses = _merge(uses)
    named = named_uses(uses, desc)
    # Type 13 is about the client only (Directo could not identify it).
    kinds = (CLIENT,) if result.type_code == 13 else tuple(REGISTER_OF)
    findings = _order(register_findings(uses, registers, kinds=kinds), desc, named)
    parts: list[Message] = [finding.message for finding in findings]
    if not parts and result.type_code == 13:
        return None
    if not parts:
        parts = _without_findings(uses, registers, named)
    return Message(
        _(
            "Directo refused invoice %(move)s (number %(number)s). %(diagnosis)s "
            "(Directo Type %(type)s: %(desc)s)"
        ),
        {
            "move": invoice,
            "number": result.number,
            "diagnosis": Sentences(tuple(parts)),
            "type": result.type_code,
            "desc": desc or Message(_("no description")),
        },
    )


def _without_findings(
    uses: list[CodeUse], registers: Mapping[str, RegisterView], named: list[CodeUse]
) -> list[Message]:
    """Every code Odoo could check is known and open: say what is left to suspect."""
    parts = [
        Message(
            _(
                "Directo's description names %(what)s: check it in Directo and fix "
                "%(field)s so it matches."
            ),
            {"what": describe_use(use), "field": Message(_FIELD_TEMPLATES[use.kind])},
        )
        for use in named
    ]
    unchecked = False
    for component in ("customer", "item", "object"):
        view = registers.get(component)
        if view is not None and view.usable:
            continue
        pending = [
            use for use in uses if REGISTER_OF.get(use.kind) == component and use not in named
        ]
        if not pending:
            continue
        unchecked = True
        parts.append(
            Message(
                _("Odoo could not check %(what)s against Directo: %(why)s."),
                {
                    "what": _uses_list(pending),
                    "why": (view.reason if view is not None else "")
                    or Message(_("Odoo has no copy of this Directo register")),
                },
            )
        )
    vats = [use for use in uses if use.kind == VAT and use not in named]
    if vats and not unchecked and not named:
        parts.append(
            Message(
                _(
                    "Every client, article and object code of the invoice is known and open "
                    "in Directo, so the remaining suspects are its VAT codes, which XML Direct "
                    "does not list (Odoo knows only those its articles use): %(vats)s. Check "
                    "each tax's Directo VAT Code (Invoicing > Configuration > Accounting > "
                    "Taxes) against the VAT codes in Directo."
                ),
                {"vats": _uses_list(vats)},
            )
        )
    elif vats:
        parts.append(
            Message(
                _(
                    "The VAT codes cannot be listed through XML Direct either: %(vats)s "
                    "(Invoicing > Configuration > Accounting > Taxes, Directo VAT Code)."
                ),
                {"vats": _uses_list(vats)},
            )
        )
    if not parts:
        parts.append(
            Message(
                _(
                    "Every code of the invoice is known and open in Directo: the refusal has "
                    "another cause; Directo's description below says which."
                )
            )
        )
    return parts
