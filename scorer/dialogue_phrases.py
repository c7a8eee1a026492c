"""Phrase tables for scorer.dialogues: what agents and customers write, per language.

Kept apart from the generator so the logic stays readable and so the text can be reviewed
on its own. The phrases were written for this module as independent test text: they are
deliberately *not* taken from the training corpus or the model's word lists, so
conversations built from them measure how the model does on language it has not seen.

Each part (greeting, explanation, closing, customer question, …) has at least eight
phrasings per language. Placeholders, filled by the generator with ``str.format``:
``{name}`` customer's first name, ``{agent}`` agent's first name, ``{customer}`` the
customer's full name, ``{order}`` an order number, ``{ref}`` a booking reference, ``{day}``
a weekday. A greeting with ``{name}`` is only used when the customer's name is known.

What is and is not a greeting, explanation or closing follows docs/LABELS.md: ``hold`` and
``no_close_end`` lines are neither explanation nor closing; ``greet_late`` lines open with a
salutation or a thanks opener and add an apology; every scenario's ``explain`` and
``answer`` give a reason, steps, or what happens next.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES: tuple[str, ...] = ("nb", "nn", "sv", "da", "en")


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


def _s(topic: str, ask: str, explain: str, follow_up: str, answer: str) -> Scenario:
    return Scenario(topic, ask, explain, follow_up, answer)


# --- Norwegian bokmål ----------------------------------------------------------------------

NB = Phrases(
    greet_chat=(
        "Hei {name}!",
        "Hei {name}, takk for at du tok kontakt!",
        "Hei, og takk for at du tok kontakt med oss.",
        "Hei {name} 😊",
        "Hei! Takk for meldingen.",
        "Hallo {name}, takk for henvendelsen!",
        "Hei hei! Takk for at du skriver til oss.",
        "Takk for henvendelsen, {name}!",
        "Hei {name}, så hyggelig at du tok kontakt.",
        "Hei der! Takk for at du tok kontakt.",
    ),
    greet_morning=("God morgen, {name}!", "God morgen, og takk for meldingen!"),
    greet_email=(
        "Hei {name},\n\nTakk for e-posten din.",
        "Hei {name},\n\ntakk for henvendelsen.",
        "Hei,\n\nog takk for at du tok kontakt med oss.",
        "Hei {name}!\n\nTakk for at du skrev til oss.",
        "Hei {name},",
        "Kjære {name},\n\ntakk for meldingen din.",
        "Hallo {name},\n\nTakk for henvendelsen din til kundeservice.",
        "God dag,\n\nog takk for e-posten.",
        "Takk for at du tok kontakt, {name}.",
    ),
    greet_late=(
        "Hei {name}, beklager ventetiden!",
        "Hei {name}! Beklager at det tok litt tid før vi svarte.",
        "Hei, takk for at du tok kontakt – og beklager at du har måttet vente.",
        "Hei {name}, takk for meldingen, og beklager det sene svaret.",
        "Hallo! Beklager at du har ventet så lenge på svar.",
    ),
    greet_late_email=(
        "Hei {name},\n\ntakk for e-posten din, og beklager at svaret har latt vente på seg.",
        "Hei {name},\n\nTakk for henvendelsen. Beklager at det har tatt så lang tid å svare.",
        "Hei,\n\ntakk for tålmodigheten din, og beklager den lange svartiden.",
    ),
    greet_again_email=("Hei igjen {name},", "Hei igjen,", "Hei {name},\n\ntakk for svaret."),
    hold=(
        "Et øyeblikk, jeg sjekker.",
        "Jeg skal se på det, to sek!",
        "Et lite øyeblikk mens jeg ser på ordren din.",
        "Jeg sjekker dette for deg nå.",
        "Gi meg et par minutter, så finner jeg ut av det.",
        "Jeg tar en titt, ett øyeblikk.",
        "Skal se hva jeg finner ut!",
        "Øyeblikk, jeg slår opp saken din.",
    ),
    close_chat=(
        "Ha en fin dag videre!",
        "Si ifra hvis det er noe mer jeg kan hjelpe deg med 😊",
        "Ta gjerne kontakt igjen om du lurer på noe mer. Ha en fin dag!",
        "Er det noe annet jeg kan hjelpe deg med?",
        "Ønsker deg en fin kveld!",
        "Bare si fra om det er noe mer. Ha en god helg!",
        "Takk for tålmodigheten, og ha en fin dag!",
        "Lykke til, og ha det bra!",
        "Håper det hjelper, ha en fin dag!",
        "Ha en strålende dag videre 🌞",
    ),
    close_email=(
        "Ta gjerne kontakt igjen hvis du har flere spørsmål.",
        "Håper dette var til hjelp, og ha en fin dag videre.",
        "Ikke nøl med å ta kontakt om det er noe mer vi kan hjelpe deg med.",
        "Si gjerne ifra dersom noe er uklart.",
        "Ønsker deg en fin helg!",
        "Takk for tålmodigheten, og ha en fin dag.",
        "Du er hjertelig velkommen til å svare på denne e-posten om du lurer på noe mer.",
        "Ha en fortsatt fin uke!",
    ),
    signoff=("Med vennlig hilsen", "Vennlig hilsen", "Mvh", "Hilsen"),
    team_signature=("Kundeservice", "Kundesenteret", "Kundeservice | Nordvik Elektro AS"),
    no_close_end=(
        "Den er grei 👍",
        "Flott!",
        "Da er det ordnet.",
        "Ok, da er det registrert på ordren.",
        "Supert.",
        "Sånn, nå er det gjort.",
    ),
    customer_hello=("hei", "Hei!", "hallo", "Hei, jeg har et spørsmål", "Hei, er det noen der?",
                    "hei hei"),
    customer_thanks=(
        "Supert, takk!",
        "Tusen takk!",
        "ok takk",
        "Flott, takk for hjelpen",
        "Ah, skjønner. Takk!",
        "Perfekt 👍",
        "Takk, det var det jeg lurte på",
        "Ok, da venter jeg på det. Takk!",
    ),
    customer_nudge=(
        "Hallo? Er det noen der?",
        "Hei igjen, har dere fått sett på dette?",
        "Venter fortsatt på svar her",
        "?",
        "Hei, jeg sendte en melding tidligere i dag og har ikke fått svar.",
        "Kan noen svare meg snart?",
    ),
    email_open=("Hei,", "Hei!", "Hallo,", "Hei kundeservice,", "Til kundeservice,", "God dag,"),
    email_context=(
        "Jeg har prøvd å finne svar på nettsidene deres uten hell.",
        "Håper dere kan hjelpe meg med dette.",
        "Setter pris på et raskt svar.",
        "Ordrenummeret er {order}.",
        "Jeg har vært kunde hos dere i mange år og har aldri opplevd dette før.",
        "Jeg prøvde å ringe, men kom ikke gjennom.",
    ),
    email_sign=("Mvh\n{customer}", "Hilsen {customer}", "Med vennlig hilsen\n{customer}",
                "Takk på forhånd!\n{customer}", "{name}"),
    email_nudge=(
        "Hei igjen,\n\nJeg har ikke fått svar på e-posten under. Kan dere se på saken?",
        "Hei,\n\nPurrer på denne. Det har gått flere dager uten svar.",
        "Hallo,\n\nHar dere mottatt e-posten min? Venter fortsatt på svar.",
    ),
    email_thanks=("Hei,\n\nTusen takk for raskt svar!", "Takk, da er jeg fornøyd.",
                  "Hei igjen,\n\nSupert, takk for hjelpen."),
    quote_intro="Den {date} kl. {time} skrev {sender}:",
    weekdays=("mandag", "tirsdag", "onsdag", "torsdag", "fredag"),
    months=("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
            "september", "oktober", "november", "desember"),
    first_names=("Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Eirik", "Marte", "Håkon", "Silje",
                 "Jonas", "Nora", "Anders", "Ragnhild", "Torbjørn", "Ingeborg", "Magnus"),
    surnames=("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Berg",
              "Haugen", "Bakken", "Solberg", "Strand"),
    teams=("team-oslo", "team-trondheim"),
    scenarios=(
        _s("delivery",
           "Hvor er pakken min? Bestilte for over en uke siden og har ikke fått noe.",
           "Pakken ble forsinket fordi det har vært mye pågang hos Posten denne uken. Den er "
           "nå på vei og skal være fremme hos deg innen {day}.",
           "Kan jeg hente den et annet sted enn på postkontoret?",
           "Ja, du kan velge et annet hentested via lenken i sporings-SMS-en. Trykk «Endre "
           "leveringssted» og velg det som passer deg best."),
        _s("delivery",
           "hei, når kommer bestillingen min? står bare «under behandling» på ordre {order}",
           "Ordren står som under behandling fordi en av varene kom inn på lager først i dag. "
           "Vi sender alt samlet i morgen, og du får en e-post med sporingsnummer når pakken er "
           "på vei.",
           "Hva skjer hvis jeg ikke er hjemme når den kommer?",
           "Da blir den levert på nærmeste hentested, og du får en hentemelding på SMS. Du har "
           "14 dager på deg til å hente den."),
        _s("refund",
           "Jeg returnerte en jakke for to uker siden. Når får jeg pengene tilbake?",
           "Returen din kom inn til lageret vårt på {day}, og refusjonen er nå godkjent. Beløpet "
           "går tilbake til kortet du betalte med, og det tar vanligvis 3–5 virkedager før du "
           "ser det på kontoen.",
           "Får jeg tilbake fraktkostnaden også?",
           "Ja, siden jakken hadde en feil, refunderer vi også frakten. Den kommer som et eget "
           "beløp, så du vil se to innbetalinger."),
        _s("refund",
           "Hvorfor har jeg ikke fått refusjon ennå? Sendte returen for lenge siden.",
           "Vi har mottatt returen, men den står fortsatt til kontroll fordi lageret har fått "
           "inn veldig mange returer etter salget. Når varen er kontrollert, sender vi deg en "
           "bekreftelse på e-post og refunderer beløpet samme dag.",
           "Hvor lang tid tar kontrollen vanligvis?",
           "Normalt to til tre virkedager. Nå i januar kan det ta opptil en uke, men du får "
           "beskjed på e-post så snart den er ferdig."),
        _s("address",
           "Hvordan endrer jeg adressen på kontoen min? Har flyttet.",
           "Du kan endre adressen selv under Min side: logg inn, gå til «Profil» og velg «Endre "
           "adresse». Den nye adressen blir brukt på alle bestillinger fra nå av.",
           "Må jeg endre fakturaadressen også?",
           "Nei, fakturaadressen følger leveringsadressen med mindre du har valgt en egen, så "
           "den oppdateres automatisk."),
        _s("address",
           "Har skrevet feil postnummer på bestillingen {order}, kan dere rette det?",
           "Jeg har rettet postnummeret på ordren. Den er ikke pakket ennå, så den går til riktig "
           "adresse når den sendes fra lageret i morgen.",
           "Hva om den allerede hadde blitt sendt?",
           "Da ville Posten returnert den til oss, og vi hadde sendt den ut på nytt til riktig "
           "adresse uten ekstra kostnad for deg."),
        _s("invoice",
           "Jeg har blitt trukket to ganger for samme ordre. Hva har skjedd?",
           "Det ene trekket er bare en reservasjon som banken legger på når ordren opprettes. "
           "Den forsvinner automatisk innen 5–7 virkedager, så du blir kun belastet én gang.",
           "Kan dere fjerne reservasjonen med en gang?",
           "Dessverre ikke, det er banken som styrer den. Ringer du banken din, kan de ofte "
           "frigi den samme dag."),
        _s("invoice",
           "Fikk purring på en faktura jeg har betalt??",
           "Innbetalingen din kom inn samme dag som purringen ble sendt, så de krysset "
           "hverandre. Jeg har slettet purregebyret, og du trenger ikke gjøre noe mer.",
           "Hvordan unngår jeg at det skjer igjen?",
           "Hvis du legger fakturaen inn som eFaktura eller AvtaleGiro i nettbanken, blir den "
           "betalt automatisk på forfallsdatoen."),
        _s("login",
           "Jeg får ikke logget inn, den sier passordet er feil selv om det er riktig.",
           "Kontoen din ble låst etter for mange forsøk, og det er derfor innloggingen ikke går. "
           "Jeg har låst den opp nå, så du kan logge inn igjen om et par minutter.",
           "Må jeg bytte passord nå?",
           "Det er ikke nødvendig, men vi anbefaler det. Du gjør det under «Sikkerhet» på Min "
           "side, og da blir du logget ut på andre enheter."),
        _s("login",
           "Har glemt passordet og får ingen e-post når jeg trykker «glemt passord»",
           "E-posten med lenken for å tilbakestille passordet havner ofte i søppelpost. Sjekk der "
           "først; finner du den ikke, kan du logge inn med BankID i stedet og lage et nytt "
           "passord etterpå.",
           "Hvor lenge virker lenken?",
           "Lenken gjelder i 24 timer. Etter det må du be om en ny, men den fungerer på samme "
           "måte."),
        _s("cancel",
           "Jeg vil si opp abonnementet mitt. Hvordan gjør jeg det?",
           "Du kan si opp når som helst under «Abonnement» på Min side. Oppsigelsen gjelder fra "
           "slutten av måneden, så du beholder tilgangen ut perioden du har betalt for.",
           "Får jeg en bekreftelse på oppsigelsen?",
           "Ja, du får en bekreftelse på e-post i løpet av noen minutter etter at du har sagt "
           "opp."),
        _s("cancel",
           "Hvorfor har jeg blitt trukket for et abonnement jeg sa opp i forrige måned?",
           "Oppsigelsen ble registrert den 3., men trekket for neste periode var allerede sendt "
           "til banken. Jeg har derfor refundert beløpet, og det er på kontoen din innen tre "
           "virkedager.",
           "Blir jeg trukket igjen neste måned?",
           "Nei, abonnementet er avsluttet hos oss nå, så det kommer ingen flere trekk."),
        _s("damaged",
           "Kaffemaskinen kom i dag, og vanntanken har en sprekk 🙁",
           "Så leit å høre! Vi sender deg en ny vanntank uten kostnad. Den går fra lageret i "
           "morgen og bør være hos deg i løpet av tre–fire virkedager.",
           "Må jeg sende tilbake den gamle?",
           "Nei, den kan du bare kaste. Det koster mer å frakte den tilbake enn den er verdt."),
        _s("damaged",
           "Varen jeg fikk er skadet. Hva gjør jeg nå?",
           "Ta et bilde av skaden og last det opp under «Reklamasjon» på ordren din på Min side. "
           "Når vi har fått bildet, sender vi en ny vare og en returetikett for den skadede.",
           "Kan jeg få pengene tilbake i stedet?",
           "Ja, det går fint. Da krediterer vi hele beløpet når returen er mottatt, og du får en "
           "bekreftelse på e-post."),
        _s("booking",
           "Kan jeg flytte timen min på torsdag til neste uke?",
           "Det går fint! Jeg har flyttet timen til tirsdag kl. 10.15, og du får en ny "
           "bekreftelse på SMS om litt.",
           "Får jeg påminnelse før timen?",
           "Ja, du får en SMS dagen før med adressen og hva du bør ta med."),
        _s("booking",
           "Hva koster det å endre datoen på flybilletten min? Bookingnummer {ref}.",
           "Endringen koster 450 kroner fordi billetten er en Lav-billett. Du kan gjøre det selv "
           "under «Mine reiser» ved å velge reisen og trykke «Endre», og prisforskjellen blir "
           "trukket automatisk.",
           "Hva om jeg heller vil avbestille?",
           "Da får du refundert skatter og avgifter, men ikke selve billettprisen, siden "
           "Lav-billetter ikke kan refunderes."),
    ),
)

# --- Norwegian nynorsk ---------------------------------------------------------------------

NN = Phrases(
    greet_chat=(
        "Hei {name}!",
        "Hei {name}, takk for at du tok kontakt!",
        "Hei, og takk for at du tok kontakt med oss.",
        "Hei {name} 😊",
        "Hei! Takk for meldinga.",
        "Hallo {name}, takk for førespurnaden!",
        "Hei hei! Takk for at du skriv til oss.",
        "Takk for meldinga di, {name}!",
        "Hei {name}, så kjekt at du tok kontakt.",
    ),
    greet_morning=("God morgon, {name}!", "God morgon, og takk for meldinga!"),
    greet_email=(
        "Hei {name},\n\ntakk for e-posten din.",
        "Hei {name},\n\ntakk for førespurnaden.",
        "Hei,\n\nog takk for at du tok kontakt med oss.",
        "Hei {name}!\n\nTakk for at du skreiv til oss.",
        "Hei {name},",
        "Kjære {name},\n\ntakk for meldinga di.",
        "Hallo {name},\n\ntakk for førespurnaden din til kundeservice.",
        "God dag,\n\nog takk for e-posten.",
        "Takk for at du tok kontakt, {name}.",
    ),
    greet_late=(
        "Hei {name}, orsak at du har måtta vente!",
        "Hei {name}! Beklagar at det tok litt tid før vi svara.",
        "Hei, takk for at du tok kontakt – og orsak ventetida.",
        "Hei {name}, takk for meldinga, og beklagar det seine svaret.",
        "Hallo! Beklagar at du har venta så lenge på svar.",
    ),
    greet_late_email=(
        "Hei {name},\n\ntakk for e-posten din, og beklagar at svaret har late vente på seg.",
        "Hei {name},\n\nTakk for førespurnaden. Orsak at det har teke så lang tid å svare.",
        "Hei,\n\ntakk for tolmodet ditt, og beklagar den lange svartida.",
    ),
    greet_again_email=("Hei igjen {name},", "Hei igjen,", "Hei {name},\n\ntakk for svaret."),
    hold=(
        "Eit augneblink, eg sjekkar.",
        "Eg skal sjå på det, to sekund!",
        "Eit lite augneblink medan eg ser på ordren din.",
        "Eg sjekkar dette for deg no.",
        "Gi meg eit par minutt, så finn eg ut av det.",
        "Eg tek ein kikk, eit augneblink.",
        "Skal sjå kva eg finn ut!",
        "Augneblink, eg slår opp saka di.",
    ),
    close_chat=(
        "Ha ein fin dag vidare!",
        "Sei frå om det er noko meir eg kan hjelpe deg med 😊",
        "Ta gjerne kontakt igjen om du lurer på noko meir. Ha ein fin dag!",
        "Er det noko anna eg kan hjelpe deg med?",
        "Ønskjer deg ein fin kveld!",
        "Berre sei frå om det er noko meir. God helg!",
        "Takk for tolmodet, og ha ein fin dag!",
        "Lukke til, og ha det bra!",
        "Håpar det hjelper, ha ein fin dag!",
    ),
    close_email=(
        "Ta gjerne kontakt igjen dersom du har fleire spørsmål.",
        "Håpar dette var til hjelp, og ha ein fin dag vidare.",
        "Ikkje nøl med å ta kontakt om det er noko meir vi kan hjelpe deg med.",
        "Sei gjerne frå dersom noko er uklart.",
        "Ønskjer deg ei fin helg!",
        "Takk for tolmodet, og ha ein fin dag.",
        "Du er hjarteleg velkomen til å svare på denne e-posten om du lurer på noko meir.",
        "Ha ei fortsett fin veke!",
    ),
    signoff=("Med venleg helsing", "Venleg helsing", "Mvh", "Helsing"),
    team_signature=("Kundeservice", "Kundesenteret", "Kundeservice | Sogn Straum AS"),
    no_close_end=(
        "Den er grei 👍",
        "Flott!",
        "Då er det ordna.",
        "Ok, då er det registrert på ordren.",
        "Supert.",
        "Sånn, no er det gjort.",
    ),
    customer_hello=("hei", "Hei!", "hallo", "Hei, eg har eit spørsmål", "Hei, er det nokon der?",
                    "hei hei"),
    customer_thanks=(
        "Supert, takk!",
        "Tusen takk!",
        "ok takk",
        "Flott, takk for hjelpa",
        "Ah, skjønar. Takk!",
        "Perfekt 👍",
        "Takk, det var det eg lurte på",
        "Ok, då ventar eg på det. Takk!",
    ),
    customer_nudge=(
        "Hallo? Er det nokon der?",
        "Hei igjen, har de fått sett på dette?",
        "Ventar framleis på svar her",
        "?",
        "Hei, eg sende ei melding tidlegare i dag og har ikkje fått svar.",
        "Kan nokon svare meg snart?",
    ),
    email_open=("Hei,", "Hei!", "Hallo,", "Hei kundeservice,", "Til kundeservice,", "God dag,"),
    email_context=(
        "Eg har prøvd å finne svar på nettsidene dykkar utan hell.",
        "Håpar de kan hjelpe meg med dette.",
        "Set pris på eit raskt svar.",
        "Ordrenummeret er {order}.",
        "Eg har vore kunde hos dykk i mange år og har aldri opplevd dette før.",
        "Eg prøvde å ringje, men kom ikkje gjennom.",
    ),
    email_sign=("Mvh\n{customer}", "Helsing {customer}", "Med venleg helsing\n{customer}",
                "Takk på førehand!\n{customer}", "{name}"),
    email_nudge=(
        "Hei igjen,\n\nEg har ikkje fått svar på e-posten under. Kan de sjå på saka?",
        "Hei,\n\nPurrar på denne. Det har gått fleire dagar utan svar.",
        "Hallo,\n\nHar de fått e-posten min? Ventar framleis på svar.",
    ),
    email_thanks=("Hei,\n\nTusen takk for raskt svar!", "Takk, då er eg nøgd.",
                  "Hei igjen,\n\nSupert, takk for hjelpa."),
    quote_intro="{date} kl. {time} skreiv {sender}:",
    weekdays=("måndag", "tysdag", "onsdag", "torsdag", "fredag"),
    months=("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
            "september", "oktober", "november", "desember"),
    first_names=("Solveig", "Gunnar", "Synnøve", "Olav", "Åse", "Ivar", "Kristine", "Torleiv",
                 "Ingvild", "Sindre", "Gro", "Eivind", "Ragnhild", "Vebjørn"),
    surnames=("Haugland", "Myklebust", "Aasen", "Fjeld", "Vik", "Sætre", "Nygård", "Tveit",
              "Hovland", "Bø", "Løvik", "Midtbø"),
    teams=("team-bergen", "team-volda"),
    scenarios=(
        _s("delivery",
           "Kvar er pakken min? Bestilte for over ei veke sidan og har ikkje fått noko.",
           "Pakken vart forseinka fordi det har vore mykje pågang hos Posten denne veka. "
           "Sendinga er no på veg og skal vere framme hos deg innan {day}.",
           "Kan eg hente pakken ein annan stad enn på postkontoret?",
           "Ja, du kan velje ein annan hentestad via lenkja i sporings-SMS-en. Trykk «Endre "
           "leveringsstad» og vel den som passar best for deg."),
        _s("delivery",
           "hei, når kjem bestillinga mi? står berre «under behandling» på ordre {order}",
           "Ordren står som under behandling fordi ei av varene kom inn på lager først i dag. "
           "Vi sender alt samla i morgon, og du får ein e-post med sporingsnummer når pakken er "
           "på veg.",
           "Kva skjer om eg ikkje er heime når pakken kjem?",
           "Då blir pakken levert på næraste hentestad, og du får ei hentemelding på SMS. Du har "
           "14 dagar på deg til å hente han."),
        _s("refund",
           "Eg returnerte ein jakke for to veker sidan. Når får eg pengane tilbake?",
           "Returen din kom inn til lageret vårt på {day}, og refusjonen er no godkjend. Beløpet "
           "går tilbake til kortet du betalte med, og det tek vanlegvis 3–5 vyrkedagar før du "
           "ser det på kontoen.",
           "Får eg tilbake fraktkostnaden òg?",
           "Ja, sidan jakken hadde ein feil, refunderer vi frakta òg. Det kjem som eit eige "
           "beløp, så du vil sjå to innbetalingar."),
        _s("refund",
           "Kvifor har eg ikkje fått refusjon enno? Sende returen for lenge sidan.",
           "Vi har motteke returen, men han står framleis til kontroll fordi lageret har fått inn "
           "svært mange returar etter salet. Når vara er kontrollert, sender vi deg ei "
           "stadfesting på e-post og refunderer beløpet same dag.",
           "Kor lang tid tek kontrollen vanlegvis?",
           "Normalt to til tre vyrkedagar. No i januar kan det ta opptil ei veke, men du får "
           "melding på e-post så snart kontrollen er ferdig."),
        _s("address",
           "Korleis endrar eg adressa på kontoen min? Har flytta.",
           "Du kan endre adressa sjølv under Mi side: logg inn, gå til «Profil» og vel «Endre "
           "adresse». Den nye adressa blir brukt på alle bestillingar frå no av.",
           "Må eg endre fakturaadressa òg?",
           "Nei, fakturaadressa følgjer leveringsadressa med mindre du har valt ei eiga, så ho "
           "blir oppdatert automatisk."),
        _s("address",
           "Har skrive feil postnummer på bestillinga {order}, kan de rette det?",
           "Eg har retta postnummeret på ordren. Varene er ikkje pakka enno, så alt går til rett "
           "adresse når det blir sendt frå lageret i morgon.",
           "Kva om pakken alt hadde vorte send?",
           "Då ville Posten returnert han til oss, og vi hadde sendt han ut på nytt til rett "
           "adresse utan ekstra kostnad for deg."),
        _s("invoice",
           "Eg har vorte trekt to gonger for same ordre. Kva har skjedd?",
           "Det eine trekket er berre ei reservasjon som banken legg på når ordren blir oppretta. "
           "Ho forsvinn automatisk innan 5–7 vyrkedagar, så du blir berre belasta éin gong.",
           "Kan de fjerne reservasjonen med ein gong?",
           "Dessverre ikkje, det er banken som styrer det. Ringjer du banken din, kan dei ofte "
           "frigje beløpet same dag."),
        _s("invoice",
           "Fekk purring på ein faktura eg har betalt??",
           "Innbetalinga di kom inn same dag som purringa vart send, så dei kryssa kvarandre. Eg "
           "har sletta purregebyret, og du treng ikkje gjere noko meir.",
           "Korleis unngår eg at det skjer igjen?",
           "Om du legg fakturaen inn som eFaktura eller AvtaleGiro i nettbanken, blir han "
           "betalt automatisk på forfallsdatoen."),
        _s("login",
           "Eg får ikkje logga inn, det står at passordet er feil sjølv om det er rett.",
           "Kontoen din vart låst etter for mange forsøk, og det er difor innlogginga ikkje går. "
           "Eg har låst han opp no, så du kan logge inn igjen om eit par minutt.",
           "Må eg byte passord no?",
           "Det er ikkje naudsynt, men vi tilrår det. Du gjer det under «Tryggleik» på Mi side, "
           "og då blir du logga ut på andre einingar."),
        _s("login",
           "Har gløymt passordet og får ingen e-post når eg trykkjer «gløymt passord»",
           "E-posten med lenkja for å nullstille passordet hamnar ofte i søppelpost. Sjekk der "
           "først; finn du han ikkje, kan du logge inn med BankID i staden og lage eit nytt "
           "passord etterpå.",
           "Kor lenge verkar lenkja?",
           "Lenkja gjeld i 24 timar. Etter det må du be om ei ny, men ho fungerer på same måten."),
        _s("cancel",
           "Eg vil seie opp abonnementet mitt. Korleis gjer eg det?",
           "Du kan seie opp når som helst under «Abonnement» på Mi side. Oppseiinga gjeld frå "
           "slutten av månaden, så du har tilgang ut perioden du har betalt for.",
           "Får eg ei stadfesting på oppseiinga?",
           "Ja, du får ei stadfesting på e-post nokre minutt etter at du har sagt opp."),
        _s("cancel",
           "Kvifor har eg vorte trekt for eit abonnement eg sa opp førre månad?",
           "Oppseiinga vart registrert den 3., men trekket for neste periode var alt sendt til "
           "banken. Eg har difor refundert beløpet, og det er på kontoen din innan tre "
           "vyrkedagar.",
           "Blir eg trekt igjen neste månad?",
           "Nei, abonnementet er avslutta hos oss no, så det kjem ingen fleire trekk."),
        _s("damaged",
           "Kaffimaskina kom i dag, og vasstanken har ei sprekk 🙁",
           "Så leitt å høyre! Vi sender deg ein ny vasstank utan kostnad. Han går frå lageret i "
           "morgon og bør vere hos deg i løpet av tre–fire vyrkedagar.",
           "Må eg sende attende den gamle?",
           "Nei, han kan du berre kaste. Det kostar meir å frakte han tilbake enn han er verd."),
        _s("damaged",
           "Vara eg fekk er skadd. Kva gjer eg no?",
           "Ta eit bilete av skaden og last det opp under «Reklamasjon» på ordren din på Mi side. "
           "Når vi har fått biletet, sender vi ei ny vare og ein returlapp for den skadde.",
           "Kan eg få pengane tilbake i staden?",
           "Ja, det går fint. Då krediterer vi heile beløpet når returen er motteken, og du får "
           "ei stadfesting på e-post."),
        _s("booking",
           "Kan eg flytte timen min på torsdag til neste veke?",
           "Det går fint! Eg har flytta timen til tysdag kl. 10.15, og du får ei ny stadfesting "
           "på SMS om litt.",
           "Får eg påminning før timen?",
           "Ja, du får ein SMS dagen før med adressa og kva du bør ta med."),
        _s("booking",
           "Kva kostar det å endre datoen på flybilletten min? Bookingnummer {ref}.",
           "Endringa kostar 450 kroner fordi billetten er ein Lav-billett. Du kan gjere det "
           "sjølv under «Mine reiser» ved å velje reisa og trykkje «Endre», og prisskilnaden "
           "blir trekt automatisk.",
           "Kva om eg heller vil avbestille?",
           "Då får du refundert skattar og avgifter, men ikkje sjølve billettprisen, sidan "
           "Lav-billettar ikkje kan refunderast."),
    ),
)

# --- Swedish -------------------------------------------------------------------------------

SV = Phrases(
    greet_chat=(
        "Hej {name}!",
        "Hej {name}, tack för att du hör av dig!",
        "Hej och tack för att du kontaktar oss.",
        "Hej {name} 😊",
        "Hej! Tack för ditt meddelande.",
        "Hejsan {name}, tack för att du skriver till oss!",
        "Hej hej! Tack för att du hörde av dig.",
        "Tack för ditt meddelande, {name}!",
        "Hallå {name}, kul att du hör av dig.",
    ),
    greet_morning=("God morgon {name}!", "God morgon, och tack för ditt meddelande!"),
    greet_email=(
        "Hej {name},\n\nTack för ditt mejl.",
        "Hej {name},\n\ntack för att du kontaktar oss.",
        "Hej,\n\noch tack för att du hör av dig till oss.",
        "Hej {name}!\n\nTack för ditt meddelande.",
        "Hej {name},",
        "Bästa {name},\n\ntack för ditt mejl.",
        "Hej {name},\n\nTack för att du skrev till vår kundtjänst.",
        "Goddag,\n\noch tack för ditt mejl.",
        "Tack för att du hör av dig, {name}.",
    ),
    greet_late=(
        "Hej {name}, förlåt att du har fått vänta!",
        "Hej {name}! Ledsen att det dröjde innan vi svarade.",
        "Hej, tack för att du hör av dig – och ursäkta väntetiden.",
        "Hej {name}, tack för ditt meddelande och förlåt det sena svaret.",
        "Hallå! Ursäkta att du har fått vänta så länge på svar.",
    ),
    greet_late_email=(
        "Hej {name},\n\ntack för ditt mejl, och ursäkta att svaret har dröjt.",
        "Hej {name},\n\nTack för att du kontaktade oss. Vi ber om ursäkt för den långa "
        "svarstiden.",
        "Hej,\n\ntack för ditt tålamod, och förlåt att det har tagit så lång tid.",
    ),
    greet_again_email=("Hej igen {name},", "Hej igen,", "Hej {name},\n\ntack för ditt svar."),
    hold=(
        "Ett ögonblick så kollar jag.",
        "Jag kollar upp det, två sekunder!",
        "Ett litet ögonblick medan jag tittar på din order.",
        "Jag kollar det här åt dig nu.",
        "Ge mig ett par minuter så tar jag reda på det.",
        "Jag tar en titt, ett ögonblick.",
        "Ska se vad jag hittar!",
        "Ögonblick, jag letar upp ditt ärende.",
    ),
    close_chat=(
        "Ha en fin dag!",
        "Hör av dig om det är något mer jag kan hjälpa till med 😊",
        "Hör gärna av dig igen om du undrar något mer. Ha en bra dag!",
        "Är det något annat jag kan hjälpa dig med?",
        "Önskar dig en trevlig kväll!",
        "Säg till om det är något mer. Trevlig helg!",
        "Tack för ditt tålamod, och ha en fin dag!",
        "Lycka till, och ha det så bra!",
        "Hoppas det hjälper, ha en fin dag!",
    ),
    close_email=(
        "Hör gärna av dig igen om du har fler frågor.",
        "Hoppas att detta var till hjälp, och ha en fortsatt fin dag.",
        "Tveka inte att kontakta oss om det är något mer vi kan hjälpa dig med.",
        "Säg gärna till om något är oklart.",
        "Önskar dig en trevlig helg!",
        "Tack för ditt tålamod, och ha en fin dag.",
        "Du är varmt välkommen att svara på det här mejlet om du undrar något mer.",
        "Ha en fortsatt fin vecka!",
    ),
    signoff=("Med vänliga hälsningar", "Vänliga hälsningar", "Vänligen", "Hälsningar", "MVH"),
    team_signature=("Kundtjänst", "Kundservice", "Kundtjänst | Norrsken Hem AB"),
    no_close_end=(
        "Toppen!",
        "Okej 👍",
        "Då är det fixat.",
        "Så, nu är det registrerat på ordern.",
        "Perfekt.",
        "Så där, nu är det gjort.",
    ),
    customer_hello=("hej", "Hej!", "hallå", "Hej, jag har en fråga", "Hej, är det någon där?",
                    "hejhej"),
    customer_thanks=(
        "Toppen, tack!",
        "Tack så mycket!",
        "ok tack",
        "Super, tack för hjälpen",
        "Ah, jag förstår. Tack!",
        "Perfekt 👍",
        "Tack, det var det jag undrade",
        "Okej, då väntar jag på det. Tack!",
    ),
    customer_nudge=(
        "Hallå? Är det någon där?",
        "Hej igen, har ni hunnit titta på det här?",
        "Väntar fortfarande på svar",
        "?",
        "Hej, jag skickade ett meddelande tidigare idag och har inte fått något svar.",
        "Kan någon svara mig snart?",
    ),
    email_open=("Hej,", "Hej!", "Hallå,", "Hej kundtjänst,", "Till kundtjänst,", "Hej där,"),
    email_context=(
        "Jag har försökt hitta svar på er hemsida utan att lyckas.",
        "Hoppas att ni kan hjälpa mig med detta.",
        "Tacksam för snabbt svar.",
        "Ordernumret är {order}.",
        "Jag har varit kund hos er i många år och har aldrig varit med om det här förut.",
        "Jag försökte ringa men kom inte fram.",
    ),
    email_sign=("MVH\n{customer}", "Hälsningar {customer}", "Med vänliga hälsningar\n{customer}",
                "Tack på förhand!\n{customer}", "/{name}"),
    email_nudge=(
        "Hej igen,\n\nJag har inte fått något svar på mejlet nedan. Kan ni titta på ärendet?",
        "Hej,\n\nJag påminner om det här. Det har gått flera dagar utan svar.",
        "Hallå,\n\nHar ni fått mitt mejl? Jag väntar fortfarande på svar.",
    ),
    email_thanks=("Hej,\n\nTack så mycket för snabbt svar!", "Tack, då är jag nöjd.",
                  "Hej igen,\n\nToppen, tack för hjälpen."),
    quote_intro="Den {date} kl. {time} skrev {sender}:",
    weekdays=("måndag", "tisdag", "onsdag", "torsdag", "fredag"),
    months=("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
            "september", "oktober", "november", "december"),
    first_names=("Anna", "Erik", "Karin", "Lars", "Maja", "Oskar", "Elin", "Johan", "Sofia",
                 "Gustav", "Linnéa", "Björn", "Ebba", "Viktor"),
    surnames=("Lindqvist", "Johansson", "Andersson", "Karlsson", "Nilsson", "Eriksson",
              "Larsson", "Bergström", "Holm", "Sandberg", "Lundgren", "Öberg"),
    teams=("team-stockholm", "team-goteborg"),
    scenarios=(
        _s("delivery",
           "Var är mitt paket? Beställde för över en vecka sedan och har inte fått något.",
           "Paketet blev försenat eftersom det har varit väldigt hög belastning hos PostNord den "
           "här veckan. Det är nu på väg och ska vara framme hos dig senast på {day}.",
           "Kan jag hämta det hos ett annat ombud?",
           "Ja, du kan byta ombud via länken i sms:et från PostNord. Tryck på ”Ändra leverans” "
           "och välj det ombud som passar dig bäst."),
        _s("delivery",
           "hej, när kommer min beställning? det står bara ”behandlas” på order {order}",
           "Ordern står som under behandling eftersom en av varorna kom in på lagret först "
           "idag. Vi skickar allt tillsammans imorgon, och du får ett mejl med spårningsnummer "
           "när paketet är på väg.",
           "Vad händer om jag inte är hemma när det kommer?",
           "Då lämnas det hos ditt närmaste ombud och du får en avi via sms. Du har 14 dagar på "
           "dig att hämta det."),
        _s("refund",
           "Jag returnerade en jacka för två veckor sedan. När får jag tillbaka pengarna?",
           "Din retur kom in till vårt lager i {day}s, och återbetalningen är nu godkänd. "
           "Pengarna går tillbaka till kortet du betalade med, och det brukar ta 3–5 bankdagar "
           "innan de syns på kontot.",
           "Får jag tillbaka fraktkostnaden också?",
           "Ja, eftersom jackan var felaktig betalar vi även tillbaka frakten. Den kommer som en "
           "separat betalning, så du kommer att se två insättningar."),
        _s("refund",
           "Varför har jag inte fått någon återbetalning än? Skickade returen för länge sedan.",
           "Vi har tagit emot returen, men den väntar fortfarande på kontroll eftersom lagret "
           "har fått in väldigt många returer efter rean. När varan är kontrollerad skickar vi "
           "en bekräftelse via mejl och betalar tillbaka beloppet samma dag.",
           "Hur lång tid brukar kontrollen ta?",
           "Normalt två till tre arbetsdagar. Nu i januari kan det ta upp till en vecka, men du "
           "får ett mejl så fort den är klar."),
        _s("address",
           "Hur ändrar jag adressen på mitt konto? Jag har flyttat.",
           "Du kan ändra adressen själv under Mina sidor: logga in, gå till ”Profil” och välj "
           "”Ändra adress”. Den nya adressen används för alla beställningar från och med nu.",
           "Måste jag ändra faktureringsadressen också?",
           "Nej, faktureringsadressen följer leveransadressen om du inte har valt en egen, så "
           "den uppdateras automatiskt."),
        _s("address",
           "Jag har skrivit fel postnummer på order {order}, kan ni ändra det?",
           "Jag har rättat postnumret på ordern. Den är inte packad än, så den går till rätt "
           "adress när den skickas från lagret imorgon.",
           "Vad hade hänt om den redan hade skickats?",
           "Då hade PostNord skickat tillbaka den till oss, och vi hade skickat ut den igen till "
           "rätt adress utan extra kostnad."),
        _s("invoice",
           "Jag har blivit debiterad två gånger för samma order. Vad har hänt?",
           "Den ena dragningen är bara en reservation som banken gör när ordern läggs. Den "
           "försvinner automatiskt inom 5–7 bankdagar, så du debiteras bara en gång.",
           "Kan ni ta bort reservationen direkt?",
           "Tyvärr inte, det är banken som styr den. Om du ringer din bank kan de ofta släppa "
           "den samma dag."),
        _s("invoice",
           "Fick en påminnelse om en faktura som jag redan har betalat??",
           "Din betalning kom in samma dag som påminnelsen skickades, så de korsades. Jag har "
           "tagit bort påminnelseavgiften och du behöver inte göra något mer.",
           "Hur undviker jag att det händer igen?",
           "Om du lägger upp e-faktura eller autogiro i internetbanken betalas fakturan "
           "automatiskt på förfallodagen."),
        _s("login",
           "Jag kan inte logga in, det står att lösenordet är fel fast det är rätt.",
           "Ditt konto låstes efter för många försök, och det är därför inloggningen inte "
           "fungerar. Jag har låst upp det nu, så du kan logga in igen om ett par minuter.",
           "Måste jag byta lösenord nu?",
           "Det behövs inte, men vi rekommenderar det. Du gör det under ”Säkerhet” på Mina "
           "sidor, och då loggas du ut på dina andra enheter."),
        _s("login",
           "Har glömt lösenordet och får inget mejl när jag trycker på ”glömt lösenord”",
           "Mejlet med återställningslänken hamnar ofta i skräpposten. Kolla där först; hittar "
           "du det inte kan du logga in med BankID i stället och välja ett nytt lösenord "
           "efteråt.",
           "Hur länge gäller länken?",
           "Länken gäller i 24 timmar. Efter det får du begära en ny, men den fungerar på samma "
           "sätt."),
        _s("cancel",
           "Jag vill säga upp mitt abonnemang. Hur gör jag?",
           "Du kan säga upp när som helst under ”Abonnemang” på Mina sidor. Uppsägningen gäller "
           "från slutet av månaden, så du har kvar tillgången under perioden du redan har "
           "betalat för.",
           "Får jag en bekräftelse på uppsägningen?",
           "Ja, du får en bekräftelse via mejl några minuter efter att du har sagt upp."),
        _s("cancel",
           "Varför har jag dragits för ett abonnemang som jag sa upp förra månaden?",
           "Uppsägningen registrerades den 3:e, men dragningen för nästa period hade redan "
           "skickats till banken. Jag har därför betalat tillbaka beloppet, och det finns på "
           "ditt konto inom tre bankdagar.",
           "Kommer jag att dras igen nästa månad?",
           "Nej, abonnemanget är avslutat hos oss nu, så det blir inga fler dragningar."),
        _s("damaged",
           "Kaffebryggaren kom idag och vattentanken har en spricka 🙁",
           "Vad tråkigt! Vi skickar en ny vattentank utan kostnad. Den skickas från lagret "
           "imorgon och bör vara hos dig inom tre till fyra arbetsdagar.",
           "Måste jag skicka tillbaka den gamla?",
           "Nej, den kan du slänga. Det kostar mer att frakta tillbaka den än vad den är värd."),
        _s("damaged",
           "Varan jag fick är skadad. Vad gör jag nu?",
           "Ta en bild på skadan och ladda upp den under ”Reklamation” på din order på Mina "
           "sidor. När vi har fått bilden skickar vi en ny vara och en returetikett för den "
           "skadade.",
           "Kan jag få pengarna tillbaka i stället?",
           "Ja, det går bra. Då krediterar vi hela beloppet när vi har tagit emot returen, och "
           "du får en bekräftelse via mejl."),
        _s("booking",
           "Kan jag flytta min tid på torsdag till nästa vecka?",
           "Det går bra! Jag har flyttat din tid till tisdag kl. 10.15, och du får en ny "
           "bekräftelse via sms om en liten stund.",
           "Får jag en påminnelse innan?",
           "Ja, du får ett sms dagen innan med adressen och vad du ska ta med dig."),
        _s("booking",
           "Vad kostar det att ändra datum på min flygbiljett? Bokningsnummer {ref}.",
           "Ändringen kostar 450 kronor eftersom biljetten är en Lågpris-biljett. Du kan göra "
           "det själv under ”Mina resor” genom att välja resan och trycka på ”Ändra”, och "
           "prisskillnaden dras automatiskt.",
           "Och om jag hellre vill avboka?",
           "Då får du tillbaka skatter och avgifter, men inte själva biljettpriset, eftersom "
           "Lågpris-biljetter inte är återbetalningsbara."),
    ),
)

# --- Danish --------------------------------------------------------------------------------

DA = Phrases(
    greet_chat=(
        "Hej {name}!",
        "Hej {name}, tak fordi du kontakter os!",
        "Hej, og tak for din henvendelse.",
        "Hej {name} 😊",
        "Hej! Tak for din besked.",
        "Hejsa {name}, tak fordi du skriver til os!",
        "Hej hej! Tak for din henvendelse.",
        "Tak for din besked, {name}!",
        "Hej {name}, godt at du tog fat i os.",
    ),
    greet_morning=("Godmorgen {name}!", "Godmorgen, og tak for din besked!"),
    greet_email=(
        "Hej {name},\n\nTak for din mail.",
        "Kære {name},\n\ntak for din henvendelse.",
        "Hej,\n\nog tak fordi du har kontaktet os.",
        "Hej {name}!\n\nTak for din besked.",
        "Hej {name},",
        "Kære {name}\n\nMange tak for din mail.",
        "Hej {name},\n\nTak fordi du skrev til vores kundeservice.",
        "Goddag,\n\nog tak for din mail.",
        "Tak for din henvendelse, {name}.",
    ),
    greet_late=(
        "Hej {name}, undskyld at du har måttet vente!",
        "Hej {name}! Beklager at der gik lidt tid, før vi svarede.",
        "Hej, tak for din henvendelse – og beklager ventetiden.",
        "Hej {name}, tak for din besked, og undskyld det sene svar.",
        "Hej! Beklager at du har ventet så længe på svar.",
    ),
    greet_late_email=(
        "Hej {name},\n\ntak for din mail, og beklager at du har måttet vente på svar.",
        "Kære {name},\n\nTak for din henvendelse. Vi beklager den lange svartid.",
        "Hej,\n\ntak for din tålmodighed, og undskyld at der er gået så lang tid.",
    ),
    greet_again_email=("Hej igen {name},", "Hej igen,", "Hej {name},\n\ntak for dit svar."),
    hold=(
        "Et øjeblik, jeg kigger lige på det.",
        "Jeg tjekker det lige, to sekunder!",
        "Et lille øjeblik, mens jeg kigger på din ordre.",
        "Jeg undersøger det for dig nu.",
        "Giv mig et par minutter, så finder jeg ud af det.",
        "Jeg tager et kig, et øjeblik.",
        "Lad mig lige se, hvad jeg kan finde!",
        "Øjeblik, jeg slår din sag op.",
    ),
    close_chat=(
        "Hav en god dag!",
        "Sig til, hvis der er andet, jeg kan hjælpe med 😊",
        "Du er velkommen til at skrive igen, hvis du har flere spørgsmål. Hav en god dag!",
        "Er der andet, jeg kan hjælpe dig med?",
        "Ønsker dig en god aften!",
        "Bare skriv, hvis der er mere. God weekend!",
        "Tak for din tålmodighed, og hav en god dag!",
        "Held og lykke, og hav det godt!",
        "Håber det hjælper, hav en dejlig dag!",
    ),
    close_email=(
        "Du er velkommen til at kontakte os igen, hvis du har flere spørgsmål.",
        "Jeg håber, det hjalp, og ønsker dig en fortsat god dag.",
        "Tøv ikke med at kontakte os, hvis der er mere, vi kan hjælpe med.",
        "Sig endelig til, hvis noget er uklart.",
        "Ønsker dig en god weekend!",
        "Tak for din tålmodighed, og hav en god dag.",
        "Du er meget velkommen til at svare på denne mail, hvis du har flere spørgsmål.",
        "Hav en fortsat god uge!",
    ),
    signoff=("Med venlig hilsen", "Venlig hilsen", "Mvh.", "Hilsen", "De bedste hilsner"),
    team_signature=("Kundeservice", "Kundecenter", "Kundeservice | Havgaard Bolig A/S"),
    no_close_end=(
        "Super!",
        "Okay 👍",
        "Så er det ordnet.",
        "Så er det noteret på ordren.",
        "Fint.",
        "Sådan, nu er det gjort.",
    ),
    customer_hello=("hej", "Hej!", "hallo", "Hej, jeg har et spørgsmål", "Hej, er der nogen?",
                    "hejsa"),
    customer_thanks=(
        "Super, tak!",
        "Mange tak!",
        "ok tak",
        "Fedt, tak for hjælpen",
        "Ah, forstået. Tak!",
        "Perfekt 👍",
        "Tak, det var det, jeg ville vide",
        "Okay, så venter jeg på det. Tak!",
    ),
    customer_nudge=(
        "Hallo? Er der nogen?",
        "Hej igen, har I nået at kigge på det?",
        "Venter stadig på svar",
        "?",
        "Hej, jeg skrev tidligere i dag og har ikke fået svar.",
        "Kan nogen svare mig snart?",
    ),
    email_open=("Hej,", "Hej!", "Hejsa,", "Hej kundeservice,", "Til kundeservice,", "Goddag,"),
    email_context=(
        "Jeg har prøvet at finde svar på jeres hjemmeside uden held.",
        "Håber I kan hjælpe mig med det.",
        "Jeg vil sætte pris på et hurtigt svar.",
        "Ordrenummeret er {order}.",
        "Jeg har været kunde hos jer i mange år og har aldrig oplevet det før.",
        "Jeg prøvede at ringe, men kom ikke igennem.",
    ),
    email_sign=("Mvh.\n{customer}", "Hilsen {customer}", "Med venlig hilsen\n{customer}",
                "På forhånd tak!\n{customer}", "{name}"),
    email_nudge=(
        "Hej igen,\n\nJeg har ikke fået svar på mailen herunder. Kan I se på sagen?",
        "Hej,\n\nJeg rykker lige for svar. Der er gået flere dage.",
        "Hallo,\n\nHar I modtaget min mail? Jeg venter stadig på svar.",
    ),
    email_thanks=("Hej,\n\nMange tak for det hurtige svar!", "Tak, så er jeg tilfreds.",
                  "Hej igen,\n\nSuper, tak for hjælpen."),
    quote_intro="Den {date} kl. {time} skrev {sender}:",
    weekdays=("mandag", "tirsdag", "onsdag", "torsdag", "fredag"),
    months=("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
            "september", "oktober", "november", "december"),
    first_names=("Mette", "Søren", "Anne", "Rasmus", "Line", "Mads", "Camilla", "Jesper",
                 "Freja", "Frederik", "Sofie", "Niels", "Ida", "Kasper"),
    surnames=("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
              "Sørensen", "Rasmussen", "Kjær", "Holm", "Møller"),
    teams=("team-kobenhavn", "team-aarhus"),
    scenarios=(
        _s("delivery",
           "Hvor er min pakke? Jeg bestilte for over en uge siden og har ikke fået noget.",
           "Pakken er blevet forsinket, fordi der har været ekstra travlt hos PostNord i denne "
           "uge. Den er nu på vej og burde være fremme hos dig senest {day}.",
           "Kan jeg hente den i en anden pakkeshop?",
           "Ja, du kan skifte pakkeshop via linket i sms'en fra PostNord. Tryk på »Skift "
           "leveringssted«, og vælg den, der passer dig bedst."),
        _s("delivery",
           "hej, hvornår kommer min bestilling? der står bare »under behandling« på ordre "
           "{order}",
           "Ordren står som under behandling, fordi en af varerne først kom på lager i dag. Vi "
           "sender det hele samlet i morgen, og du får en mail med trackingnummer, når pakken er "
           "på vej.",
           "Hvad sker der, hvis jeg ikke er hjemme, når den kommer?",
           "Så bliver den leveret i din nærmeste pakkeshop, og du får besked på sms. Du har 14 "
           "dage til at hente den."),
        _s("refund",
           "Jeg returnerede en jakke for to uger siden. Hvornår får jeg pengene tilbage?",
           "Din returvare kom ind på vores lager {day}, og refunderingen er nu godkendt. Beløbet "
           "går tilbage til det kort, du betalte med, og der går typisk 3–5 bankdage, før du "
           "kan se det på kontoen.",
           "Får jeg også fragten refunderet?",
           "Ja, fordi jakken var defekt, refunderer vi også fragten. Det kommer som et separat "
           "beløb, så du vil se to indbetalinger."),
        _s("refund",
           "Hvorfor har jeg ikke fået mine penge tilbage endnu? Sendte returen for længe siden.",
           "Vi har modtaget returen, men den venter stadig på kontrol, fordi lageret har fået "
           "rigtig mange returneringer efter udsalget. Når varen er kontrolleret, sender vi en "
           "bekræftelse på mail og refunderer beløbet samme dag.",
           "Hvor lang tid tager kontrollen normalt?",
           "Normalt to til tre hverdage. Her i januar kan det tage op til en uge, men du får en "
           "mail, så snart den er færdig."),
        _s("address",
           "Hvordan ændrer jeg adressen på min konto? Jeg er flyttet.",
           "Du kan selv ændre adressen under Min side: log ind, gå til »Profil«, og vælg »Ret "
           "adresse«. Den nye adresse bruges på alle bestillinger fremover.",
           "Skal jeg også ændre faktureringsadressen?",
           "Nej, faktureringsadressen følger leveringsadressen, medmindre du har valgt en anden, "
           "så den opdateres automatisk."),
        _s("address",
           "Jeg har skrevet forkert postnummer på ordre {order}, kan I rette det?",
           "Jeg har rettet postnummeret på ordren. Den er ikke pakket endnu, så den bliver sendt "
           "til den rigtige adresse, når den forlader lageret i morgen.",
           "Hvad hvis den allerede var blevet sendt?",
           "Så ville PostNord have sendt den retur til os, og vi ville have sendt den igen til "
           "den rigtige adresse uden ekstra omkostninger for dig."),
        _s("invoice",
           "Jeg er blevet trukket to gange for den samme ordre. Hvad er der sket?",
           "Det ene træk er kun en reservation, som banken laver, når ordren oprettes. Den "
           "forsvinder automatisk inden for 5–7 bankdage, så du bliver kun trukket én gang.",
           "Kan I fjerne reservationen med det samme?",
           "Det kan vi desværre ikke, for det er banken, der styrer den. Hvis du ringer til din "
           "bank, kan de ofte frigive den samme dag."),
        _s("invoice",
           "Har fået en rykker for en regning, jeg har betalt??",
           "Din indbetaling kom ind samme dag, som rykkeren blev sendt, så de har krydset "
           "hinanden. Jeg har fjernet rykkergebyret, og du skal ikke gøre mere.",
           "Hvordan undgår jeg, at det sker igen?",
           "Hvis du tilmelder regningen til Betalingsservice, bliver den betalt automatisk på "
           "forfaldsdatoen."),
        _s("login",
           "Jeg kan ikke logge ind, den siger, at adgangskoden er forkert, selvom den er rigtig.",
           "Din konto blev spærret efter for mange forsøg, og derfor virker login ikke. Jeg har "
           "låst den op nu, så du kan logge ind igen om et par minutter.",
           "Skal jeg skifte adgangskode nu?",
           "Det er ikke nødvendigt, men vi anbefaler det. Du gør det under »Sikkerhed« på Min "
           "side, og så bliver du logget ud på dine andre enheder."),
        _s("login",
           "Har glemt min adgangskode og får ingen mail, når jeg trykker på »glemt adgangskode«",
           "Mailen med linket til at nulstille adgangskoden havner tit i spam. Kig der først; "
           "hvis du ikke kan finde den, kan du logge ind med MitID i stedet og vælge en ny "
           "adgangskode bagefter.",
           "Hvor længe virker linket?",
           "Linket gælder i 24 timer. Derefter skal du bede om et nyt, men det virker på samme "
           "måde."),
        _s("cancel",
           "Jeg vil gerne opsige mit abonnement. Hvordan gør jeg det?",
           "Du kan opsige når som helst under »Abonnement« på Min side. Opsigelsen gælder fra "
           "udgangen af måneden, så du beholder adgangen i den periode, du har betalt for.",
           "Får jeg en bekræftelse på opsigelsen?",
           "Ja, du får en bekræftelse på mail et par minutter efter, at du har opsagt."),
        _s("cancel",
           "Hvorfor er jeg blevet trukket for et abonnement, jeg opsagde sidste måned?",
           "Opsigelsen blev registreret den 3., men trækket for næste periode var allerede sendt "
           "til banken. Jeg har derfor refunderet beløbet, og det står på din konto inden for "
           "tre bankdage.",
           "Bliver jeg trukket igen næste måned?",
           "Nej, abonnementet er lukket hos os nu, så der kommer ikke flere træk."),
        _s("damaged",
           "Kaffemaskinen kom i dag, og vandtanken har en revne 🙁",
           "Det var ærgerligt! Vi sender dig en ny vandtank uden beregning. Den bliver sendt fra "
           "lageret i morgen og burde være hos dig inden for tre-fire hverdage.",
           "Skal jeg sende den gamle retur?",
           "Nej, den kan du bare smide ud. Det koster mere at fragte den tilbage, end den er "
           "værd."),
        _s("damaged",
           "Varen, jeg har modtaget, er beskadiget. Hvad gør jeg nu?",
           "Tag et billede af skaden, og upload det under »Reklamation« på din ordre på Min side. "
           "Når vi har fået billedet, sender vi en ny vare og en returlabel til den "
           "beskadigede.",
           "Kan jeg få pengene tilbage i stedet?",
           "Ja, det kan sagtens lade sig gøre. Så krediterer vi hele beløbet, når vi har "
           "modtaget returen, og du får en bekræftelse på mail."),
        _s("booking",
           "Kan jeg flytte min tid på torsdag til næste uge?",
           "Det kan sagtens lade sig gøre! Jeg har flyttet din tid til tirsdag kl. 10.15, og du "
           "får en ny bekræftelse på sms om lidt.",
           "Får jeg en påmindelse inden?",
           "Ja, du får en sms dagen før med adressen, og hvad du skal have med."),
        _s("booking",
           "Hvad koster det at ændre datoen på min flybillet? Bookingnummer {ref}.",
           "Ændringen koster 450 kr., fordi billetten er en Basic-billet. Du kan selv gøre det "
           "under »Mine rejser« ved at vælge rejsen og trykke »Ændr«, og prisforskellen bliver "
           "trukket automatisk.",
           "Hvad hvis jeg hellere vil afbestille?",
           "Så får du skatter og afgifter refunderet, men ikke selve billetprisen, da "
           "Basic-billetter ikke kan refunderes."),
    ),
)

# --- English (UK and Ireland) ------------------------------------------------------------

EN = Phrases(
    greet_chat=(
        "Hi {name}!",
        "Hi {name}, thanks for getting in touch!",
        "Hello, and thanks for contacting us.",
        "Hi {name} 😊",
        "Hi there! Thanks for your message.",
        "Hello {name}, thanks for reaching out!",
        "Hiya! Thanks for messaging us.",
        "Thanks for your message, {name}!",
        "Hi {name}, good to hear from you.",
    ),
    greet_morning=("Good morning {name}!", "Morning! Thanks for your message."),
    greet_email=(
        "Hi {name},\n\nThank you for your email.",
        "Dear {name},\n\nThank you for contacting us.",
        "Hello,\n\nand thank you for getting in touch.",
        "Hi {name},\n\nThanks for your message.",
        "Hi {name},",
        "Dear {name},\n\nMany thanks for your email.",
        "Hello {name},\n\nThank you for writing to our customer service team.",
        "Good afternoon,\n\nand thank you for your email.",
        "Thanks for getting in touch, {name}.",
    ),
    greet_late=(
        "Hi {name}, sorry for the wait!",
        "Hi {name}! Apologies for taking a while to get back to you.",
        "Hello, thanks for getting in touch – and sorry you've had to wait.",
        "Hi {name}, thanks for your message, and apologies for the slow reply.",
        "Hi there! Sorry you've been waiting so long for a reply.",
    ),
    greet_late_email=(
        "Hi {name},\n\nThank you for your email, and apologies for the delay in getting back "
        "to you.",
        "Dear {name},\n\nThank you for contacting us. I'm sorry it has taken us so long to "
        "reply.",
        "Hello,\n\nThank you for your patience, and sorry for the long wait.",
    ),
    greet_again_email=("Hi again {name},", "Hello again,",
                       "Hi {name},\n\nThanks for coming back to us."),
    hold=(
        "Bear with me a moment while I check.",
        "Let me look into that for you, two ticks!",
        "One moment while I pull up your order.",
        "I'm just checking that for you now.",
        "Give me a couple of minutes and I'll find out.",
        "I'll take a look, one sec.",
        "Just checking on my end!",
        "Bear with me, I'm looking up your account.",
    ),
    close_chat=(
        "Have a lovely day!",
        "Let me know if there's anything else I can help with 😊",
        "Feel free to get back in touch if you have any other questions. Have a great day!",
        "Is there anything else I can help you with?",
        "Have a good evening!",
        "Just shout if you need anything else. Have a nice weekend!",
        "Thanks for your patience, and have a great day!",
        "Good luck, and take care!",
        "Hope that helps, have a good one!",
    ),
    close_email=(
        "Please don't hesitate to get in touch if you have any further questions.",
        "I hope this helps, and have a lovely rest of your day.",
        "If there's anything else we can help with, just reply to this email.",
        "Do let us know if anything is unclear.",
        "Wishing you a lovely weekend!",
        "Thank you for your patience, and have a great day.",
        "You're very welcome to contact us again if anything else comes up.",
        "Have a great rest of the week!",
    ),
    signoff=("Kind regards", "Best regards", "Many thanks", "Best wishes", "Regards"),
    team_signature=("Customer Service", "Customer Care Team",
                    "Customer Service | Harbourside Home Ltd"),
    no_close_end=(
        "Great 👍",
        "Perfect!",
        "That's all sorted now.",
        "OK, that's noted on the order.",
        "Brilliant.",
        "There we go, all done.",
    ),
    customer_hello=("hi", "Hello!", "hiya", "Hi, I have a question", "Hi, is anyone there?",
                    "hello?"),
    customer_thanks=(
        "Great, thanks!",
        "Thank you so much!",
        "ok thanks",
        "Brilliant, thanks for your help",
        "Ah, I see. Thanks!",
        "Perfect 👍",
        "Thanks, that's what I needed to know",
        "OK, I'll wait for that then. Cheers!",
    ),
    customer_nudge=(
        "Hello? Is anyone there?",
        "Hi again, have you had a chance to look at this?",
        "Still waiting for a reply",
        "?",
        "Hi, I sent a message earlier today and haven't heard back.",
        "Could someone get back to me soon please?",
    ),
    email_open=("Hi,", "Hello,", "Hi there,", "Dear Customer Services,",
                "To whom it may concern,", "Hiya,"),
    email_context=(
        "I've tried to find the answer on your website but had no luck.",
        "I hope you can help with this.",
        "I'd appreciate a quick reply.",
        "My order number is {order}.",
        "I've been a customer for years and this has never happened before.",
        "I tried to ring but couldn't get through.",
    ),
    email_sign=("Thanks\n{customer}", "Regards,\n{customer}", "Kind regards,\n{customer}",
                "Thanks in advance!\n{customer}", "{name}"),
    email_nudge=(
        "Hi again,\n\nI haven't had a reply to my email below. Could you please look into it?",
        "Hello,\n\nJust chasing this up, as it's been a few days without a response.",
        "Hi,\n\nHave you received my email? I'm still waiting to hear back.",
    ),
    email_thanks=("Hi,\n\nThanks very much for the quick reply!", "Thanks, that's great.",
                  "Hi again,\n\nBrilliant, thanks for your help."),
    quote_intro="On {date} at {time}, {sender} wrote:",
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    months=("January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December"),
    first_names=("Emma", "James", "Sophie", "Oliver", "Hannah", "Callum", "Chloe", "Rhys",
                 "Aisling", "Fiona", "Harry", "Megan", "Siobhan", "Dylan"),
    surnames=("Clarke", "Walker", "Thompson", "Evans", "Murphy", "Hughes", "Campbell", "O'Brien",
              "Patel", "Wright", "Davies", "Kelly"),
    teams=("team-dublin", "team-manchester"),
    scenarios=(
        _s("delivery",
           "Where's my parcel? I ordered over a week ago and nothing's turned up.",
           "Your parcel was delayed because Royal Mail have had a backlog at their sorting "
           "office this week. It's on its way now and should be with you by {day}.",
           "Can I collect it from somewhere else instead?",
           "Yes, you can choose a different collection point using the link in the tracking "
           "text. Tap 'Change delivery' and pick whichever is most convenient."),
        _s("delivery",
           "hi, when is my order coming? it just says 'processing' on order {order}",
           "Your order is still showing as processing because one of the items only came into "
           "stock today. We'll send everything together tomorrow, and you'll get an email with a "
           "tracking number as soon as it's dispatched.",
           "What happens if I'm not in when it arrives?",
           "The courier will leave it at your nearest collection point and text you a "
           "collection code. It'll be held there for 14 days."),
        _s("refund",
           "I sent a jacket back two weeks ago. When will I get my money back?",
           "Your return reached our warehouse on {day} and the refund has now been approved. It "
           "goes back to the card you paid with, and it usually takes 3–5 working days to show "
           "in your account.",
           "Will I get the postage back as well?",
           "Yes, as the jacket was faulty we'll refund the postage too. It comes through as a "
           "separate payment, so you'll see two amounts."),
        _s("refund",
           "Why haven't I had my refund yet? I sent the return ages ago.",
           "We've received your return, but it's still waiting to be checked because the "
           "warehouse has had a huge number of returns since the sale. Once it's been checked "
           "we'll email you a confirmation and refund you the same day.",
           "How long does the check normally take?",
           "Usually two to three working days. It can take up to a week in January, but you'll "
           "get an email as soon as it's done."),
        _s("address",
           "How do I change the address on my account? I've moved house.",
           "You can update it yourself under My Account: log in, go to 'Profile' and choose "
           "'Edit address'. The new address will be used for all orders from now on.",
           "Do I need to change the billing address as well?",
           "No, the billing address follows the delivery address unless you've set a separate "
           "one, so it updates automatically."),
        _s("address",
           "I put the wrong postcode on order {order}, can you fix it?",
           "I've corrected the postcode on your order. It hasn't been packed yet, so it'll go to "
           "the right address when it leaves the warehouse tomorrow.",
           "What would have happened if it had already gone out?",
           "The courier would have returned it to us, and we'd have sent it back out to the "
           "right address at no extra cost to you."),
        _s("invoice",
           "I've been charged twice for the same order. What's going on?",
           "One of the charges is only a pre-authorisation that your bank places when the order "
           "is created. It drops off automatically within 5–7 working days, so you'll only pay "
           "once.",
           "Can you cancel the pre-authorisation straight away?",
           "Unfortunately not, as it's controlled by your bank. If you give them a ring, they "
           "can often release it the same day."),
        _s("invoice",
           "Got a reminder for a bill I've already paid??",
           "Your payment came in on the same day the reminder went out, so they crossed in the "
           "post. I've removed the late fee, and there's nothing more you need to do.",
           "How do I stop that happening again?",
           "If you set up a Direct Debit under 'Payments' in your account, your bills will be "
           "paid automatically on the due date."),
        _s("login",
           "I can't log in, it keeps saying my password is wrong but it isn't.",
           "Your account was locked after too many attempts, which is why you couldn't log in. "
           "I've unlocked it now, so you'll be able to sign in again in a couple of minutes.",
           "Do I need to change my password?",
           "You don't have to, but we'd recommend it. You can do it under 'Security' in your "
           "account, and you'll then be signed out on your other devices."),
        _s("login",
           "Forgotten my password and I'm not getting the reset email",
           "The reset email often ends up in the spam or junk folder, so have a look there "
           "first. If it isn't there, tap 'Forgotten password' again and I'll send a new link "
           "manually.",
           "How long does the link last?",
           "The link is valid for 24 hours. After that you'll need to request a new one, but it "
           "works the same way."),
        _s("cancel",
           "I'd like to cancel my subscription. How do I do that?",
           "You can cancel at any time under 'Subscription' in your account. The cancellation "
           "takes effect at the end of the month, so you'll keep access for the period you've "
           "already paid for.",
           "Will I get a confirmation that it's cancelled?",
           "Yes, you'll get a confirmation email a few minutes after you cancel."),
        _s("cancel",
           "Why have I been charged for a subscription I cancelled last month?",
           "Your cancellation was logged on the 3rd, but the payment for the next period had "
           "already been sent to the bank. I've refunded it, and it should be back in your "
           "account within three working days.",
           "Will I be charged again next month?",
           "No, the subscription is closed on our side now, so there won't be any more "
           "payments."),
        _s("damaged",
           "The coffee machine arrived today and the water tank is cracked 🙁",
           "Oh no, sorry about that! We'll send you a replacement water tank free of charge. "
           "It'll leave our warehouse tomorrow and should be with you within three to four "
           "working days.",
           "Do I need to send the old one back?",
           "No, you can just recycle it. It costs more to ship it back than it's worth."),
        _s("damaged",
           "The item I received is damaged. What should I do?",
           "Take a photo of the damage and upload it under 'Report a problem' on your order in "
           "My Account. Once we have the photo, we'll send a replacement and a returns label for "
           "the damaged one.",
           "Could I get a refund instead?",
           "Yes, that's absolutely fine. We'll refund the full amount once the return reaches "
           "us, and you'll get a confirmation by email."),
        _s("booking",
           "Can I move my appointment on Thursday to next week?",
           "That's no problem! I've moved your appointment to Tuesday at 10:15, and you'll get a "
           "new confirmation by text shortly.",
           "Will I get a reminder before?",
           "Yes, you'll get a text the day before with the address and what to bring."),
        _s("booking",
           "How much does it cost to change the date on my flight? Booking ref {ref}.",
           "The change costs £45 because your ticket is a Saver fare. You can do it yourself "
           "under 'Manage booking' by selecting the trip and choosing 'Change', and any fare "
           "difference is charged automatically.",
           "What if I'd rather cancel?",
           "Then you'll get the taxes and charges back, but not the fare itself, as Saver fares "
           "are non-refundable."),
    ),
)

PHRASES: dict[str, Phrases] = {"nb": NB, "nn": NN, "sv": SV, "da": DA, "en": EN}
