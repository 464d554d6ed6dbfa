"""Odoo's own test runner (and so OCA's CI) only runs the test modules that
``directo_connector/tests/__init__.py`` imports; pytest-odoo collects every file. Both must
run the same tests."""

from __future__ import annotations

import ast

from conftest import REPO

TESTS = REPO / "directo_connector" / "tests"


def _imported_modules() -> set[str]:
    tree = ast.parse((TESTS / "__init__.py").read_text(encoding="utf-8"))
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }


def test_every_odoo_test_module_is_imported():
    modules = {path.stem for path in TESTS.glob("test_*.py")}
    assert modules, "no Odoo test modules found"
    missing = sorted(modules - _imported_modules())
    assert not missing, f"not imported in directo_connector/tests/__init__.py: {missing}"
