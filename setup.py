"""Packaging for the Odoo-free part of directo_connector.

``pip install .`` installs ``xmldirect`` (XML Direct client, codec, business rules and the
Directo sandbox) so that the sandbox runs anywhere with ``python -m xmldirect.sandbox``.
The Odoo addon itself is installed by putting this folder on Odoo's addons path.
"""

from setuptools import find_packages, setup

setup(
    name="directo-connector-xmldirect",
    version="18.0.1.0.0",
    description="Directo XML Direct client, codec, business rules and sandbox",
    license="LGPL-3.0-or-later",
    python_requires=">=3.10",
    package_dir={"": "directo_connector"},
    packages=find_packages("directo_connector", include=["xmldirect", "xmldirect.*"]),
    install_requires=["lxml", "requests"],
    entry_points={"console_scripts": ["directo-sandbox=xmldirect.sandbox.__main__:main"]},
)
