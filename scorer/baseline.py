"""A transparent keyword-rule baseline for greeting, explanation and closing.

It exists to be beaten: `scorer evaluate` prints it next to the trained model so a reader
can see what the model adds over rules anyone could write in an afternoon. The rules are
deliberately plain:

- greeting: the first body segment STARTS with a salutation word ("hi", "hei", "hej",
  "dear", "god morgen", …) or with thanks for the contact ("thanks for reaching out",
  "takk for henvendelsen", "tack för att du hör av dig", "tak for din henvendelse");
- closing: the last body segment contains a sign-off / well-wish / offer / closing-thanks
  phrase from a fixed list;
- explanation: any body segment contains a why/how/next cue word or phrase.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from scorer.text import Prepared

_GREETING_START = re.compile(
    r"^\W*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|"
    r"hei|heisann|hallo|hallå|hej|hejsan|tjena|kjære|kære|bäste|bästa|"
    r"god (?:morgen|morgon|dag|kveld|kväll|aften|ettermiddag|eftermiddag)|goddag|"
    r"(?:thanks|thank you) for (?:reaching|contacting|your (?:message|email|feedback|question))|"
    r"takk for (?:henvendelsen|meldingen|at du tok kontakt|tilbakemeldingen|spørsmålet)|"
    r"tack för (?:att du (?:hör|hört|kontaktar|skriver)|ditt meddelande|din fråga|din recension)|"
    r"tak for (?:din henvendelse|henvendelsen|din besked|beskeden))\b",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"\b(?:best regards|kind regards|regards|cheers|sincerely|have a (?:nice|great|good)|"
    r"hope this helps|let us know|thanks for your patience|"
    r"med vennlig hilsen|vennlig hilsen|mvh|hilsen|ha en fin|ha det bra|god helg|"
    r"ta gjerne kontakt|takk for tålmodigheten|med venleg helsing|"
    r"vänliga hälsningar|med vänlig hälsning|hälsningar|ha en trevlig|hör av dig|"
    r"tack för visat intresse|med venlig hilsen|venlig hilsen|hav en god|"
    r"kontakte os igen|du er velkommen til)\b",
    re.IGNORECASE,
)
_EXPLANATION = re.compile(
    r"\b(?:because|due to|since|so that|go to|click|log in|you will|you'll|we will|we'll|"
    r"within|fordi|på grunn av|ettersom|derfor|gå til|trykk|logg inn|vil|innen|"
    r"eftersom|därför|på grund av|klicka|logga in|kommer att|inom|"
    r"på grund af|fordi|derfor|klik|log ind|inden)\b",
    re.IGNORECASE,
)


def predict(prepared: Sequence[Prepared]) -> np.ndarray:
    """0/1 predictions, shape (n, 3) in DIMENSIONS order (greeting, explanation, closing)."""
    out = np.zeros((len(prepared), 3), dtype=np.float64)
    for i, p in enumerate(prepared):
        if not p.segments:
            continue
        a, b = p.segments[0]
        out[i, 0] = bool(_GREETING_START.search(p.plain[a:b]))
        a, b = p.segments[-1]
        out[i, 2] = bool(_CLOSING.search(p.plain[a:b]))
        out[i, 1] = any(_EXPLANATION.search(p.plain[s:e]) for s, e in p.segments)
    return out
