"""Generate an addon's README.rst and static/description/index.html from its readme/ fragments.

OCA writes an addon's documentation as fragments (``readme/DESCRIPTION.md``, ``CONFIGURE.md``,
``USAGE.md``, ``ROADMAP.md``, ``CONTRIBUTORS.md``) and generates ``README.rst`` and the page
Odoo shows in the Apps menu (``static/description/index.html``) from them with
``oca-gen-addon-readme`` (OCA's maintainer-tools, not published on PyPI). This script does
the same job for this repository, with docutils only:

    python tools/gen_addon_readme.py directo_connector           # write both files
    python tools/gen_addon_readme.py --check directo_connector   # fail if they are stale

The fragments use a small part of Markdown, converted here to reStructuredText: paragraphs,
``##``/``###`` headings, ``-`` and ``1.`` lists, pipe tables, images on their own lines
(``![alt](../static/description/x.png)``), ``**bold**``, ``*italic*``, ```code``` and
``[links](url)``. Anything docutils warns about fails the run, so a construct this converter
does not know cannot slip through silently.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import docutils.core
import docutils.utils

SECTIONS = [  # fragment, section title (OCA's order and titles)
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
]
HEADING_UNDERLINES = {2: "-", 3: "~"}
MATURITY_COLOURS = {"Alpha": "red", "Beta": "yellow", "Production/Stable": "green",
                    "Mature": "brightgreen"}  # fmt: skip
LICENCE_URLS = {
    "LGPL-3": "http://www.gnu.org/licenses/lgpl-3.0-standalone.html",
    "AGPL-3": "http://www.gnu.org/licenses/agpl-3.0-standalone.html",
}
IMAGE_DIR = "../static/description/"  # how fragments name images (relative to readme/)
CODE_SPAN = re.compile(r"`([^`]+)`")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)$")
HEADING = re.compile(r"^(#{2,3}) (.+)$")
LIST_ITEM = re.compile(r"^(- |\d+\. )")


# --------------------------------------------------------------------------- inline markup
def _inline(text: str) -> str:
    """Markdown inline markup to reStructuredText (code spans are never touched inside)."""
    parts = CODE_SPAN.split(text)  # even: text, odd: code
    for index in range(0, len(parts), 2):
        _refuse_nested_markup(parts[index], text)
        parts[index] = LINK.sub(lambda m: f"`{m.group(1)} <{m.group(2)}>`__", parts[index])
    for index in range(1, len(parts), 2):
        # reST wants a non-word character around an inline literal: "``x``s" -> "``x``\ s".
        before = "\\ " if re.search(r"\w\Z", parts[index - 1]) else ""
        after = "\\ " if re.match(r"\w", parts[index + 1]) else ""
        parts[index] = f"{before}``{parts[index]}``{after}"
    return "".join(parts)


def _refuse_nested_markup(part: str, text: str) -> None:
    # Emphasis that spans a code span ("**no `x` filter**") has no reST equivalent; docutils
    # would print the asterisks. Between two code spans, emphasis markers come in pairs.
    if part.count("**") % 2 or part.replace("**", "").count("*") % 2:
        raise ValueError(f"emphasis around a code span is not possible in reST: {text!r}")


# ---------------------------------------------------------------------------------- blocks
def _blocks(markdown: str) -> list[list[str]]:
    blocks, current, fenced = [], [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _heading(line: str) -> str:
    match = HEADING.match(line)
    title = _inline(match.group(2))
    return f"{title}\n{HEADING_UNDERLINES[len(match.group(1))] * len(title)}"


def _images(lines: list[str], image_prefix: str) -> str:
    out = []
    for line in lines:
        alt, path = IMAGE.match(line).groups()
        path = image_prefix + path.removeprefix(IMAGE_DIR)
        out.append(f".. image:: {path}\n   :alt: {alt}")
    return "\n\n".join(out)


def _cells(line: str) -> list[str]:
    # Split on pipes outside code spans.
    cells, current, in_code = [], "", False
    for char in line.strip().strip("|"):
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append(current.strip())
            current = ""
        else:
            current += char
    cells.append(current.strip())
    return cells


def _table(lines: list[str]) -> str:
    rows = [_cells(line) for line in lines if not re.fullmatch(r"[|\-: ]+", line)]
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        for column, cell in enumerate(row):
            bullet = "   * -" if column == 0 else "     -"
            out.append(f"{bullet} {_inline(cell)}".rstrip())
    return "\n".join(out)


def _list(lines: list[str]) -> str:
    items: list[list[str]] = []
    for line in lines:
        if LIST_ITEM.match(line):
            items.append([line])
        else:
            items[-1].append(line.strip())
    out = []
    for item in items:
        marker = LIST_ITEM.match(item[0]).group(1)
        text = _inline(" ".join([item[0][len(marker) :].strip(), *item[1:]]))
        out.append(marker + text)
    return "\n".join(out)


def _literal(lines: list[str]) -> str:
    return "::\n\n" + "\n".join("    " + line for line in lines[1:-1])


def _paragraph(lines: list[str]) -> str:
    if any(LIST_ITEM.match(line) or line.startswith("|") for line in lines[1:]):
        raise ValueError(f"a list or table must follow a blank line: {lines[0]!r}")
    return _inline("\n".join(line.strip() for line in lines))


def markdown_to_rst(markdown: str, image_prefix: str) -> str:
    converted = []
    for block in _blocks(markdown):
        first = block[0]
        if first.startswith("```"):
            converted.append(_literal(block))
        elif HEADING.match(first) and len(block) == 1:
            converted.append(_heading(first))
        elif all(IMAGE.match(line) for line in block):
            converted.append(_images(block, image_prefix))
        elif first.startswith("|"):
            converted.append(_table(block))
        elif LIST_ITEM.match(first):
            converted.append(_list(block))
        else:
            converted.append(_paragraph(block))
    return "\n\n".join(converted)


# -------------------------------------------------------------------------------- document
def _title(text: str, char: str, overline: bool = False) -> str:
    line = char * len(text)
    return f"{line}\n{text}\n{line}" if overline else f"{text}\n{line}"


def _badges(manifest: dict) -> str:
    status = manifest["development_status"]
    licence = manifest["license"]
    return f"""|badge1| |badge2|

.. |badge1| image:: https://img.shields.io/badge/maturity-{status.replace("/", "%2F")}-{MATURITY_COLOURS[status]}.png
    :target: https://odoo-community.org/page/development-status
    :alt: {status}
.. |badge2| image:: https://img.shields.io/badge/licence-{licence.replace("-", "--")}-blue.png
    :target: {LICENCE_URLS[licence]}
    :alt: License: {licence}"""  # noqa: E501


def _credits(manifest: dict, fragment) -> str:
    maintainers = ", ".join(f"`{m} <https://github.com/{m}>`__" for m in manifest["maintainers"])
    return "\n\n".join([
        _title("Credits", "="),
        _title("Authors", "-"),
        "\n".join(f"* {author.strip()}" for author in manifest["author"].split(",")),
        _title("Contributors", "-"),
        fragment("CONTRIBUTORS.md"),
        _title("Maintainers", "-"),
        f"Current maintainers: {maintainers}.",
    ])  # fmt: skip


def build_rst(addon: Path, image_prefix: str) -> str:
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))

    def fragment(name: str) -> str:
        markdown = (addon / "readme" / name).read_text(encoding="utf-8")
        return markdown_to_rst(markdown, image_prefix)

    parts = [
        _title(manifest["name"], "=", overline=True),
        "..\n   Generated by tools/gen_addon_readme.py from readme/*.md and the manifest:\n"
        "   edit those and run it again (./run_tests.sh checks that this file is current).",
        _badges(manifest),
        fragment("DESCRIPTION.md"),
        "**Table of contents**\n\n.. contents::\n   :local:",
    ]
    for name, title in SECTIONS:
        parts += [_title(title, "="), fragment(name)]
    parts += [
        _title("Bug Tracker", "="),
        f"Bugs are tracked on `GitHub Issues <{manifest['website']}/issues>`__. "
        "Please check there whether your problem is already known; if not, describe it with "
        "the request and answer from *Invoicing → Directo → Exchanges* (the key is redacted).",
        _credits(manifest, fragment),
    ]
    return "\n\n".join(parts) + "\n"


def to_html(rst: str) -> str:
    # Without docutils' XML declaration: Odoo 17+ warns about one in a module description.
    return re.sub(r"\A<\?xml[^>]*>\s*", "", _publish(rst))


def _publish(rst: str) -> str:
    try:
        return docutils.core.publish_string(
            rst,
            writer_name="html4css1",
            settings_overrides={
                "output_encoding": "unicode",
                "report_level": 5,  # nothing on stderr: a warning stops the run below
                "halt_level": 2,
                "traceback": True,
                "embed_stylesheet": True,
            },
        )
    except docutils.utils.SystemMessage as error:
        line = re.search(r":(\d+):", str(error))
        where = rst.splitlines()[int(line.group(1)) - 1] if line else ""
        raise SystemExit(f"docutils: {error}\n  in: {where}") from None


def generated(addon: Path) -> dict[Path, str]:
    readme = build_rst(addon, image_prefix="static/description/")
    to_html(readme)  # validate README.rst too
    page = to_html(build_rst(addon, image_prefix=""))
    return {addon / "README.rst": readme, addon / "static" / "description" / "index.html": page}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("addon", type=Path)
    parser.add_argument("--check", action="store_true", help="only check the files are current")
    args = parser.parse_args(argv)
    stale = []
    try:
        files = generated(args.addon)
    except ValueError as error:
        raise SystemExit(f"{args.addon}/readme: {error}") from None
    for path, content in files.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == content:
            continue
        if args.check:
            stale.append(path)
        else:
            path.write_text(content, encoding="utf-8")
            print(f"wrote {path}")
    for path in stale:
        print(f"{path} is not current: run python tools/gen_addon_readme.py {args.addon}")
    if not stale and args.check:
        print(f"{args.addon}: README.rst and index.html are current")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
