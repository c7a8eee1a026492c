"""The words around a personal name: what opens a context that introduces one (greetings,
sign-offs, introductions, labels, titles, relations) and the words that follow such a
context without being a name. One home for these lists, so a rule reads them, never a copy.

Alternations are regex source (`|`-separated, `\\s+` between words); the plain word
sets are whitespace-separated text.
"""

from __future__ import annotations

GREETING = (
    r"hei|heisann|hallo|hello|hi|hey|hej|hejsan|hallå|tjena|tjenare|morn|moin|god\s+morgen"
    r"|god\s+morgon|god\s+dag|goddag|godmorgen|god\s+kveld|god\s+aften|good\s+morning"
    r"|good\s+afternoon|good\s+evening|dear|kjære|kære|käre|kära|bästa|hei\s+igjen"
    r"|hej\s+igen|hei\s+og\s+takk|hej\s+och\s+tack|hi\s+again|takk|tack|tak|thanks"
    r"|thank\s+you|tusen\s+takk|mange\s+takk|tusen\s+tack|mange\s+tak|velkommen|välkommen"
    r"|bures|buorre\s+beaivi"
)
SIGNOFF = (
    r"med\s+vennlig\s+hilsen|vennlig\s+hilsen|vennlige\s+hilsener|med\s+venleg\s+helsing"
    r"|venleg\s+helsing|helsing|beste\s+hilsen|hilsen|hilsener|mvh|m\.v\.h\.?|vh|bh"
    r"|med\s+vänliga\s+hälsningar|med\s+vänlig\s+hälsning|vänliga\s+hälsningar"
    r"|vänlig\s+hälsning|bästa\s+hälsningar|hälsningar|hälsning|med\s+venlig\s+hilsen"
    r"|venlig\s+hilsen|venlige\s+hilsner|kærlig\s+hilsen|kjærlig\s+hilsen|de\s+bedste"
    r"\s+hilsner|bedste\s+hilsner|hilsner|kind\s+regards|best\s+regards|warm\s+regards"
    r"|warmest\s+regards|regards|best\s+wishes|yours\s+sincerely|yours\s+faithfully"
    r"|yours\s+truly|sincerely|all\s+the\s+best|på\s+vegne\s+av|on\s+behalf\s+of"
)
#: Sign-offs that are also ordinary words: the name must end its line or sentence.
SIGNOFF_WEAK = (
    r"takk|tack|tak|thanks|thank\s+you|cheers|best|ha\s+en\s+fin\s+dag|ha\s+det\s+bra"
    r"|ha\s+en\s+bra\s+dag|hav\s+en\s+god\s+dag|have\s+a\s+nice\s+day|have\s+a\s+great\s+day"
    r"|kh|allt\s+gott|speak\s+soon|warm\s+wishes|take\s+care|ha\s+det|hej\s+då|vi\s+ses"
)
INTRO = (
    r"jeg\s+heter|eg\s+heiter|eg\s+heter|jag\s+heter|jeg\s+hedder|mitt\s+navn\s+er"
    r"|mitt\s+namn\s+er|mitt\s+namn\s+är|mit\s+navn\s+er|my\s+name\s+is|name\s+is"
    r"|du\s+snakker\s+med|du\s+snakkar\s+med|du\s+pratar\s+med|du\s+chattar\s+med"
    r"|du\s+chatter\s+med|du\s+taler\s+med|du\s+skriver\s+med|you\s+are\s+chatting\s+with"
    r"|you're\s+chatting\s+with|you\s+are\s+speaking\s+with|you're\s+speaking\s+with"
    r"|c/o|v/|snakket\s+med|pratade\s+med|talte\s+med|spoke\s+to|spoke\s+with"
    r"|heter|heiter|hedder|is\s+called|is\s+named|named"
    r"|dette\s+er|det\s+er|det\s+är|detta\s+är|eg\s+er|jeg\s+er|jag\s+är|this\s+is|it's"
    r"|it\s+is|här\s+är|her\s+er|snakka\s+med|snakkar\s+med|talking\s+to|talked\s+to"
    r"|pratat\s+med|pratar\s+med|snakker\s+med|talt\s+med|taler\s+med|spør\s+etter"
    r"|spør\s+etter\s+meg|fråga\s+efter|ask\s+for|navnet\s+er|namnet\s+er|namnet\s+är"
    r"|navnet\s+mitt\s+er|namnet\s+mitt\s+er|kontaktperson\s+er|kontaktpersonen\s+er"
    r"|kontaktperson\s+är|kontaktpersonen\s+är|kontaktperson\s+blir|kontaktperson\s+bliver"
    r"|your\s+contact\s+is|contact\s+person\s+is|your\s+case\s+handler\s+is"
)
#: Introductions after which nothing but a name can follow: here the name may be typed in
#: lower case and run over several words ("jeg heter kari-anne bakken og …").
INTRO_STRONG = (
    r"jeg\s+heter|eg\s+heiter|eg\s+heter|jag\s+heter|jeg\s+hedder|mitt\s+navn\s+er"
    r"|mitt\s+namn\s+er|mitt\s+namn\s+är|mit\s+navn\s+er|my\s+name\s+is|navnet\s+mitt\s+er"
    r"|namnet\s+mitt\s+er|namnet\s+er|navnet\s+er|namnet\s+är|name['’]s|names"
)
#: Lower-case words that end a name typed after a strong introduction ("… heter ola og
#: bor …", "… is john smith and …"), besides NOT_NAMES and NOT_OWNED.
LOWER_STOP_TEXT = """
har hadde hade havde has had have bor bur lives live skal ska shall will vil vill would kan
can kunne could må maa must trenger treng behöver behøver need needs ringer ringde skriver
writing write ønsker önskar ønsker want wants feil fel forkert wrong riktig rett rätt
korrekt correct endret endra ændret ändrat changed stavet stava stavat spelt spelled også
ogso också også also too btw tlf tel mob mobil telefon phone nr nummer number kundenr
"""
LOWER_STOP = frozenset(LOWER_STOP_TEXT.split())
#: Labels that name a person only when a colon (or dot) follows: "Navn: …", "Att: …".
LABEL = (
    r"navn|namn|name|full\s+name|fullt\s+navn|kontaktperson|contact\s+person|kunde|kund"
    r"|customer|mottaker|mottagare|modtager|recipient|att|attn|avsender|avsändare|afsender"
    r"|sender|from|fra|från|til|till|to|kontakt|contact|kundenavn|kundnamn|kundenavn"
    r"|handläggare|handläggaren|saksbehandler|saksbehandlar|sagsbehandler|case\s+handler"
    r"|caseworker|case\s+worker|rådgiver|rådgivare|rådgjevar|adviser|advisor|tekniker"
    r"|technician|montør|montör|agent|ansvarlig|ansvarig|behandler"
)
TITLE = r"mr|mrs|ms|miss|mx|dr|herr|hr|fru|frk|frøken|fröken|madam|sir"
#: Words for a person close to the writer (or the customer, said by an agent): a
#: capitalised word right after one ("min mann Geir", "kona mi, Synnøve", "my husband
#: Dave", "Kunden Mona Ruud") names that person.
RELATION = (
    r"mann|mannen|kone|kona|konen|hustru|hustrun|frua|sambo|samboer|samboeren|sambuar"
    r"|kjæreste|kæreste|pojkvän|flickvän|partneren|husband|wife|boyfriend|girlfriend"
    r"|sønn|sønnen|sonen|søn|datter|dattera|datteren|dotter|dottera|dottern|daughter"
    r"|mamma|mammaen|pappa|pappaen|mum|mom|mother|father|dad|bror|broren|brother|søster"
    r"|søsteren|syster|systern|sister|svigermor|svigerfar|kollega|kollegaen|kollegan"
    r"|kollegen|colleague|nabo|naboen|granne|grannen|neighbour|neighbor|kunden|kunde"
    r"|customer|klienten|brukeren|svoger|svogeren|svägerska|svåger|svigerinne|svigerinde"
    r"|selgeren|seljar|seljaren|säljare|säljaren|sælgeren|rådgiver|rådgiveren"
    r"|rådgjevar|rådgjevaren|rådgivare|rådgivaren|tekniker|teknikeren|teknikern|montør"
    r"|montøren|montör|montören|sjåfør|sjåføren|chaufför|chauffören|chauffør|chaufføren"
    r"|saksbehandler|saksbehandleren|handläggare|handläggaren|sagsbehandler|sagsbehandleren"
    r"|adviser|advisor|technician|engineer|salesman|saleswoman|representative"
    r"|familien|familjen|familie|familj|family|barna|barnen|børnene|ungene|ungane|children"
    r"|kids|kompis|kompisen|kamerat|kameraten|venn|vennen|venninne|venninna|veninde|väninna"
    r"|väninnan|vännen|friend|mate|modparten|motparten|motparta|counterparty|vaktmester"
    r"|vaktmesteren|vaktmeister|vicevært|viceværten|fastighetsskötare|fastighetsskötaren"
    r"|jourfastighetsskötare|vaktmästare|vaktmästaren|caretaker|janitor|lege|legen"
    r"|doktor|doktoren|läkare|läkaren|læge|lægen|tannlege|tandlæge|tandläkare|sykepleier"
    r"|sjuksköterska|sygeplejerske|nurse|doctor|fysioterapeut|fysioterapeuten|megler"
    r"|megleren|mäklare|mäklaren|mægler|mægleren|agenten|utleier|utleieren|hyresvärd"
    r"|hyresvärden|udlejer|udlejeren|landlord|letting\s+agent|practitioner|sykepleieren"
    r"|sjuksköterskan|sygeplejersken"
)
#: Relations that are also other words ("so far Sweden", "user Admin"): only with a
#: possessive ("min far Olav", "far min Olav", "my son Jack").
RELATION_WEAK = (r"far|faren|mor|moren|mora|son|man|partner|user|client|bruker|driver|agent"
                 r"|selger|sælger")
OWNER = (r"min|mi|mitt|my|our|vår|din|your|his|her|hans|hennes|hendes|sin|their|deres"
         r"|dykkar|jeres|er|the")

#: Words that follow a greeting, sign-off or title without being a name.
NOT_NAMES_TEXT = """
alle allihop allihopa alla all everyone everybody there team teamet teamen kundeservice
kundeservicen kundservice kundservicen kundesenter kundesenteret kundtjänst kundtjänsten
support supporten customer customers kunde kunden kunder kund kunderna sir madam madame
sirs friend friends venn venner vän vänner ven igjen igen again og och and du dere deg dig
ni jer i you der där here her hello hei hej hi hey hallo takk tack tak thanks thank god
good morn morgen morgon dag kveld kväll aften afternoon evening morning day sommer jul
godt gott nytt år happy merry mvh med with from fra från the a an en et ett ei min mitt
mine my vår våre vårt our your din ditt dine deres er ere sender hilsen hilsener us oss os
mandag tirsdag onsdag torsdag fredag lørdag søndag måndag tisdag lördag söndag monday
tuesday wednesday thursday friday saturday sunday januar januari january februar
februari february mars march april mai maj may juni june juli july august september
oktober october november desember december december as asa ab aps ltd plc inc gmbh bank
banken forsikring försäkring posten postnord bring telenor telia ice tele dnb nordea
handelsbanken swedbank seb danske ikea elkjøp elgiganten power komplett zalando amazon
apple google microsoft sas norwegian vy sj dsb ruter skat nav skatteetaten norge sverige
danmark oslo stockholm københavn london kontoret butikken avdelingen service help hjelp
hjälp hjælp care success relations experience services centre center royal mr mrs ms miss mx
desk sales salg försäljning info post mail e-post epost chat chatten admin
redaksjonen ledelsen styret gruppen jeg jag eg i me mig meg we vi på til till to for
ha have hav fin trevlig nice great lovely god glad gledelig kind best warm regards
beste bästa vennlig vänlig venlig hilsninger hälsningar på vegne vegner behalf
"""
NOT_NAMES = frozenset(NOT_NAMES_TEXT.split())

#: Words that do not follow a genitive ("Marks and Spencer", "Tones are …"): a genitive
#: stands before the thing owned.
NOT_OWNED_TEXT = """
og och and or eller of for fór i in on at på til till to av af med with from fra från er
is är var was were are be been som that der det den de da when når när by ved vid om if
hvis than enn än ikke not inte
"""
NOT_OWNED = frozenset(NOT_OWNED_TEXT.split())

#: Verbs of calling or writing: a capitalised word right before one (with "har"/"has"
#: between) is a person who did it ("Hansen ringte", "Patel rang").
ACTS = (
    r"ringte|ringde|ringede|ringer|ringt|rang|rung|called|phoned|rings|calls|sa|sagt|sagde"
    r"|sade|said|says|skrev|skreiv|skriver|wrote|writes|mailet|mejlade|mailede|emailed"
    r"|e-mailed|spurte|spurde|frågade|spurgte|asked|kontaktet|kontakta|kontaktade"
    r"|kontaktede|contacted|meldte|meldet|svarte|svarde|svarede|replied|answered"
)
#: Capitalised words that do such things without being a name: pronouns and the like.
NOT_ACTORS_TEXT = """
han hun ho hon de dei dom vi jeg eg jag du dere ni dykk i he she they we you it this that
who someone somebody nobody everyone everybody anyone noen nokon någon nogen ingen ingenting
alle alla den det dette denne detta dessa disse hvem kven vem man one else
"""
NOT_ACTORS = frozenset(NOT_ACTORS_TEXT.split())

#: Words for a team or department: a capitalised word before "fra/i/på/from/at" and one
#: of these is a member of staff ("Strand fra teknisk avdeling", "Hansen i
#: økonomiavdelingen", "Lindgren på ekonomi", "Tom from Customer Care").
DEPARTMENT = (
    r"teknisk|tekniske|tekniska|technical|tech|support|it|hr|økonomi|ekonomi|økonomiavdelingen"
    r"|ekonomiavdelningen|økonomiafdelingen|regnskap|regnskapet|rekneskap|bogholderiet"
    r"|bokföringen|redovisning|lageret|lagret|lageret|warehouse|kundeservice|kundeservicen"
    r"|kundtjänst|kundtjänsten|kundesenteret|customer|accounts|billing|finance|fakturering"
    r"|faktura|salg|salget|sal|försäljning|salgsavdelingen|sales|avdeling\w*|afdeling\w*"
    r"|avdelning\w*|department|team\w*|butikken|butiken|shop|store|kontoret|office|lager"
    r"|drift|driften|service|serviceavdelingen|reklamasjon\w*|reklamation\w*|retur\w*"
    r"|front\s+desk|reception|resepsjonen|receptionen|kassen|kassa|kassan|skranken|disken"
    r"|telefonen|phone|phones"
)
STAFF_PREP = r"fra|frå|från|from|i|på|hos|in|at|on|with|ved|vid"

#: Footers a phone or mail app adds below the writer's name: the signature is above them.
DEVICE_FOOTER = (
    r"sent\s+from\s+my\s+\w+|sendt\s+fra\s+min\s+\w+|skickat\s+från\s+min\s+\w+"
    r"|sendt\s+frå\s+min\s+\w+|get\s+outlook\s+for\s+\w+|hent\s+outlook\s+for\s+\w+"
)
#: Verbs and auxiliaries after a listed first name that opens a sentence ("Arne har sett på
#: bilen", "Noah er nu skrevet op", "Magnus må selv godkjenne"): the name does something.
NAME_VERBS = (
    r"har|hadde|hade|havde|er|var|är|blir|blev|ble|vart|må|maa|måste|skal|ska|vil|ville"
    r"|kan|kunne|får|fikk|fekk|fick|fik|ringer|ringte|ringde|kommer|kjem|kom|sender|skickar"
    r"|has|had|is|was|will|would|can|could|must|should|needs|called|rang|sent|says|said"
)
#: Words that join two names ("Aurora og Filip", "Alice and Ben").
AND = r"og|och|and|&|eller|or"
