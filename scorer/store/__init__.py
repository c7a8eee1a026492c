"""The flagged-reply store: what QA teams query, review and export.

SQLAlchemy Core over SQLite (the embedded default) or PostgreSQL (`postgresql://…`), one
module per concern:

- `tables`: the tables, checked against the Alembic migrations by a test;
- `engine`: connecting, SQLite/PostgreSQL differences, `StoreUnavailable` and `guard`;
- `schema`: migrate-or-refuse on open, the schema revision (`scorer db`);
- `query`: filters, sorts, keyset cursors and times of the listings (`InvalidQuery`);
- `rows`: store rows built from scored replies, without a database (scoring processes);
- `repository`: `FlaggedStore`, the replies with their reviews, retention;
- `conversations`: flagged conversations, the same for whole inquiries;
- `reviews`: reviews read back as agreement figures and the review-tally metric.

The command lines that print the store live in scorer.store_cli.

The names below are this package's public API, imported lazily on first use: the scoring
processes import `scorer.store.rows` without loading the repository, and scorer.audit
imports the tables without an import cycle through the repository (which audits purges).
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each public name lives: module -> names.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "engine": ("StoreUnavailable", "make_engine"),
    "query": ("DEFAULT_SORT", "MAX_PAGE_SIZE", "SORTS", "FlaggedQuery", "InvalidQuery",
              "NotFound", "Page", "parse_duration", "parse_time"),
    "repository": ("FlaggedStore",),
    "rows": ("flagged_rows", "shown_rows"),
    "schema": ("MIGRATIONS_DIR", "migrate"),
    "tables": ("UTCDateTime", "metadata", "replies_t", "reviews_t"),
}
_HOMES = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """`scorer.store.<name>` from the module that defines it, imported on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
