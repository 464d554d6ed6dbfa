"""What the Odoo benchmarks share: their command line, opening the database, measuring a step.

Run the benchmarks as scripts (``python3 benchmarks/<name>_bench.py -c odoo.conf -d db``); this
folder is then first on ``sys.path``, so they import this module by name. Importing it puts the
repository root on ``sys.path`` too, for the Directo sandbox (``directo_sandbox``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))


def odoo_arg_parser(doc: str) -> argparse.ArgumentParser:
    """A parser with the options every Odoo benchmark takes (config file and database)."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument(
        "-c", "--config", required=True, help="odoo.conf (addons_path must hold this repo)"
    )
    parser.add_argument("-d", "--database", required=True)
    return parser


def open_registry(args: argparse.Namespace):
    """Load Odoo's configuration and the registry of the benchmark database."""
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database])
    if str(ROOT) not in config["addons_path"].split(","):
        print(f"note: addons_path is {config['addons_path']!r}")
    odoo.service.server.load_server_wide_modules()
    return odoo.modules.registry.Registry(args.database)


def measure(env, func):
    """Run ``func()`` and flush: (seconds, SQL queries, result)."""
    cr = env.cr
    before = cr.sql_log_count
    started = time.perf_counter()
    result = func()
    env.flush_all()
    return time.perf_counter() - started, cr.sql_log_count - before, result
