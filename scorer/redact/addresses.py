"""Street addresses: a street name with a house number, and postcode + place.

* Nordic streets end in a street word, written together ("Storgata 12B",
  "Drottninggatan 5", "Nørrebrogade 24, 2. th.") or apart ("Karl Johans gate 1",
  "Bygdøy allé 5"); English ones put the number first ("221B Baker Street").
* Postcode + place ("0150 Oslo", "114 55 Stockholm", "2100 København Ø", "SE-411 04
  Göteborg") counts next to a street, after an address cue (adresse, address, bor i …),
  with a country prefix, in the Swedish 3+2 form, or when the place is a known town;
  a UK postcode ("SW1A 1AA") counts on its own.

A year followed by a capitalised word ("i 2024 Black Friday") is not an address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scorer.redact.starts import matches_at

Found = tuple[int, int, str]

_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"
_SP = r"[ \t\u00a0]"
_SUFFIX = (
    r"gata|gaten|gatan|gate|gade|gaden|veien|vegen|vei|veg|vejen|vej|vägen|väg|allé|alle"
    r"|allén|alléen|alleen|plass|plassen|plads|pladsen|torg|torget|torv|torvet|stræde"
    r"|strædet|stredet|stien|stigen|bakken|bakke|backe|backen|lien|svingen"
    r"|tunet|brygga|bryggen|brygge|kaia|kaien|kajen|kaj|parken|gränd|gränden"
    r"|vænget|vænge|haven|høj|boulevard|boulevarden|esplanaden|promenaden|kvartalet|löken"
    r"|stræde|kroken|krogen|åsen|åsvegen|haugen|myra|løkka|jordet|tunet|vangen|hagen"
    r"|svängen|slingan|stråket|gången"
)
_EN_SUFFIX = (
    r"Street|St|Road|Rd|Avenue|Ave|Lanes|Lane|Ln|Drive|Dr|Close|Way|Court|Ct|Crescent|Cres"
    r"|Place|Pl|Gardens|Gdns|Terrace|Square|Sq|Grove|Hill|Park|Row|Walk|Mews|Green|Rise"
    r"|Parade|Vale|View"
)
_NUMBER = (
    rf"{_SP}+[0-9]{{1,4}}(?:{_SP}?[A-Za-z](?![\w]))?(?:{_SP}?[-–]{_SP}?[0-9]{{1,4}})?"
    rf"(?:,?{_SP}*[0-9]{{1,2}}\.?{_SP}?(?:th|tv|mf|sal|etg|etasje|tr|vån|floor)\.?)?"
)
_POST = (
    rf"(?:(?:NO|N|SE|S|DK|FI)-{_SP}?)?(?:[0-9]{{4}}|[0-9]{{3}}{_SP}[0-9]{{2}}|[0-9]{{5}})"
    rf"{_SP}+[{_UP}][{_LO}{_UP}]+(?:[ -][{_UP}][{_LO}]+)?(?:{_SP}[{_UP}](?![\w]))?"
)
_STREET_TAIL_RE = re.compile(
    rf"(?<![^\W\d_]|@)(?:(?:[{_UP}][{_LO}'’.]+{_SP}+){{1,3}}(?i:{_SUFFIX})"
    rf"|[{_UP}][{_LO}]*(?:{_SUFFIX})){_SP}+$")
_HOUSE_RE = re.compile(r"[0-9](?<![\w.,/:-][0-9])[0-9]{0,3}(?![0-9])")
_HOUSE_TAIL_RE = re.compile(
    rf"{_NUMBER.removeprefix(_SP + '+')}(?![\w,.]?[0-9])(?P<post>,?{_SP}*\n?{_SP}*{_POST})?")
_SUFFIXES = tuple(_SUFFIX.split("|"))
_EN_STREET_RE = re.compile(
    rf"[0-9]{{1,4}}[A-Za-z]?,?{_SP}+(?:[{_UP}][{_LO}']+{_SP}+){{1,3}}(?:{_EN_SUFFIX})\.?"
    rf"(?![\w])")
_UK_POST_RE = re.compile(
    r"[A-Z](?<![\w][A-Z])(?:[A-Z]?[0-9][A-Z0-9]?[ \u00a0]?[0-9][A-Z]{2})(?![\w])")
_POST_RE = re.compile(  # a place's second word is never a street ("… Stockholm Storgatan 5")
    rf"[0-9](?<![\w.,/:][0-9])(?:[0-9]{{3}}|[0-9]{{2}}{_SP}[0-9]{{2}}|[0-9]{{4}})"
    rf"{_SP}+[{_UP}][{_LO}{_UP}]+(?:[ -](?![{_UP}][{_LO}]*(?:{_SUFFIX})(?![{_LO}]))"
    rf"[{_UP}][{_LO}]+)?(?:{_SP}[{_UP}](?![^\W\d_]))?"
    rf"(?![^\W\d_])")
#: Chat writes whole addresses in lower case ("nyveien 4b, 1415 oppegård", "solvej 4, 4000
#: roskilde"): a lower-case street counts only with its postcode and place, which makes it
#: unmistakable; what sits between number and postcode (", st. tv.,", " lgh 1001,") is
#: kept short and on one line, and a comma comes before the postcode.
_FUNCTION_WORDS = (r"(?:på|i|til|till|ved|vid|og|och|en|er|är|ad|at|in|to|and|the"
                   r"|adresse|adressen|adress|bor|bur|bo|jeg|jag|eg|vi)")
_FLOOR = rf",?{_SP}*[0-9]{{1,2}}\.?{_SP}?(?:th|tv|mf|st|sal)\.?(?![^\W\d_])"
#: Every match of _LOWER_STREET_RE holds a street ending right before a house number: a
#: text without one is not scanned (the street pattern tries every lower-case word as a
#: start, ~140 µs a reply). `_street_hint` tests it from each run of spaces before a digit.
_STREET_HINT_RE = re.compile(rf"(?:{_SUFFIX}){_SP}+[0-9]")
#: The first digit of a number after a space: found by its digit (digits are rarer than
#: spaces, which a pattern opening with the spaces tries one by one), the run of spaces
#: before it is walked back in `_street_hint`.
_DIGIT_AFTER_SPACE_RE = re.compile(r"[0-9](?<=[ \t\u00a0][0-9])")
_LOWER_STREET_RE = re.compile(
    rf"(?<![^\W\d_])(?:(?!{_FUNCTION_WORDS}{_SP})[{_LO}]+{_SP}){{0,2}}[{_LO}]*(?:{_SUFFIX})"
    rf"{_SP}+[0-9]{{1,4}}[{_LO}]?(?![0-9])(?:{_FLOOR},?|(?:[^\n0-9,]{{0,8}}[0-9]{{4}})?"
    rf"(?:,[^\n0-9,]{{1,10}}){{0,3}}?,){_SP}*(?:[0-9]{{4}}|[0-9]{{3}}{_SP}[0-9]{{2}})(?![0-9])"
    rf"{_SP}+[{_LO}]{{2,}}(?:{_SP}[{_LO}](?![^\W\d_]))?")
#: A lower-case street written as one word on a street-only ending, after "i"/"på"/"in"
#: ("bur i kyrkjevegen 3", "bor på solbakkeveien 12b"): no postcode needed, since the
#: preposition and the compound say "a place with a house number". Endings that are
#: also ordinary nouns (plass, torg, parken, bakken …) are not enough on their own.
_STREET_ONLY = (r"gata|gaten|gatan|gate|gade|gaden|veien|vegen|vei|veg|vejen|vej|vägen"
                r"|väg|allé|alle|allén|alléen|stræde|strædet|stredet|gränd|gränden")
_COUNTED = (r"(?:år|ar|dager|dagar|dage|timer|timar|timmar|uker|veker|veckor|uger|ganger"
            r"|gonger|gånger|gange|kr|stk|st|minutter|minuttar|minuter)")
_LOWER_COMPOUND_RE = re.compile(
    rf"(?<![^\W\d_])(?i:i|på|paa|in|til|till|hjå|hos|ved|vid){_SP}+"
    rf"(?P<a>[{_LO}]{{3,}}(?:{_STREET_ONLY}){_SP}+[0-9]{{1,3}}[{_LO}]?(?:{_FLOOR})?)"
    rf"(?![0-9]|[^\W\d_]|[.,]?[0-9]|{_SP}*[-–]|{_SP}+{_COUNTED}(?![^\W\d_]))")
#: English number-first streets in lower case with a UK postcode after them ("7 canal
#: walk, cambridge cb4 1ga"): with the postcode any street word counts.
_LOWER_EN_POSTCODE_RE = re.compile(
    rf"[0-9](?<![\w.,/:-][0-9])[0-9]{{0,3}}[a-z]?,?{_SP}+(?:[{_LO}']+{_SP}+){{1,3}}"
    r"(?:walk|way|place|row|hill|park|green|rise|vale|view|court|yard|lanes|st|rd|ave)"
    rf",?{_SP}+(?:[{_LO}]+,?{_SP}+){{0,2}}[a-z]{{1,2}}[0-9][a-z0-9]?{_SP}?[0-9][a-z]{{2}}"
    r"(?![\w])")
#: The English number-first form in lower case ("12 victoria terrace", "41 brook street,
#: bradford bd1 4rr"): full street words only (not "st", "hill", "park"), so that "5 main
#: points" stays; a lower-case town and UK postcode after it belong to it.
_LOWER_EN_STREET_RE = re.compile(
    rf"[0-9](?<![\w.,/:-][0-9])[0-9]{{0,3}}[a-z]?,?{_SP}+(?:[{_LO}']+{_SP}+){{1,3}}"
    r"(?:street|road|avenue|lane|drive|close|crescent|gardens|terrace|square|grove|mews"
    r"|parade)(?![^\W\d_])"
    rf"(?:,?{_SP}+(?:[{_LO}]+{_SP}+)?[a-z]{{1,2}}[0-9][a-z0-9]?{_SP}?[0-9][a-z]{{2}}(?![\w]))?")
#: A floor or flat after a house number says "a home" whatever the street is called
#: ("Ruten 14, 2. tv.", "Rinkebysvängen 22, 4 tr", "Klövervägen 3 lgh 1102"): the
#: capitalised words before the number are the street.
_HOME_FLOOR_RE = re.compile(
    rf"[{_UP}](?<![^\W\d_][{_UP}])[{_LO}]{{2,}}(?:{_SP}+[{_UP}][{_LO}]+){{0,2}}"
    rf"{_SP}+[0-9]{{1,4}}(?:{_SP}?[A-Za-z])?,?{_SP}*"
    rf"(?:[0-9]{{1,2}}\.?{_SP}?(?:th|tv|mf|tr|sal)|st\.?{_SP}?(?:th|tv|mf)"
    rf"|(?i:lgh|lägenhet|vån|våning)\.?{_SP}?[0-9]{{1,4}})\.?(?![^\W\d_])")
_FLOOR_HINT_RE = re.compile(r"[0-9.]\s?(?:th|tv|mf|tr|sal)\b|(?i:lgh|lägenhet|vån)")
_COUNTRY_RE = re.compile(rf"(?:NO|N|SE|S|DK|FI)-{_SP}?$")
_CUE_RE = re.compile(  # never inside a token such as "[ADDRESS]"
    r"(?<!\[)(?i:adresse|adressen|adress|adressen|address|postadresse|postadress|leveringsadresse"
    r"|leveransadress|leveringsadressen|faktureringsadresse|fakturaadress|bor\s+i|bor\s+på"
    r"|bosatt\s+i|lives\s+in|lives\s+at|living\s+at|sendes\s+til|sendt\s+til|send\s+til"
    r"|levert\s+til|leveres\s+til|levereras\s+till|skickas\s+till|skickat\s+till"
    r"|sendes\s+til|sent\s+to|deliver(?:ed)?\s+to|post(?:ed)?\s+to|c/o|postnummer"
    r"|postnr|postort|poststed|postcode|postal\s+code|zip)")
_PLACE_RE = re.compile(rf"[{_UP}][{_LO}{_UP}]+")
_SE_POST_RE = re.compile(r"[0-9]{3}\s[0-9]{2}")
_AFTER_NUMBER_RE = re.compile(r"[0-9][A-Za-z]?[,\s]{1,3}$")
_TOWNS_TEXT = """
Oslo Bergen Trondheim Stavanger Drammen Fredrikstad Kristiansand Sandnes Tromsø Sarpsborg
Skien Ålesund Sandefjord Haugesund Tønsberg Moss Porsgrunn Bodø Arendal Hamar Larvik Halden
Lillehammer Molde Harstad Gjøvik Kongsberg Horten Lillestrøm Asker Sandvika Lysaker Ski
Jessheim Steinkjer Kristiansund Narvik Alta Hammerfest Elverum Kongsvinger Hønefoss Mo
Mosjøen Førde Florø Voss Stord Egersund Grimstad Mandal Flekkefjord Notodden Raufoss
Stockholm Göteborg Malmö Uppsala Västerås Örebro Linköping Helsingborg Jönköping Norrköping
Lund Umeå Gävle Borås Södertälje Eskilstuna Halmstad Växjö Karlstad Sundsvall Solna
Sollentuna Täby Nacka Huddinge Luleå Kiruna Visby Östersund Trollhättan Kalmar Kristianstad
Skövde Falun Borlänge Uddevalla Varberg Motala Landskrona Örnsköldsvik Lidköping Karlskrona
København Copenhagen Aarhus Århus Odense Aalborg Ålborg Esbjerg Randers Kolding Horsens
Vejle Roskilde Herning Silkeborg Næstved Frederiksberg Hellerup Gentofte Lyngby Helsingør
Hillerød Viborg Holstebro Slagelse Taastrup Svendborg Hjørring Frederikshavn Køge Nyborg
Helsinki Helsingfors Espoo Tampere Turku Åbo Reykjavik Tórshavn Nuuk
London Manchester Birmingham Leeds Glasgow Edinburgh Liverpool Bristol Cardiff Belfast
Sheffield Newcastle Nottingham Leicester Brighton Oxford Cambridge York Aberdeen Dundee
"""
_TOWNS = frozenset(_TOWNS_TEXT.split())


#: The street endings by their last two letters (every ending has three or more): a run
#: of spaces is tested against the few endings that can end there, not all ~90.
_SUFFIXES_BY_LAST2: dict[str, tuple[str, ...]] = {}
for _end in _SUFFIXES:
    _SUFFIXES_BY_LAST2[_end[-2:]] = (*_SUFFIXES_BY_LAST2.get(_end[-2:], ()), _end)


def _street_hint(text: str) -> bool:
    """`_STREET_HINT_RE.search(text) is not None`, at a fraction of the cost: a street
    ending holds no space, so it can only end where a whole run of spaces before a digit
    starts; the regex instead tries its ~90 endings at every position."""
    for m in _DIGIT_AFTER_SPACE_RE.finditer(text):
        s = m.start() - 1
        while s and text[s - 1] in " \t\u00a0":
            s -= 1
        ends = _SUFFIXES_BY_LAST2.get(text[s - 2:s]) if s >= 2 else None
        if ends is not None and text.endswith(ends, 0, s):
            return True
    return False


def addresses(text: str) -> Iterator[Found]:
    """Street + house number (with a postcode and place right after it), postcodes with a
    place that context marks as an address, and UK postcodes."""
    houses: list[int] = []
    for m in _HOUSE_RE.finditer(text):
        s, e = m.span()
        houses.append(s)
        if s >= 2 and text[s - 1] in " \t\u00a0":
            before = text[max(0, s - 60):s]
            if before.rstrip(" \t\u00a0").lower().endswith(_SUFFIXES):
                street = _STREET_TAIL_RE.search(before)
                tail = _HOUSE_TAIL_RE.match(text, s)
                if street is not None and tail is not None:
                    yield s - len(before) + street.start(), tail.end(), "address"
                    continue
        nxt = text[e:e + 3]
        if nxt[:1] in (" ", ",", "\u00a0") or (nxt[:1].isalpha() and nxt[1:2] in (" ", ",")):
            en = _EN_STREET_RE.match(text, s)
            if en is not None:
                yield s, en.end(), "address"
    hint = _street_hint(text)
    if hint:
        for m in _LOWER_STREET_RE.finditer(text):
            yield m.start(), m.end(), "address"
    for rule in (_LOWER_EN_STREET_RE, _LOWER_EN_POSTCODE_RE):
        # Tried only where _HOUSE_RE matches: each number-first street pattern opens as it
        # does, so every match opens at one (~4.5 -> ~1 µs a pattern a reply).
        for m in matches_at(rule, houses, text):
            yield m.start(), m.end(), "address"
    if hint:  # its street-only endings are street endings before spaces and a digit too
        for m in _LOWER_COMPOUND_RE.finditer(text):
            yield m.start("a"), m.end("a"), "address"
    # The hint (~20 µs, case-insensitive at every position) only after a match of the
    # rule it guards (~5 µs), which most texts do not have: the same outcome, cheaper.
    if (_HOME_FLOOR_RE.search(text) is not None
            and _FLOOR_HINT_RE.search(text) is not None):
        for m in _HOME_FLOOR_RE.finditer(text):
            yield m.start(), m.end(), "address"
    for m in _UK_POST_RE.finditer(text):
        yield m.start(), m.end(), "address"
    for m in _POST_RE.finditer(text):
        start = m.start()
        if start and text[start - 1] in "-\u2010\u2011\u2013":
            prefix = _COUNTRY_RE.search(text, max(0, start - 4), start)
            if prefix is None:
                continue  # "12-0150 Oslo": part of something else
            start = prefix.start()
        value = text[start:m.end()]
        place = _PLACE_RE.search(value)
        town = place.group(0) if place else ""
        if town in _TOWNS or town.capitalize() in _TOWNS:
            yield start, m.end(), "address"
            continue
        digits = "".join(ch for ch in value if ch.isdigit())
        prefixed = "-" in value[:4]
        tail = text[m.end():m.end() + 1]
        swedish = _SE_POST_RE.match(value.split("-")[-1].strip()) is not None and (
            tail == "" or tail in "\n,.;)")
        before = text[max(0, start - 60):start]
        after_street = _AFTER_NUMBER_RE.search(before) is not None
        if prefixed or swedish or after_street or _CUE_RE.search(before) is not None:
            yield start, m.end(), "address"
        elif len(digits) == 4 and digits[:2] not in ("19", "20") and tail in ("\n", ""):
            yield start, m.end(), "address"  # "0150 Oslo" ending a line of its own
