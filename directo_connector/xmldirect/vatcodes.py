"""Directo's VAT codes and their rates, and the mappings Odoo proposes: pure, no Odoo.

XML Direct documents no VAT code register. What it does document are the articles'
``vatcode``, ``salesprice`` (without VAT) and ``vatprice`` (with VAT) (``ws_artiklid.xsd``):
every priced article tells the rate of its VAT code. The get-only ``itemaccountvatcode``
component may list the codes too, but its fields are undocumented; where it answers with a
rate, that rate wins.

Proposals are only made when they are unambiguous: a tax is proposed the one Directo code of
its rate, a user the one object whose name (or code = the e-mail's local part) is theirs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "ARTICLES",
    "CONFLICT",
    "LIST",
    "VatCodeRate",
    "combine_article_rates",
    "format_rate",
    "implied_rate",
    "propose_tax_codes",
    "propose_user_codes",
    "rates_from_articles",
    "same_rate",
]

#: Where a code's rate comes from.
LIST = "itemaccountvatcode"  # Directo's own list (undocumented component)
ARTICLES = "item"  # the prices of the articles using it
CONFLICT = "conflict"  # articles using it imply different rates: no rate

_CENT = Decimal("0.01")
#: Rates are compared to this precision (a percent with two decimals).
_RATE_STEP = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def implied_rate(salesprice: Decimal | None, vatprice: Decimal | None) -> Decimal | None:
    """The VAT rate (percent) an article's prices imply, or None when they cannot tell.

    ``vatprice`` is rounded to cents by Directo, so the raw ratio is not exact: the rate is
    the roundest one (whole, one decimal, two decimals) that gives back ``vatprice`` from
    ``salesprice``. None for a missing or non-positive price, a ``vatprice`` below
    ``salesprice``, or prices no such rate explains.
    """
    if salesprice is None or vatprice is None or salesprice <= 0 or vatprice < salesprice:
        return None
    try:
        raw = (vatprice / salesprice - 1) * 100
    except InvalidOperation:
        return None
    for step in (Decimal("1"), Decimal("0.1"), _RATE_STEP):
        rate = raw.quantize(step, rounding=ROUND_HALF_UP)
        if _cents(salesprice * (1 + rate / 100)) == _cents(vatprice):
            return rate.normalize() if rate else Decimal(0)
    return None


def format_rate(rate: Decimal | float) -> str:
    """A rate as users read it: ``22 %``, ``5.5 %``."""
    return "%s %%" % Decimal(str(rate)).quantize(_RATE_STEP).normalize()


def same_rate(rate: Decimal | float | None, other: Decimal | float | None) -> bool:
    """Two rates in percent are the same (to two decimals); None equals nothing."""
    if rate is None or other is None:
        return False
    return abs(Decimal(str(rate)) - Decimal(str(other))) < _RATE_STEP / 2


@dataclass(frozen=True)
class VatCodeRate:
    """A Directo VAT code, its rate (None when unknown) and where the rate comes from."""

    code: str
    rate: Decimal | None
    source: str
    #: How many priced articles use the code (0 when the rate comes from Directo's list).
    articles: int = 0
    name: str | None = None


def rates_from_articles(
    articles: Iterable[tuple[str | None, Decimal | None, Decimal | None]],
) -> dict[str, VatCodeRate]:
    """``{code: VatCodeRate}`` from ``(vatcode, salesprice, vatprice)`` of articles.

    Articles without a code or without usable prices tell nothing. Articles of one code
    that imply different rates give it no rate (source :data:`CONFLICT`): guessing would
    let a wrong code through the rate check.
    """
    return combine_article_rates(
        (code, implied_rate(salesprice, vatprice)) for code, salesprice, vatprice in articles
    )


def combine_article_rates(
    articles: Iterable[tuple[str | None, Decimal | float | None]],
) -> dict[str, VatCodeRate]:
    """:func:`rates_from_articles` from ``(vatcode, implied rate)`` of articles."""
    seen: dict[str, set[Decimal]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for code, rate in articles:
        code = (code or "").strip()
        if not code or rate is None:
            continue
        rate = Decimal(str(rate))
        seen[code].add(rate.quantize(_RATE_STEP))
        counts[code] += 1
    out = {}
    for code, rates in seen.items():
        if len(rates) == 1:
            out[code] = VatCodeRate(code, next(iter(rates)).normalize(), ARTICLES, counts[code])
        else:
            out[code] = VatCodeRate(code, None, CONFLICT, counts[code])
    return out


def propose_tax_codes(
    taxes: Iterable[tuple[int, Decimal | float]], codes: Mapping[str, Decimal | None]
) -> dict[int, str]:
    """``{tax id: code}`` for the taxes whose rate exactly one Directo code has."""
    by_rate: dict[Decimal, list[str]] = defaultdict(list)
    for code, rate in codes.items():
        if rate is not None:
            by_rate[Decimal(str(rate)).quantize(_RATE_STEP)].append(code)
    proposals = {}
    for tax_id, rate in taxes:
        matches = by_rate.get(Decimal(str(rate)).quantize(_RATE_STEP), [])
        if len(matches) == 1:
            proposals[tax_id] = matches[0]
    return proposals


_BLANKS = re.compile(r"\s+")


def _name_key(text: str | None) -> str:
    """Names compared without case, accents and runs of blanks ("Jüri  Kask" = "juri kask")."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _BLANKS.sub(" ", text).strip().casefold()


def propose_user_codes(
    users: Iterable[tuple[int, str | None, str | None]],
    objects: Iterable[tuple[str, str | None]],
) -> dict[int, tuple[str, str]]:
    """``{user id: (code, reason)}`` for users that exactly one Directo object matches.

    ``users`` are ``(id, name, e-mail)``, ``objects`` ``(code, name)``. A user matches an
    object of the same name (reason ``"name"``), else one whose code is the local part of
    their e-mail (reason ``"email"``: ``jaan@firm.ee`` and ``JAAN``). Ambiguous matches and
    codes two users would get are not proposed.
    """
    by_name: dict[str, list[str]] = defaultdict(list)
    by_code: dict[str, list[str]] = defaultdict(list)
    for code, name in objects:
        if name and _name_key(name):
            by_name[_name_key(name)].append(code)
        by_code[code.strip().casefold()].append(code)
    found: dict[int, tuple[str, str]] = {}
    for user_id, name, email in users:
        codes = by_name.get(_name_key(name), []) if name else []
        if len(codes) == 1:
            found[user_id] = (codes[0], "name")
            continue
        local = (email or "").split("@")[0].strip().casefold() if email and "@" in email else ""
        codes = by_code.get(local, []) if local else []
        if len(codes) == 1:
            found[user_id] = (codes[0], "email")
    taken: dict[str, int] = defaultdict(int)
    for code, _reason in found.values():
        taken[code] += 1
    return {user: hit for user, hit in found.items() if taken[hit[0]] == 1}
