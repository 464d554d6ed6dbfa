"""Directo's VAT codes and rates, the proposed mappings, the salesperson fallback."""

import io
from decimal import Decimal

import pytest

from xmldirect import codec
from xmldirect.rules import Resource, RuleError, resolve_row_object
from xmldirect.vatcodes import (
    ARTICLES,
    CONFLICT,
    implied_rate,
    propose_tax_codes,
    propose_user_codes,
    rates_from_articles,
    same_rate,
)

D = Decimal


@pytest.mark.parametrize(
    ("salesprice", "vatprice", "rate"),
    [
        ("80", "99.20", D(24)),
        ("3.20", "3.97", D(24)),  # 3.968 rounded by Directo: still 24, not 24.06
        ("350", "427", D(22)),
        ("25", "27.25", D(9)),
        ("80", "80", D(0)),
        ("100", "105.50", D("5.5")),
        ("0.01", "0.01", D(0)),  # too small to tell 24 % from 0 %: the roundest rate wins
    ],
)
def test_implied_rate(salesprice, vatprice, rate):
    assert implied_rate(D(salesprice), D(vatprice)) == rate


@pytest.mark.parametrize(
    ("salesprice", "vatprice"), [(None, "1"), ("1", None), ("0", "0"), ("10", "9"), ("-5", "1")]
)
def test_implied_rate_unknown(salesprice, vatprice):
    assert implied_rate(_dec(salesprice), _dec(vatprice)) is None


def _dec(value):
    return None if value is None else D(value)


def test_rates_from_articles_agree_and_conflict():
    rates = rates_from_articles(
        [
            ("1", D("80"), D("99.20")),
            ("1", D("3.20"), D("3.97")),
            ("2", D("25"), D("27.25")),
            ("5", D("10"), D("12.40")),  # 24 %
            ("5", D("10"), D("12.20")),  # 22 %: the articles of code 5 disagree
            ("", D("10"), D("12.40")),  # no code
            ("6", None, D("1")),  # no price: tells nothing
        ]
    )
    assert rates["1"].rate == D(24) and rates["1"].source == ARTICLES and rates["1"].articles == 2
    assert rates["2"].rate == D(9)
    assert rates["5"].rate is None and rates["5"].source == CONFLICT
    assert set(rates) == {"1", "2", "5"}


def test_same_rate():
    assert same_rate(22.0, D("22"))
    assert not same_rate(D("22"), D("24"))
    assert not same_rate(None, D("0"))


def test_propose_tax_codes_only_unambiguous():
    codes = {"1": D(24), "2": D(9), "3": D(0), "4": D(22), "9": D(9), "X": None}
    proposals = propose_tax_codes([(10, 22.0), (11, 24.0), (12, 9.0), (13, 13.0), (14, 0)], codes)
    # 9 % has two Directo codes: not proposed; 13 % has none.
    assert proposals == {10: "4", 11: "1", 14: "3"}


def test_propose_user_codes_by_name_then_email():
    objects = [
        ("JAAN", "Jaan Tamm"),
        ("ADMIN", "Administrator"),
        ("MARI", "Mari Mets"),
        ("MARI2", "Mari Mets"),
        ("KATRIN", "Katrin Kask"),
    ]
    users = [
        (1, "Jaan  TAMM", "jt@firm.ee"),  # by name, blanks and case ignored
        (2, "Mitchell Admin", "admin@yourcompany.example.com"),  # by e-mail's local part
        (3, "Mari Mets", "mari.mets@firm.ee"),  # two objects named so: ambiguous
        (4, "Katrin", "katrin@firm.ee"),
        (5, "Someone Else", "katrin@other.ee"),  # KATRIN would go to two users: neither
        (6, "Nobody", None),
    ]
    assert propose_user_codes(users, objects) == {1: ("JAAN", "name"), 2: ("ADMIN", "email")}


def test_propose_user_codes_accents():
    assert propose_user_codes([(1, "Jüri Kask", "")], [("JK", "Juri Kask")]) == {1: ("JK", "name")}


def test_register_entry_carries_article_prices():
    body = (
        b'<transport><items><item code="A" name="x" vatcode="1" salesprice="80" '
        b'vatprice="99.20" closed="0"/><item code="B"/></items></transport>'
    )
    entries = list(codec.iter_register(io.BytesIO(body), "item"))
    assert (entries[0].vatcode, entries[0].salesprice, entries[0].vatprice) == (
        "1",
        D("80"),
        D("99.20"),
    )
    assert entries[1].vatcode is None and entries[1].vatprice is None


def test_vat_code_list_tolerant_names():
    body = (
        b"<transport><itemaccountvatcodes>"
        b'<itemaccountvatcode vatcode="1" vatrate="24" name="KM 24%"/>'
        b'<itemaccountvatcode code="2" rate="9"/>'
        b'<itemaccountvatcode code="7"/>'
        b'<itemaccountvatcode account="3000"/>'
        b"</itemaccountvatcodes></transport>"
    )
    entries = list(codec.iter_vat_code_list(io.BytesIO(body)))
    assert [(e.code, e.rate, e.name) for e in entries] == [
        ("1", D(24), "KM 24%"),
        ("2", D(9), None),
        ("7", None, None),
    ]


def test_vat_code_list_empty_answer():
    assert list(codec.iter_vat_code_list(io.BytesIO(b"<transport/>"))) == []


# --------------------------------------------------------------------------- salesperson

ROW = "INV/2026/00001 row 1 (Consulting)"


def _resolve(**kw):
    args = {
        "row_resource": None,
        "client_default_resource": None,
        "default_resource_is_default_user": False,
        "client_default_user": None,
    }
    args.update(kw)
    return resolve_row_object(
        ROW,
        args["row_resource"],
        "Client OÜ",
        args["client_default_resource"],
        args["default_resource_is_default_user"],
        args["client_default_user"],
        invoice_salesperson=args.get("invoice_salesperson"),
    )


def test_salesperson_is_the_last_fallback():
    jaan = Resource("Jaan", "JAAN")
    mari = Resource("Mari", "MARI")
    assert _resolve(invoice_salesperson=jaan) == "JAAN"
    assert _resolve(row_resource=mari, invoice_salesperson=jaan) == "MARI"
    assert _resolve(client_default_resource=mari, invoice_salesperson=jaan) == "MARI"
    assert (
        _resolve(
            default_resource_is_default_user=True,
            client_default_user=mari,
            invoice_salesperson=jaan,
        )
        == "MARI"
    )


def test_salesperson_without_code_is_named():
    with pytest.raises(RuleError) as err:
        _resolve(invoice_salesperson=Resource("Kadri Lepp", " "))
    assert "salesperson Kadri Lepp of the invoice has no Directo code" in str(err.value)


def test_without_salesperson_the_row_needs_a_resource():
    with pytest.raises(RuleError, match="has no resource"):
        _resolve()
