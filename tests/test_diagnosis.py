"""Which record to fix when Directo refuses an invoice (xmldirect.diagnosis), without Odoo."""

import pytest

from xmldirect import PutResult
from xmldirect.diagnosis import (
    ARTICLE,
    CLIENT,
    CLOSED,
    OBJECT,
    SALESMAN,
    UNKNOWN,
    VAT,
    CodeUse,
    RegisterView,
    diagnosable,
    named_uses,
    refusal_diagnosis,
    register_findings,
)


def gettext(template, **params):
    return template % params if params else template


USES = (
    CodeUse(CLIENT, "C-1", "Mäe & Pojad AS"),
    CodeUse(ARTICLE, "SRV-1", "Consulting", "INV/2026/00003 row 1"),
    CodeUse(ARTICLE, "SRV-X", "Training", "INV/2026/00003 row 2"),
    CodeUse(VAT, "1", "VAT 24%", "INV/2026/00003 row 1"),
    CodeUse(VAT, "1", "VAT 24%", "INV/2026/00003 row 2"),
    CodeUse(OBJECT, "KADRI", "Kadri", "INV/2026/00003 row 1 resource"),
    CodeUse(OBJECT, "JAAN", "Jaan", "INV/2026/00003 row 2 resource"),
    CodeUse(SALESMAN, "JAAN", "Jaan", "the client's salesperson"),
)


def registers(customer=None, item=None, obj=None, unusable=None):
    views = {
        "customer": RegisterView("customer", {"C-1": False} if customer is None else customer),
        "item": RegisterView("item", {"SRV-1": False, "SRV-X": False} if item is None else item),
        "object": RegisterView("object", {"KADRI": False, "JAAN": False} if obj is None else obj),
    }
    for component, reason in (unusable or {}).items():
        views[component] = RegisterView(component, {}, usable=False, reason=reason)
    return views


def diagnose(desc, views, type_code=31, uses=USES):
    result = PutResult(202600003, type_code, desc, "202600003")
    message = refusal_diagnosis(result, invoice="INV/2026/00003", uses=uses, registers=views)
    return message.translated(gettext) if message else None


# Descriptions that name nothing, name only the kind, are Estonian, or generic.
SILENT_DESCS = [
    (31, "Item not found"),
    (31, "Artiklit ei leitud"),
    (9, "Error on import"),
    (31, ""),
    (17, "Document insert failed"),
]


@pytest.mark.parametrize(("type_code", "desc"), SILENT_DESCS)
def test_unknown_article_named_whatever_the_description(type_code, desc):
    text = diagnose(desc, registers(item={"SRV-1": False}), type_code)
    assert (
        "Directo does not know article code SRV-X of product Training (INV/2026/00003 row 2): "
        "fix the product's Directo Article Code or import the articles from Directo." in text
    )
    assert "SRV-1" not in text  # a known article is not blamed
    # Directo's own words stay beside the explanation, verbatim.
    assert f"(Directo Type {type_code}: {desc or 'no description'})" in text


@pytest.mark.parametrize(("type_code", "desc"), SILENT_DESCS)
def test_closed_client(type_code, desc):
    text = diagnose(desc, registers(customer={"C-1": True}), type_code)
    assert "Client Mäe & Pojad AS (code C-1) is closed in Directo" in text


def test_unknown_and_closed_objects_and_salesman():
    text = diagnose("Error on import", registers(obj={"KADRI": True}), 9)
    assert "Object KADRI is closed in Directo: user Kadri (INV/2026/00003 row 1 resource)" in text
    assert "Directo has no object JAAN: user Jaan (INV/2026/00003 row 2 resource)" in text
    assert "Directo has no object JAAN for the salesman: user Jaan (the client's salesperson)" in (
        text
    )
    assert "Directo Code (Invoicing > Directo > Resources)" in text


def test_everything_known_names_the_vat_codes():
    text = diagnose("Error on import", registers(), 9)
    assert "remaining suspects are its VAT codes" in text
    # One VAT code of one tax on two rows is named once, with both rows.
    assert "VAT code 1 of tax VAT 24% (INV/2026/00003 row 1, INV/2026/00003 row 2)" in text
    assert text.count("VAT code 1 of tax") == 1
    assert "Invoicing > Configuration > Accounting > Taxes" in text


def test_description_hints_order_the_findings():
    views = registers(customer={"C-1": True}, item={"SRV-1": False})
    english = diagnose("Item not found", views)
    estonian = diagnose("Klient on suletud", views)
    assert english.index("article code SRV-X") < english.index("C-1")
    assert estonian.index("C-1") < estonian.index("article code SRV-X")
    # Without hints: client first, then articles.
    plain = diagnose("Error on import", views, 9)
    assert plain.index("C-1") < plain.index("SRV-X")


def test_a_named_code_comes_first_and_whole_words_only():
    views = registers(customer={"C-1": True}, item={"SRV-1": False})
    text = diagnose("Artikkel SRV-X puudub", views)
    assert text.index("SRV-X") < text.index("C-1")
    assert [u.code for u in named_uses(USES, "Item SRV-10 not found")] == []
    assert [u.code for u in named_uses(USES, "Customer K0001 not found")] == []  # not VAT "1"
    assert {u.code for u in named_uses(USES, "Item SRV-X not found")} == {"SRV-X"}


def test_named_code_that_the_copy_knows_is_still_named():
    text = diagnose("Object KADRI not found", registers())
    assert "Directo's description names object code KADRI of user Kadri" in text
    assert "remaining suspects" not in text


def test_unreadable_register_is_said_and_its_codes_listed():
    text = diagnose(
        "Error on import",
        registers(unusable={"object": "the feed Objects out is not activated"}),
        9,
    )
    assert "Odoo could not check object code KADRI of user Kadri" in text
    assert "salesman code JAAN of user Jaan (the client's salesperson)" in text
    assert "the feed Objects out is not activated" in text
    assert "cannot be listed through XML Direct either" in text
    assert "remaining suspects" not in text


@pytest.mark.parametrize(
    ("type_code", "desc"),
    [(14, "Update not allowed"), (29, "Not confirmed"), (11, "Duplicate"), (1, "korduv arve"),
     (5, "Unauthorized"), (8, "Invalid XML given"), (0, "OK"), (30, "Created"), (None, "")],
)  # fmt: skip
def test_certain_meanings_are_not_diagnosed(type_code, desc):
    assert not diagnosable(PutResult(1, type_code, desc, "1"))
    assert diagnose(desc, registers(item={}), type_code) is None


def test_type_13_only_for_the_client():
    assert diagnose("Missing customer email or reg.no", registers(item={}), 13) is None
    text = diagnose("Missing customer email or reg.no", registers(customer={}), 13)
    assert "Directo does not know client code C-1 of client Mäe & Pojad AS" in text


def test_pre_send_findings_leave_salesman_and_vat_out():
    views = registers(customer={}, item={}, obj={})
    findings = register_findings(USES, views)
    assert {(f.use.kind, f.use.code, f.status) for f in findings} == {
        (CLIENT, "C-1", UNKNOWN),
        (ARTICLE, "SRV-1", UNKNOWN),
        (ARTICLE, "SRV-X", UNKNOWN),
        (OBJECT, "KADRI", UNKNOWN),
        (OBJECT, "JAAN", UNKNOWN),
    }
    closed = register_findings(USES, registers(item={"SRV-1": True, "SRV-X": False}))
    assert [(f.use.code, f.status) for f in closed] == [("SRV-1", CLOSED)]
    assert "Article SRV-1 of product Consulting (INV/2026/00003 row 1) is closed" in (
        closed[0].message.translated(gettext)
    )


def test_unusable_register_judges_nothing():
    views = registers(customer={}, item={}, obj={}, unusable={"item": "too old"})
    assert {f.use.kind for f in register_findings(USES, views)} == {CLIENT, OBJECT}
    del views["object"]
    assert {f.use.kind for f in register_findings(USES, views)} == {CLIENT}
