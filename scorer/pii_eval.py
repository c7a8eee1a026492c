"""Measure redaction on a labelled set: secrets that leak, keep-strings wrongly removed.

The set is JSON lines, one case per line::

    {"text": "...", "content_type": "text/plain" | "text/html", "customer_name": "..." | null,
     "secrets": [{"value": "...", "category": "phone"}, ...], "keep": ["..."],
     "language": "nb" | "nn" | "sv" | "da" | "en"}

Each case is judged the way the scorer shows it: the text is rendered to plain text first
(`scorer.text.prepare(text, content_type).plain`), then redacted with the case's
`customer_name`. For HTML cases a secret or keep value is mapped through the same rendering
(`html.unescape` and the renderer), so a secret written `ola&#64;x.no` is looked for as
`ola@x.no`.

* A secret **leaks** when its plain-text value is still in the redacted text (names and
  other words as whole words), or, for a number (six digits or more, no `@`), when its
  digits-only form is still inside one digit sequence of the redacted text (digits joined
  by up to three separators, so `912 34 567` leaks as `91234567` too). A secret is
  **partly shown** when a part of it survives: a word of three letters or more of a
  several-word value, or eight consecutive digits of a number of ten digits or more.
* A keep-string is **wrongly removed** when it is no longer in the redacted text.
* A value that is not in the rendered text to begin with is counted as **absent** (a
  labelling or rendering mismatch) and left out of the rates.

With a keep-list (`--keep-from-file`, one entry a line, as `SCORER_REDACT_KEEP` takes them)
the set is redacted as a deployment with that list would redact it.

Categories are reported as labelled; a category counts as *in scope* when it names a kind
of personal data the redactor is built for (e-mail, phone, card, national id, IBAN, bank
account, name, address), and the headline leak rate is over in-scope secrets.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scorer.redact import Redactor, redact, redactor_keeping
from scorer.text import prepare

#: Category stems the redactor covers (matched inside the normalised label).
IN_SCOPE_STEMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e_mail", "mail"),
    "phone": ("phone", "mobil", "telefon", "tlf"),
    "card": ("card", "kort", "pan"),
    "national_id": ("national", "fnr", "fodsel", "fødsel", "personnummer", "personal_id",
                    "cpr", "ssn", "nino", "d_number", "id_number", "samordning"),
    "iban": ("iban",),
    "account": ("account", "konto", "bban", "clearing"),
    "name": ("name", "person", "navn", "namn"),
    "address": ("address", "adress", "street", "postcode", "postal"),
}
_DIGIT_RUN_RE = re.compile(r"[0-9](?:[^\w\n]{0,3}[0-9])*")


def scope_of(category: str) -> str | None:
    """The redactor's kind for a labelled category, or None when out of scope."""
    label = re.sub(r"[\s\-]+", "_", category.strip().lower())
    for kind, stems in IN_SCOPE_STEMS.items():
        if any(stem in label for stem in stems):
            return kind
    return None


def _is_number(value: str) -> bool:
    return "@" not in value and sum(ch.isdigit() for ch in value) >= 6


def _digit_runs(text: str) -> list[str]:
    return ["".join(ch for ch in m.group(0) if ch.isdigit())
            for m in _DIGIT_RUN_RE.finditer(text)]


def _shown(value: str, plain: str, is_html: bool) -> str | None:
    """How `value` appears in the rendered text, or None when it does not appear (a number
    whose digits appear with other separators counts as appearing)."""
    options = [value]
    if is_html:
        options = [prepare(value, "text/html").plain.strip(), html.unescape(value).strip(),
                   value]
    for option in options:
        if option and option in plain:
            return option
    if _is_number(value):
        digits = "".join(ch for ch in value if ch.isdigit())
        if any(digits in run for run in _digit_runs(plain)):
            return options[0]
    return None


_DATE_RE = re.compile(r"\b[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{2,4}\b|\b[0-9]{1,2}\.[0-9]{1,2}\.?$")
_TIME_RE = re.compile(r"\b[0-9]{1,2}[:.][0-9]{2}\b")
_AMOUNT_RE = re.compile(r"(?i)kr|nok|sek|dkk|eur|gbp|£|€|\$|,-|,[0-9]{2}\b|%")


def keep_kind(keep: str) -> str:
    """What a keep-string looks like, so over-redaction can be told apart by kind."""
    digits = sum(ch.isdigit() for ch in keep)
    if digits:
        if _DATE_RE.search(keep):
            return "date"
        if _AMOUNT_RE.search(keep):
            return "amount"
        if _TIME_RE.search(keep):
            return "time"
        return "reference number" if digits >= 5 else "short number"
    if "@" in keep or "/" in keep:
        return "address-like text"
    return "capitalised words" if keep[:1].isupper() else "text"


def _present(value: str, text: str) -> bool:
    if value[:1].isalnum() and value[-1:].isalnum():
        return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text) is not None
    return value in text


def _leak(value: str, redacted: str, runs: list[str]) -> tuple[bool, bool]:
    """(leaked, partly shown) for one secret's plain-text value."""
    if _present(value, redacted):
        return True, True
    if _is_number(value):
        digits = "".join(ch for ch in value if ch.isdigit())
        if any(digits in run for run in runs):
            return True, True
        partial = len(digits) >= 10 and any(
            digits[i:i + 8] in run for run in runs for i in range(len(digits) - 7))
        return False, partial
    words = re.findall(r"[^\W\d_]{3,}", value)
    partial = len(words) > 1 and any(_present(w, redacted) for w in words)
    return False, partial


@dataclass
class Tally:
    secrets: int = 0
    leaked: int = 0
    partial: int = 0
    absent: int = 0
    keeps: int = 0
    removed: int = 0
    keep_absent: int = 0

    def as_dict(self) -> dict[str, Any]:
        judged = self.secrets - self.absent
        kept = self.keeps - self.keep_absent
        return {**self.__dict__,
                "leak_rate": round(self.leaked / judged, 4) if judged else None,
                "over_redaction_rate": round(self.removed / kept, 4) if kept else None}


@dataclass
class Report:
    cases: int = 0
    overall: Tally = field(default_factory=Tally)
    in_scope: Tally = field(default_factory=Tally)
    by_category: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_language: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_keep_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    leaks: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "overall": self.overall.as_dict(),
            "in_scope": self.in_scope.as_dict(),
            "by_category": {k: v.as_dict() for k, v in sorted(self.by_category.items())},
            "by_language": {k: v.as_dict() for k, v in sorted(self.by_language.items())},
            "by_keep_kind": {k: v.as_dict() for k, v in sorted(self.by_keep_kind.items())},
            "leaks": self.leaks,
            "removed": self.removed,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        def pct(x: float | None) -> str:
            return "   –  " if x is None else f"{100 * x:5.1f}%"

        def row(label: str, t: Tally) -> str:
            d = t.as_dict()
            return (f"{label:<22}{t.secrets:>7}{t.leaked:>7}{t.partial:>8}{t.absent:>7}  "
                    f"{pct(d['leak_rate'])}{t.keeps:>7}{t.removed:>8}  "
                    f"{pct(d['over_redaction_rate'])}")

        head = (f"{'':<22}{'secrets':>7}{'leaked':>7}{'partly':>8}{'absent':>7}  "
                f"{'leak':>6}{'keeps':>7}{'removed':>8}  {'over':>6}")
        lines = [f"PII evaluation: {self.cases} cases", "", head,
                 row("in scope", self.in_scope), row("all", self.overall), "", "per category"]
        lines += [row(f"  {k}{'' if scope_of(k) else ' (out of scope)'}", v)
                  for k, v in sorted(self.by_category.items())]
        lines += ["", "per language"]
        lines += [row(f"  {k}", v) for k, v in sorted(self.by_language.items())]
        lines += ["", "keep-strings by what they look like"]
        lines += [row(f"  {k}", v) for k, v in sorted(self.by_keep_kind.items())]
        if self.leaks:
            lines += ["", "leaked secrets (case, language, category)"]
            lines += [f"  #{x['case']} {x['language']} {x['category']}: {x['shown']!r}"
                      for x in self.leaks]
        if self.removed:
            lines += ["", "keep-strings wrongly removed (case, language)"]
            lines += [f"  #{x['case']} {x['language']}: {x['keep']!r}" for x in self.removed]
        return "\n".join(lines)


def evaluate_case(case: dict[str, Any], index: int, report: Report,
                  redactor: Redactor | None = None) -> None:
    """Judge one case into `report`; `redactor` is a deployment's (None: `redact`)."""
    content_type = case.get("content_type") or "text/plain"
    is_html = "html" in content_type.lower()
    plain = prepare(case.get("text") or "", content_type).plain
    redacted = (redact if redactor is None else redactor.redact)(
        plain, [case.get("customer_name")]).text
    runs = _digit_runs(redacted)
    language = case.get("language") or "?"
    report.cases += 1
    for secret in case.get("secrets") or []:
        category = str(secret.get("category") or "?")
        tallies = [report.overall, report.by_category[category], report.by_language[language]]
        if scope_of(category) is not None:
            tallies.append(report.in_scope)
        shown = _shown(str(secret.get("value") or ""), plain, is_html)
        leaked = partial = False
        if shown is not None:
            leaked, partial = _leak(shown, redacted, runs)
        for t in tallies:
            t.secrets += 1
            t.absent += shown is None
            t.leaked += leaked
            t.partial += partial
        if leaked:
            report.leaks.append({"case": index, "language": language, "category": category,
                                 "shown": shown})
    for keep in case.get("keep") or []:
        shown = _shown(str(keep), plain, is_html)
        removed = shown is not None and shown not in redacted
        kind = keep_kind(str(keep))
        for t in (report.overall, report.in_scope, report.by_language[language],
                  report.by_keep_kind[kind]):
            t.keeps += 1
            t.keep_absent += shown is None
            t.removed += removed
        if removed:
            report.removed.append({"case": index, "language": language, "kind": kind,
                                   "keep": shown})


def evaluate(path: str | Path, keep: list[str] | None = None) -> Report:
    """Redact every case of the JSON-lines file at `path` and count leaks and losses;
    `keep` is a deployment's keep-list (`SCORER_REDACT_KEEP`), kept in every case."""
    redactor = redactor_keeping(keep) if keep else None
    report = Report()
    with Path(path).open(encoding="utf-8") as fh:
        for index, line in enumerate(fh, start=1):
            if line.strip():
                evaluate_case(json.loads(line), index, report, redactor)
    return report


DEFAULT_PATH = Path("tests/data/pii_eval.jsonl")


def main(argv: list[str] | None = None) -> int:
    """`python -m scorer.pii_eval [FILE] [--json] [--keep-from-file KEEPFILE]` (the same as
    `scorer pii-eval`)."""
    import argparse

    from scorer.redact.keep import read_keep_file

    ap = argparse.ArgumentParser(prog="scorer pii-eval", description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=str(DEFAULT_PATH))
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--keep-from-file", metavar="KEEPFILE",
                    help="redact with this keep-list (one entry a line, `#` comments)")
    args = ap.parse_args(argv)
    try:
        keep = read_keep_file(args.keep_from_file) if args.keep_from_file else None
    except ValueError as exc:
        ap.error(f"{args.keep_from_file}: {exc}")
    report = evaluate(args.file, keep)
    print(report.to_json() if args.json else report.to_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
