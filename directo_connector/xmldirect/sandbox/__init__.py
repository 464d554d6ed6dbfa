"""Directo XML Direct sandbox: a real HTTP server for tests, demos and docker.

Run ``python -m xmldirect.sandbox --port 8800 --demo`` from ``directo_connector/`` or use
:class:`DirectoSandbox` from Python. See ``README.md`` beside this file.
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
