"""A demo organisation: Ljungby kommun with förvaltningar, enheter, people and ideas.

Every person here is invented. The ideas are made the way the product makes them:
submitted, routed, supported, commented on and moved through their statuses by the
services, each at a moment in the past, so that the history, deadlines and
dashboards look like a year of real use. Nothing is random: the same data every time.

Flush only; the caller commits.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from ideas import clock
from ideas.extensions import db
from ideas.models import Item, Role, Unit, User
from ideas.services import accounts, categories, items, passwords, reports, routing

# Documented in the README; every demo account shares it.
DEMO_PASSWORD = "ljungby-demo"  # noqa: S105 - a published demo password, not a secret
DOMAIN = "ljungby.example"  # reserved for examples (RFC 2606): no mail reaches anyone

OPEN, FORWARD, WANT = "Vi är öppna", "Vi är framåt", "Vi vill"

# (code, name, parent code)
UNITS: list[tuple[str, str, str | None]] = [
    ("LK", "Ljungby kommun", None),
    ("KLF", "Kommunledningsförvaltningen", "LK"),
    ("KLF-IT", "IT-enheten", "KLF"),
    ("KLF-HR", "HR-enheten", "KLF"),
    ("KLF-EKO", "Ekonomienheten", "KLF"),
    ("OF", "Omsorgsförvaltningen", "LK"),
    ("OF-HTC", "Hemtjänst Centrum", "OF"),
    ("OF-HTL", "Hemtjänst Lagan", "OF"),
    ("OF-HTR", "Hemtjänst Ryssby", "OF"),
    ("OF-BJB", "Särskilt boende Björkbacken", "OF"),
    ("OF-LRK", "Särskilt boende Lärkan", "OF"),
    ("BUF", "Barn- och utbildningsförvaltningen", "LK"),
    ("BUF-NOR", "Norrskolan F–6", "BUF"),
    ("BUF-EKB", "Ekbackeskolan 7–9", "BUF"),
    ("BUF-HUM", "Förskolan Humlan", "BUF"),
    ("BUF-SOL", "Förskolan Solrosen", "BUF"),
    ("TF", "Tekniska förvaltningen", "LK"),
    ("TF-GP", "Gata/park", "TF"),
    ("TF-FAST", "Fastighet", "TF"),
]

# (name, owning unit code): ideas in an owned category go to that unit's manager.
CATEGORIES: list[tuple[str, str | None]] = [
    ("IT och digitalisering", "KLF-IT"),
    ("Lokaler och fastigheter", "TF-FAST"),
    ("Arbetsmiljö", None),
    ("Bemötande och service", None),
]

# (name, role, unit code); a manager leads the unit they belong to.
PEOPLE: list[tuple[str, str, str]] = [
    ("Margareta Holm", Role.MANAGER, "LK"),
    ("Thomas Lindahl", Role.MANAGER, "KLF"),
    ("Jonas Ekdahl", Role.MANAGER, "KLF-IT"),
    ("Sofia Lindgren", Role.MANAGER, "KLF-HR"),
    ("Henrik Bengtsson", Role.MANAGER, "KLF-EKO"),
    ("Lars Engström", Role.MANAGER, "OF"),
    ("Maria Axelsson", Role.MANAGER, "OF-HTC"),
    ("Eva Fransson", Role.MANAGER, "OF-HTL"),
    ("Karin Petersson", Role.MANAGER, "OF-HTR"),
    ("Ulrika Svensson", Role.MANAGER, "OF-BJB"),
    ("Mikael Strand", Role.MANAGER, "OF-LRK"),
    ("Annika Sjöberg", Role.MANAGER, "BUF"),
    ("Helena Borg", Role.MANAGER, "BUF-NOR"),
    ("Fredrik Wallin", Role.MANAGER, "BUF-EKB"),
    ("Camilla Åberg", Role.MANAGER, "BUF-HUM"),
    ("Linda Håkansson", Role.MANAGER, "BUF-SOL"),
    ("Peter Nyberg", Role.MANAGER, "TF"),
    ("Stefan Olausson", Role.MANAGER, "TF-GP"),
    ("Patrik Sandberg", Role.MANAGER, "TF-FAST"),
    ("Elin Magnusson", Role.ADMIN, "KLF-IT"),
    ("Birgitta Nordin", Role.CASE_HANDLER, "KLF"),
    ("Anna Johansson", Role.EMPLOYEE, "OF-HTC"),
    ("Fatima Ali", Role.EMPLOYEE, "OF-HTC"),
    ("Ahmed Hassan", Role.EMPLOYEE, "OF-HTL"),
    ("Sara Lund", Role.EMPLOYEE, "OF-HTR"),
    ("Gustav Holmberg", Role.EMPLOYEE, "OF-HTR"),
    ("Emma Karlsson", Role.EMPLOYEE, "OF-BJB"),
    ("Jenny Wikström", Role.EMPLOYEE, "OF-BJB"),
    ("Amira Haddad", Role.EMPLOYEE, "OF-LRK"),
    ("Oskar Nilsson", Role.EMPLOYEE, "BUF-NOR"),
    ("Johanna Persson", Role.EMPLOYEE, "BUF-EKB"),
    ("Maja Eriksson", Role.EMPLOYEE, "BUF-HUM"),
    ("Tove Mattsson", Role.EMPLOYEE, "BUF-SOL"),
    ("Mehmet Yilmaz", Role.EMPLOYEE, "TF-GP"),
    ("Niklas Gustafsson", Role.EMPLOYEE, "TF-FAST"),
    ("Robin Ek", Role.EMPLOYEE, "TF-FAST"),
    ("Ida Lindberg", Role.EMPLOYEE, "KLF-EKO"),
    ("Kristoffer Berg", Role.EMPLOYEE, "KLF-IT"),
    ("Lina Andersson", Role.EMPLOYEE, "KLF-HR"),
]

# The accounts the CLI and the README show, one or more per role.
SHOWN_LOGINS = [
    "Elin Magnusson",
    "Birgitta Nordin",
    "Lars Engström",
    "Maria Axelsson",
    "Anna Johansson",
]


def email_for(name: str) -> str:
    """``förnamn.efternamn@ljungby.example``, in plain ASCII."""
    plain = name.lower().translate(str.maketrans("åäöé ", "aaoe."))
    return f"{plain}@{DOMAIN}"


@dataclass(frozen=True)
class DemoIdea:
    """One idea and what happened to it. Days count from its submission."""

    author: str
    unit: str
    values: tuple[str, ...]
    days_ago: int
    title: str
    description: str
    benefit: str
    # (day, status, comment), by the manager of the idea's unit
    steps: tuple[tuple[int, str, str], ...] = ()
    # (day, author, text)
    comments: tuple[tuple[int, str, str], ...] = ()
    supporters: int = 0


IDEAS: list[DemoIdea] = [
    # -- followed up (evaluated) -----------------------------------------------------
    DemoIdea(
        author="Anna Johansson",
        unit="OF-HTC",
        values=(FORWARD, WANT),
        days_ago=420,
        title="Gemensam nyckelhantering med digitala lås",
        description=(
            "I dag hämtar vi nycklarna till brukarnas hem på kontoret varje morgon och "
            "lämnar tillbaka dem på eftermiddagen. Det tar tid, och ibland saknas en nyckel "
            "för att någon har glömt att lämna in den. Med digitala lås som öppnas med "
            "mobilen slipper vi nyckelhanteringen helt."
        ),
        benefit=(
            "Ungefär tjugo minuter mindre körning och letande per person och dag, som i "
            "stället blir tid hos brukarna. Ingen risk att en nyckel kommer bort."
        ),
        steps=(
            (
                3,
                "acknowledged",
                "Tack Anna! Vi tar upp det på nästa APT och tittar på hur "
                "andra kommuner har gjort.",
            ),
            (
                20,
                "assessing",
                "Vi har fått offert från två leverantörer och går igenom "
                "säkerheten tillsammans med IT-enheten.",
            ),
            (
                45,
                "accepted",
                "Vi inför digitala lås hos alla brukare i Centrum under våren. "
                "Anna är med i arbetsgruppen.",
            ),
            (
                110,
                "implemented",
                "Alla 140 brukare i Centrum har nu digitala lås. Lärdom: "
                "börja med de brukare som har flest besök per dag, och planera extra tid för "
                "anhöriga som vill förstå hur låset fungerar.",
            ),
            (
                300,
                "evaluated",
                "Uppföljning efter ett halvår: i snitt 25 minuter mer tid hos "
                "brukarna per medarbetare och dag, och inga borttappade nycklar. Hemtjänst "
                "Lagan och Ryssby står på tur.",
            ),
        ),
        comments=(
            (
                1,
                "Sara Lund",
                "Vi i Ryssby skulle också behöva det här, vi kör långt bara för att hämta nycklar.",
            ),
            (
                4,
                "Lars Engström",
                "Bra initiativ! Berätta gärna på förvaltningens ledningsgrupp hur det går.",
            ),
        ),
        supporters=9,
    ),
    DemoIdea(
        author="Emma Karlsson",
        unit="OF-BJB",
        values=(OPEN, WANT),
        days_ago=380,
        title="Fasta tider för läkemedelsgenomgång med läkaren",
        description=(
            "Läkemedelsgenomgångarna på Björkbacken skjuts ofta upp eftersom vi inte har "
            "någon fast tid med vårdcentralens läkare. Jag föreslår en stående tid varannan "
            "tisdag där sjuksköterska, läkare och kontaktman går igenom två eller tre boende."
        ),
        benefit=(
            "Färre fall och mindre yrsel hos de boende när läkemedlen ses över regelbundet. "
            "Anhöriga vet när de kan vara med."
        ),
        steps=(
            (2, "acknowledged", "Bra förslag, jag kontaktar vårdcentralen i veckan."),
            (14, "assessing", "Vårdcentralen är positiv. Vi behöver lösa rum och journalåtkomst."),
            (30, "accepted", "Vi startar med fasta tider varannan tisdag från nästa månad."),
            (
                75,
                "implemented",
                "Fasta genomgångar sedan sex veckor. Lärdom: skicka listan "
                "över vilka boende som ska gås igenom till läkaren en vecka i förväg.",
            ),
            (
                260,
                "evaluated",
                "Efter ett halvår har alla boende haft en genomgång. Antalet "
                "fall har minskat från 14 till 8 per kvartal. Lärkan har börjat med samma "
                "upplägg.",
            ),
        ),
        comments=((5, "Amira Haddad", "Det här vill vi också ha på Lärkan!"),),
        supporters=6,
    ),
    DemoIdea(
        author="Mehmet Yilmaz",
        unit="TF-GP",
        values=(FORWARD, WANT),
        days_ago=400,
        title="Felanmälan med foto direkt från mobilen",
        description=(
            "När vi hittar en trasig parkbänk eller ett hål i gångvägen skriver vi upp det "
            "på papper och rapporterar det när vi är tillbaka på förrådet. Ofta glöms "
            "detaljer bort. Med ett enkelt formulär i mobilen kan vi fota, få med platsen "
            "automatiskt och skicka direkt."
        ),
        benefit="Snabbare åtgärder och bättre underlag. Invånarna ser att vi agerar.",
        steps=(
            (5, "acknowledged", "Tack Mehmet, vi tittar på det på arbetsplatsträffen."),
            (
                20,
                "assessing",
                "IT-enheten hjälper oss att ta fram ett formulär i den "
                "e-tjänsteplattform vi redan har.",
            ),
            (40, "accepted", "Vi provar formuläret i Gata/park under sommaren."),
            (
                120,
                "implemented",
                "Alla i Gata/park använder formuläret. Lärdom: håll det "
                "kort, bara foto, plats och en rad text.",
            ),
            (
                320,
                "evaluated",
                "Tiden från upptäckt till åtgärd har gått från i snitt tolv "
                "till fyra dagar. Fastighet använder nu samma formulär.",
            ),
        ),
        comments=(
            (
                3,
                "Niklas Gustafsson",
                "Vi på Fastighet skulle kunna använda samma sak för felanmälan i skolorna.",
            ),
        ),
        supporters=7,
    ),
    DemoIdea(
        author="Maja Eriksson",
        unit="BUF-HUM",
        values=(OPEN, WANT),
        days_ago=330,
        title="Lånebibliotek för utomhuskläder på förskolan",
        description=(
            "Alla barn har inte kläder för regn och kyla, och då blir det svårt att vara ute "
            "hela förmiddagen. Vi kan samla in kläder som familjer har vuxit ur och låna ut "
            "dem på förskolan."
        ),
        benefit=(
            "Alla barn kan vara med ute, oavsett familjens ekonomi. Kläder används igen i "
            "stället för att slängas."
        ),
        steps=(
            (4, "acknowledged", "Vad fint, Maja. Vi pratar om det på nästa personalmöte."),
            (10, "accepted", "Vi startar direkt, det kostar nästan ingenting."),
            (
                40,
                "implemented",
                "Vi har ett klädförråd med ett sextiotal plagg. Lärdom: märk "
                "kläderna med förskolans namn och ha en ansvarig per avdelning.",
            ),
            (
                240,
                "evaluated",
                "Inget barn har behövt stanna inne på grund av kläder i vinter. "
                "Förskolan Solrosen har startat ett eget förråd.",
            ),
        ),
        comments=((2, "Tove Mattsson", "Vilken bra idé! Kan vi göra likadant på Solrosen?"),),
        supporters=8,
    ),
    DemoIdea(
        author="Ida Lindberg",
        unit="KLF-EKO",
        values=(FORWARD,),
        days_ago=310,
        title="Attest av leverantörsfakturor i mobilen",
        description=(
            "Chefer som är ute i verksamheten hinner inte attestera fakturor vid datorn, och "
            "vi får betala påminnelseavgifter. Ekonomisystemet har en app för attest som vi "
            "inte använder."
        ),
        benefit="Färre påminnelseavgifter och mindre jagande av attester vid månadsskiftet.",
        steps=(
            (3, "assessing", "Vi kollar med leverantören vad appen kostar."),
            (
                15,
                "accepted",
                "Vi öppnar mobilattest för alla chefer och visar hur den fungerar på chefsträffen.",
            ),
            (
                60,
                "implemented",
                "Mobilattesten är i gång. Lärdom: en fem minuter lång film "
                "uppskattades mer än den skriftliga manualen.",
            ),
            (
                250,
                "evaluated",
                "Påminnelseavgifterna har minskat med 70 procent jämfört med "
                "samma period förra året.",
            ),
        ),
        supporters=5,
    ),
    # -- implemented ------------------------------------------------------------------
    DemoIdea(
        author="Lina Andersson",
        unit="KLF-HR",
        values=(OPEN, WANT),
        days_ago=160,
        title="Introduktionsdag för alla nya medarbetare",
        description=(
            "Nya medarbetare får sin introduktion på den egna arbetsplatsen och vet ofta "
            "lite om kommunen i stort. En gemensam introduktionsdag två gånger per termin "
            "kan ge en bild av hela organisationen, vår ledningsfilosofi och värdegrund."
        ),
        benefit=(
            "Nya medarbetare känner sig välkomna och förstår hur deras arbete hänger ihop "
            "med helheten."
        ),
        steps=(
            (5, "acknowledged", "Tack Lina, det här ligger helt i linje med vår ledningsfilosofi."),
            (25, "assessing", "Vi stämmer av upplägget med förvaltningscheferna."),
            (40, "accepted", "Den första introduktionsdagen blir i september."),
            (
                100,
                "implemented",
                "Första introduktionsdagen hade 46 deltagare. Lärdom: att "
                "träffa chefer från andra förvaltningar var det som uppskattades mest.",
            ),
        ),
        supporters=6,
    ),
    DemoIdea(
        author="Niklas Gustafsson",
        unit="TF-FAST",
        values=(FORWARD,),
        days_ago=200,
        title="Sensorer för inomhusklimat i klassrummen",
        description=(
            "Vi får många klagomål på dålig luft och för höga temperaturer i klassrummen, "
            "men vi har inga mätvärden. Enkla sensorer för temperatur och koldioxid skulle "
            "visa var ventilationen behöver justeras."
        ),
        benefit=(
            "Bättre arbetsmiljö för elever och lärare. Vi kan styra ventilationen efter "
            "behov och spara energi."
        ),
        steps=(
            (7, "acknowledged", "Bra, vi tar upp det med skolorna."),
            (30, "assessing", "Vi jämför tre sensorer och frågar skolorna vilka rum som är värst."),
            (60, "accepted", "Vi sätter upp sensorer i Norrskolan och Ekbackeskolan först."),
            (
                130,
                "implemented",
                "Sensorer sitter i 24 klassrum. Lärdom: visa värdena för "
                "eleverna, de blev snabbt engagerade i att vädra rätt.",
            ),
        ),
        comments=(
            (
                12,
                "Oskar Nilsson",
                "Gärna i vårt klassrum 12, där blir det väldigt varmt efter lunch.",
            ),
        ),
        supporters=7,
    ),
    DemoIdea(
        author="Oskar Nilsson",
        unit="BUF-NOR",
        values=(WANT, OPEN),
        days_ago=150,
        title="Läsfaddrar från de äldre klasserna",
        description=(
            "Elever i årskurs 5 läser högt för eleverna i förskoleklass en gång i veckan. "
            "Både de som läser och de som lyssnar tränar läsning, och skolan blir tryggare "
            "när äldre och yngre elever känner varandra."
        ),
        benefit="Bättre läsförståelse och en tryggare skolgård.",
        steps=(
            (3, "acknowledged", "Tack Oskar, vi tar upp det i arbetslaget."),
            (12, "accepted", "Vi provar under vårterminen i två klasser."),
            (
                60,
                "implemented",
                "Läsfaddrar är i gång i tre klasser. Lärdom: fasta par hela "
                "terminen fungerade bättre än att byta varje vecka.",
            ),
        ),
        supporters=4,
    ),
    DemoIdea(
        author="Ahmed Hassan",
        unit="OF-HTL",
        values=(WANT,),
        days_ago=130,
        title="Gemensam bokning av bilar mellan hemtjänstgrupperna",
        description=(
            "I Lagan står bilarna ibland stilla samtidigt som grupperna i Centrum hyr extra "
            "bilar. Om vi bokar bilarna gemensamt kan vi använda dem bättre."
        ),
        benefit="Lägre kostnader för hyrbilar och mindre stress när en bil fattas.",
        steps=(
            (6, "acknowledged", "Tack Ahmed! Jag tar det med Maria på Centrum."),
            (20, "assessing", "Vi testar ett gemensamt bokningsschema i två veckor."),
            (35, "accepted", "Testet föll väl ut, vi fortsätter med gemensam bokning."),
            (
                90,
                "implemented",
                "Bilarna bokas i ett gemensamt schema. Lärdom: en ansvarig "
                "per dag för schemat behövs, annars blir det dubbelbokningar.",
            ),
        ),
        supporters=5,
    ),
    DemoIdea(
        author="Kristoffer Berg",
        unit="KLF-IT",
        values=(FORWARD, WANT),
        days_ago=180,
        title="Självservice för lösenordsbyte",
        description=(
            "En stor del av samtalen till IT-supporten gäller glömda lösenord. Med "
            "självservice kan medarbetare byta lösenord själva efter inloggning med e-legitimation."
        ),
        benefit=(
            "Hjälp dygnet runt för medarbetare som jobbar kvällar och helger, och mer tid "
            "för supporten att lösa svårare ärenden."
        ),
        steps=(
            (2, "assessing", "Vi tittar på vad vår katalogtjänst klarar."),
            (20, "accepted", "Vi inför självservice under hösten."),
            (
                95,
                "implemented",
                "Självservicen har använts av 600 medarbetare. Lärdom: "
                "information på APT nådde fler än e-post.",
            ),
        ),
        supporters=8,
    ),
    # -- accepted ---------------------------------------------------------------------
    DemoIdea(
        author="Sara Lund",
        unit="OF-HTR",
        values=(FORWARD,),
        days_ago=75,
        title="Kortare dokumentation med talinmatning",
        description=(
            "Vi skriver journalanteckningarna i slutet av passet och det tar lång tid. Med "
            "talinmatning i mobilen kan vi dokumentera direkt efter besöket."
        ),
        benefit="Mer korrekt dokumentation och mer tid för brukarna.",
        steps=(
            (4, "acknowledged", "Tack Sara, spännande förslag."),
            (
                20,
                "assessing",
                "Vi kontrollerar med dataskyddsombudet att talinmatningen uppfyller kraven.",
            ),
            (
                50,
                "accepted",
                "Vi provar talinmatning i Ryssby i tre månader, med stöd från IT-enheten.",
            ),
        ),
        comments=(
            (2, "Gustav Holmberg", "Ja! Det skulle spara mycket tid."),
            (
                8,
                "Karin Petersson",
                "Vi behöver se hur det fungerar med sekretessen, jag återkommer.",
            ),
        ),
        supporters=6,
    ),
    DemoIdea(
        author="Amira Haddad",
        unit="OF-LRK",
        values=(WANT, OPEN),
        days_ago=45,
        title="Måltidsvärdar på särskilt boende",
        description=(
            "Vid måltiderna är det ofta stressigt och personalen springer mellan köket och "
            "borden. Om en medarbetare per pass är måltidsvärd kan vi sitta ner med de "
            "boende och göra måltiden till en stund att se fram emot."
        ),
        benefit="De boende äter bättre och måltiden blir mer social. Mindre matsvinn.",
        steps=(
            (3, "acknowledged", "Tack Amira, vi tar upp det på nästa APT."),
            (25, "accepted", "Vi inför måltidsvärd vid lunch och middag från nästa schemaperiod."),
        ),
        supporters=5,
    ),
    DemoIdea(
        author="Mehmet Yilmaz",
        unit="TF-GP",
        values=(FORWARD,),
        days_ago=40,
        title="Ängsmark i stället för klippt gräs i parkernas kanter",
        description=(
            "Vi klipper stora gräsytor varje vecka, även där ingen vistas. Om kanterna i "
            "parkerna får bli ängsmark som slås en gång per år sparar vi tid och bränsle, "
            "och det gynnar pollinerande insekter."
        ),
        benefit="Mindre klippning, lägre bränslekostnad och mer biologisk mångfald.",
        steps=(
            (5, "assessing", "Vi går igenom vilka ytor som passar, tillsammans med planeringen."),
            (
                30,
                "accepted",
                "Vi börjar med tre parker i vår och sätter upp skyltar som förklarar varför.",
            ),
        ),
        comments=(
            (
                7,
                "Oskar Nilsson",
                "Kan skolan vara med och räkna fjärilar? Det vore ett fint projekt för eleverna.",
            ),
        ),
        supporters=4,
    ),
    DemoIdea(
        author="Johanna Persson",
        unit="BUF-EKB",
        values=(OPEN,),
        days_ago=55,
        title="Gemensam kalender för läxor och prov i årskurs 7–9",
        description=(
            "Eleverna får information om läxor och prov på olika sätt av olika lärare. En "
            "gemensam kalender per klass i lärplattformen skulle göra det lättare för elever "
            "och vårdnadshavare att planera."
        ),
        benefit="Mindre stress för eleverna och färre prov samma vecka.",
        steps=(
            (2, "acknowledged", "Tack Johanna, vi tar upp det i ämneslagen."),
            (20, "assessing", "Ämneslagen provar en gemensam kalender i två klasser."),
            (40, "accepted", "Vi inför gemensam kalender från höstterminen."),
        ),
        supporters=3,
    ),
    DemoIdea(
        author="Anna Johansson",
        unit="OF-HTC",
        values=(FORWARD, WANT),
        days_ago=35,
        title="Elcyklar för hembesök i centrala Ljungby",
        description=(
            "Många av våra brukare i centrum bor nära varandra. Med några elcyklar tar vi "
            "oss mellan besöken snabbare än med bil, och slipper leta parkering."
        ),
        benefit="Mindre bilkörning, lägre kostnader och bättre motion för personalen.",
        steps=(
            (4, "acknowledged", "Tack Anna! Vi räknar på det."),
            (21, "accepted", "Vi köper in fyra elcyklar som ett prov under sommarhalvåret."),
        ),
        comments=((2, "Fatima Ali", "Jag cyklar gärna, men vi behöver regnkläder också."),),
        supporters=5,
    ),
    # -- declined ---------------------------------------------------------------------
    DemoIdea(
        author="Gustav Holmberg",
        unit="KLF-HR",
        values=(WANT,),
        days_ago=90,
        title="Fritt kaffe i alla personalrum",
        description=(
            "Det skulle vara trevligt och bra för gemenskapen om kaffe och te fanns fritt i "
            "alla personalrum, så som det redan är på vissa arbetsplatser."
        ),
        benefit="Bättre gemenskap och samma villkor på alla arbetsplatser.",
        steps=(
            (6, "acknowledged", "Tack Gustav, vi tittar på hur det ser ut i dag."),
            (30, "assessing", "Vi räknar på kostnaden för hela kommunen."),
            (
                50,
                "declined",
                "Kostnaden blir cirka 1,2 miljoner kronor per år och ryms inte "
                "i årets budget. Vi lyfter frågan i budgetarbetet inför nästa år.",
            ),
        ),
        comments=((3, "Emma Karlsson", "Vi delar på kaffet i vår grupp, det fungerar bra."),),
        supporters=9,
    ),
    DemoIdea(
        author="Oskar Nilsson",
        unit="TF-GP",
        values=(FORWARD,),
        days_ago=120,
        title="Konstgräsplan vid Norrskolan",
        description=(
            "Grusplanen vid Norrskolan blir lerig på hösten och våren och används knappt. En "
            "konstgräsplan kan användas av skolan på dagtid och av föreningar på kvällarna."
        ),
        benefit="Mer rörelse för eleverna och en mötesplats i området.",
        steps=(
            (10, "acknowledged", "Tack för förslaget, vi tittar på planen."),
            (35, "assessing", "Vi tar fram en kostnad och pratar med fritidsenheten."),
            (
                58,
                "declined",
                "Konstgräs sprider mikroplast och en plan kostar omkring fyra "
                "miljoner kronor. Vi rustar i stället grusplanen med ny dränering i sommar, "
                "vilket löser det mesta av problemet med lera.",
            ),
        ),
        supporters=6,
    ),
    DemoIdea(
        author="Robin Ek",
        unit="KLF-IT",
        values=(FORWARD,),
        days_ago=100,
        title="En egen app för kommunens invånare",
        description=(
            "Invånarna borde kunna göra allt i en app från kommunen: felanmälan, "
            "ansökningar och nyheter."
        ),
        benefit="Enklare för invånarna att nå kommunen.",
        steps=(
            (
                8,
                "declined",
                "Våra e-tjänster fungerar redan i mobilen, och en egen app är "
                "dyr att underhålla. Vi förbättrar i stället e-tjänsternas startsida i vår.",
            ),
        ),
        supporters=2,
    ),
    # -- forwarded --------------------------------------------------------------------
    DemoIdea(
        author="Emma Karlsson",
        unit="OF-BJB",
        values=(WANT, OPEN),
        days_ago=25,
        title="Bättre belysning på gångvägen till Björkbacken",
        description=(
            "Gångvägen från busshållplatsen till Björkbacken är mörk på vinterkvällarna. "
            "Anhöriga och personal som slutar sent känner sig otrygga."
        ),
        benefit="Tryggare för anhöriga och personal, färre halkolyckor.",
        steps=(
            (
                3,
                "forwarded",
                "Belysningen på gångvägar sköts av Gata/park. Jag har skickat "
                "förslaget vidare till dem.",
            ),
        ),
        supporters=7,
    ),
    DemoIdea(
        author="Johanna Persson",
        unit="BUF-EKB",
        values=(FORWARD,),
        days_ago=30,
        title="Nytt system för schemaläggning på skolan",
        description=(
            "Schemat läggs i ett gammalt program som bara två personer kan. Ett modernt "
            "system skulle göra det enklare att ändra schemat när någon är sjuk."
        ),
        benefit="Snabbare ändringar i schemat och mindre sårbarhet.",
        steps=(
            (5, "acknowledged", "Tack Johanna, bra att du lyfter det."),
            (
                12,
                "forwarded",
                "System väljs gemensamt för hela förvaltningen. Förslaget är "
                "vidareskickat till IT-enheten och förvaltningens systemförvaltare.",
            ),
        ),
        supporters=3,
    ),
    # -- duplicates -------------------------------------------------------------------
    DemoIdea(
        author="Gustav Holmberg",
        unit="OF-HTR",
        values=(FORWARD,),
        days_ago=20,
        title="Digitala lås hos brukarna i Ryssby",
        description=(
            "Vi kör långt för att hämta och lämna nycklar. Digitala lås skulle spara mycket tid."
        ),
        benefit="Mer tid hos brukarna.",
        steps=(
            (
                2,
                "duplicate",
                "Samma förslag som ”Gemensam nyckelhantering med digitala lås”, "
                "som redan är genomfört i Centrum. Ryssby ingår i nästa etapp; följ gärna det "
                "förslaget.",
            ),
        ),
        supporters=2,
    ),
    DemoIdea(
        author="Jenny Wikström",
        unit="OF-BJB",
        values=(WANT,),
        days_ago=18,
        title="Lugnare måltider med en värd vid borden",
        description=(
            "Det är rörigt vid maten. En av oss borde sitta med de boende och äta, i stället "
            "för att alla springer."
        ),
        benefit="Lugnare måltider för de boende.",
        steps=(
            (
                4,
                "duplicate",
                "Samma förslag som ”Måltidsvärdar på särskilt boende” från "
                "Lärkan, som redan är beslutat. Björkbacken tar del av det arbetet; stöd och "
                "kommentera gärna där.",
            ),
        ),
        comments=((1, "Emma Karlsson", "Håller med, det skulle göra stor skillnad."),),
        supporters=1,
    ),
    # -- being assessed ---------------------------------------------------------------
    DemoIdea(
        author="Ahmed Hassan",
        unit="OF-HTL",
        values=(OPEN, WANT),
        days_ago=30,
        title="Lämna schemaönskemål i mobilen",
        description=(
            "Schemaönskemål lämnas på papperslappar i personalrummet och kommer ibland bort. "
            "Schemasystemet har en app där vi kan lämna önskemål själva."
        ),
        benefit="Inga borttappade önskemål och mindre administration för schemaläggaren.",
        steps=(
            (5, "acknowledged", "Tack Ahmed, vi undersöker det."),
            (
                18,
                "assessing",
                "Vi tar reda på om appen ingår i vår licens och vad den kostar annars.",
            ),
        ),
        supporters=6,
    ),
    DemoIdea(
        author="Amira Haddad",
        unit="OF-LRK",
        values=(WANT,),
        days_ago=40,
        title="Sinnesrum för boende med demenssjukdom",
        description=(
            "Ett rum med dämpat ljus, musik och saker att känna på kan lugna boende med "
            "demenssjukdom när de är oroliga, särskilt på eftermiddagarna."
        ),
        benefit="Mindre oro och färre lugnande läkemedel.",
        steps=(
            (6, "acknowledged", "Fint förslag, Amira."),
            (
                20,
                "assessing",
                "Vi ser över vilket rum som kan användas och söker utvecklingsmedel.",
            ),
        ),
        comments=(
            (
                9,
                "Emma Karlsson",
                "Björkbacken har en del material som vi kan låna ut för att prova.",
            ),
        ),
        supporters=5,
    ),
    DemoIdea(
        author="Tove Mattsson",
        unit="BUF-SOL",
        values=(OPEN,),
        days_ago=22,
        title="Välkomstfolder på flera språk till nya familjer",
        description=(
            "Många nya familjer förstår inte hur förskolan fungerar: lämning, hämtning, "
            "kläder och sjukdom. En enkel folder på de vanligaste språken i området skulle "
            "hjälpa."
        ),
        benefit="Tryggare familjer och färre missförstånd.",
        steps=(
            (4, "assessing", "Vi tar reda på vilka språk som behövs och vem som kan översätta."),
        ),
        supporters=4,
    ),
    DemoIdea(
        author="Niklas Gustafsson",
        unit="TF-FAST",
        values=(FORWARD,),
        days_ago=50,
        title="Solceller på taket till Fastighets förråd",
        description=(
            "Förrådet har ett stort tak i söderläge. Solceller där skulle täcka en stor del "
            "av förrådets och verkstadens elbehov."
        ),
        benefit="Lägre elkostnader och mindre klimatpåverkan.",
        steps=(
            (10, "acknowledged", "Tack Niklas, intressant."),
            (30, "assessing", "Vi har beställt en takbesiktning och en kalkyl."),
        ),
        supporters=3,
    ),
    DemoIdea(
        author="Ida Lindberg",
        unit="KLF-EKO",
        values=(FORWARD, WANT),
        days_ago=28,
        title="E-faktura från alla leverantörer",
        description=(
            "Vi får fortfarande många pappersfakturor som skannas in för hand. Vi kan kräva "
            "e-faktura i nya avtal och hjälpa befintliga leverantörer att byta."
        ),
        benefit="Mindre manuellt arbete och färre fel i fakturahanteringen.",
        steps=(
            (3, "acknowledged", "Bra, Ida. Vi tar det med upphandlarna."),
            (15, "assessing", "Vi går igenom vilka leverantörer som skickar mest papper."),
        ),
        supporters=2,
    ),
    # -- received (acknowledged) ------------------------------------------------------
    DemoIdea(
        author="Lina Andersson",
        unit="KLF-HR",
        values=(OPEN, WANT),
        days_ago=12,
        title="Mentorprogram för nya chefer",
        description=(
            "Nya chefer har mycket att lära på kort tid. En erfaren chef från en annan "
            "förvaltning som mentor under första året skulle ge stöd och nya perspektiv."
        ),
        benefit="Tryggare chefer som stannar längre, och samarbete över förvaltningsgränserna.",
        steps=((3, "acknowledged", "Tack Lina, vi tar upp det i HR-enhetens planering."),),
        supporters=4,
    ),
    DemoIdea(
        author="Mehmet Yilmaz",
        unit="TF-GP",
        values=(WANT,),
        days_ago=9,
        title="Papperskorgar med lock vid badplatserna",
        description=(
            "Kråkor och måsar drar ut skräp ur de öppna papperskorgarna vid badplatserna. "
            "Korgar med lock skulle hålla det rent."
        ),
        benefit="Renare badplatser och mindre tid på att plocka skräp.",
        steps=((2, "acknowledged", "Tack Mehmet, vi ser över vilka korgar som behöver bytas."),),
        supporters=3,
    ),
    DemoIdea(
        author="Johanna Persson",
        unit="BUF-EKB",
        values=(WANT,),
        days_ago=16,
        title="Tyst studierum i biblioteket på eftermiddagarna",
        description=(
            "Många elever har ingen lugn plats att göra läxor på. Skolbiblioteket kunde "
            "hållas öppet som tyst studierum fram till klockan 17."
        ),
        benefit="Fler elever gör läxorna och får hjälp när de behöver det.",
        steps=((5, "acknowledged", "Tack Johanna, vi tittar på bemanningen."),),
        supporters=2,
    ),
    DemoIdea(
        author="Kristoffer Berg",
        unit="KLF-IT",
        values=(OPEN,),
        days_ago=8,
        title="En gemensam kanal för driftinformation",
        description=(
            "När ett system ligger nere får medarbetarna veta det på olika sätt, eller inte "
            "alls. En gemensam sida för driftinformation skulle samla allt på ett ställe."
        ),
        benefit="Färre samtal till supporten när något är trasigt.",
        steps=((1, "acknowledged", "Tack Kristoffer, vi tar det på nästa planeringsmöte."),),
        supporters=3,
    ),
    # -- submitted --------------------------------------------------------------------
    DemoIdea(
        author="Fatima Ali",
        unit="OF-HTC",
        values=(OPEN, WANT),
        days_ago=3,
        title="Introduktion på flera språk för nya vikarier",
        description=(
            "Många sommarvikarier har ett annat modersmål än svenska. En kort introduktion "
            "med bilder och enkla texter på flera språk skulle göra första veckan tryggare."
        ),
        benefit="Tryggare vikarier och säkrare omsorg för brukarna.",
        comments=((1, "Anna Johansson", "Bra! Jag kan hjälpa till med bilderna."),),
        supporters=2,
    ),
    DemoIdea(
        author="Jenny Wikström",
        unit="OF-BJB",
        values=(OPEN, FORWARD),
        days_ago=5,
        title="Besök från förskolan på Björkbacken",
        description=(
            "Förskolan Humlan ligger nära oss. Om barnen kom på besök en gång i månaden och "
            "sjöng eller fikade med de boende skulle båda ha glädje av det."
        ),
        benefit="Glädje och gemenskap mellan generationerna.",
        comments=((2, "Maja Eriksson", "Vi på Humlan kommer gärna!"),),
        supporters=4,
    ),
    DemoIdea(
        author="Oskar Nilsson",
        unit="BUF-NOR",
        values=(FORWARD,),
        days_ago=2,
        title="Skolgårdsodling för årskurs 4–6",
        description=(
            "Några odlingslådor på skolgården skulle ge eleverna praktisk kunskap om hur mat "
            "växer, och skörden kan användas i skolköket."
        ),
        benefit="Lärande utomhus, och elever som förstår var maten kommer ifrån.",
        supporters=1,
    ),
    DemoIdea(
        author="Robin Ek",
        unit="TF-FAST",
        values=(WANT,),
        days_ago=1,
        title="Gemensamt verktygsförråd för fastighetsskötarna",
        description=(
            "Varje fastighetsskötare har sina egna specialverktyg som står oanvända det "
            "mesta av tiden. Ett gemensamt förråd med bokning skulle räcka till alla."
        ),
        benefit="Färre inköp och alltid rätt verktyg när det behövs.",
    ),
    DemoIdea(
        author="Lina Andersson",
        unit="KLF",
        values=(OPEN, WANT),
        days_ago=17,
        title="Klarspråksgranskning av kommunens brev",
        description=(
            "Många av våra brev till invånarna är svåra att förstå. Om två medarbetare per "
            "förvaltning fick utbildning i klarspråk kunde de hjälpa kollegorna att granska "
            "brev och mallar."
        ),
        benefit="Invånarna förstår vad vi skriver och behöver ringa oss mer sällan.",
        comments=((4, "Ida Lindberg", "Gärna! Våra påminnelser om fakturor behöver det."),),
        supporters=6,
    ),
]


@dataclass
class DemoSummary:
    units: int
    ideas: int
    users: list[tuple[str, str, str]] = field(default_factory=list)  # (role, email, name)
    password: str = DEMO_PASSWORD

    def logins(self) -> list[tuple[str, str, str]]:
        """The accounts worth trying first, one or more per role."""
        shown = {email_for(n) for n in SHOWN_LOGINS}
        return [u for u in self.users if u[1] in shown]


def database_is_empty() -> bool:
    """True when there are no accounts yet (the migrations' own data does not count)."""
    return db.session.scalar(select(User.id).limit(1)) is None


@contextmanager
def _clock_at(moment: datetime) -> Iterator[None]:
    """Let the services stamp what they do with ``moment``; the clock is put back after."""
    previous = clock._frozen  # the clock has no public read of its state
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(previous)


def load_demo() -> DemoSummary:
    """Create the demo organisation, its accounts and its ideas. Flush only.

    Deterministic: the people who support each idea are drawn from a generator with a
    fixed seed. Times are relative to now, so the deadlines are as fresh as the demo.
    """
    units: dict[str, Unit] = {}
    for code, name, parent in UNITS:
        units[code] = accounts.create_unit(code=code, name=name, parent_code=parent)

    # One Argon2 hash for all: they share the password, and hashing 40 times is slow.
    shared_hash = passwords.hash_password(DEMO_PASSWORD)
    people: dict[str, User] = {}
    summary = DemoSummary(units=len(units), ideas=0)
    for name, role, unit_code in PEOPLE:
        user = accounts.create_user(
            email=email_for(name), name=name, password=None, role=role, unit_code=unit_code
        )
        user.password_hash = shared_hash
        # A case handler's key pair now, so that reports filed before their first
        # login are sealed to them too.
        reports.ensure_handler_key(user, DEMO_PASSWORD)
        people[name] = user
        summary.users.append((str(role), user.email, name))
    # Units and users point at each other: the users are written first, then the units
    # are given their managers.
    db.session.flush()
    for name, role, unit_code in PEOPLE:
        if role == Role.MANAGER:
            units[unit_code].manager = people[name]
    db.session.flush()
    for category_name, owner in CATEGORIES:
        categories.create_category(category_name, owner)

    rng = random.Random(2035)  # "35 000 invånare år 2035"
    now = clock.now()
    everyone = list(people.values())
    for spec in sorted(IDEAS, key=lambda s: -s.days_ago):
        _play(spec, people, everyone, rng, now)
        summary.ideas += 1
    db.session.flush()
    return summary


def _play(
    spec: DemoIdea,
    people: dict[str, User],
    everyone: list[User],
    rng: random.Random,
    now: datetime,
) -> Item:
    """Submit one idea and live through what happened to it, each step at its moment."""
    submitted = now - timedelta(days=spec.days_ago, hours=rng.randint(1, 8))
    author = people[spec.author]

    def at(day: float) -> datetime:
        # Never in the future, whatever the script says.
        return min(submitted + timedelta(days=day), now - timedelta(minutes=1))

    with _clock_at(submitted):
        item = items.submit_idea(
            author,
            title=spec.title,
            description=spec.description,
            benefit=spec.benefit,
            unit=spec.unit,
            values=list(spec.values),
        )
    # The worker routes a new idea within moments; the demo plays that part too, so
    # the ideas have their assignees at once. The routing task left in the outbox
    # finds the idea routed and changes nothing.
    with _clock_at(submitted + timedelta(minutes=1)):
        routing.route_item(item.id)

    # Colleagues support the idea while it is open, before any decision.
    first_step = spec.steps[0][0] if spec.steps else spec.days_ago
    others = [u for u in everyone if u.id != author.id and u.role != Role.CASE_HANDLER]
    for n, supporter in enumerate(rng.sample(others, spec.supporters)):
        with _clock_at(at(first_step * (n + 1) / (spec.supporters + 1))):
            items.support(item, supporter)

    events = [(day, "comment", who, text) for day, who, text in spec.comments]
    events += [(day, "status", status, text) for day, status, text in spec.steps]
    # Comments come before a status change on the same day: a duplicate takes none.
    for day, kind, what, text in sorted(events, key=lambda e: (e[0], e[1] == "status")):
        with _clock_at(at(day)):
            if kind == "comment":
                items.add_comment(item, people[what], text)
            else:
                items.transition(item, _decider(item), what, text, learning=_learning(text))
    return item


def _learning(text: str) -> items.Learning:
    """The demo's own words as what was done and learned ("... Lärdom: ...")."""
    done, _sep, learned = text.partition("Lärdom:")
    return items.Learning(
        outcome=done.strip() or text, lessons=learned.strip() or text, effect=text
    )


def _decider(item: Item) -> User:
    """The manager who answers for the idea: its unit's, or the nearest one above."""
    for unit in routing.OrgChart.around([item.unit_id]).chain(item.unit_id):
        if unit.manager is not None and unit.manager.id != item.author_id:
            return unit.manager
    raise LookupError(f"no manager above unit {item.unit.code}")
