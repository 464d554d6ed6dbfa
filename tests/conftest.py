"""Odoo-free tests of ``directo_connector/xmldirect`` and of the sandbox ``directo_sandbox``.

``directo_connector/`` goes on sys.path so the codec imports as plain ``xmldirect`` (here
only: the addon wheel installs no top-level package), the repository for ``directo_sandbox``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "directo_connector"))

from directo_sandbox import DirectoSandbox  # noqa: E402
from xmldirect import DirectoClient, Exchange  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "directo"
XSD_DIR = SHARED / "xsd"
TOKEN = "DEMO-TOKEN"


@pytest.fixture
def sandbox() -> Iterator[DirectoSandbox]:
    with DirectoSandbox(host="127.0.0.1", port=0, demo=True) as sb:
        yield sb


@pytest.fixture
def exchanges() -> list[Exchange]:
    return []


@pytest.fixture
def make_client(sandbox: DirectoSandbox, exchanges: list[Exchange]) -> Callable[..., DirectoClient]:
    def factory(token: str = TOKEN, **kwargs: Any) -> DirectoClient:
        kwargs.setdefault("on_exchange", exchanges.append)
        kwargs.setdefault("read_timeout", 10.0)
        return DirectoClient(kwargs.pop("url", sandbox.url), token, **kwargs)

    return factory


@pytest.fixture
def client(make_client: Callable[..., DirectoClient]) -> DirectoClient:
    return make_client()


@pytest.fixture
def xsd_dir() -> Path:
    if not XSD_DIR.is_dir():
        pytest.skip(f"Directo XSDs not found at {XSD_DIR} (expected ../shared beside the checkout)")
    return XSD_DIR


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"Shared Directo examples not found at {SHARED}")
    return SHARED
