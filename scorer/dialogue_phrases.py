"""Phrase tables for scorer.dialogues: what agents and customers write, per language.

The text lives in ``scorer/data/dialogue-phrases.json``, apart from the generator, so the
logic stays readable and the text can be reviewed on its own. The phrases were written for
the generator as independent test text: they are deliberately *not* taken from the training
corpus or the model's word lists, so conversations built from them measure how the model
does on language it has not seen.

The file holds an ``about`` line and one object per language (``LANGUAGES``), whose keys are
the fields of `Phrases`: a list of strings per part, ``quote_intro`` a single string, and
``scenarios`` a list of objects with the fields of `Scenario`. `load_phrases` checks it and
names the language, the part and the fix when something is wrong:

* every part has at least one phrasing, and the parts a reader meets most (``MAIN_PARTS``:
  chat and e-mail greetings, hold, closings, customer thanks, scenarios) at least eight
  per language; ``months`` has exactly twelve names;
* placeholders, filled by the generator with ``str.format`` (``PLACEHOLDERS``): ``{name}``
  customer's first name, ``{agent}`` agent's first name, ``{customer}`` the customer's full
  name, ``{order}`` an order number, ``{ref}`` a booking reference, ``{day}`` a weekday.
  ``quote_intro`` takes ``{date}``, ``{time}`` and ``{sender}`` instead, and the parts the
  generator uses as written (``AS_WRITTEN``) take none. A greeting with ``{name}`` is only
  used when the customer's name is known.

What is and is not a greeting, explanation or closing follows docs/LABELS.md: ``hold`` and
``no_close_end`` lines are neither explanation nor closing; ``greet_late`` lines open with a
salutation or a thanks opener and add an apology; every scenario's ``explain`` and
``answer`` give a reason, steps, or what happens next. The loader cannot check these; a
reviewer of the file does.
"""

from __future__ import annotations

import dataclasses
import json
import string
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("nb", "nn", "sv", "da", "en")
DATA_FILE = "dialogue-phrases.json"
#: What the generator fills into a template (its values dict in scorer.dialogue_writer).
PLACEHOLDERS: frozenset[str] = frozenset({"name", "agent", "customer", "order", "ref", "day"})
QUOTE_PLACEHOLDERS: frozenset[str] = frozenset({"date", "time", "sender"})
#: Parts the generator puts into a message without ``str.format``: braces would show as typed.
AS_WRITTEN: frozenset[str] = frozenset({
    "customer_hello", "customer_nudge", "email_open", "email_nudge", "signoff",
    "team_signature", "weekdays", "months", "first_names", "surnames", "teams"})
MAIN_PARTS: frozenset[str] = frozenset({
    "greet_chat", "greet_email", "hold", "close_chat", "close_email", "customer_thanks",
    "scenarios"})
MIN_MAIN_PHRASINGS = 8


@dataclass(frozen=True)
class Scenario:
    """One customer problem: the question, the agent's explanation, a follow-up and its answer.

    Kept together so a conversation stays on one subject from question to answer.
    """

    topic: str
    ask: str
    explain: str
    follow_up: str
    answer: str


@dataclass(frozen=True)
class Phrases:
    """Everything one language needs to write a conversation."""

    greet_chat: tuple[str, ...]
    greet_morning: tuple[str, ...]
    greet_email: tuple[str, ...]
    greet_late: tuple[str, ...]
    greet_late_email: tuple[str, ...]
    greet_again_email: tuple[str, ...]
    hold: tuple[str, ...]
    close_chat: tuple[str, ...]
    close_email: tuple[str, ...]
    signoff: tuple[str, ...]
    team_signature: tuple[str, ...]
    no_close_end: tuple[str, ...]
    customer_hello: tuple[str, ...]
    customer_thanks: tuple[str, ...]
    customer_nudge: tuple[str, ...]
    email_open: tuple[str, ...]
    email_context: tuple[str, ...]
    email_sign: tuple[str, ...]
    email_nudge: tuple[str, ...]
    email_thanks: tuple[str, ...]
    quote_intro: str
    weekdays: tuple[str, ...]
    months: tuple[str, ...]
    first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    teams: tuple[str, ...]
    scenarios: tuple[Scenario, ...]


_PARTS = tuple(f.name for f in dataclasses.fields(Phrases))
_SCENARIO_FIELDS = tuple(f.name for f in dataclasses.fields(Scenario))


def _check_text(where: str, part: str, text: object) -> str:
    """`text` as a string whose placeholders suit `part`, or an error naming `where`."""
    if not isinstance(text, str):
        raise ValueError(f"{where}: expected a string, got {type(text).__name__} {text!r}")
    if part in AS_WRITTEN:
        if "{" in text or "}" in text:
            raise ValueError(f"{where}: {text!r} has braces, but {part} is used as written, "
                             "not filled in; remove them")
        return text
    allowed = QUOTE_PLACEHOLDERS if part == "quote_intro" else PLACEHOLDERS
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise ValueError(f"{where}: {text!r} is not a valid template ({exc}); write {{{{ or "
                         "}} for a literal brace") from None
    unknown = sorted({f for f in fields if f not in allowed})
    if unknown:
        raise ValueError(f"{where}: unknown placeholder(s) {unknown} in {text!r}; use only "
                         f"{', '.join('{' + p + '}' for p in sorted(allowed))}")
    return text


def _check_list(where: str, part: str, value: object) -> list[Any]:
    """`value` as the list a part must be, at least as long as the part's minimum."""
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, got {type(value).__name__} {value!r}")
    least = MIN_MAIN_PHRASINGS if part in MAIN_PARTS else 1
    if len(value) < least:
        raise ValueError(f"{where} has {len(value)} phrasing(s); every language needs at least "
                         f"{least} for {part}: add more")
    if part == "months" and len(value) != 12:
        raise ValueError(f"{where} has {len(value)} names; write the twelve months in order")
    return value


def _check_scenario(where: str, raw: object) -> Scenario:
    if not isinstance(raw, dict) or set(raw) != set(_SCENARIO_FIELDS):
        keys = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise ValueError(f"{where}: a scenario is an object with exactly the keys "
                         f"{', '.join(_SCENARIO_FIELDS)}; got {keys}")
    return Scenario(**{k: _check_text(f"{where}.{k}", "scenarios", raw[k])
                       for k in _SCENARIO_FIELDS})


def _check_language(where: str, raw: object) -> Phrases:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected an object of parts, got {type(raw).__name__}")
    missing, unknown = sorted(set(_PARTS) - set(raw)), sorted(set(raw) - set(_PARTS))
    if missing or unknown:
        raise ValueError(f"{where}: missing part(s) {missing}, unknown part(s) {unknown}; "
                         f"the parts are the fields of Phrases: {', '.join(_PARTS)}")
    values: dict[str, Any] = {}
    for part in _PARTS:
        at = f"{where}.{part}"
        if part == "quote_intro":
            values[part] = _check_text(at, part, raw[part])
        elif part == "scenarios":
            values[part] = tuple(_check_scenario(f"{at}[{i}]", s)
                                 for i, s in enumerate(_check_list(at, part, raw[part])))
        else:
            values[part] = tuple(_check_text(f"{at}[{i}]", part, text)
                                 for i, text in enumerate(_check_list(at, part, raw[part])))
    return Phrases(**values)


def parse_phrases(raw: object, *, source: str = DATA_FILE) -> dict[str, Phrases]:
    """The phrase tables from a decoded file, checked; errors name `source`, language and key."""
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: expected an object with one entry per language")
    missing = [lang for lang in LANGUAGES if lang not in raw]
    unknown = sorted(set(raw) - {"about", *LANGUAGES})
    if missing or unknown:
        raise ValueError(f"{source}: missing language(s) {missing}, unknown key(s) {unknown}; "
                         f"the file holds 'about' and exactly {', '.join(LANGUAGES)}")
    return {lang: _check_language(f"{source}: {lang}", raw[lang]) for lang in LANGUAGES}


def load_phrases(path: Traversable | Path | None = None) -> dict[str, Phrases]:
    """Read and check a phrase file (by default the packaged one, `DATA_FILE` in scorer/data)."""
    if path is None:
        path = resources.files("scorer") / "data" / DATA_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}); fix the file by hand or rewrite it "
                         "with json.dumps(..., ensure_ascii=False, indent=2)") from None
    return parse_phrases(raw, source=str(path))


PHRASES: dict[str, Phrases] = load_phrases()
