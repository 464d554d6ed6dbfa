import datetime as dt

import pytest

from xmldirect.rules import (
    MAX_DIRECTO_NUMBER,
    ClientContacts,
    Resource,
    RuleError,
    contact_person_name,
    directo_invoice_number,
    own_address,
    payment_term_days,
    resolve_row_object,
    resolve_seller,
    same_person,
    split_client_contacts,
)


@pytest.mark.parametrize(
    ("name", "prefix", "expected"),
    [
        ("INV-2026-0042", "", 20260042),
        ("INV/2026/00042", "", 202600042),
        ("INV/2026/00001", "", 202600001),
        ("RINV/26/0001", "1", 1260001),
        ("INV/2026/0001", "2", 220260001),
        ("INV/0001", "", 1),  # leading zeros vanish
        ("2147483647", "", MAX_DIRECTO_NUMBER),
        ("INV-٣-5", "", 5),  # non-ASCII digits are not digits for Directo
        ("INV/2026/00001", " ", 202600001),  # blank prefix = no prefix
    ],
)
def test_directo_invoice_number(name, prefix, expected):
    assert directo_invoice_number(name, prefix) == expected


def test_invoice_number_prefix_overflow_names_invoice():
    # 9 + 202600001 = 9202600001 > 2147483647
    with pytest.raises(RuleError) as err:
        directo_invoice_number("RINV/2026/00001", "9")
    assert "RINV/2026/00001" in str(err.value)
    assert "2147483647" in str(err.value)
    assert "'9'" in str(err.value)


@pytest.mark.parametrize("name", ["2147483648", "INV/20260/000001"])
def test_invoice_number_too_large(name):
    with pytest.raises(RuleError, match=name.replace("/", ".")):
        directo_invoice_number(name)


@pytest.mark.parametrize("name", ["DRAFT", "", "/", "INV-ABC"])
def test_invoice_number_without_digits(name):
    with pytest.raises(RuleError, match="no digits"):
        directo_invoice_number(name)


def test_invoice_number_zero_refused():
    with pytest.raises(RuleError, match="0"):
        directo_invoice_number("INV/0000")


@pytest.mark.parametrize("prefix", ["A", "9-", "٣"])
def test_invoice_number_prefix_must_be_digits(prefix):
    with pytest.raises(RuleError, match="prefix"):
        directo_invoice_number("INV/1", prefix)


def test_rule_error_is_value_error():
    assert issubclass(RuleError, ValueError)


@pytest.mark.parametrize(
    ("inv", "due", "days"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 15), 14),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1), 0),
        (dt.date(2026, 1, 1), None, 0),
        (None, dt.date(2026, 1, 1), 0),
        (dt.date(2026, 1, 15), dt.date(2026, 1, 1), 0),  # never negative
        (dt.date(2026, 2, 20), dt.date(2026, 3, 2), 10),  # across month end
        (dt.datetime(2026, 1, 1, 23, 59), dt.date(2026, 1, 2), 1),
    ],
)
def test_payment_term_days(inv, due, days):
    assert payment_term_days(inv, due) == days


ANNA = Resource("Anna Arvutaja", "ANNA")
JAAN = Resource("Jaan Tamm", "JAAN")
NOCODE = Resource("Kalle Koodita", None)
BLANK = Resource("Tühi Kood", "  ")


def test_row_resource_wins():
    assert resolve_row_object("Row 1", ANNA, "Client", JAAN, True, JAAN) == "ANNA"


def test_row_resource_code_is_stripped():
    assert resolve_row_object("Row 1", Resource("A", " ANNA "), "C", None, False, None) == "ANNA"


@pytest.mark.parametrize("resource", [NOCODE, BLANK])
def test_row_resource_without_code_is_an_error_even_with_fallbacks(resource):
    with pytest.raises(RuleError) as err:
        resolve_row_object("Consulting (row 2)", resource, "Põhjala Puit OÜ", JAAN, True, JAAN)
    msg = str(err.value)
    assert resource.name in msg
    assert "Consulting (row 2)" in msg
    assert "Directo > Resources" in msg


def test_client_default_resource_fallback():
    assert resolve_row_object("Row 1", None, "Client", JAAN, False, ANNA) == "JAAN"


def test_client_default_resource_without_code_names_it():
    with pytest.raises(RuleError) as err:
        resolve_row_object("Row 1", None, "Saare Kala AS", NOCODE, True, ANNA)
    msg = str(err.value)
    assert NOCODE.name in msg and "Saare Kala AS" in msg and "Directo > Resources" in msg


def test_default_user_fallback_only_when_enabled():
    assert resolve_row_object("Row 1", None, "Client", None, True, ANNA) == "ANNA"
    with pytest.raises(RuleError) as err:
        resolve_row_object("Row 1", None, "Client X", None, False, ANNA)
    assert str(err.value) == (
        "Row 1 has no resource: set one on the row, or a default resource on client Client X."
    )


def test_default_user_without_code_names_user():
    with pytest.raises(RuleError) as err:
        resolve_row_object("Row 3", None, "Client Y", None, True, NOCODE)
    msg = str(err.value)
    assert NOCODE.name in msg and "Client Y" in msg and "Directo > Resources" in msg


def test_nothing_to_resolve():
    with pytest.raises(RuleError) as err:
        resolve_row_object("Row 4", None, "Client Z", None, True, None)
    assert str(err.value) == (
        "Row 4 has no resource: set one on the row, or a default resource on client Client Z."
    )


@pytest.mark.parametrize(
    "args",
    [
        (ANNA._replace(code=None), None, False, None),
        (None, NOCODE, False, None),
        (None, None, True, NOCODE),
        (None, None, False, None),
    ],
)
def test_resource_messages_stay_short(args):
    """Each message names the row and what to set where, in at most 30 words."""
    row, default, is_user, user = args
    with pytest.raises(RuleError) as err:
        resolve_row_object(
            "INV/2026/00001 row 1 (Consulting)", row, "Saare Kala AS", default, is_user, user
        )
    msg = str(err.value)
    assert msg.startswith("INV/2026/00001 row 1 (Consulting)")
    assert len(msg.split()) <= 30, msg


def test_resolve_seller():
    assert resolve_seller(ANNA, ["JAAN"]) == "ANNA"
    assert resolve_seller(NOCODE, [None, " ", "JAAN", "MARI"]) == "JAAN"
    assert resolve_seller(None, ["MARI"]) == "MARI"
    assert resolve_seller(BLANK, []) is None
    assert resolve_seller(None, [None, ""]) is None


def test_rule_error_message_goes_through_the_callers_gettext():
    with pytest.raises(RuleError) as err:
        directo_invoice_number("DRAFT/ABC")
    error = err.value
    assert error.params == {"invoice": "DRAFT/ABC"}
    assert "%(invoice)s" in error.template
    seen = []

    def gettext(template, **params):
        seen.append(template)
        return "[et] " + template % params

    assert error.translated(gettext) == "[et] " + str(error)
    assert seen == [error.template]
    assert "DRAFT/ABC" in str(error)


# --------------------------------------------------------------------------- contact persons


def test_same_person_ignores_case_and_spacing():
    assert same_person("Mari  Tamm", " mari tamm")
    assert not same_person("Mari Tamm", "Mari Tamme")
    assert not same_person("", "")
    assert not same_person(None, None)


@pytest.mark.parametrize(
    ("name", "first", "last", "expected"),
    [
        ("Mari Tamm", "X", "Y", "Mari Tamm"),
        ("  ", "Liis", "Org", "Liis Org"),
        (None, None, "Org", "Org"),
        (None, " ", None, None),
        ("Mari   Tamm ", None, None, "Mari Tamm"),
    ],
)
def test_contact_person_name(name, first, last, expected):
    assert contact_person_name(name, first, last) == expected


def test_own_address_only_when_different():
    company = ("Narva mnt 7", "Tallinn", "10117")
    assert own_address((None, None, None), company) is None
    assert own_address(("narva  mnt 7", "Tallinn ", "10117"), company) is None
    assert own_address(("Pikk 3", "Tartu", "51004"), company) == ("Pikk 3", "Tartu", "51004")
    assert own_address(("Pikk 3", "", None), company) == ("Pikk 3", None, None)


PERSONS = [("101", "Mari Tamm", "mari@x.ee", None), ("102", "Jüri Kask", None, "+372 2")]


def test_no_customer_contact_no_child_contact():
    assert split_client_contacts(None, "info@x.ee", "+372 1", PERSONS) == ClientContacts(
        None, None, None
    )


def test_customer_contact_not_a_contact_person_keeps_the_values():
    assert split_client_contacts("Eva Kuusk", "info@x.ee", "+372 1", PERSONS) == (
        ClientContacts(None, "info@x.ee", "+372 1")
    )


def test_customer_contact_is_a_contact_person_one_contact():
    plan = split_client_contacts("MARI TAMM", "arved@x.ee", "+372 1", PERSONS)
    # The person's own e-mail; the customer's phone where she has none.
    assert plan == ClientContacts("101", "mari@x.ee", "+372 1")
    assert split_client_contacts("Mari Tamm", None, None, PERSONS) == ClientContacts(
        "101", "mari@x.ee", None
    )
