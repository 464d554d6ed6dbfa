"""Reconciliation benchmark in real Odoo: every client's balance compared in one run.

Usage (an Odoo 18 database with ``directo_connector`` installed)::

    python3 benchmarks/reconcile_bench.py -c /tmp/devpg/odoo.conf -d <database> \\
        [--clients 50000] [--invoices 1000] [--differing 500]

What it does, inside one transaction that is rolled back at the end (the database is left
as it was):

1. creates ``--clients`` clients with Directo client codes (batched ORM ``create``) and
   ``--invoices`` posted invoices of 100.00 for the first of them, marked as sent to
   Directo; every third one 40.00 paid in Directo;
2. starts the Directo sandbox in a *child process* (its own memory, the whole answer it
   builds, stays out of the figures) holding the same clients, each with the opening
   balance Odoo expects, except ``--differing`` clients (12.34 more in Directo) and 1 %
   more clients unknown to Odoo; a second Directo company holds a tenth of them;
3. runs ``res.company.directo_reconcile()`` at a tenth of the size, then at full size, and
   prints wall time, SQL queries and the process's peak RSS growth of each (the peak is
   reset before each run), then the same two runs under tracemalloc (Python's own peak;
   slower, so not timed), and the full run once more without storing the exchange (to
   show what the comparison itself holds: the exchange keeps the whole answer).
"""

from __future__ import annotations

import functools
import multiprocessing as mp
import resource
import sys
import time
import tracemalloc
from unittest.mock import patch

from odoo_bench import measure, odoo_arg_parser, open_registry

print = functools.partial(print, flush=True)  # progress shows while running


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    return 0.0


def _reset_peak_rss() -> float:
    """Reset the process's peak RSS (Linux: ``clear_refs`` 5) so that the peak of one run
    is measured, not the setup's; returns the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:  # not Linux, or not allowed: the lifetime peak then
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    peak = _status_mb("VmHWM")
    return peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _code(i: int) -> str:
    return f"R{i:06d}"


def _serve(queue, stop, clients: int, balances: dict[int, str]) -> None:
    from directo_sandbox import DirectoSandbox

    sandbox = DirectoSandbox(port=0, demo=False)
    companies = (("BENCH-FULL", "full", clients), ("BENCH-TENTH", "tenth", clients // 10))
    for token, company, size in companies:
        sandbox.state.add_token(token, company=company)
        unknown = size // 100
        sandbox.state.add_customers(
            (
                {"code": _code(i), "name": f"Klient {i} OÜ", "balance": balances.get(i, "0")}
                for i in range(size)
            ),
            company=company,
        )
        sandbox.state.add_customers(
            ({"code": f"X{i:06d}", "name": f"Ainult Directos {i}", "balance": "10"}
             for i in range(unknown)),
            company=company,
        )  # fmt: skip
    sandbox.start()
    queue.put(sandbox.url)
    stop.wait()
    sandbox.stop()


def main() -> None:
    parser = odoo_arg_parser(__doc__)
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--invoices", type=int, default=1_000)
    parser.add_argument("--differing", type=int, default=500)
    args = parser.parse_args()

    registry = open_registry(args)
    import odoo
    from odoo import Command

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env.company
        started = time.perf_counter()
        partners = env["res.partner"]
        for start in range(0, args.clients, 2000):
            partners |= env["res.partner"].create(
                [
                    {"name": f"Klient {i} OÜ", "is_company": True, "directo_code": _code(i)}
                    for i in range(start, min(start + 2000, args.clients))
                ]
            )
            env.flush_all()
            # Fresh rows without statistics get a pathological plan for the client code
            # check of the next batch (a production database is analysed by autovacuum).
            cr.execute("ANALYZE res_partner")
        print(f"setup: {args.clients} clients in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        moves = env["account.move"]
        for start in range(0, args.invoices, 200):
            batch = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partners[i].id,
                        "invoice_date": "2026-01-10",
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Teenus",
                                    "price_unit": 100.0,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for i in range(start, min(start + 200, args.invoices))
                ]
            )
            batch.action_post()
            env.flush_all()
            moves |= batch
        cr.execute(
            """
            UPDATE account_move SET directo_state = 'sent', directo_document = 'confirmed',
                   directo_number = 6000000 + (id - %s),
                   directo_amount_paid = CASE WHEN (id - %s) %% 3 = 0 THEN 40 ELSE 0 END
             WHERE id = ANY(%s)
            """,
            [moves[0].id, moves[0].id, moves.ids],
        )
        cr.execute("ANALYZE account_move, res_partner")
        env.invalidate_all()
        print(f"setup: {args.invoices} posted invoices in {time.perf_counter() - started:.1f} s")

        # What Odoo expects per client, and the clients that differ in Directo.
        balances = {}
        for index in range(args.invoices):
            balances[index] = "60" if index % 3 == 0 else "100"
        step = max(args.clients // max(args.differing, 1), 1)
        for index in range(7, args.clients, step):
            balances[index] = f"{float(balances.get(index, '0')) + 12.34:.2f}"
        ctx = mp.get_context("fork")
        queue, stop = ctx.Queue(), ctx.Event()
        proc = ctx.Process(target=_serve, args=(queue, stop, args.clients, balances), daemon=True)
        proc.start()
        url = queue.get(timeout=600)
        del balances
        company.write(
            {
                "directo_url": url,
                "directo_token": "BENCH-TENTH",
                "directo_invoice_export": True,
                "directo_payment_journal_id": False,
                "directo_connection_state": "connected",
            }
        )
        env["ir.config_parameter"].set_param("directo_connector.read_timeout", "600")
        env.flush_all()
        try:
            results = []
            for token, label in (("BENCH-TENTH", "a tenth"), ("BENCH-FULL", "full size")):
                company.sudo().directo_token = token
                env.flush_all()
                env.invalidate_all()
                before = _reset_peak_rss()
                elapsed, queries, run = measure(env, company.directo_reconcile)
                growth = _peak_rss_mb() - before
                results.append((label, run, elapsed, queries, growth))
                print(
                    f"{label}: {run.client_count:,} clients compared, {run.difference_count} "
                    f"differing (total {run.total_difference:.2f}, unexplained "
                    f"{run.unexplained_total:.2f}), state {run.state}"
                    f"{' ' + run.error if run.error else ''}: {elapsed:.2f} s, {queries} SQL "
                    f"queries, peak RSS growth {growth:.1f} MB"
                )
            for token, label in (("BENCH-TENTH", "a tenth"), ("BENCH-FULL", "full size")):
                company.sudo().directo_token = token
                env.flush_all()
                env.invalidate_all()
                tracemalloc.start()
                company.directo_reconcile()
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                print(f"{label} under tracemalloc: Python peak {peak / 1e6:.1f} MB")
            # Diagnostic: the same full run without storing the exchange, which keeps the
            # whole answer (body and attachment, several copies in memory while stored).
            company.sudo().directo_token = "BENCH-FULL"
            env.flush_all()
            env.invalidate_all()
            Exchange = type(env["directo.exchange"])
            with patch.object(Exchange, "_log_exchange", lambda self, *a, **k: self.browse()):
                tracemalloc.start()
                company.directo_reconcile()
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            print(f"full size, exchange not stored (diagnostic): Python peak {peak / 1e6:.1f} MB")
            lines = env["directo.reconciliation.line"].search_count(
                [("reconciliation_id", "=", results[-1][1].id)]
            )
            print(f"full size: {lines} lines written")
        finally:
            stop.set()
            proc.join(10)
            cr.rollback()


if __name__ == "__main__":
    sys.exit(main())
