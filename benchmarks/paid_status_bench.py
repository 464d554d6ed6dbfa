"""Paid-status benchmark in real Odoo: 10,000 receipt rows in ONE Directo answer.

Usage (an Odoo 18 database with ``directo_connector`` installed)::

    python3 benchmarks/paid_status_bench.py -c /tmp/devpg/odoo.conf -d <database> \\
        [--rows 10000] [--invoices 2000] [--rows-per-receipt 4]

What it does, inside one transaction that is rolled back at the end (the database is left
as it was):

1. creates ``--invoices`` posted customer invoices marked as exported (Directo numbers);
2. starts the Directo sandbox (a real HTTP server on 127.0.0.1) and stores receipts with
   ``--rows`` rows in all (1 % of them for invoices unknown to Odoo), so one
   ``what=receipt`` read answers all of them;
   With ``--register-payments`` the company also registers Odoo payments for them.
3. runs the paid-status sync and prints wall time and SQL queries for
   a. the first read (every receipt new),
   b. the same read again (the overlap case: every receipt unchanged),
   c. a read after 10 % of the receipts were edited in Directo.
"""

from __future__ import annotations

import functools
import random
import sys
import time

from odoo_bench import measure, odoo_arg_parser, open_registry

print = functools.partial(print, flush=True)  # progress shows while running


def main() -> None:
    parser = odoo_arg_parser(__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=2_000)
    parser.add_argument("--rows-per-receipt", type=int, default=4)
    parser.add_argument(
        "--register-payments",
        action="store_true",
        help="also register Odoo payments (company setting 'Register Directo payments in')",
    )
    args = parser.parse_args()

    registry = open_registry(args)
    import odoo
    from odoo import Command

    from odoo.addons.directo_connector.xmldirect.sandbox import DirectoSandbox

    sandbox = DirectoSandbox(port=0, demo=False)
    sandbox.state.add_token("BENCH-TOKEN")
    sandbox.start()
    rng = random.Random(42)
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            company = env.company
            company.write(
                {
                    "directo_url": sandbox.url,
                    "directo_token": "BENCH-TOKEN",
                    "directo_invoice_export": True,
                    "directo_payment_journal_id": False,
                    "directo_receipt_watermark": False,
                    "directo_connection_state": "connected",
                }
            )
            if args.register_payments:
                company.directo_payment_journal_id = env["account.journal"].search(
                    [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
                )
            partner = env["res.partner"].create({"name": "Benchmark Klient OÜ"})

            started = time.perf_counter()
            # Created and posted in slices, then ANALYZEd: thousands of fresh invoices that
            # PostgreSQL has no statistics for get a pathological plan for Odoo's own
            # payment-state query (a production database is analysed by autovacuum).
            moves = env["account.move"]
            for start in range(0, args.invoices, 200):
                batch = env["account.move"].create(
                    [
                        {
                            "move_type": "out_invoice",
                            "partner_id": partner.id,
                            "invoice_date": "2025-09-01",
                            "invoice_line_ids": [
                                Command.create(
                                    {
                                        "name": f"Teenus {i}",
                                        "quantity": 1,
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
                cr.execute("ANALYZE account_move, account_move_line")
            first_number = 5_000_000
            cr.execute(
                """
                UPDATE account_move SET directo_state = 'sent', directo_document = 'draft',
                       directo_number = %s + (id - %s)
                 WHERE id = ANY(%s)
                """,
                [first_number, moves[0].id, moves.ids],
            )
            numbers = [first_number + (move.id - moves[0].id) for move in moves]
            env.invalidate_all()
            print(
                f"setup: {args.invoices} posted invoices in "
                f"{time.perf_counter() - started:.1f} s (not part of the figures)"
            )

            receipts = args.rows // args.rows_per_receipt
            for r in range(receipts):
                rows = []
                for _ in range(args.rows_per_receipt):
                    if rng.random() < 0.01:
                        invoice = 9_000_000 + rng.randrange(1000)  # unknown to Odoo
                    else:
                        invoice = rng.choice(numbers)
                    rows.append({"invoice": invoice, "amount": f"{rng.randrange(5, 40)}.00"})
                sandbox.state.add_receipt(rows=rows, number=800_000 + r)

            Receipt = env["directo.receipt"]

            def run(label):
                env.flush_all()
                env.invalidate_all()
                elapsed, queries, stats = measure(
                    env, lambda: Receipt._directo_fetch_paid_status(company)
                )
                print(
                    f"{label}: {elapsed:.2f} s, {queries} SQL queries "
                    f"(receipts {stats['receipts']}, changed {stats['changed']}, "
                    f"unchanged {stats['unchanged']}, rows {stats['rows']}, "
                    f"unknown rows {stats['unknown']}, invoices updated {stats['invoices']}, "
                    f"Odoo payments created/removed {stats['payments']}"
                    f"{', ERROR ' + stats['error'] if stats['error'] else ''})"
                )
                return stats

            print(f"one answer with {receipts} receipts x {args.rows_per_receipt} rows:")
            run("a. first read (all new)")
            run("b. same answer again (all unchanged)")
            for r in rng.sample(range(receipts), receipts // 10):
                sandbox.state.edit_receipt(
                    800_000 + r, rows=[{"invoice": rng.choice(numbers), "amount": "1.00"}]
                )
            company.directo_receipt_watermark = False  # read everything again
            run("c. 10 % of the receipts edited")
            states = env["account.move"].read_group(
                [("id", "in", moves.ids)], ["directo_payment_state"], ["directo_payment_state"]
            )
            print(
                "invoice states:",
                {s["directo_payment_state"]: s["directo_payment_state_count"] for s in states},
            )
            cr.rollback()
    finally:
        sandbox.stop()


if __name__ == "__main__":
    sys.exit(main())
