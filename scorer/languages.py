"""Language codes: the five the scorer supports, `und`, and how an input's `language` is read.

One home for every spelling the scorer accepts. The rules (README § Input, DESIGN):

- the five (`nb`, `nn`, `sv`, `da`, `en`), their ISO 639-2 forms (`nob`, `nno`, `swe`, `dan`,
  `eng`), `no` (macrolanguage Norwegian, read as bokmål, which is what producers mean by it)
  and BCP-47 tags built on them (`nb-NO`, `no-NO`, `sv-FI`, `en-GB`, `da_DK`; case and `_`
  are forgiven; the region is ignored) map to the supported code;
- any other real ISO 639-1 language (`fi`, `de-DE`, `et`, `is`, …) is a reply in a language
  the model was not built for: it becomes `und` and is reported as `unsupported_language`,
  not scored as a neighbour;
- `und` (BCP-47 "undetermined") on input means "not known": the language is detected, as when
  the field is absent;
- `se` and `dk` are refused (the record is dead-lettered with a message naming the fix): `dk`
  is Denmark's country code, not a language, and `se` is Sweden's country code but the
  language code of Northern Sami. Producers that write `se` almost always mean Swedish;
  reading it either way would silently score a whole feed under the wrong rules, while a
  refusal is loud, counted (`replies_invalid_total{reason="invalid_value"}`) and says to
  write `sv` or `da`;
- anything else (`xx`, `swedish`) is refused the same way.
"""

from __future__ import annotations

import re

__all__ = ["LANGUAGES", "LANGUAGE_ALIASES", "REFUSED", "UNDETERMINED", "UNSUPPORTED",
           "read_language"]

#: The languages the model scores (DESIGN § Input).
LANGUAGES: tuple[str, ...] = ("nb", "nn", "sv", "da", "en")
#: The `language` of a reply in a language the scorer does not support (BCP-47 "undetermined").
UNDETERMINED = "und"
#: The reason such a reply carries instead of a score.
UNSUPPORTED = "unsupported_language"

#: Primary language subtags (lower-case) that name a supported language.
LANGUAGE_ALIASES: dict[str, str] = {
    "nb": "nb", "nob": "nb", "no": "nb", "nor": "nb",
    "nn": "nn", "nno": "nn",
    "sv": "sv", "swe": "sv",
    "da": "da", "dan": "da",
    "en": "en", "eng": "en",
}
#: Old whole-tag spellings (BCP-47 grandfathered and this project's earlier aliases).
_WHOLE_TAGS: dict[str, str] = {"no-bok": "nb", "no-nyn": "nn", "no-nb": "nb", "no-nn": "nn"}

#: Refused codes and the fix their error message names.
REFUSED: dict[str, str] = {
    "se": "'se' is the code of Northern Sami (and the country code of Sweden), which is not "
          "a supported language; for Swedish write 'sv'",
    "dk": "'dk' is the country code of Denmark, not a language code; for Danish write 'da'",
}

#: ISO 639-1 codes of languages outside the five: declared, they are read as `und`.
_ISO_639_1 = frozenset((
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi",
    "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "de",
    "dv", "dz", "ee", "el", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy",
    "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki",
    "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg",
    "li", "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt",
    "my", "na", "nd", "ne", "ng", "nl", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa",
    "pi", "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "sg", "si",
    "sk", "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sw", "ta", "te", "tg", "th",
    "ti", "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve",
    "vi", "vo", "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu"
))

#: A BCP-47-shaped tag: primary subtag, then optional script/region/variant subtags.
_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")


def read_language(value: str) -> str | None:
    """The supported code, `und`, or None (detect) for an input `language`; raises
    ValueError naming the value and the fix for a refused or unknown one."""
    tag = value.strip().lower().replace("_", "-")
    if tag in ("", UNDETERMINED):
        return None
    if tag in _WHOLE_TAGS:
        return _WHOLE_TAGS[tag]
    primary = tag.split("-", 1)[0]
    shown = repr(value)[:40]
    if _TAG.fullmatch(tag):
        if primary in REFUSED:
            raise ValueError(f"language {shown} is refused: {REFUSED[primary]} (or leave "
                             "'language' out to have it detected)")
        if primary in LANGUAGE_ALIASES:
            return LANGUAGE_ALIASES[primary]
        if primary in _ISO_639_1:
            return UNDETERMINED
    raise ValueError(f"unknown language {shown}; expected one of {', '.join(LANGUAGES)} "
                     "(or a BCP-47 tag such as 'nb-NO', 'sv-SE'; 'no' means bokmål), another "
                     "ISO 639-1 code for a reply the scorer does not support, or no 'language' "
                     "to have it detected")
