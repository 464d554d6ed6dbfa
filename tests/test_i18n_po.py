"""The addon's translations: every language file matches the template and is complete.

For each ``directo_connector/i18n/<lang>.po`` (Estonian today): same msgids as the template
``directo_connector.pot`` (nothing missing, nothing obsolete), no untranslated or fuzzy entry,
and every msgstr keeps the msgid's placeholders and markup, so that formatting a translated
message can neither crash nor lose a value. ``msgfmt --check`` (GNU gettext) runs too when it
is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import polib
import pytest

I18N = Path(__file__).resolve().parents[1] / "directo_connector" / "i18n"
TEMPLATE = I18N / "directo_connector.pot"
PO_FILES = sorted(I18N.glob("*.po"))
# Entries a translation may leave as in English: names and words the language writes the
# same. Any other msgstr equal to its msgid is English copied over, i.e. not translated.
SAME_AS_ENGLISH = {
    "et": {"Directo", "<strong>Directo: </strong>", "ID", "Import"},
}

# %(name)s / %(name)d … and positional %s %d %r %f (with optional flags and width); "%%" is
# a literal percent sign, not a placeholder.
PERCENT_NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]")
PERCENT_POSITIONAL = re.compile(r"%(?!\()[-#0 +]*\d*(?:\.\d+)?[sdifrx]")
BRACES = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")
TAG = re.compile(r"</?([a-zA-Z][\w.-]*)[^>]*?/?>")
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);")


def placeholders(text: str) -> dict[str, object]:
    """What a translation must keep from its msgid."""
    without_literal_percent = text.replace("%%", "")
    return {
        # Named placeholders are looked up in a dict: their order may change.
        "named %(…)": sorted(set(PERCENT_NAMED.findall(without_literal_percent))),
        # Positional ones are consumed in order: count and order must stay.
        "positional %": PERCENT_POSITIONAL.findall(without_literal_percent),
        "braces {…}": sorted(set(BRACES.findall(text))),
        "markup tags": sorted(Counter(TAG.findall(text)).items()),
        "entities": sorted(Counter(ENTITY.findall(text)).items()),
        "leading/trailing newline": (text.startswith("\n"), text.endswith("\n")),
    }


def placeholder_problems(msgid: str, msgstr: str) -> list[str]:
    expected, found = placeholders(msgid), placeholders(msgstr)
    return [
        f"{kind}: msgid has {expected[kind]!r}, msgstr has {found[kind]!r}"
        for kind in expected
        if expected[kind] != found[kind]
    ]


def _short(msgid: str) -> str:
    return msgid if len(msgid) <= 70 else msgid[:67] + "..."


@pytest.fixture(scope="module")
def template() -> polib.POFile:
    return polib.pofile(str(TEMPLATE))


def test_there_is_a_translation_to_check():
    assert [p.name for p in PO_FILES] == ["et.po"]


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_po_has_exactly_the_template_msgids(po_path, template):
    po = polib.pofile(str(po_path))
    expected = {entry.msgid for entry in template}
    active = {entry.msgid for entry in po if not entry.obsolete}
    missing = sorted(expected - active)
    extra = sorted(active - expected)
    obsolete = [entry.msgid for entry in po if entry.obsolete]
    assert not missing, f"{len(missing)} msgid(s) of the template missing in {po_path.name}: " + (
        "; ".join(map(_short, missing[:10]))
    )
    assert not extra, f"{len(extra)} msgid(s) of {po_path.name} not in the template: " + (
        "; ".join(map(_short, extra[:10]))
    )
    assert not obsolete, f"{po_path.name} keeps obsolete entries: " + "; ".join(
        map(_short, obsolete[:10])
    )


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_po_is_fully_translated_and_not_fuzzy(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in po if not entry.obsolete and not entry.msgstr]
    fuzzy = [entry.msgid for entry in po if "fuzzy" in entry.flags]
    assert not untranslated, f"{len(untranslated)} untranslated: " + "; ".join(
        map(_short, untranslated[:10])
    )
    assert not fuzzy, f"{len(fuzzy)} fuzzy: " + "; ".join(map(_short, fuzzy[:10]))


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_po_copies_no_english(po_path):
    po = polib.pofile(str(po_path))
    copied = {
        entry.msgid
        for entry in po
        if " ".join(entry.msgstr.split()) == " ".join(entry.msgid.split())
    }
    assert copied <= SAME_AS_ENGLISH.get(po_path.stem, set()), sorted(
        copied - SAME_AS_ENGLISH.get(po_path.stem, set())
    )


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_po_header_names_language_and_plural_forms(po_path):
    po = polib.pofile(str(po_path))
    lang = po_path.stem
    assert po.metadata.get("Language") == lang
    assert po.metadata.get("Content-Type") == "text/plain; charset=UTF-8"
    assert re.fullmatch(r"nplurals=\d+; plural=.+;", po.metadata.get("Plural-Forms", ""))


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_translations_keep_placeholders_and_markup(po_path):
    po = polib.pofile(str(po_path))
    problems = [
        f"{_short(entry.msgid)!r}: {problem}"
        for entry in po
        if entry.msgstr
        for problem in placeholder_problems(entry.msgid, entry.msgstr)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_msgfmt_check_accepts_po(po_path):
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(po_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    total = len([entry for entry in polib.pofile(str(po_path)) if not entry.obsolete])
    # e.g. "461 translated messages." (msgfmt adds ", N fuzzy …, M untranslated …" otherwise)
    assert report.strip() == f"{total} translated messages.", report


# The checker itself: each kind of damage a translator can do is caught.
@pytest.mark.parametrize(
    ("msgid", "msgstr"),
    [
        ("%(count)s invoice(s) sent.", "Saadeti %(arv)s arvet."),
        ("%(count)s invoice(s) sent.", "Arved saadeti."),
        ("Row %s of %s", "Rida %s"),
        ("Row %s of %d", "Rida %d / %s"),
        ("Hello {name}", "Tere {nimi}"),
        ("<strong>Directo: </strong>", "Directo:"),
        ("Settings &gt; Invoicing", "Seaded > Raamatupidamine"),
        ("Key tried again.\n", "Võtit prooviti uuesti."),
    ],
)
def test_placeholder_checker_catches_damage(msgid, msgstr):
    assert placeholder_problems(msgid, msgstr)


@pytest.mark.parametrize(
    ("msgid", "msgstr"),
    [
        ("%(bad)s of %(total)s failed", "%(total)s arvest %(bad)s ebaõnnestus"),
        ("%(a)s and %(a)s", "%(a)s"),
        ("100%% done, %s left", "100%% tehtud, %s jäänud"),
        ("<em>Fetch</em> in Settings &gt; Directo", "<em>Loe</em> menüüs Seaded &gt; Directo"),
    ],
)
def test_placeholder_checker_accepts_faithful_translations(msgid, msgstr):
    assert placeholder_problems(msgid, msgstr) == []
