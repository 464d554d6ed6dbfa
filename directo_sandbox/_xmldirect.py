"""The connector's own XML Direct codec, loaded for the sandbox without Odoo.

The sandbox reads and writes XML with the connector's codec (one safe parser, one set of
number and date formats, one document number limit). That codec is the Odoo-free package
``directo_connector/xmldirect``. Importing it as ``odoo.addons.directo_connector.xmldirect``
would first run the addon's ``__init__`` and so import Odoo, which the sandbox must not need
(docker runs it on a bare Python image, the Odoo-free tests without Odoo). ``xmldirect`` uses
relative imports only, so it is loaded straight from its folder as the private subpackage
``directo_sandbox.xmldirect``, in this order:

1. the module Odoo already imported, when the sandbox runs inside Odoo (the addon's tests,
   the benchmarks): one copy of the code in the process;
2. a checkout of the repository: ``directo_connector/xmldirect`` beside this package;
3. an installed addon wheel (``odoo-addon-directo_connector``):
   ``odoo/addons/directo_connector/xmldirect`` in a folder of ``sys.path``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

ODOO_NAME = "odoo.addons.directo_connector.xmldirect"
PRIVATE_NAME = f"{__package__}.xmldirect"


def _candidate_folders() -> Iterator[Path]:
    yield Path(__file__).resolve().parent.parent / "directo_connector" / "xmldirect"
    for entry in sys.path:
        yield Path(entry or ".") / "odoo" / "addons" / "directo_connector" / "xmldirect"


def _load_from(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        PRIVATE_NAME, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[PRIVATE_NAME] = module  # its relative imports resolve through this name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[PRIVATE_NAME]
        raise
    return module


def _xmldirect() -> ModuleType:
    for name in (ODOO_NAME, PRIVATE_NAME):
        if name in sys.modules:
            return sys.modules[name]
    for folder in _candidate_folders():
        if (folder / "__init__.py").is_file():
            return _load_from(folder)
    raise ImportError(
        "directo_sandbox needs the Odoo-free xmldirect package of the directo_connector addon: "
        "run it from a checkout of the repository (directo_sandbox/ beside directo_connector/) "
        "or install the addon wheel (odoo-addon-directo_connector) in the same environment."
    )


xmldirect = _xmldirect()
codec = xmldirect.codec
errors = xmldirect.errors
