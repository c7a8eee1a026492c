# ruff: noqa: E501 - one sentence template or word list per line reads better than wrapped
"""Phrase material for `bench/unique_text.py`: sentence templates and slot words, per language.

Written for the benchmark, not taken from the labelled corpus,
`scorer/data/dialogue-phrases.json` or any test set, so the scorer meets sentences its
authors never wrote. A template is one sentence with `{slot}` fields; `unique_text` fills
them so that no filled sentence repeats (see its docstring). Roles:

* `open` (thanks / acknowledgement), `explain` (what happened and what we did), `ask` (a
  question or next step), `close` (the closing sentence): the agent's sentences;
* `chat`: short chat / Messenger turns, often without final punctuation;
* `customer`: the customer's sentences, quoted under an e-mail reply;
* `quote_head`: the "On <date>, <name> wrote:" line above the quoted history.

Salutations (`GREET`) and sign-off lines (`SIGN`) are short lines that recur, as they do
in real mail; every other line carries slots. Numeric slots (order, case, amount, date,
time, …) are rendered by `unique_text`; the word slots are listed in `WORDS`.
"""

from __future__ import annotations

NORDIC_FIRST = (
    "Astrid", "Bjørn", "Camilla", "Dag", "Eirik", "Frida", "Geir", "Hanne", "Ingrid", "Jonas",
    "Kari", "Lars", "Maja", "Nils", "Oda", "Petter", "Ragnhild", "Sigrid", "Tor", "Ulrik",
    "Vilde", "Åse", "Elin", "Henrik", "Linnea", "Malin", "Oskar", "Sanna", "Tove", "Viktor",
    "Agnes", "Birgit", "Christer", "Ebba", "Gustav", "Hugo", "Ida", "Johanna", "Klara", "Leo",
    "Mette", "Niels", "Pernille", "Rasmus", "Signe", "Troels", "Vibeke", "Yasmin", "Amir",
    "Fatima", "Omar", "Leila", "Mikkel", "Ronja", "Sofie", "Thea", "Ylva", "Åsa", "Jörgen",
    "Kasper",
)
NORDIC_LAST = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Berg",
    "Haugen", "Dahl", "Lund", "Strand", "Bakke", "Moen", "Lindqvist", "Karlsson", "Nyström",
    "Sjöberg", "Holm", "Ek", "Madsen", "Kristensen", "Jørgensen", "Mortensen", "Thomsen",
    "Ali", "Hussein", "Nguyen", "Kowalski", "Rasmussen", "Solberg", "Vik", "Engström",
    "Fredriksen", "Aune", "Lie",
)
EN_FIRST = (
    "Aisha", "Ben", "Chloe", "Daniel", "Emma", "Finn", "Grace", "Harry", "Isla", "Jack",
    "Katie", "Liam", "Megan", "Noah", "Olivia", "Priya", "Quinn", "Ryan", "Sophie", "Tom",
    "Una", "Victor", "Wendy", "Zara", "Aaron", "Bethany", "Callum", "Dylan", "Erin", "Fraser",
    "Georgia", "Hamza", "Imogen", "Joel", "Kieran", "Lucy", "Mohammed", "Niamh", "Owen",
    "Rosie", "Sean", "Tara", "Usman", "Yusuf", "Alice", "Conor", "Hannah", "Jamie", "Maya",
    "Rhys",
)
EN_LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Roberts",
    "Walker", "Wright", "Hughes", "Murphy", "O'Brien", "Kelly", "Patel", "Khan", "Campbell",
    "Stewart", "Morgan", "Clarke", "Byrne", "Doyle", "Kaur", "Lewis", "Hall", "Young",
    "Ahmed", "Foster", "Reid",
)


def names(lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(first names, surnames) of customers, agents and colleagues writing in `lang`."""
    return (EN_FIRST, EN_LAST) if lang == "en" else (NORDIC_FIRST, NORDIC_LAST)


#: Salutation lines (may recur): `{first}`, `{last}` are the customer's names.
GREET: dict[str, tuple[str, ...]] = {
    "nb": ("Hei {first},", "Hei {first}!", "Hallo {first},", "God morgen {first},",
           "Kjære {first} {last},", "Hei,", "Hei igjen {first},"),
    "nn": ("Hei {first},", "Hei {first}!", "Hallo {first},", "God morgon {first},",
           "Kjære {first} {last},", "Hei,", "Hei att {first},"),
    "sv": ("Hej {first},", "Hej {first}!", "Hejsan {first},", "God morgon {first},",
           "Hej {first} {last},", "Hej,", "Hej igen {first},"),
    "da": ("Hej {first},", "Hej {first}!", "Kære {first},", "Godmorgen {first},",
           "Kære {first} {last},", "Hej,", "Hej igen {first},"),
    "en": ("Hi {first},", "Hi {first}!", "Hello {first},", "Good morning {first},",
           "Dear {first} {last},", "Hello,", "Dear Ms {last},", "Hey {first},"),
}
#: Sign-off lines (may recur): `{agent}` is the agent's first name.
SIGN: dict[str, tuple[str, ...]] = {
    "nb": ("Med vennlig hilsen\n{agent}", "Hilsen {agent}", "Vennlig hilsen\n{agent}\nKundeservice",
           "Mvh {agent}", "{agent}, kundeservice"),
    "nn": ("Med venleg helsing\n{agent}", "Helsing {agent}", "Venleg helsing\n{agent}\nKundeservice",
           "Mvh {agent}", "{agent}, kundeservice"),
    "sv": ("Med vänliga hälsningar\n{agent}", "Hälsningar {agent}", "Vänliga hälsningar\n{agent}\nKundtjänst",
           "Mvh {agent}", "{agent}, kundtjänst"),
    "da": ("Med venlig hilsen\n{agent}", "Hilsen {agent}", "Venlig hilsen\n{agent}\nKundeservice",
           "Mvh {agent}", "{agent}, kundeservice"),
    "en": ("Kind regards,\n{agent}", "Best wishes,\n{agent}", "Many thanks,\n{agent}\nCustomer Care",
           "Cheers, {agent}", "{agent}, Customer Support"),
}

#: Shared by nb and nn (the same shops and carriers whichever written standard is used).
NO_CARRIERS = ("Posten", "Bring", "PostNord", "Helthjem", "DHL", "Porterbuddy")
NO_PICKUP_POINTS = ("Rema 1000", "Kiwi", "Coop Extra", "Narvesen", "Posten-butikken", "Spar",
                    "Meny", "Joker")

#: Word slots per language (products and parts in the definite form the templates need).
WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "nb": {
        "product": ("kaffetrakteren", "vaskemaskinen", "sykkelhjelmen", "ruteren", "støvsugeren",
                    "regnjakken", "skrivebordslampen", "løpeskoene", "hodetelefonene",
                    "barnevogna", "brødristeren", "nettbrettet", "varmepumpa", "soveposen",
                    "kjøkkenvekta", "smartklokka", "sofaputene", "vinterdekkene", "blenderen",
                    "høyttaleren", "gressklipperen", "oppvaskmaskinen", "ryggsekken",
                    "mobildekselet", "strykejernet"),
        "part": ("ladekabelen", "lokket", "batteriet", "bryteren", "displayet", "glidelåsen",
                 "filteret", "fjernkontrollen", "strømadapteren", "hjulet", "håndtaket",
                 "pakningen"),
        "place": ("Tromsø", "Bodø", "Hamar", "Lillehammer", "Drammen", "Kristiansand", "Ålesund",
                  "Molde", "Sandnes", "Fredrikstad", "Tønsberg", "Gjøvik", "Harstad", "Alta",
                  "Larvik", "Halden", "Arendal", "Steinkjer", "Kongsberg", "Narvik"),
        "carrier": NO_CARRIERS,
        "issue": ("en sprekk i lokket", "en bulk på siden", "feil farge", "manglende skruer",
                  "en løs ledning", "riper i glasset", "en defekt bryter", "vann i emballasjen",
                  "et knust hjørne", "feil størrelse"),
        "fix": ("tilbakestille enheten", "bytte batteriet", "logge ut og inn igjen",
                "oppdatere appen", "trekke ut strømmen i ti sekunder", "tømme hurtigbufferen",
                "koble til et annet nettverk", "rengjøre filteret"),
        "finding": ("den var skadet allerede fra lageret", "alt virker som det skal nå",
                    "feilen kom fra en løs kontakt", "den må sendes til verkstedet",
                    "det mangler en del i esken", "programvaren var utdatert"),
        "pickup": NO_PICKUP_POINTS,
        "daypart": ("helg", "kveld", "uke", "ettermiddag", "ferie"),
        "weekday": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    },
    "nn": {
        "product": ("kaffitraktaren", "vaskemaskina", "sykkelhjelmen", "ruteren", "støvsugaren",
                    "regnjakka", "skrivebordslampa", "joggeskorne", "hovudtelefonane",
                    "barnevogna", "brødristaren", "nettbrettet", "varmepumpa", "soveposen",
                    "kjøkenvekta", "smartklokka", "sofaputene", "vinterdekka", "blendaren",
                    "høgtalaren", "grasklipparen", "oppvaskmaskina", "ryggsekken",
                    "mobildekselet", "strykejernet"),
        "part": ("ladekabelen", "lokket", "batteriet", "brytaren", "skjermen", "glidelåsen",
                 "filteret", "fjernkontrollen", "straumadapteren", "hjulet", "handtaket",
                 "pakninga"),
        "place": ("Voss", "Førde", "Sogndal", "Ørsta", "Volda", "Stord", "Odda", "Leikanger",
                  "Florø", "Nordfjordeid", "Haugesund", "Bergen", "Os", "Norheimsund",
                  "Sykkylven", "Stryn", "Lærdal", "Årdal", "Kvinnherad", "Jølster"),
        "carrier": NO_CARRIERS,
        "issue": ("ei sprekk i lokket", "ein bulk på sida", "feil farge", "skruar som manglar",
                  "ein laus leidning", "riper i glaset", "ein defekt brytar", "vatn i emballasjen",
                  "eit knust hjørne", "feil storleik"),
        "fix": ("tilbakestille eininga", "byte batteriet", "logge ut og inn att",
                "oppdatere appen", "dra ut straumen i ti sekund", "tømme mellomlageret",
                "kople til eit anna nettverk", "reinse filteret"),
        "finding": ("ho var skadd alt frå lageret", "alt verkar som det skal no",
                    "feilen kom frå ein laus kontakt", "ho må sendast til verkstaden",
                    "det manglar ein del i eska", "programvara var utdatert"),
        "pickup": NO_PICKUP_POINTS,
        "daypart": ("helg", "kveld", "veke", "ettermiddag", "ferie"),
        "weekday": ("måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "sundag"),
    },
    "sv": {
        "product": ("kaffebryggaren", "tvättmaskinen", "cykelhjälmen", "routern", "dammsugaren",
                    "regnjackan", "skrivbordslampan", "löparskorna", "hörlurarna",
                    "barnvagnen", "brödrosten", "surfplattan", "värmepumpen", "sovsäcken",
                    "köksvågen", "smartklockan", "soffkuddarna", "vinterdäcken", "mixern",
                    "högtalaren", "gräsklipparen", "diskmaskinen", "ryggsäcken",
                    "mobilskalet", "strykjärnet"),
        "part": ("laddkabeln", "locket", "batteriet", "strömbrytaren", "displayen", "dragkedjan",
                 "filtret", "fjärrkontrollen", "nätadaptern", "hjulet", "handtaget",
                 "packningen"),
        "place": ("Umeå", "Luleå", "Sundsvall", "Gävle", "Västerås", "Örebro", "Linköping",
                  "Norrköping", "Jönköping", "Växjö", "Kalmar", "Karlstad", "Falun",
                  "Östersund", "Halmstad", "Helsingborg", "Borås", "Visby", "Uppsala",
                  "Kiruna"),
        "carrier": ("PostNord", "DHL", "Budbee", "Instabox", "Schenker", "Bring"),
        "issue": ("en spricka i locket", "en buckla på sidan", "fel färg", "saknade skruvar",
                  "en lös sladd", "repor i glaset", "en trasig knapp", "vatten i förpackningen",
                  "ett krossat hörn", "fel storlek"),
        "fix": ("återställa enheten", "byta batteriet", "logga ut och in igen",
                "uppdatera appen", "dra ur strömsladden i tio sekunder", "rensa cacheminnet",
                "ansluta till ett annat nätverk", "rengöra filtret"),
        "finding": ("den var skadad redan från lagret", "allt fungerar som det ska nu",
                    "felet berodde på en glapp kontakt", "den behöver skickas på service",
                    "det saknas en del i kartongen", "programvaran var inaktuell"),
        "pickup": ("ICA Nära", "Coop", "Pressbyrån", "Hemköp", "Willys", "Circle K",
                   "Tempo", "Ombud Direkt"),
        "daypart": ("helg", "kväll", "vecka", "eftermiddag", "semester"),
        "weekday": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    },
    "da": {
        "product": ("kaffemaskinen", "vaskemaskinen", "cykelhjelmen", "routeren", "støvsugeren",
                    "regnjakken", "skrivebordslampen", "løbeskoene", "høretelefonerne",
                    "barnevognen", "brødristeren", "tabletten", "varmepumpen", "soveposen",
                    "køkkenvægten", "smartwatchet", "sofapuderne", "vinterdækkene", "blenderen",
                    "højttaleren", "plæneklipperen", "opvaskemaskinen", "rygsækken",
                    "mobilcoveret", "strygejernet"),
        "part": ("ladekablet", "låget", "batteriet", "kontakten", "displayet", "lynlåsen",
                 "filteret", "fjernbetjeningen", "strømadapteren", "hjulet", "håndtaget",
                 "pakningen"),
        "place": ("Aalborg", "Esbjerg", "Randers", "Kolding", "Horsens", "Vejle", "Roskilde",
                  "Herning", "Silkeborg", "Næstved", "Fredericia", "Viborg", "Køge",
                  "Holstebro", "Slagelse", "Svendborg", "Hjørring", "Sønderborg", "Thisted",
                  "Nykøbing"),
        "carrier": ("PostNord", "GLS", "DAO", "Bring", "DHL", "Budbee"),
        "issue": ("en revne i låget", "en bule på siden", "forkert farve", "manglende skruer",
                  "en løs ledning", "ridser i glasset", "en defekt knap", "vand i emballagen",
                  "et knust hjørne", "forkert størrelse"),
        "fix": ("nulstille enheden", "skifte batteriet", "logge ud og ind igen",
                "opdatere appen", "tage stikket ud i ti sekunder", "rydde cachen",
                "forbinde til et andet netværk", "rense filteret"),
        "finding": ("den var beskadiget allerede fra lageret", "alt virker, som det skal nu",
                    "fejlen skyldtes en løs forbindelse", "den skal sendes til værkstedet",
                    "der mangler en del i æsken", "softwaren var forældet"),
        "pickup": ("Netto", "Rema 1000", "Føtex", "Meny", "Lidl", "Kvickly", "SuperBrugsen",
                   "Circle K"),
        "daypart": ("weekend", "aften", "uge", "eftermiddag", "ferie"),
        "weekday": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    },
    "en": {
        "product": ("coffee maker", "washing machine", "bike helmet", "router", "vacuum cleaner",
                    "rain jacket", "desk lamp", "running shoes", "headphones", "pushchair",
                    "toaster", "tablet", "heat pump", "sleeping bag", "kitchen scales",
                    "smartwatch", "sofa cushions", "winter tyres", "blender", "speaker",
                    "lawnmower", "dishwasher", "backpack", "phone case", "iron"),
        "part": ("charging cable", "lid", "battery", "power switch", "display", "zip",
                 "filter", "remote control", "power adapter", "wheel", "handle", "seal"),
        "place": ("Leeds", "Bristol", "Cardiff", "Glasgow", "Belfast", "Cork", "Galway",
                  "Norwich", "Exeter", "York", "Dundee", "Swansea", "Brighton", "Inverness",
                  "Limerick", "Sheffield", "Derby", "Bath", "Oxford", "Aberdeen"),
        "carrier": ("Royal Mail", "DPD", "Evri", "DHL", "An Post", "Parcelforce"),
        "issue": ("a crack in the lid", "a dent on the side", "the wrong colour",
                  "missing screws", "a loose wire", "scratches on the glass",
                  "a faulty button", "water in the packaging", "a broken corner",
                  "the wrong size"),
        "fix": ("reset the device", "swap the battery", "log out and back in",
                "update the app", "unplug it for ten seconds", "clear the cache",
                "connect to a different network", "clean the filter"),
        "finding": ("it was damaged before it left the warehouse", "everything works as it should now",
                    "the fault came from a loose connector", "it needs to go in for repair",
                    "a part was missing from the box", "the software was out of date"),
        "pickup": ("the Post Office", "Tesco Express", "Co-op", "Sainsbury's Local",
                   "the InPost locker", "Spar", "Londis", "Boots"),
        "daypart": ("weekend", "evening", "week", "afternoon", "holiday"),
        "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    },
}
