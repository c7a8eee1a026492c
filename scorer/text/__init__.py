"""Reply preprocessing: plain text, the agent's own body, signature and sentence segments.

The model scores greeting / explanation / closing on the agent's OWN words (LABELS.md), so
before anything is scored a reply is reduced to:

* ``plain``     - the reply as plain text (``text/html`` rendered; ``text/plain`` kept as is,
  only ``\\r\\n``/``\\r`` normalised to ``\\n``). Every offset indexes into it.
* ``body``      - the span of the agent's reply: quoted history (``On … wrote:``,
  ``Den … skrev:``, ``-----Original Message-----``, forwarded blocks, Outlook ``From:/Sent:``
  header blocks, ``>`` lines, HTML ``gmail_quote`` / ``blockquote`` …) and the signature
  are outside it.
* ``signature`` - the block after the body that only names the agent (name, title, company,
  phone, e-mail, URL, "Sent from my iPhone", initials such as ``^AG``). Sign-offs such as
  "Med vennlig hilsen" are CLOSINGS (LABELS.md): they stay in the body as its last segment.
* ``segments``  - sentence/line spans of the body in reading order; lines are always a
  boundary, sentences inside a line are split on ``. ! ? …`` unless the dot ends a known
  abbreviation (``f.eks.``, ``t.ex.``, ``bl.a.`` … in ``scorer/data/abbreviations.txt``).

One module per stage, in the order ``prepare`` runs them:

* ``html``           - ``text/html`` to text in one streaming pass (the only bs4 importer);
* ``history``        - quoted history and attribution lines: where the reply starts and ends;
* ``signature``      - where the agent's own text ends;
* ``segments``       - the body's segments (quotes, separators, decorations, @mentions);
* ``sentence_split`` - sentence splitting inside a line (abbreviations, Punkt);
* ``lines``          - the line/span primitives they share;
* ``prepared``       - ``Prepared`` and the entry points, re-exported here.

No module is named after a function this package exports, so ``scorer.text.prepare`` and
``scorer.text.sentences`` are always the functions, never a submodule.

Speed matters (the streaming scorer handles thousands of replies per second), so all regular
expressions are compiled at import, ``text/plain`` never touches an HTML parser, and cheap
substring tests skip regex scans that provably cannot match (each such fast path says why it
is exact); the output is the same as without them, because the trained model and the
evidence offsets depend on it.

Robustness: ``prepare`` never raises for any ``str`` (empty, whitespace, emoji, RTL text,
control characters, megabyte-sized or unbalanced HTML); non-``str`` input is converted with
``str()``. Every pattern is linear or bounded per line, so pathological input stays fast.
"""

from __future__ import annotations

from scorer.text.prepared import Prepared, prepare, prepare_many
from scorer.text.sentence_split import ABBREVIATIONS, sentences

__all__ = ["ABBREVIATIONS", "Prepared", "prepare", "prepare_many", "sentences"]
