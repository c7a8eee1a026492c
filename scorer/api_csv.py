"""CSV export of flagged replies, safe to open in any spreadsheet.

Reply text, team names and agent ids come from outside, and a spreadsheet runs a cell
that starts with `=`, `+`, `-` or `@` as a formula (CSV/formula injection). Three
defences, all needed:

- every cell that starts with `=`, `+`, `-`, `@`, tab or carriage return (after any
  spaces or quotes) gets a leading `'`, which spreadsheets read as "this is text"
  (OWASP's advice);
- every field is quoted (csv.QUOTE_ALL), so a parser that splits on `,` keeps a `;`, a
  `,` or a line break inside a cell;
- Nordic Excel splits this file on `;`, and a parser that honours quotes only at the
  start of a field (Python's csv, and as far as we know Excel) is outside quotes again
  after the first `","` of a line, so it splits `"Takk for svaret;=1+1"` into two cells,
  the second a live `=1+1` the first rule never saw. Quoting cannot prevent that, so a
  formula start right after a `;`, `,`, tab or line break *inside* a cell gets a `'` too:
  whichever of those characters a spreadsheet splits on, no piece starts a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from scorer.schema import DIMENSIONS

#: Rows in one export at most (admins only: it is the bulk way out of the store).
CSV_MAX_ROWS = 100_000
CSV_COLUMNS = ("id", "event_at", "sent_at", "channel", "language", "total", "band", "reasons",
               *DIMENSIONS, "length", "team", "agent_id", "conversation_id", "model_version",
               "reviews", "last_verdict", "text")
#: A formula start (= + - @ tab CR), possibly behind spaces or quotes.
_FORMULA = r'(?=[ "]*[=+\-@\t\r])'
_STARTS_FORMULA = re.compile(_FORMULA)
#: A character some spreadsheet splits cells or rows on, followed by a formula start.
_SPLIT_THEN_FORMULA = re.compile(r"([,;\t\r\n])" + _FORMULA)


def csv_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in a string: a `'` before a formula start at the
    beginning and after every `,` `;` tab or line break (see the module docstring).
    Other values pass unchanged (numbers are written as numbers, quoted)."""
    if not isinstance(value, str):
        return value
    value = _SPLIT_THEN_FORMULA.sub(r"\1'", value)
    return "'" + value if _STARTS_FORMULA.match(value) else value


def _row(item: dict[str, Any]) -> list[Any]:
    reviews = item.get("reviews") or []
    return [item["id"], item["event_at"], item.get("sent_at"), item["channel"],
            item["language"], item["total"], item["band"], ";".join(item["reasons"]),
            *(item["dimensions"].get(d) for d in (*DIMENSIONS, "length")),
            item.get("team"), item.get("agent_id"), item.get("conversation_id"),
            item["model_version"], len(reviews),
            reviews[-1]["verdict"] if reviews else "", item["text"]]


def csv_rows(items: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The header and one line per item, every field quoted and neutralised, streamed."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
        writer.writerow([csv_cell(v) for v in _row(item)])
    yield buf.getvalue()
