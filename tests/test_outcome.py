"""The pure answer → outcome mapping of one invoice (xmldirect.outcome)."""

import pytest

from xmldirect import PutResult
from xmldirect.outcome import (
    CONFIRMED,
    DRAFT,
    FAILED,
    MAYBE,
    SENT,
    TAKEN,
    UNKNOWN,
    TransportFailure,
    holds_ours,
    invoice_outcome,
    is_duplicate,
)


def gettext(template, **params):
    return template % params if params else template


def outcome(type_code, desc="", document=None, confirm=False, **kw):
    result = PutResult(202600001, type_code, desc, "202600001" if type_code is not None else None)
    return invoice_outcome(
        result, document=document, confirm=confirm, invoice="INV/2026/00001", **kw
    )


@pytest.mark.parametrize(
    ("type_code", "confirm", "document"),
    [(0, False, DRAFT), (30, False, DRAFT), (0, True, CONFIRMED), (30, True, CONFIRMED)],
)
def test_success_is_sent(type_code, confirm, document):
    result = outcome(type_code, confirm=confirm)
    assert (result.state, result.document, result.message) == (SENT, document, None)


@pytest.mark.parametrize("before", [None, MAYBE, DRAFT])
def test_no_answer_is_unknown_and_directo_may_hold_it(before):
    result = outcome(None, document=before, failure=TransportFailure.TIMEOUT, detail="timed out")
    assert result.state == UNKNOWN
    assert result.document == (before or MAYBE)
    text = result.message.translated(gettext)
    assert "did not answer in time" in text and "update of the same number" in text


@pytest.mark.parametrize("failure", [TransportFailure.NOT_PROCESSED, TransportFailure.NOT_SENT])
def test_not_processed_or_not_sent_keeps_what_directo_held(failure):
    assert outcome(None, failure=failure).document is None
    result = outcome(None, document=DRAFT, failure=failure, detail="Type 5")
    assert (result.state, result.document) == (FAILED, DRAFT)
    assert "Type 5" in result.message.translated(gettext)


def test_refusals_keep_what_directo_held_and_quote_type_and_desc():
    for before in (None, MAYBE, DRAFT):
        result = outcome(31, "Item X not found", document=before)
        assert (result.state, result.document) == (FAILED, before)
        text = result.message.translated(gettext)
        assert "Type 31" in text and "Item X not found" in text


def test_type_31_names_the_culprits():
    result = outcome(31, "Item X not found", culprits=("article code X of product Y",))
    assert "article code X of product Y" in result.message.translated(gettext)


def test_type_29_saved_as_draft():
    result = outcome(29, "Not confirmed", confirm=True)
    assert (result.state, result.document) == (FAILED, DRAFT)


@pytest.mark.parametrize(
    ("before", "document", "words"),
    [
        (MAYBE, CONFIRMED, "most probably this invoice"),
        (DRAFT, CONFIRMED, "credit invoice"),
        (None, TAKEN, "never sent"),
    ],
)
def test_type_14(before, document, words):
    result = outcome(14, "Update not allowed", document=before)
    assert (result.state, result.document) == (FAILED, document)
    assert words in result.message.translated(gettext)


@pytest.mark.parametrize(("type_code", "desc"), [(11, "Duplicate"), (1, "korduv arve")])
def test_duplicate_means_the_number_is_taken(type_code, desc):
    result = outcome(type_code, desc, journal="Sales")
    assert (result.state, result.document) == (FAILED, TAKEN)
    assert "Replace in Directo" in result.message.translated(gettext)
    assert is_duplicate(PutResult(1, type_code, desc))
    assert not is_duplicate(PutResult(1, 1, "other validation failure"))


def test_empty_description_is_said():
    assert "no description" in outcome(17).message.translated(gettext)


def test_holds_ours():
    assert [holds_ours(d) for d in (None, MAYBE, DRAFT, CONFIRMED, TAKEN)] == [
        False, True, True, True, False,
    ]  # fmt: skip


def test_not_xml_direct_is_named():
    result = outcome(None, failure=TransportFailure.NOT_XML_DIRECT, detail="it sent an HTML page")
    assert result.state == UNKNOWN
    assert "not XML Direct" in result.message.translated(gettext)


def _marking_gettext(template, **params):
    """A stand-in for Odoo's ``env._``: marks every template it translated."""
    return "«" + (template % params if params else template) + "»"


def test_missing_result_is_worded_once_and_only_through_gettext():
    from xmldirect.outcome import invoice_outcome

    outcome = invoice_outcome(
        PutResult(7, None, ""), document=None, confirm=False, invoice="INV/1", failure=None
    )
    text = outcome.message.translated(_marking_gettext)
    # Every word comes through gettext (the reader's language); nothing said twice.
    assert text.startswith("«") and text.endswith("»")
    assert text.count("no result") == 1 and "may or may not" not in text


def test_customer_transport_error_detail_is_translated():
    from xmldirect import errors as E
    from xmldirect.customers import customer_outcome

    outcome = customer_outcome(
        PutResult("K1", None, ""), client="Acme", error=E.DirectoTimeout("read timed out")
    )
    text = outcome.message.translated(_marking_gettext)
    # The error's title goes through gettext too; Directo's/requests' own words verbatim.
    assert "«Directo did not answer in time»: read timed out" in text
