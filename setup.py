"""``pip wheel .`` builds the addon as an Odoo addon wheel, the way OCA publishes addons.

Distribution ``odoo-addon-directo_connector``, version = the manifest's (``18.0.x.y.z``), files
installed as ``odoo/addons/directo_connector/`` (Odoo 18 finds addons in the ``odoo.addons``
namespace of site-packages without any addons path), requirements = the manifest's Python
``external_dependencies``. The metadata follows OCA's setuptools-odoo / whool conventions
except one point: Odoo itself (``odoo>=18.0a,<18.1dev``) is the extra ``[odoo]`` instead of a
plain requirement, because Odoo 18 is not on PyPI and most deployments run it from a source
tree or a distribution package that pip does not know; a plain requirement would make
``pip install`` fail there (README, "Installing into an existing Odoo 18"). ``odoo`` and
``odoo/addons`` stay namespace folders without ``__init__.py``, so the wheel never overwrites a
pip-installed Odoo.

The Directo sandbox is packaged separately (``directo_sandbox/pyproject.toml``).
"""

import ast
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
ADDON = "directo_connector"
PACKAGE = f"odoo.addons.{ADDON}"
MANIFEST = ast.literal_eval((HERE / ADDON / "__manifest__.py").read_text(encoding="utf-8"))
VERSION = MANIFEST["version"]
SERIES_MAJOR = int(VERSION.split(".")[0])  # 18 for 18.0.x.y.z
ODOO_REQUIREMENT = f"odoo>={SERIES_MAJOR}.0a,<{SERIES_MAJOR}.1dev"
# Everything Odoo loads besides the Python packages: data, views, security, translations, the
# description page, the README, and the migration scripts (their folders, named after
# versions, are not Python packages).
DATA_FILES = ["**/*.xml", "**/*.csv", "**/*.po", "**/*.pot", "**/*.sql", "**/*.png",
              "**/*.html", "**/*.rst", "**/*.md", "static/**/*", "migrations/**/*",
              "upgrades/**/*"]  # fmt: skip
DEVELOPMENT_STATUS = {
    "alpha": "3 - Alpha",
    "beta": "4 - Beta",
    "production/stable": "5 - Production/Stable",
    "mature": "6 - Mature",
}

setup(
    name=f"odoo-addon-{ADDON}",
    version=VERSION,
    description=MANIFEST["summary"],
    long_description=(HERE / ADDON / "README.rst").read_text(encoding="utf-8"),
    long_description_content_type="text/x-rst",
    url=MANIFEST["website"],
    author=MANIFEST["author"],
    license=MANIFEST["license"],
    classifiers=[
        "Programming Language :: Python",
        "Framework :: Odoo",
        f"Framework :: Odoo :: {SERIES_MAJOR}.0",
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
        "Development Status :: " + DEVELOPMENT_STATUS[MANIFEST["development_status"].lower()],
    ],
    python_requires=">=3.10",
    package_dir={PACKAGE: ADDON},
    packages=[PACKAGE] + [f"{PACKAGE}.{name}" for name in find_packages(ADDON)],
    package_data={PACKAGE: DATA_FILES},
    exclude_package_data={PACKAGE: ["**/__pycache__/*", "**/*.pyc"]},
    install_requires=MANIFEST["external_dependencies"]["python"],
    extras_require={"odoo": [ODOO_REQUIREMENT]},
    zip_safe=False,
)
