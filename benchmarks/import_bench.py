"""Client import benchmark in a real Odoo 18 against the Directo sandbox.

Run it on a throwaway database that has ``directo_connector`` installed, e.g.::

    createdb -h 127.0.0.1 -p 55432 -U odoo -T dev_template directo_bench
    python3 -m odoo -c /tmp/devpg/odoo.conf -d directo_bench -i directo_connector \\
        --stop-after-init --no-http
    python3 benchmarks/import_bench.py -c /tmp/devpg/odoo.conf -d directo_bench \\
        [--clients 10000] [--contacts 20000]

What it does (every step the way the scheduled action does it: a fresh cursor and
environment per call, committed at the end of the call):

1. loads the sandbox with N open clients (+ 2% closed ones, which must not appear) and their
   contact persons (spread evenly; each client's first one is the client's own ``contact``,
   every tenth has an address of its own; plus one closed person per 50 clients, which must
   not appear), and creates 5% of the clients in Odoo beforehand without code but with the
   same VAT number ("probably the same");
2. **read**: queues the client import and runs the scheduled action once (HTTP reads of
   customers and contact persons - exactly one request per component -, parse, matching,
   preview lines and contact rows);
3. **preview**: what the preview list asks for: the first page (80 lines, list fields),
   the count per status, the import's counters;
4. **add all** (the user selects all and clicks "Add selected"): the request only marks the
   lines; the scheduled action then adds them in chunks;
5. **baseline**: the same partners (the companies the import created and all their
   contacts) created with a plain batched ORM ``create`` (batches of 500, same context), in a
   transaction that is rolled back - the floor for any import;
6. **read again + add all** (nothing may be created twice).

For each step it prints the wall time and the number of SQL queries, and the ratio of
adding to the baseline. Codes get a per-run prefix, so the script can be run again on the
same database.

``--memory`` measures instead what reading costs in memory: the sandbox (same data) runs in
a process of its own, the scheduled action reads and the preview is opened, and the script
prints the growth of its peak resident memory (Linux ``VmHWM``, reset before the read) over
the resident memory before it: what a worker needs on top of its usual size, e.g.::

    python3 benchmarks/import_bench.py -c odoo.conf -d directo_bench --memory \\
        --clients 50000 --contacts 100000
"""

from __future__ import annotations

import functools
import multiprocessing
import sys
import time
from pathlib import Path

from odoo_bench import ROOT, measure, odoo_arg_parser, open_registry

print = functools.partial(print, flush=True)  # progress shows while running

#: Partners per ORM create call of the baseline (the import's own batch size).
BASELINE_BATCH = 500


def main() -> int:  # noqa: C901 - one scenario told top to bottom, its steps as closures
    parser = odoo_arg_parser(__doc__)
    parser.add_argument("--clients", type=int, default=10000)
    parser.add_argument("--contacts", type=int, default=20000)
    parser.add_argument(
        "--memory", action="store_true", help="measure the peak memory growth of a read"
    )
    args = parser.parse_args()

    registry = open_registry(args)
    from odoo import SUPERUSER_ID, api
    from odoo.tools import split_every

    from odoo.addons.directo_connector.models.directo_client_import_line import QUIET_CONTEXT

    from directo_sandbox import DirectoSandbox

    stamp = int(time.time())
    prefix = "B%s-" % stamp
    # Contact codes are Directo's (integers): made unique per run too, so that a run does not
    # find (and move) the contacts of an earlier run on the same database.
    person_base = (stamp % 100_000) * 10_000_000
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
            "contact": "Contact Person %06d-0" % i,
            "email": "client%06d@example.ee" % i,
            "phone": "+372 5%07d" % i,
            "closed": "1" if is_closed else "0",
        }

    def person(k, is_closed=False):
        """Contact person k of client k % n (the client's first is its own contact)."""
        i, j = k % n, k // n
        data = {
            "code": "%d" % (person_base + k),
            "customercode": "%s%06d" % (prefix, i),
            "name": "Contact Person %06d-%d" % (i, j),
            "email": "person%07d@example.ee" % k,
            "phone": "+372 6%07d" % k,
            "mobile": "+372 8%07d" % k,
            "closed": "1" if is_closed else "0",
        }
        if k % 10 == 9:
            data.update(address1="Kõrvaltänav %d" % k, address2="Tartu", address3="51000")
        return data

    def loaded_sandbox():
        sandbox = DirectoSandbox(port=0, demo=False, tokens={"BENCH": None}).start()
        sandbox.state.add_customers(customer(i) for i in range(n))
        sandbox.state.add_customers(customer(n + i, True) for i in range(closed))
        sandbox.state.add_contacts(person(k) for k in range(args.contacts))
        sandbox.state.add_contacts(person(args.contacts + k, True) for k in range(closed))
        return sandbox

    def prepare(env, url):
        """The company connected to the sandbox at ``url``; the probable matches."""
        env.company.write(
            {"directo_url": url, "directo_token": "BENCH", "directo_connection_state": "connected"}
        )
        env["res.partner"].create(
            [
                {"name": "Existing %06d" % i, "is_company": True, "vat": customer(i)["vatregno"]}
                for i in range(probable)
            ]
        )

    if args.memory:
        print(
            "Directo client import, memory: %d open clients (+%d closed), %d contact persons, "
            "%d probable matches" % (n, closed, args.contacts, probable)
        )
        return memory_benchmark(registry, loaded_sandbox, prepare, n)
    sandbox = loaded_sandbox()

    def peek(func):
        with registry.cursor() as cr:
            return func(api.Environment(cr, SUPERUSER_ID, {}))

    def step(label, func, rollback=False):
        """Run ``func(env)`` in its own transaction; print time and query count."""
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            elapsed, queries, result = measure(env, lambda: func(env))
            if rollback:
                cr.rollback()
        print("%-62s %8.2f s %8d queries" % (label, elapsed, queries))
        return elapsed, result

    def setup(env):
        prepare(env, sandbox.url)

    def enqueue(env):
        return env["directo.import"]._directo_enqueue("client", env.company).id

    def cron(env):
        env["directo.import"]._cron_process_imports()

    def pending(env):
        return env["directo.import"].search_count(
            [("state", "in", ("queued", "reading", "adding"))]
        )

    def read(label):
        before = len(sandbox.requests)
        elapsed = step(label, cron)[0]
        components = [r.component for r in sandbox.requests[before:]]
        print("   requests: %s" % ", ".join(components))
        return elapsed, components

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
                        "contact_new_count",
                        "contact_linked_count",
                        "contact_changed_count",
                        "contact_closed_count",
                        "partner_id",
                        "changes",
                        "added",
                    )
                },  # fmt: skip
                limit=80,
            )
            Line.read_group(action["domain"], ["match_state"], ["match_state"])
            counts = (imp.read_count, imp.contact_read_count, imp.new_count, imp.linked_count,
                      imp.probable_count, imp.changed_count)  # fmt: skip
            return counts

        return run

    def select_all(run_id):
        def run(env):
            lines = env["directo.client.import.line"].search([("import_id", "=", run_id)])
            return lines.action_directo_add()["params"]["message"]

        return run

    def add_in_background(label, compare=False):
        """Scheduled action calls until nothing is left; with ``compare``, each call is
        followed by the baseline for what it created (so both run under the same load)."""
        calls, elapsed, base = 0, 0.0, [0.0, 0, 0, 0]
        while peek(pending):
            calls += 1
            after_id = peek(last_partner_id)
            elapsed += step("%s (scheduled action call %d)" % (label, calls), cron)[0]
            if compare:
                numbers = step("   baseline preparation (rolled back)", baseline(after_id), True)[1]
                print("   %-59s %8.2f s %8d queries (%d companies, %d contacts)"
                      % ("baseline: batched ORM create of the same", *numbers))  # fmt: skip
                base = [a + b for a, b in zip(base, numbers, strict=True)]
        print("%-62s %8.2f s" % ("%s, all %d calls" % (label, calls), elapsed))
        return elapsed, base

    def check(env):
        Partner = env["res.partner"].with_context(active_test=False)
        partners = Partner.search_count([("directo_code", "=like", prefix + "%")])
        contacts = Partner.search_count([("parent_id.directo_code", "=like", prefix + "%")])
        return partners, contacts

    def last_partner_id(env):
        env.cr.execute("SELECT max(id) FROM res_partner")
        return env.cr.fetchone()[0]

    def baseline(after_id):
        """The partners the last call created (ids above ``after_id``), created again with a
        plain batched ORM create, same context; only the creates are timed."""

        def run(env):
            Partner = env["res.partner"].sudo().with_context(active_test=False, **QUIET_CONTEXT)
            company = env.company
            created = Partner.search([("id", ">", after_id), ("parent_id", "=", False)], order="id")
            fields = ["name", "company_registry", "vat", "street", "city", "zip", "country_id",
                      "email", "phone", "directo_code"]  # fmt: skip
            companies = [
                dict(vals, is_company=True, company_id=company.id)
                for vals in created._read_format(fields)
            ]
            for vals in companies:
                del vals["id"]
                vals["country_id"] = vals["country_id"] and vals["country_id"][0]
                vals["directo_code"] = "X" + vals["directo_code"]
            children = Partner.search_read(
                [("id", ">", after_id), ("parent_id", "!=", False)],
                [
                    "parent_id",
                    "type",
                    "name",
                    "email",
                    "phone",
                    "mobile",
                    "street",
                    "city",
                    "zip",
                    "country_id",
                    "directo_contact_code",
                ],  # fmt: skip
                order="id",
            )
            for vals in children:
                del vals["id"]
                vals["country_id"] = vals["country_id"] and vals["country_id"][0]
                vals["parent_id"] = vals["parent_id"][0]
                vals["company_id"] = company.id
            elapsed, queries, parent_of = measure(
                env, lambda: create_all(Partner, companies, created.ids)
            )
            for vals in children:
                # Children of linked (not created) clients hang off the linked partner.
                vals["parent_id"] = parent_of.get(vals["parent_id"], vals["parent_id"])
            elapsed2, queries2, _ = measure(env, lambda: create_all(Partner, children))
            return elapsed + elapsed2, queries + queries2, len(companies), len(children)

        return run

    def create_all(Partner, vals_list, old_ids=None):
        """Batched ORM create; {old id: new id} when ``old_ids`` are given."""
        new_ids = []
        for chunk in split_every(BASELINE_BATCH, vals_list):
            new_ids += Partner.create(chunk).ids
        return dict(zip(old_ids, new_ids, strict=True)) if old_ids else {}

    print(
        "Directo client import benchmark: %d open clients (+%d closed), %d contact persons "
        "(+%d closed), %d probable matches" % (n, closed, args.contacts, closed, probable)
    )
    print("-" * 96)
    total = time.perf_counter()
    step("setup (sandbox data, %d partners without code)" % probable, setup)
    run_id = step("Import clients (request: queue + trigger)", enqueue)[1]
    read_time, components = read("read (scheduled action: HTTP, parse, match, lines)")
    counts = step("preview (first page, counts per status)", preview(run_id))[1]
    print("   read %d clients, %d contacts; new %d, linked %d, probable %d, changed %d" % counts)
    request_time, message = step("Add selected, all %d (request)" % n, select_all(run_id))
    print("   " + message)
    add_time, (base_time, base_queries, base_companies, base_children) = add_in_background(
        "add", compare=True
    )
    partners, contacts = peek(check)
    print("   clients with a code: %d (expected %d), their contacts: %d (expected %d)"
          % (partners, n, contacts, args.contacts))  # fmt: skip
    print("%-62s %8.2f s %8d queries" % ("baseline: batched ORM create, all calls",
                                          base_time, base_queries))  # fmt: skip
    print("   %d companies + %d contacts; adding (request + calls) / baseline = %.2f"
          % (base_companies, base_children, (request_time + add_time) / base_time))  # fmt: skip

    run2 = step("Import clients again (request)", enqueue)[1]
    read("read again (scheduled action)")
    counts = step("preview again", preview(run2))[1]
    print("   read %d clients, %d contacts; new %d, linked %d, probable %d, changed %d" % counts)
    step("Add selected again, all (request)", select_all(run2))
    add_in_background("add again")
    partners2, contacts2 = peek(check)
    print("   clients with a code: %d, contacts: %d (unchanged: %s)"
          % (partners2, contacts2, (partners2, contacts2) == (partners, contacts)))  # fmt: skip
    print("-" * 96)
    print("total %.1f s" % (time.perf_counter() - total))
    sandbox.stop()
    ok = (
        partners == n
        and contacts == args.contacts
        and (partners2, contacts2) == (partners, contacts)
        and counts[3] == n
        and components == ["customer", "contact"]
    )
    return 0 if ok else 1


def _proc_status_kib(field):
    """A ``/proc/self/status`` figure (``VmRSS``, ``VmHWM``) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError("no %s in /proc/self/status (Linux only)" % field)


def _serve_sandbox(loaded_sandbox, conn):
    """Child process: the loaded sandbox, its URL sent back, served until terminated."""
    sandbox = loaded_sandbox()
    conn.send(sandbox.url)
    conn.recv()  # the parent is done
    sandbox.stop()


def memory_benchmark(registry, loaded_sandbox, prepare, n):
    """Peak resident memory growth of the client import's read and preview."""
    from odoo import SUPERUSER_ID, api

    context = multiprocessing.get_context("fork")
    parent_conn, child_conn = context.Pipe()
    child = context.Process(target=_serve_sandbox, args=(loaded_sandbox, child_conn))
    child.start()
    url = parent_conn.recv()
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            prepare(env, url)
            run_id = env["directo.import"]._directo_enqueue("client", env.company).id
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        before = _proc_status_kib("VmRSS")
        started = time.perf_counter()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["directo.import"]._cron_process_imports()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            run = env["directo.import"].browse(run_id)
            run.action_open_preview()
            lines = env["directo.client.import.line"].search_fetch(
                [("import_id", "=", run_id)], ["code", "name", "changes"], limit=80
            )
            counts = (run.state, run.read_count, run.contact_read_count, len(lines))
        elapsed = time.perf_counter() - started
        peak = _proc_status_kib("VmHWM")
    finally:
        parent_conn.send("done")
        child.join(30)
    print("   import %s: %d clients and %d contact persons read, first page %d lines" % counts)
    print("   read + preview %.1f s; resident memory before %.1f MiB, peak %.1f MiB" % (
        elapsed, before / 1024, peak / 1024))  # fmt: skip
    print("   peak resident memory growth: %.1f MiB" % ((peak - before) / 1024))
    return 0 if counts[0] == "ready" and counts[1] == n else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
