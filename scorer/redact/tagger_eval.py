"""What the name recogniser adds, counted on a training set (for its threshold choice and
the leave-one-set-out bench, `bench/name_tagger_loso.py`).

Counts are those of `scorer pii-eval` for the parts a name recogniser can move: a name
secret leaks while its value is still in the redacted text as a whole word, a keep-string
is lost when it is no longer in it. Collateral counts the other words the recogniser
took (in no secret of any kind): over-redaction the sets' keep-strings do not see.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scorer.redact import Redactor
from scorer.redact.tagger import NameTagger
from scorer.text import prepare

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
#: The sets trained and measured on, by name: a glob would pick up a held-out set.
SETS = ("pii_eval.jsonl", "pii_eval_v2.jsonl", "pii_eval_v3.jsonl", "pii_eval_v4.jsonl",
        "pii_eval_v5.jsonl", "pii_eval_v6.jsonl", "pii_eval_v7.jsonl", "pii_eval_v8.jsonl",
        "pii_eval_v9.jsonl", "pii_train_a.jsonl")


def read_set(name: str) -> list[dict[str, Any]]:
    """The cases of one of SETS (and of no other file)."""
    if name not in SETS:
        raise ValueError(f"{name} is not a training set")
    text = (DATA / name).read_text(encoding="utf-8")
    return [json.loads(x) for x in text.splitlines() if x.strip()]


def whole_words(value: str, text: str) -> list[tuple[int, int]]:
    """Every whole-word occurrence of `value` in `text`."""
    rx = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)")
    return [m.span() for m in rx.finditer(text)]


def shown(value: str, content_type: str) -> str:
    """A labelled value as the rendered text shows it (HTML values rendered too)."""
    if "html" in content_type:
        return prepare(value, "text/html").plain.strip() or value
    return value


@dataclass
class Case:
    text: str
    customer: str | None
    names: list[str]                     # name secrets as shown
    secret_spans: list[tuple[int, int]]  # every secret, any category
    keeps: list[str]


def cases(name: str) -> list[Case]:
    """The cases of a set rendered as the redactor sees them."""
    out = []
    for case in read_set(name):
        ctype = case.get("content_type") or "text/plain"
        plain = prepare(case.get("text") or "", ctype).plain
        secrets = [(str(x.get("category")), shown(str(x.get("value") or ""), ctype))
                   for x in case.get("secrets") or []]
        keeps = [shown(str(k), ctype) for k in case.get("keep") or []]
        out.append(Case(plain, case.get("customer_name"),
                        [v for c, v in secrets if c == "name" and v and v in plain],
                        [sp for _, v in secrets if v for sp in whole_words(v, plain)],
                        [k for k in keeps if k and k in plain]))
    return out


class Judge:
    """Counts for a tagger (None: the rules alone) on one set: names, leaked, keeps,
    removed, collateral. Cases and the rules' own hits are computed once per set."""

    def __init__(self) -> None:
        self.cases: dict[str, list[Case]] = {}
        self.bare: dict[str, list[set[tuple[int, int]]]] = {}

    def _cases(self, name: str) -> list[Case]:
        if name not in self.cases:
            self.cases[name] = cases(name)
            rules = Redactor(None)
            self.bare[name] = [{(h.start, h.end) for h in rules.redact(c.text, [c.customer]).hits}
                               for c in self.cases[name]]
        return self.cases[name]

    def __call__(self, tagger: NameTagger | None, name: str) -> dict[str, int]:
        red = Redactor(tagger)
        stats: Counter[str] = Counter()
        for c, before in zip(self._cases(name), self.bare[name], strict=True):
            r = red.redact(c.text, [c.customer])
            stats["names"] += len(c.names)
            stats["leaked"] += sum(bool(whole_words(v, r.text)) for v in c.names)
            stats["keeps"] += len(c.keeps)
            stats["removed"] += sum(k not in r.text for k in c.keeps)
            stats["collateral"] += sum(
                1 for h in r.hits if (h.start, h.end) not in before and not any(
                    s < h.end and h.start < e for s, e in c.secret_spans))
        return dict(stats)
