"""xmldirect benchmarks (plain script): ``python benchmarks/xmldirect_bench.py``.

Figures printed:

1. 50,000 customers streamed over HTTP from the sandbox and parsed by
   ``DirectoClient.iter_customers``: wall time, Python peak memory (tracemalloc) and the
   process's peak RSS growth. The sandbox runs in a *child process* so that its own
   memory (the whole answer it builds) does not pollute the client's figures.
2. The same answer parsed from a local file (parse cost without network).
3. Serialising 1,000 invoices x 5 rows with ``encode_invoices``.
4. Parsing 10,000 receipt rows with ``iter_receipts``.

Note: tracemalloc only sees Python allocations; libxml2's C memory shows in RSS.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import resource
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # directo_sandbox
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "directo_connector"))  # xmldirect

from directo_sandbox import DirectoSandbox
from xmldirect import (
    DirectoClient,
    InvoicePayload,
    InvoiceRowPayload,
    encode_invoices,
    iter_customers,
    iter_receipts,
)

CUSTOMERS = 50_000
INVOICES = 1_000
ROWS = 5
RECEIPT_ROWS = 10_000


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _serve(queue: mp.Queue, stop: mp.Event) -> None:
    sandbox = DirectoSandbox(port=0, demo=True)
    sandbox.state.add_customers(
        {
            "code": f"B{i:06d}",
            "name": f"Benchmark Klient {i} OÜ",
            "regno": f"{10000000 + i}",
            "vatregno": f"EE{100000000 + i}",
            "address1": f"Tänav {i % 300}",
            "address2": "Tallinn",
            "address3": "10111",
            "country": "EE",
            "county": "Harjumaa",
            "contact": "Mari Maasikas",
            "phone": "+372 5000 0000",
            "email": f"arved{i}@example.ee",
            "payterm": "14",
            "salesman": "JAAN",
            "currency": "EUR",
            "object": "TALLINN",
        }  # fmt: skip
        for i in range(CUSTOMERS)
    )
    sandbox.start()
    queue.put(sandbox.url)
    stop.wait()
    sandbox.stop()


def bench_http_customers() -> bytes:
    ctx = mp.get_context("fork")
    queue, stop = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=_serve, args=(queue, stop), daemon=True)
    proc.start()
    url = queue.get(timeout=120)
    bodies: list[bytes] = []
    try:
        client = DirectoClient(url, "DEMO-TOKEN", read_timeout=300)
        # Timing run without tracemalloc (it slows Python code down several times).
        rss_before = _rss_mb()
        t0 = time.perf_counter()
        count = sum(1 for _ in client.iter_customers())
        elapsed = time.perf_counter() - t0
        tracemalloc.start()
        sum(1 for _ in client.iter_customers())
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_growth = _rss_mb() - rss_before
        # Keep one copy of the answer for the file-based figure (outside the measurement).
        client2 = DirectoClient(url, "DEMO-TOKEN", read_timeout=300, on_exchange=lambda e:
                                bodies.append(e.response_body or b""))  # fmt: skip
        for _ in client2.iter_customers():
            pass
    finally:
        stop.set()
        proc.join(10)
    body = bodies[0]
    print(f"[1] HTTP stream + parse {count:,} customers ({len(body) / 1e6:.1f} MB answer): "
          f"{elapsed:.2f} s, {count / elapsed:,.0f} customers/s; "
          f"tracemalloc peak {peak / 1e6:.2f} MB; peak RSS growth {rss_growth:.1f} MB")  # fmt: skip
    return body


def bench_file_customers(body: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".xml") as fh:
        fh.write(body)
        fh.flush()
        t0 = time.perf_counter()
        with open(fh.name, "rb") as src:
            count = sum(1 for _ in iter_customers(src))
        elapsed = time.perf_counter() - t0
        tracemalloc.start()
        with open(fh.name, "rb") as src:
            sum(1 for _ in iter_customers(src))
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"[2] File parse {count:,} customers: {elapsed:.2f} s; "
          f"tracemalloc peak {peak / 1e6:.2f} MB")  # fmt: skip


def bench_encode() -> None:
    rows = tuple(
        InvoiceRowPayload("TEENUS-KONSULT", f"Konsultatsioon {r} & tugi", Decimal("2.5"),
                          Decimal("80.00"), Decimal("5"), "1", "JAAN", r)
        for r in range(1, ROWS + 1)
    )  # fmt: skip
    payloads = [
        InvoicePayload(202600000 + i, "K0001", dt.date(2026, 1, 5), dt.date(2026, 1, 19), "14",
                       "EUR", "JAAN", False, rows, customername="Põhjala Puit OÜ")
        for i in range(INVOICES)
    ]  # fmt: skip
    t0 = time.perf_counter()
    xml = encode_invoices(payloads)
    elapsed = time.perf_counter() - t0
    print(f"[3] Encode {INVOICES:,} invoices x {ROWS} rows: {elapsed * 1000:.0f} ms, "
          f"{len(xml) / 1e6:.2f} MB XML")  # fmt: skip


def bench_receipts() -> None:
    parts = [b"<transport><receipts>"]
    per_receipt = 2
    for n in range(RECEIPT_ROWS // per_receipt):
        parts.append(f'<receipt number="{900000 + n}" confirmed="1" ts="2026-01-05T10:00:00">'
                     "<rows>".encode())  # fmt: skip
        for k in range(per_receipt):
            parts.append(
                f'<row invoice="{202600000 + n * per_receipt + k}" aeg="2026-01-05T00:00:00" '
                f'customer="K0001" customername="Põhjala Puit OÜ" received="123.45" '
                f'regno="12345678" invoicesum="123.45"/>'.encode()
            )
        parts.append(b"</rows></receipt>")
    parts.append(b"</receipts></transport>")
    body = b"".join(parts)
    with tempfile.TemporaryFile() as fh:
        fh.write(body)
        fh.seek(0)
        t0 = time.perf_counter()
        rows = sum(len(r.rows) for r in iter_receipts(fh))
        elapsed = time.perf_counter() - t0
    print(f"[4] Parse {rows:,} receipt rows ({len(body) / 1e6:.1f} MB): {elapsed * 1000:.0f} ms")


def main() -> None:
    print(f"Python {sys.version.split()[0]}")
    body = bench_http_customers()
    bench_file_customers(body)
    bench_encode()
    bench_receipts()


if __name__ == "__main__":
    main()
