"""CLI: ``directo-sandbox --port 8800 --demo [--pay-invoices] [--token TOKEN] [--host H]``.

The same as ``python -m directo_sandbox ...``.
"""

from __future__ import annotations

import argparse
import sys

from .server import DirectoSandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="directo-sandbox", description="Directo XML Direct sandbox server"
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--demo", action="store_true", help="load demo data and demo tokens")
    parser.add_argument(
        "--token", action="append", default=[], help="extra full-access token (repeatable)"
    )
    parser.add_argument(
        "--success-code", default="0", choices=["0", "30", "alternate"],
        help="Type answered for a stored invoice",
    )  # fmt: skip
    parser.add_argument("--routing", default="any", choices=["any", "query", "body"],
                        help="where get/put/what must be sent (else Type 404)")  # fmt: skip
    parser.add_argument(
        "--pay-invoices", action="store_true",
        help="demo: a confirmed receipt pays every invoice as soon as it is created",
    )  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    sandbox = DirectoSandbox(host=args.host, port=args.port, demo=args.demo, verbose=args.verbose)
    for token in args.token:
        sandbox.state.add_token(token)
    sandbox.state.set_success_code(int(args.success_code) if args.success_code != "alternate"
                                   else "alternate")  # fmt: skip
    sandbox.state.set_routing_required(args.routing)
    sandbox.state.set_pay_new_invoices(args.pay_invoices)
    sandbox.start()
    with sandbox.state.lock:
        tokens = sorted(sandbox.state.tokens)
    # stdout, not logging: the first line is parsed by scripts/tests to learn the URL.
    sys.stdout.write(f"Directo sandbox listening on {sandbox.url}\n")
    sys.stdout.write(f"Tokens: {', '.join(tokens) or '(none: pass --demo or --token)'}\n")
    sys.stdout.flush()
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        sys.stdout.write("Directo sandbox stopped\n")
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
