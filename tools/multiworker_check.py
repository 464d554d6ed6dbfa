"""Exactly-once with several Odoo workers, cron threads and concurrent RPC users.

``python tools/multiworker_check.py -c odoo.conf -d DB`` (the interpreter that runs Odoo;
DB has directo_connector installed and is changed: use a copy) starts the Directo sandbox
and a real multi-process Odoo (``--workers=2 --max-cron-threads=1``) on free loopback
ports, sets up a company, four Invoicing users and posted invoices over JSON-RPC, then:

1. **load**: four clients export overlapping selections at once, re-send Directo drafts,
   reset invoices to draft, change a price and post them again, while faults are injected
   into the sandbox every few seconds (answer lost after storing, HTTP 500, dropped
   connection, partial answer) and the scheduled export runs (every minute and whenever
   triggered);
2. **settle**: faults stop; the scheduled export is run until every invoice is *Sent*.

It fails (exit 1, naming each violation) unless: every invoice is *Sent* and none is left
*Sending*; Directo holds one document per invoice with the invoice's latest prices; no
invoice was put as a new document after its first request; no two requests carrying the
same invoice were open at the same time (the sandbox records when each started and ended);
the server log has no ERROR, CRITICAL or traceback.
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import requests
from lxml import etree

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from demo_smoke import SmokeError, wait_for_odoo  # noqa: E402  (beside this script)

from directo_sandbox import DirectoSandbox  # noqa: E402

TOKEN = "DEMO-TOKEN"
USERS = 4
INVOICES = 40
LOAD_SECONDS = 45
SETTLE_SECONDS = 75
READ_TIMEOUT = 3  # seconds: the lost-answer fault waits longer than this
FAULTS = (
    {"kind": "process_then_timeout", "seconds": READ_TIMEOUT + 2},
    {"kind": "http500"},
    {"kind": "drop"},
    {"kind": "partial", "count": 1},
)
# Refusals a user may meet while others export the same invoices.
EXPECTED_USER_ERRORS = (
    "being sent to Directo right now",
    "someone else is exporting",
    "Only posted/cancelled journal entries can be reset to draft",
    "could not serialize access",  # Odoo's own retries of the request ran out
)


class CheckFailed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Rpc:
    """``execute_kw`` over ``/jsonrpc`` as one user."""

    def __init__(self, url: str, db: str, login: str, password: str) -> None:
        self.url, self.db, self.password = url, db, password
        self.session = requests.Session()
        self.uid = self._call("common", "login", [db, login, password])
        if not self.uid:
            raise CheckFailed(f"login {login} refused")

    def _call(self, service: str, method: str, args: list):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
        }
        answer = self.session.post(f"{self.url}/jsonrpc", json=payload, timeout=120).json()
        if "error" in answer:
            data = answer["error"].get("data") or {}
            raise RpcError(data.get("name", ""), data.get("message") or str(answer["error"]))
        return answer.get("result")  # absent when the method returned None

    def __call__(self, model: str, method: str, *args, **kwargs):
        return self._call(
            "object",
            "execute_kw",
            [self.db, self.uid, self.password, model, method, list(args), kwargs],
        )


class RpcError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


# ---------------------------------------------------------------------- Odoo server


def odoo_command() -> list[str]:
    """How to start this interpreter's Odoo as a script: its gevent process is started
    again from ``sys.argv``, which ``python -m odoo`` cannot do."""
    import odoo  # only the interpreter that runs Odoo has it

    source_tree = Path(odoo.__file__).resolve().parents[1] / "odoo-bin"
    if source_tree.exists():
        return [sys.executable, str(source_tree)]
    return [shutil.which("odoo") or "odoo"]


def start_odoo(conf: str, db: str, log: Path, port: int) -> subprocess.Popen:
    command = [
        *odoo_command(), "-c", conf, "-d", db, "--db-filter", f"^{db}$",
        "--workers=2", "--max-cron-threads=1", "--http-interface=127.0.0.1",
        f"--http-port={port}", f"--gevent-port={free_port()}", f"--logfile={log}",
        "--limit-time-real=300", "--limit-time-cpu=240",
    ]  # fmt: skip
    # Odoo's own messages go to the log file; stderr (e.g. a gevent process that cannot
    # start in a build without its plugins: not needed here) beside it.
    with open(log.with_suffix(".stderr"), "wb") as stderr:
        return subprocess.Popen(command, cwd=REPO, start_new_session=True, stderr=stderr)


def stop_odoo(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# ---------------------------------------------------------------------- set-up


def set_up(admin: Rpc, sandbox_url: str, password: str) -> tuple[list[int], list[Rpc]]:
    """Company connected to the sandbox, Invoicing users, posted invoices."""
    params = {
        "directo_connector.read_timeout": READ_TIMEOUT,
        "directo_connector.sending_lease_seconds": 20,
        "directo_connector.retry_intervals": "1,2",
    }
    for key, value in params.items():
        admin("ir.config_parameter", "set_param", key, value)
    (company_id,) = admin("res.users", "read", [admin.uid], ["company_id"])[0]["company_id"][:1]
    admin(
        "res.company",
        "write",
        [company_id],
        {
            "directo_url": sandbox_url,
            "directo_token": TOKEN,
            "directo_invoice_export": True,
            "directo_auto_confirm": False,
            "directo_auto_export": True,
            "directo_connection_state": "connected",
            "directo_retry_limit": 0,
        },
    )
    cron_id = _xmlid(admin, "directo_connector.ir_cron_directo_export")
    admin("ir.cron", "write", [cron_id], {"interval_number": 1, "interval_type": "minutes"})
    group = _xmlid(admin, "account.group_account_invoice")
    seller = admin(
        "res.users", "create",
        {"name": "MW Jaan", "login": "mw_jaan", "directo_code": "JAAN", "company_id": company_id},
    )  # fmt: skip
    partner = admin(
        "res.partner", "create",
        {"name": "MW client", "is_company": True, "directo_code": "K0001", "user_id": seller,
         "directo_default_resource_is_user": True},
    )  # fmt: skip
    tax = admin(
        "account.tax", "create",
        {"name": "MW 24%", "amount": 24, "type_tax_use": "sale", "directo_code": "1",
         "company_id": company_id},
    )  # fmt: skip
    product = admin(
        "product.product", "create", {"name": "MW consulting", "directo_code": "TEENUS-KONSULT"}
    )
    income = admin(
        "account.account", "search",
        [("company_ids", "in", company_id), ("account_type", "=", "income")], limit=1,
    )  # fmt: skip
    journal = admin(
        "account.journal", "create",
        {"name": "MW Sales", "code": "MWS", "type": "sale", "company_id": company_id,
         "default_account_id": income[0]},
    )  # fmt: skip
    invoice_ids = admin(
        "account.move",
        "create",
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner,
                "journal_id": journal,
                "invoice_date": "2026-01-15",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product,
                            "quantity": 1,
                            "price_unit": 80 + i,
                            "tax_ids": [(6, 0, [tax])],
                        },
                    )  # fmt: skip
                ],
            }
            for i in range(INVOICES)
        ],
    )
    admin("account.move", "action_post", invoice_ids)
    users = []
    for i in range(USERS):
        login = f"mw_user{i}"
        admin(
            "res.users", "create",
            {"name": f"MW user {i}", "login": login, "password": password,
             "company_id": company_id, "groups_id": [(6, 0, [group])]},
        )  # fmt: skip
    for i in range(USERS):
        users.append(Rpc(admin.url, admin.db, f"mw_user{i}", password))
    return invoice_ids, users


def _xmlid(rpc: Rpc, xmlid: str) -> int:
    module, name = xmlid.split(".")
    (record,) = rpc(
        "ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)], ["res_id"]
    )
    return record["res_id"]


# ---------------------------------------------------------------------- load


class Load:
    def __init__(self, invoice_ids: list[int], seed: int) -> None:
        self.invoice_ids = invoice_ids
        self.stop = threading.Event()
        self.counts: collections.Counter = collections.Counter()
        self.unexpected: list[str] = []
        self.lock = threading.Lock()
        self.seed = seed

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def user(self, rpc: Rpc, index: int) -> None:
        rng = random.Random(self.seed + index)
        while not self.stop.is_set():
            action = rng.choices(("export", "resend", "repost"), weights=(6, 2, 2))[0]
            try:
                getattr(self, action)(rpc, rng)
                self.count(action)
            except RpcError as error:
                if any(text in error.message for text in EXPECTED_USER_ERRORS) or (
                    error.name == "odoo.exceptions.UserError"
                ):
                    self.count(f"{action} refused")
                else:
                    with self.lock:
                        self.unexpected.append(f"{action}: {error}")
            time.sleep(rng.uniform(0.05, 0.4))

    def export(self, rpc: Rpc, rng: random.Random) -> None:
        selection = rng.sample(self.invoice_ids, rng.randint(3, 15))
        rpc("account.move", "action_directo_export", selection)

    def resend(self, rpc: Rpc, rng: random.Random) -> None:
        sent = rpc(
            "account.move", "search",
            [("id", "in", self.invoice_ids), ("directo_state", "=", "sent"),
             ("directo_document", "=", "draft")], limit=3,
        )  # fmt: skip
        if sent:
            rpc("account.move", "action_directo_resend", sent)

    def repost(self, rpc: Rpc, rng: random.Random) -> None:
        move_id = rng.choice(self.invoice_ids)
        (move,) = rpc("account.move", "read", [move_id], ["state", "invoice_line_ids"])
        if move["state"] != "posted":
            return
        rpc("account.move", "button_draft", [move_id])
        price = rng.randint(50, 500)
        rpc(
            "account.move", "write", [move_id],
            {"invoice_line_ids": [(1, move["invoice_line_ids"][0], {"price_unit": price})]},
        )  # fmt: skip
        rpc("account.move", "action_post", [move_id])

    def faults(self, sandbox: DirectoSandbox) -> None:
        rng = random.Random(self.seed)
        while not self.stop.wait(rng.uniform(2, 4)):
            fault = dict(rng.choice(FAULTS))
            sandbox.add_fault(fault.pop("kind"), component="invoice", operation="put", **fault)
            self.count("faults injected")


# ---------------------------------------------------------------------- settle and check


def settle(admin: Rpc, invoice_ids: list[int], deadline: float) -> list[dict]:
    cron_id = _xmlid(admin, "directo_connector.ir_cron_directo_export")
    while True:
        moves = admin("account.move", "read", invoice_ids, ["name", "state", "directo_state"])
        waiting = [m for m in moves if m["directo_state"] != "sent"]
        if not waiting or time.monotonic() > deadline:
            return moves
        reposted = [m["id"] for m in waiting if m["state"] == "draft"]
        if reposted:
            admin("account.move", "action_post", reposted)
        stuck = [m["id"] for m in waiting if m["directo_state"] in ("failed", "attention")]
        if stuck:
            admin("account.move", "action_directo_export", stuck)
        try:
            admin("ir.cron", "method_direct_trigger", [cron_id])
        except RpcError as error:
            if "currently being executed" not in error.message:
                raise
        time.sleep(1)


def _carried(request) -> list[int]:
    xml = request.form.get("xmldata") or ""
    if "<invoice" not in xml:
        return []
    root = etree.fromstring(xml.encode("utf-8"))
    return [int(number) for number in root.xpath("//invoice/@number")]


def check(admin: Rpc, sandbox: DirectoSandbox, invoice_ids: list[int], known: set, log: Path):
    problems = []
    moves = admin(
        "account.move", "read", invoice_ids,
        ["name", "state", "directo_state", "directo_number", "invoice_line_ids"],
    )  # fmt: skip
    for move in moves:
        if move["directo_state"] != "sent":
            problems.append(f"{move['name']} ends {move['directo_state']} ({move['state']})")
    numbers = {m["directo_number"]: m for m in moves}
    if len(numbers) != len(moves):
        problems.append("two invoices share a Directo number")
    stored = set(sandbox.invoices()) - known
    if stored != set(numbers):
        problems.append(
            f"Directo's documents {sorted(stored)} are not the invoices' {sorted(numbers)}"
        )
    lines = {
        line["id"]: line
        for line in admin(
            "account.move.line",
            "read",
            [lid for m in moves for lid in m["invoice_line_ids"]],
            ["price_unit"],
        )  # fmt: skip
    }
    for number, move in numbers.items():
        document = sandbox.invoice(number)
        if document is None:
            continue
        odoo_prices = sorted(Decimal(str(lines[i]["price_unit"])) for i in move["invoice_line_ids"])
        directo_prices = sorted(row["price"] for row in document["rows"])
        if odoo_prices != directo_prices:
            problems.append(f"{move['name']}: Directo has {directo_prices}, Odoo {odoo_prices}")
    by_number = collections.defaultdict(list)
    for request in sandbox.requests:
        if request.component == "invoice" and request.operation == "put":
            for number in _carried(request):
                by_number[number].append(request)
    for number, carried in by_number.items():
        carried.sort(key=lambda r: r.started)
        creates = [i for i, r in enumerate(carried) if r.query.get("xd_update") != "1"]
        if creates not in ([], [0]):
            problems.append(f"invoice {number} put as a new document after its first request")
        for earlier, later in zip(carried, carried[1:], strict=False):
            if earlier.ended is None or later.started < earlier.ended:
                problems.append(f"invoice {number} carried by two requests at the same time")
    errors = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if re.search(r" (ERROR|CRITICAL) |Traceback", line)
    ]
    problems.extend(f"server log: {line}" for line in errors[:20])
    return problems, by_number


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    began = time.monotonic()
    password = "mw-check-password"
    with (
        tempfile.TemporaryDirectory(prefix="directo-mw-") as tmp,
        DirectoSandbox(port=0, demo=True) as sandbox,
    ):
        log = Path(tmp) / "odoo.log"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_odoo(args.config, args.database, log, port)
        try:
            try:
                wait_for_odoo(url, server.pid, 90)
            except SmokeError as error:
                raise CheckFailed(f"Odoo (pid {server.pid}) did not start: {error}") from error
            admin = Rpc(url, args.database, "admin", "admin")
            known = set(sandbox.invoices())
            invoice_ids, users = set_up(admin, sandbox.url, password)
            load = Load(invoice_ids, args.seed)
            threads = [threading.Thread(target=load.user, args=(u, i)) for i, u in enumerate(users)]
            threads.append(threading.Thread(target=load.faults, args=(sandbox,)))
            for thread in threads:
                thread.start()
            time.sleep(LOAD_SECONDS)
            load.stop.set()
            for thread in threads:
                thread.join()
            sandbox.clear_faults()
            settle(admin, invoice_ids, time.monotonic() + SETTLE_SECONDS)
            problems, by_number = check(admin, sandbox, invoice_ids, known, log)
        finally:
            stop_odoo(server)
        problems = load.unexpected + problems
        puts = sum(len(v) for v in by_number.values())
        print(
            f"multi-worker check (seed {args.seed}): {len(invoice_ids)} invoices, {USERS} users, "
            f"{dict(sorted(load.counts.items()))}, {len(sandbox.requests)} requests to the "
            f"sandbox ({puts} invoice carriages), {time.monotonic() - began:.0f} s"
        )
        for problem in problems:
            print("  FAIL:", problem)
        if problems:
            kept = Path(tempfile.gettempdir()) / "directo-multiworker-odoo.log"
            kept.write_text(log.read_text(errors="replace"))
            print(f"  server log kept in {kept}")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
