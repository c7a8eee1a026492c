"""HTML to plain text in one streaming pass, with BeautifulSoup's ``html.parser`` semantics.

The rendering rules were defined (and the model trained) on a BeautifulSoup tree built with
``html.parser``; building that tree costs ~0.5 ms per e-mail, so ``render_html`` replays
the builder's rules from a stack of open elements instead (see ``_HtmlRenderer``). Besides
the text it reports what only the markup knows: where a quote element (``gmail_quote`` …)
starts, the outermost ``blockquote`` spans and the start of a signature element.

This is the only module of the scorer that imports bs4: it borrows bs4's own tables and
numeric-reference decoding so the replay cannot drift from them. The rule tables that a
reference tree walk must share (``Emitter``, ``BLOCK_TAGS`` …) are public so that
``tests/unit/test_text.py`` can check the replay against a real BeautifulSoup tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from bs4.builder import HTMLParserTreeBuilder
from bs4.builder._htmlparser import BeautifulSoupHTMLParser as _BS4Parser
from bs4.dammit import EntitySubstitution

from scorer.text.lines import wordset

__all__ = [
    "BLOCK_TAGS", "CELL_TAGS", "DROPPED_TAGS", "PARAGRAPH_TAGS", "QUOTE_MARKERS", "Emitter",
    "Rendered",
    "render_html",
]

#: Elements that start and end on a line of their own ...
BLOCK_TAGS = wordset(
    """p div li ul ol dl dt dd tr table tbody thead tfoot h1 h2 h3 h4 h5 h6 pre blockquote
    hr section article header footer address center form fieldset figure figcaption main nav
    aside details summary title"""
)
#: ... with a blank line around these ...
PARAGRAPH_TAGS = wordset("p h1 h2 h3 h4 h5 h6 table ul ol blockquote pre")
#: Table cells: a space between two cells of a row, as a browser's tab ("Namn" "Kari" is
#: "Namn Kari", never "NamnKari", which no reader and no recogniser can split) ...
CELL_TAGS = wordset("td th")
#: ... and elements whose content is never text.
DROPPED_TAGS = wordset("style script head template noscript svg object iframe math")
#: Class / id words (lower case) of the elements mail clients wrap quoted history in.
QUOTE_MARKERS = (
    "gmail_quote",
    "divrplyfwdmsg",
    "moz-cite-prefix",
    "yahoo_quoted",
    "protonmail_quote",
    "outlookmessageheader",
    "appendonsend",
    "zmail_extra",
    "mail_android_quote",
    "ms-outlook-mobile-reference-message",
)
_WS = re.compile(r"\s+")
# bs4's html.parser tree-builder rules, read from bs4 itself (see _HtmlRenderer).
_VOID_ELEMENTS = frozenset(HTMLParserTreeBuilder.DEFAULT_EMPTY_ELEMENT_TAGS or ())
_PRESERVE_WHITESPACE = frozenset(HTMLParserTreeBuilder.DEFAULT_PRESERVE_WHITESPACE_TAGS)
_ENTITY_TO_CHARACTER = EntitySubstitution.HTML_ENTITY_TO_CHARACTER
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"  # BeautifulSoup.ASCII_SPACES
_NON_SPACE = re.compile(r"\S+")  # bs4.builder.nonwhitespace_re: how "class" is split
_MARKER_ATTRS = frozenset(("class", "id", "data-smartmail"))


class Emitter:
    """Builds plain text from HTML pieces with browser-like whitespace handling."""

    __slots__ = ("length", "parts", "pending", "started")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.pending = 0  # line breaks owed before the next text
        self.started = False

    def text(self, s: str, pre: bool = False) -> None:
        if not pre:
            s = _WS.sub(" ", s)
            if self.pending or not self.started or (self.parts and self.parts[-1].endswith(" ")):
                s = s.lstrip(" ")
        if not s:
            return
        if self.pending and self.started:
            self._put("\n" * min(self.pending, 2))
        self.pending = 0
        self.started = True
        self._put(s)

    def separate(self) -> None:
        """A space before the next text unless a space or line break already stands there."""
        if self.started and not self.pending and not self.parts[-1][-1:].isspace():
            self._put(" ")

    def newline(self, n: int = 1, additive: bool = False) -> None:
        if not self.started:
            return
        if self.parts and self.parts[-1].endswith(" "):
            trimmed = self.parts[-1].rstrip(" ")
            self.length -= len(self.parts[-1]) - len(trimmed)
            self.parts[-1] = trimmed
        self.pending = self.pending + n if additive else max(self.pending, n)

    def _put(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def position(self) -> int:
        """Offset where the next text will start (after owed line breaks)."""
        if self.pending and self.started:
            return self.length + min(self.pending, 2)
        return self.length

    def result(self) -> str:
        return "".join(self.parts)


@dataclass(slots=True)
class Rendered:
    """An HTML reply as text, with what its markup said about history and signature.

    ``hard_cut``: offset from which everything is quoted history (a quote element);
    ``blocks``: outermost ``blockquote`` spans; ``signature``: start of a signature element.
    All offsets index into ``plain``.
    """

    plain: str
    hard_cut: int | None
    blocks: list[tuple[int, int]]
    signature: int | None


class _HtmlRenderer(HTMLParser):
    """HTML to text in one streaming pass, with BeautifulSoup's ``html.parser`` tree semantics.

    The rendering rules were defined (and the model trained) on a BeautifulSoup tree built
    with ``html.parser``, walked depth-first. That builder never moves a node once it is
    attached: every element is appended to the innermost open element, an end tag closes
    the innermost open element of that name together with everything opened inside it (an
    end tag with no open element of its name is ignored), and what is still open at the end
    is closed innermost first. A depth-first walk of that tree therefore visits elements,
    texts and element ends exactly in the order the events below replay them from a stack
    of open elements, so the tree itself (0.5 ms per e-mail) is never built. The details
    that change text are copied from bs4 (``BeautifulSoupHTMLParser`` / ``BeautifulSoup``):

    * character and entity references are decoded by bs4's own functions, and a text is
      the concatenation of all data up to the next tag, end tag, comment or declaration
      (an ignored ``</br>`` after a void ``<br>`` does not end it);
    * outside ``pre``/``textarea`` a text of only ASCII whitespace becomes ``"\\n"`` or ``" "``;
    * void elements (``br``, ``img`` …) are closed right after they open;
    * comments, CDATA, declarations and processing instructions are not text;
    * ``class`` is split on whitespace before the quote/signature markers are read.

    ``tests/unit/test_text.py`` and the corpus identity check pin the result against bs4.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out = Emitter()
        self.hard_cut: int | None = None
        self.blocks: list[tuple[int, int]] = []
        self.signature: int | None = None
        self._data: list[str] = []
        # Open elements: (name, render_end, start offset, is blockquote). render_end is
        # False for dropped elements, everything inside them and ``br``.
        self._open: list[tuple[str, bool, int, bool]] = []
        self._open_names: dict[str, int] = {}  # open elements per name (as bs4 counts them)
        # Void elements closed at their start tag; a later "</br>" just uses one up. A count
        # per name (bs4 keeps a list; only membership and removal of one are used).
        self._closed_void: dict[str, int] = {}
        self._drop = 0  # open dropped elements (style, script, head …)
        self._pre = 0  # open ``pre`` outside dropped elements
        self._preserve = 0  # open ``pre``/``textarea``: whitespace-only text kept as is

    # -- text ---------------------------------------------------------------------------
    def _flush(self) -> None:
        if not self._data:
            return
        data = "".join(self._data)
        self._data = []
        if not self._preserve and not data.strip(_ASCII_SPACES):
            data = "\n" if "\n" in data else " "
        if not self._drop:
            self.out.text(data, pre=self._pre > 0)

    def handle_data(self, data: str) -> None:
        self._data.append(data)

    def handle_charref(self, name: str) -> None:
        text, _, extra = _BS4Parser._dereference_numeric_character_reference(name)
        if text is not None:
            self._data.append(text)
        if extra is not None:
            self._data.append(extra)

    def handle_entityref(self, name: str) -> None:
        char = _ENTITY_TO_CHARACTER.get(name)
        self._data.append(char if char is not None else f"&{name}")

    def handle_comment(self, data: str) -> None:
        self._flush()

    handle_decl = unknown_decl = handle_pi = handle_comment

    # -- elements -----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        if tag in _VOID_ELEMENTS:
            self._end(tag)
            self._closed_void[tag] = self._closed_void.get(tag, 0) + 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        self._end(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._closed_void.get(tag):
            self._closed_void[tag] -= 1  # "</br>" after "<br>": already closed
        else:
            self._end(tag)

    def close(self) -> None:
        super().close()
        self._flush()
        while self._open:
            self._pop()

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        self._open_names[tag] = self._open_names.get(tag, 0) + 1
        if tag in _PRESERVE_WHITESPACE:
            self._preserve += 1
        name = tag.lower()
        if self._drop or name in DROPPED_TAGS:
            self._drop += name in DROPPED_TAGS
            self._open.append((tag, False, 0, False))
            return
        out = self.out
        if name == "br":
            out.newline(1, additive=True)
            self._open.append((tag, False, 0, False))
            return
        if name in BLOCK_TAGS:
            out.newline(2 if name in PARAGRAPH_TAGS else 1)
        elif name in CELL_TAGS:
            out.separate()
        if name == "pre":
            self._pre += 1
        markers = _marker_tokens(attrs) if attrs else ""
        if markers.strip():
            if self.hard_cut is None and any(k in markers for k in QUOTE_MARKERS):
                self.hard_cut = out.position() if out.started else 0
            elif self.signature is None and "signature" in markers:
                self.signature = out.position()
        self._open.append((tag, True, out.position(), name == "blockquote"))

    def _end(self, tag: str) -> None:
        self._flush()
        if self._open_names.get(tag):
            while self._pop() != tag:
                pass

    def _pop(self) -> str:
        tag, render_end, start, is_block = self._open.pop()
        self._open_names[tag] -= 1
        if tag in _PRESERVE_WHITESPACE:
            self._preserve -= 1
        name = tag.lower()
        if not render_end:
            if name in DROPPED_TAGS and self._drop:
                self._drop -= 1
            return tag
        if name in BLOCK_TAGS:
            self.out.newline(2 if name in PARAGRAPH_TAGS else 1)
        if name == "pre":
            self._pre -= 1
        if is_block:
            self.blocks.append((start, self.out.length))
        return tag


def _marker_tokens(attrs: list[tuple[str, str | None]]) -> str:
    """Lower-cased class words, id and data-smartmail of an element (later duplicates win)."""
    values = {k: v for k, v in attrs if k in _MARKER_ATTRS}
    cls = _NON_SPACE.findall(values.get("class") or "")
    extra = (values.get("id") or "", values.get("data-smartmail") or "")
    return " ".join([*cls, *extra]).lower()


def render_html(markup: str) -> Rendered:
    """Render HTML to text, noting quoted-history elements and the signature element.

    Iterative (no recursion), so deeply nested or unbalanced markup cannot overflow the stack.
    """
    parser = _HtmlRenderer()
    parser.feed(markup)
    parser.close()
    plain = parser.out.result()
    n = len(plain)
    blocks = [(min(s, n), min(e, n)) for s, e in parser.blocks if s < e]
    # Only the outermost blockquotes matter.
    blocks.sort()
    outer: list[tuple[int, int]] = []
    for s, e in blocks:
        if outer and s < outer[-1][1]:
            continue
        outer.append((s, e))
    hard_cut = parser.hard_cut
    if hard_cut is not None:
        hard_cut = min(hard_cut, n)
    signature = parser.signature
    if signature is not None:
        signature = min(signature, n)
    return Rendered(plain, hard_cut, outer, signature)
