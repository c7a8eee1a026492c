"""First names from a published name dictionary, for the contexts that already say "a
person": after a greeting or sign-off in lower case, on a signature line, after "/",
"–" or "from" at the end of a message.

The curated list (`firstnames.py`, ~1,000 names) misses many real ones ("Bettina",
"Jonna", "Kjartan", "Catrin"); the dictionary shipped with the PyPI package
gender-guesser (Jörg Michael's `nam_dict.txt`, ~48,000 names with a frequency per
country; a dependency made for the job rather than a bigger hand-written list) holds
them. Only names with a frequency in Great Britain, Iceland, Denmark, Norway or Sweden
are taken, and those of the countries most people who moved there come from (about
17,000 in all: "Zuzanna", "Mateusz", "Nour", "Ayşe"; the name tagger sees them as listed
names too). They are not used for the loose rule "a listed name anywhere in a sentence"
— with this many names that would take place names and words for people ("Victoria",
"Florence", "Storm").
"""

from __future__ import annotations

from importlib import resources

#: Columns of `nam_dict.txt` (after its 30-character name field) for the countries kept,
#: as documented in the file's header and read by gender_guesser.detector.
_COUNTRY_COLUMNS = {"great_britain": 30, "iceland": 45, "denmark": 46, "norway": 47,
                    "sweden": 48}
#: The countries many people who moved to the Nordics and Britain come from (SSB, SCB,
#: Danmarks Statistik and ONS list Poland, Lithuania, Ukraine, Germany, Finland,
#: Romania, Bosnia, Turkey, Syria/Iraq/Iran, India/Pakistan, Vietnam and Ireland among
#: the largest groups): their names are typed to customer service every day.
_ORIGIN_COLUMNS = {"ireland": 31, "germany": 42, "finland": 49, "lithuania": 52,
                   "poland": 53, "romania": 57, "bosnia": 59, "ukraine": 71, "turkey": 76,
                   "arabia_persia": 77, "india_sri_lanka": 80, "vietnam": 83}


def _load() -> tuple[frozenset[str], frozenset[str]]:
    """(names of the five home countries, names of those and the origin countries)."""
    home: set[str] = set()
    every: set[str] = set()
    path = resources.files("gender_guesser") / "data" / "nam_dict.txt"
    with path.open(encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n").strip()
            if not line or line[0] in "#=":
                continue
            at_home = any(line[i:i + 1].strip() for i in _COUNTRY_COLUMNS.values())
            if not at_home and not any(line[i:i + 1].strip() for i in _ORIGIN_COLUMNS.values()):
                continue
            name = line.split()[1]
            if "+" in name:  # "Anne+Marie": written together, apart or hyphenated
                names = {name.replace("+", sep) for sep in ("", "-")} | set(name.split("+"))
            else:
                names = {name}
            every.update(names)
            if at_home:
                home.update(names)

    def usable(names: set[str]) -> frozenset[str]:
        return frozenset(n for n in names if len(n) >= 2 and n[0].isupper())

    return usable(home), usable(every)


#: Read once at import, like the curated list: static data, not a cache. A word in lower
#: case is taken for a name only from HOME_BOOK_NAMES: the origin countries' names include
#: short everyday Nordic words ("Ba", "Om", "Min"), safe only when capitalised.
HOME_BOOK_NAMES, BOOK_NAMES = _load()
