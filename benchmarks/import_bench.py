"""Client import benchmark in a real Odoo 18 against the Directo sandbox.

Run it on a throwaway database that has ``directo_connector`` installed, e.g.::

    createdb -h 127.0.0.1 -p 55432 -U odoo -T dev_template directo_bench
    python3 -m odoo -c /tmp/devpg/odoo.conf -d directo_bench -i directo_connector \
        --stop-after-init --no-http
    python3 benchmarks/import_bench.py -c /tmp/devpg/odoo.conf -d directo_bench [--clients 10000]

What it does (every step the way the scheduled action does it: a fresh cursor and
environment per call, committed at the end of the call):

1. loads the sandbox with N open clients (+ 2% closed ones, which must not appear) and
   creates 5% of them in Odoo beforehand without code but with the same VAT number
   ("probably the same");
2. **read**: queues the client import and runs the scheduled action once (HTTP read, parse,
   matching, preview lines);
3. **preview**: what the preview list asks for: the first page (80 lines, list fields),
   the count per status, the import's counters;
4. **add all** (the user selects all and clicks "Add selected"): the request only marks the
   lines; the scheduled action then adds them in chunks;
5. **read again + add all** (nothing may be created twice).

For each step it prints the wall time and the number of SQL queries. Codes get a per-run
prefix, so the script can be run again on the same database.
"""

from __future__ import annotations

import sys
import time

from odoo_bench import ROOT, measure, odoo_arg_parser, open_registry


def main() -> int:
    parser = odoo_arg_parser(__doc__)
    parser.add_argument("--clients", type=int, default=10000)
    args = parser.parse_args()

    registry = open_registry(args)
    from odoo import SUPERUSER_ID, api

    from directo_sandbox import DirectoSandbox

    sandbox = DirectoSandbox(port=0, demo=False, tokens={"BENCH": None}).start()
    prefix = "B%s-" % int(time.time())
    n = args.clients
    closed = max(1, n // 50)
    probable = n // 20

    def customer(i, is_closed=False):
        return {
            "code": "%s%06d" % (prefix, i),
            "name": "Bench Client %06d OÜ" % i,
            "regno": "%s%08d" % (prefix, i),
            "vatregno": "EE%s%09d" % (prefix, i),
            "address1": "Tänav %d" % i,
            "address2": "Tallinn",
            "address3": "%05d" % (10000 + i % 90000),
            "country": "EE",
            "contact": "Contact Person %06d" % i,
            "email": "client%06d@example.ee" % i,
            "phone": "+372 5%07d" % i,
            "closed": "1" if is_closed else "0",
        }

    sandbox.state.add_customers(customer(i) for i in range(n))
    sandbox.state.add_customers(customer(n + i, True) for i in range(closed))

    def peek(func):
        with registry.cursor() as cr:
            return func(api.Environment(cr, SUPERUSER_ID, {}))

    def step(label, func):
        """Run ``func(env)`` in its own transaction; print time and query count."""
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            elapsed, queries, result = measure(env, lambda: func(env))
        print("%-58s %8.2f s %8d queries" % (label, elapsed, queries))
        return result

    def setup(env):
        company = env.company
        company.write(
            {
                "directo_url": sandbox.url,
                "directo_token": "BENCH",
                "directo_connection_state": "connected",
            }
        )
        env["res.partner"].create(
            [
                {"name": "Existing %06d" % i, "is_company": True, "vat": customer(i)["vatregno"]}
                for i in range(probable)
            ]
        )
        return company.id

    def enqueue(env):
        return env["directo.import"]._directo_enqueue("client", env.company).id

    def cron(env):
        env["directo.import"]._cron_process_imports()

    def pending(env):
        return env["directo.import"].search_count(
            [("state", "in", ("queued", "reading", "adding"))]
        )

    def preview(run_id):
        def run(env):
            imp = env["directo.import"].browse(run_id)
            action = imp.action_open_preview()
            Line = env[action["res_model"]]
            Line.web_search_read(
                action["domain"] + [("added", "=", False)],
                {
                    field: {}
                    for field in (
                        "match_state",
                        "code",
                        "name",
                        "regno",
                        "vatregno",
                        "address",
                        "contact",
                        "email",
                        "partner_id",
                        "changes",
                        "added",
                    )
                },  # fmt: skip
                limit=80,
            )
            Line.read_group(action["domain"], ["match_state"], ["match_state"])
            counts = (imp.read_count, imp.new_count, imp.linked_count, imp.probable_count,
                      imp.changed_count)  # fmt: skip
            return counts

        return run

    def select_all(run_id):
        def run(env):
            lines = env["directo.client.import.line"].search([("import_id", "=", run_id)])
            return lines.action_directo_add()["params"]["message"]

        return run

    print("Directo client import benchmark: %d open clients (+%d closed), %d probable matches"
          % (n, closed, probable))  # fmt: skip
    print("-" * 88)
    total = time.perf_counter()
    step("setup (sandbox data, %d partners without code)" % probable, setup)
    run_id = step("Import clients (request: queue + trigger)", enqueue)
    step("read (scheduled action: HTTP, parse, match, %d lines)" % n, cron)
    counts = step("preview (first page, counts per status)", preview(run_id))
    print("   read %d; new %d, linked %d, probable %d, changed %d" % counts)
    message = step("Add selected, all %d (request)" % n, select_all(run_id))
    print("   " + message)
    calls = 0
    started = time.perf_counter()
    while peek(pending):
        calls += 1
        step("add (scheduled action call %d)" % calls, cron)
    print("%-58s %8.2f s" % ("add, all %d calls" % calls, time.perf_counter() - started))

    def check(env):
        partners = env["res.partner"].search_count([("directo_code", "=like", prefix + "%")])
        contacts = env["res.partner"].search_count(
            [("parent_id.directo_code", "=like", prefix + "%")]
        )
        return partners, contacts

    partners, contacts = peek(check)
    print("   clients with a code: %d (expected %d), contacts: %d" % (partners, n, contacts))

    run2 = step("Import clients again (request)", enqueue)
    step("read again (scheduled action)", cron)
    counts = step("preview again", preview(run2))
    print("   read %d; new %d, linked %d, probable %d, changed %d" % counts)
    step("Add selected again, all (request)", select_all(run2))
    while peek(pending):
        step("add again (scheduled action call)", cron)
    partners2, contacts2 = peek(check)
    print("   clients with a code: %d, contacts: %d (unchanged: %s)"
          % (partners2, contacts2, (partners2, contacts2) == (partners, contacts)))  # fmt: skip
    print("-" * 88)
    print("total %.1f s" % (time.perf_counter() - total))
    sandbox.stop()
    ok = partners == n and (partners2, contacts2) == (partners, contacts) and counts[2] == n
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
