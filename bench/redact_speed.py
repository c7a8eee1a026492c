"""Redaction speed on pathological 200k-character texts (scorer.redact).

Each text is built to stress one part of the redactor: long digit runs joined by every
separator, many `@`, many capitalised words, greetings and sign-offs, long words. The
old redactor recopied the text for every match (2.4–15 s on such a record); the target
is well under 1 s each.

    .venv/bin/python bench/redact_speed.py [--chars 200000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scorer.redact import redact

UNITS: dict[str, str] = {
    "digits with separators": "1 2.3-4/5\u00a06\u20137 ",
    "digit groups (phones)": "912 34 567 ",
    "long digit run": "1234567890",
    "cards back to back": "4111 1111 1111 1111 ",
    "dates and phones": "91234567 23.11.2024 ",
    "many @": "a@b@c.d@",
    "e-mail-like words": "kari.nordmann.example.no ",
    "many e-mails": "kari@example.no ",
    "capitalised words": "Kari Nordmann Oslo Storgata ",
    "greetings and sign-offs": "Hei Kari! Mvh Ola Nordmann\n",
    "one long word": "a",
    "one long capitalised word": "Aa",
    "ibans": "NO93 8601 1117 947 ",
    "postcodes": "0150 Oslo, ",
    "mixed reply": ("Hei Kari! Ring 912 34 567 eller skriv til kari@example.no. Ordre 12345 "
                    "ble sendt 23.11.2024. Mvh Ola Nordmann, Storgata 12, 0150 Oslo.\n"),
}


def make(unit: str, chars: int) -> str:
    return (unit * (chars // len(unit) + 1))[:chars]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {}
    for name, unit in UNITS.items():
        text = make(unit, args.chars)
        best = cpu = float("inf")
        hits = 0
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            r = redact(text, ["Kari Nordmann"])
            best = min(best, time.perf_counter() - t0)
            cpu = min(cpu, time.process_time() - c0)
            hits = len(r.hits)
        results[name] = {"ms": round(best * 1000, 1), "cpu_ms": round(cpu * 1000, 1),
                         "hits": hits}
    if args.json:
        print(json.dumps({"chars": args.chars, "results": results}, indent=2))
        return
    print(f"redact() on {args.chars:,} characters (best of {args.repeat}; wall and CPU ms)")
    for name, r in results.items():
        print(f"  {name:<28} {r['ms']:>8.1f} ms {r['cpu_ms']:>8.1f} cpu  {r['hits']:>7} hits")
    print(f"  {'worst':<28} {max(r['ms'] for r in results.values()):>8.1f} ms "
          f"{max(r['cpu_ms'] for r in results.values()):>8.1f} cpu")
    print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
