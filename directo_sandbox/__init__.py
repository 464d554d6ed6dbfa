"""Directo XML Direct sandbox: a real HTTP server for tests, demos and docker.

Run ``directo-sandbox --port 8800 --demo`` (or ``python -m directo_sandbox``) or use
:class:`DirectoSandbox` from Python. See ``README.md`` beside this file. It uses the
connector's own XML codec (see ``_xmldirect.py``) and never imports Odoo.
"""

from .server import ENDPOINT_PATH, DirectoSandbox
from .state import FAULT_KINDS, Fault, SandboxRequest, SandboxState, TokenInfo

__all__ = [
    "ENDPOINT_PATH",
    "FAULT_KINDS",
    "DirectoSandbox",
    "Fault",
    "SandboxRequest",
    "SandboxState",
    "TokenInfo",
]
