"""Invoice export benchmark in a real Odoo 18 against the Directo sandbox.

Run it on a throwaway database that has ``directo_connector`` installed, e.g.::

    createdb -h 127.0.0.1 -p 55432 -U odoo -T dev_template directo_bench
    python3 -m odoo -c /tmp/devpg/odoo.conf -d directo_bench -i directo_connector \
        --stop-after-init --no-http
    python3 benchmarks/export_bench.py -c /tmp/devpg/odoo.conf -d directo_bench \
        [--invoices 1000] [--rows 5]

What it does:

1. creates N customer invoices with R product rows each (coded client, products, tax and
   resources, as in production) in a new sales journal, committed;
2. **post**: times ``action_post()`` on all of them (one call, like "Confirm" on a
   selection) and counts its SQL queries;
3. **export**: times what the "Export to Directo" list action does for the whole selection
   (checks, hand-over to the background job) plus that job (write-ahead commit, one HTTP
   request per batch of 250, per-document results and attempts) and counts SQL queries
   and HTTP requests;
4. repeats the export on a tenth of the size to show that queries per invoice do not depend
   on the batch size.

It prints both times, the ratio export/post (goal <= 0.25), HTTP requests and SQL queries
per invoice. The sandbox runs in this process (a thread), so its XML parsing competes with
Odoo for the interpreter: the export time is pessimistic. Every run uses a new journal and
a new year, so the script can be run again on the same database.
"""

from __future__ import annotations

import sys
import time

from odoo_bench import ROOT, measure, odoo_arg_parser, open_registry


def main() -> int:
    parser = odoo_arg_parser(__doc__)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=5)
    args = parser.parse_args()

    registry = open_registry(args)
    from odoo import SUPERUSER_ID, Command, api

    from odoo.addons.directo_connector.xmldirect.sandbox import DirectoSandbox

    sandbox = DirectoSandbox(port=0, demo=True).start()

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        company.sudo().write(
            {
                "directo_url": sandbox.url,
                "directo_token": "DEMO-TOKEN",
                "directo_invoice_export": True,
                "directo_auto_confirm": False,
                "directo_auto_export": False,
                "directo_connection_state": "connected",
            }
        )
        run = env["account.journal"].search_count([("name", "=like", "Directo bench %")]) + 1
        year = 2030 + run
        income = env["account.account"].search(
            [("company_ids", "in", company.id), ("account_type", "=", "income")], limit=1
        )
        journal = env["account.journal"].create(
            {
                "name": "Directo bench %s" % run,
                # letters only: digits of the journal code would end up in the number
                "code": "X" + "".join(chr(65 + int(d)) for d in "%03d" % run),
                "type": "sale",
                "default_account_id": income.id,
            }
        )
        taxes = env["account.tax"].create(
            [
                {"name": "Bench 24%% (%s)" % run, "amount": 24, "type_tax_use": "sale",
                 "directo_code": "1"},
                {"name": "Bench 9%% (%s)" % run, "amount": 9, "type_tax_use": "sale",
                 "directo_code": "2"},
            ]
        )  # fmt: skip
        codes = ["TEENUS-KONSULT", "ART-1001", "ART-2040", "TEENUS-PAIGALDUS", "ART-3300"]
        products = env["product.product"].create(
            [{"name": "Bench %s" % code, "directo_code": code} for code in codes]
        )
        users = env["res.users"].create(
            [
                {"name": "Bench %s %s" % (code, run), "login": "bench_%s_%s" % (code, run),
                 "directo_code": code}
                for code in ("JAAN", "KATRIN", "MARI")
            ]
        )  # fmt: skip
        # Client codes are unique per company: take them from an earlier (aborted) run.
        env["res.partner"].search(
            [("name", "=like", "Bench client %"), ("directo_code", "!=", False)]
        ).write({"directo_code": False})
        partners = env["res.partner"].create(
            [
                {
                    "name": "Bench client %s %s" % (code, run),
                    "is_company": True,
                    "directo_code": code,
                    "user_id": users[i % 3].id,
                    "directo_default_resource_id": users[(i + 1) % 3].id,
                }
                for i, code in enumerate(("K0001", "K0002", "K0004", "K0005", "K0007"))
            ]
        )
        # Directo client codes must be unique per company: free them after the run.
        cr.commit()

        def vals(i):
            lines = []
            for r in range(args.rows):
                lines.append(
                    Command.create(
                        {
                            "product_id": products[r % len(products)].id,
                            "quantity": 1 + (i + r) % 7,
                            "price_unit": 10 + (i * 7 + r * 3) % 200,
                            "discount": 5 if r == 2 else 0,
                            "tax_ids": [Command.set(taxes[r % 2].ids)],
                            "directo_resource_id": users[r % 3].id if r % 2 else False,
                        }
                    )
                )
            day = 1 + i % 28
            return {
                "move_type": "out_invoice",
                "partner_id": partners[i % len(partners)].id,
                "journal_id": journal.id,
                "invoice_date": "%s-01-%02d" % (year, day),
                "invoice_date_due": "%s-02-%02d" % (year, day),
                "invoice_line_ids": lines,
            }

        def make(n):
            moves = env["account.move"].create([vals(i) for i in range(n)])
            cr.commit()
            return moves.ids

        def timed(label, func):
            env.invalidate_all()
            elapsed, queries, result = measure(env, func)
            cr.commit()
            print("%-28s %8.2f s %9d queries" % (label, elapsed, queries))
            return elapsed, queries, result

        def export(ids):
            # The click (checks, then hand-over: a large selection goes to the background
            # job) and the job itself, which sends with a write-ahead commit per request.
            moves = env["account.move"].browse(ids)
            action = moves.action_directo_export()
            env["account.move"]._cron_directo_export()
            return action

        results = {}
        for n in (args.invoices, max(1, args.invoices // 10)):
            t0 = time.perf_counter()
            ids = make(n)
            print(
                "\n%d invoices x %d rows created in %.2f s"
                % (n, args.rows, time.perf_counter() - t0)
            )
            post_time, post_q, _r = timed(
                "post", lambda ids=ids: env["account.move"].browse(ids).action_post()
            )
            before_http = len(sandbox.requests)
            export_time, export_q, action = timed("export", lambda ids=ids: export(ids))
            http = len(sandbox.requests) - before_http
            moves = env["account.move"].browse(ids)
            sent = moves.filtered(lambda m: m.directo_state == "sent")
            if len(sent) != n:
                print("NOT ALL SENT:", action, file=sys.stderr)
                if action.get("res_model") == "directo.export.wizard":
                    wizard = env[action["res_model"]].browse(action["res_id"])
                    for message in wizard.problem_ids.mapped("message")[:10]:
                        print("  ", message, file=sys.stderr)
                return 1
            results[n] = (post_time, post_q, export_time, export_q, http)
            print("ratio export/post            %8.2f" % (export_time / post_time))
            print("HTTP requests                %8d (%.3f per invoice)" % (http, http / n))
            print(
                "SQL queries per invoice      post %.1f, export %.1f" % (post_q / n, export_q / n)
            )

        big, small = args.invoices, max(1, args.invoices // 10)
        print("\nSummary")
        print(
            "  %d invoices: post %.2f s, export %.2f s, ratio %.2f (goal <= 0.25)"
            % (big, results[big][0], results[big][2], results[big][2] / results[big][0])
        )
        print(
            "  export SQL queries per invoice: %.2f at %d invoices, %.2f at %d invoices"
            % (results[big][3] / big, big, results[small][3] / small, small)
        )
        print("  HTTP requests: %d for %d invoices" % (results[big][4], big))
        # Free the client codes for the next run (they must be unique per company).
        partners.write({"directo_code": False})
        cr.commit()
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
