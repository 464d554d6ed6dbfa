"""Smoke test of ./run_demo.sh over HTTP, as a browser would use it.

``python tools/demo_smoke.py http://127.0.0.1:PORT --pid PID [--timeout 600]`` waits until
Odoo answers (failing early when the demo process PID ends), logs in as admin / admin with
JSON-RPC (``/web/session/authenticate``), opens the Invoicing settings the way the web client
does (the settings form view with its Directo block, a settings record and its Directo
fields), reads the company (Estonian chart, connected to the sandbox) and loads
``/odoo/settings``, then exports a first invoice with no configuration (a client and an
article with the codes their imports give, the product's default tax, the administrator as
salesperson) and fetches its paid status (the demo's Directo pays it). Exits non-zero with
the reason on the first failure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import requests

DB = "directo_demo"


class SmokeError(Exception):
    pass


def wait_for_odoo(url: str, pid: int | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid is not None and not _alive(pid):
            raise SmokeError(f"run_demo.sh (pid {pid}) ended before Odoo answered")
        try:
            if requests.get(f"{url}/web/login", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(2)
    raise SmokeError(f"Odoo did not answer at {url} within {timeout:.0f} s")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class JsonRpc:
    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()

    def call(self, path: str, **params):
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        answer = self.session.post(f"{self.url}{path}", json=payload, timeout=60).json()
        if "error" in answer:
            raise SmokeError(f"{path}: {answer['error'].get('data', {}).get('message')}")
        return answer["result"]

    def call_kw(self, model: str, method: str, *args, **kwargs):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            model=model, method=method, args=list(args), kwargs=kwargs,
        )  # fmt: skip


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeError(message)
    print(f"ok: {message}")


def smoke(url: str, db: str = DB) -> None:
    rpc = JsonRpc(url)
    session = rpc.call("/web/session/authenticate", db=db, login="admin", password="admin")
    check(bool(session.get("uid")), f"logged in as admin on {db} over JSON-RPC")

    views = rpc.call_kw("res.config.settings", "get_views", [[False, "form"]])
    arch = views["views"]["form"]["arch"]
    check('name="directo_token"' in arch, "the settings form has the Directo block")
    settings_id = rpc.call_kw("res.config.settings", "create", {})
    [settings] = rpc.call_kw(
        "res.config.settings", "read", [settings_id],
        ["directo_connection_state", "directo_url", "directo_token", "directo_invoice_export"],
    )  # fmt: skip
    check(settings["directo_connection_state"] == "connected", "settings: Directo connected")
    check(settings["directo_url"].startswith("http://127.0.0.1:"), "settings: sandbox endpoint")
    check(bool(settings["directo_token"]) and settings["directo_invoice_export"],
          "settings: key set, invoice export on")  # fmt: skip

    company_id = session["user_companies"]["current_company"]
    [company] = rpc.call_kw("res.company", "read", [company_id], ["chart_template", "country_id"])
    check(company["chart_template"] == "ee", "the company has the Estonian (ee) chart")

    page = rpc.session.get(f"{url}/odoo/settings", timeout=60)
    check(page.status_code == 200 and "odoo" in page.text, "/odoo/settings opens")
    first_export(rpc)


def first_export(rpc: JsonRpc) -> None:
    """An invoice of a client and an article as their imports leave them (their Directo
    codes), with the product's default tax and the administrator as salesperson, exported
    without any other configuration."""
    partner = rpc.call_kw(
        "res.partner", "create", {"name": "Põhjala Puit OÜ", "is_company": True,
                                  "directo_code": "K0001"},
    )  # fmt: skip
    product = rpc.call_kw(
        "product.product", "create", {"name": "Konsultatsioon", "directo_code": "TEENUS-KONSULT",
                                      "list_price": 80},
    )  # fmt: skip
    move = rpc.call_kw(
        "account.move", "create",
        {"move_type": "out_invoice", "partner_id": partner,
         "invoice_line_ids": [[0, 0, {"product_id": product, "quantity": 2}]]},
    )  # fmt: skip
    rpc.call_kw("account.move", "action_post", [move])
    action = rpc.call_kw("account.move", "action_directo_export", [move])
    message = (action.get("params") or {}).get("message") or action.get("res_model")
    [invoice] = rpc.call_kw(
        "account.move", "read", [move], ["name", "directo_state", "directo_number"]
    )
    check(invoice["directo_state"] == "sent",
          f"{invoice['name']} exported with no configuration: Directo number "
          f"{invoice['directo_number']} ({message})")  # fmt: skip
    # The demo's Directo pays what it gets: the settings' "Fetch paid status now".
    company_id = rpc.call_kw("account.move", "read", [move], ["company_id"])[0]["company_id"][0]
    rpc.call_kw("res.company", "action_directo_fetch_paid_status", [company_id])
    [invoice] = rpc.call_kw("account.move", "read", [move], ["directo_payment_state"])
    check(invoice["directo_payment_state"] == "paid", "the sandbox's receipt: Paid in Directo")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--pid", type=int, help="the run_demo.sh process")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--db", default=DB, help=f"the database (default {DB})")
    args = parser.parse_args(argv)
    try:
        wait_for_odoo(args.url.rstrip("/"), args.pid, args.timeout)
        smoke(args.url.rstrip("/"), args.db)
    except (SmokeError, requests.RequestException, ValueError, KeyError) as error:
        print(f"run_demo.sh smoke test failed: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
