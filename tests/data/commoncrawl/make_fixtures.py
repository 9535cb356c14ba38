"""Regenerate the CommonCrawl fixtures here and the demo sample: ``python tests/data/commoncrawl/make_fixtures.py``.

Every file is in the real format: WARC/1.0 records with correct Content-Length and a sha1 WARC-Block-Digest (base32,
as CommonCrawl writes it), each record gzipped as its own member (a multi-member gzip, as CommonCrawl does), a
``warcinfo`` record first.  All page text is original, written for these tests; the sites are fictional and live
under the reserved ``.example`` top-level domain.  Output is deterministic (record ids are uuid5 of the URL, gzip
members carry mtime 0), the generated files are committed, and the tests never run this script: rerun it after
changing a page here or in ``demo_pages.py`` and commit the results.

| file | what it exercises |
|---|---|
| CC-MAIN-2026-01-00000.warc.wet.gz | warcinfo + 13 conversions: shared menus, cookie banners and footers (line dedup), short pages, de/fr/ru pages, fluent prose, one keyword-stuffed page |
| CC-MAIN-2026-01-00001.warc.wet.gz | 8 conversions sharing boilerplate with 00000 (cross-file duplicate lines) and near-duplicates of two of its articles (MinHash) |
| CC-MAIN-2026-01-00000.warc.gz | warcinfo, then request/response/metadata per URL: 3 UTF-8 HTML pages with nav/cookie/footer chrome, one windows-1252 page declared only in `<meta>`, one ISO-8859-1 page declared in the HTTP header, one gzip Content-Encoding page, a PNG, a 404 and a 301 |
| bad-truncated.warc.wet.gz | warcinfo and conversions A-D whole, the file cut halfway through E's member |
| bad-content-length.warc.wet.gz | conversions A, B (Content-Length 40 too long), C, D (Content-Length 25 too short), E |
| bad-non-utf8.warc.wet.gz | conversions A, B (cp1252 and stray bytes in the block), C |
| bad-empty.warc.wet.gz | 0 bytes |
| wet.paths.gz | a listing of 4 relative WET paths, like CommonCrawl's |

The demo sample, ``pipelines/demo_data/commoncrawl/CC-MAIN-2026-01-demo-0000{0,1}.warc.wet.gz``, is written from the
pages in ``demo_pages.py`` (see the README there).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE.parents[2] / "pipelines" / "demo_data" / "commoncrawl"
CRAWL = "CC-MAIN-2026-01"
logger = logging.getLogger(__name__)
RECORD_NAMESPACE = uuid.UUID("6f1c2a0e-2b7d-4c55-9a43-5c1d0e7b8a21")  # for uuid5 record ids


# --- writing records ----------------------------------------------------------------------------------------


def block_digest(block: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(block).digest()).decode("ascii")


def record_id(kind: str, url: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(RECORD_NAMESPACE, kind + ' ' + url)}>"


def warc_record(
    warc_type: str, headers: list[tuple[str, str]], block: bytes, content_length: int | None = None
) -> bytes:
    """One WARC/1.0 record; `content_length` overrides the true length (for the bad fixtures)."""
    length = len(block) if content_length is None else content_length
    head = [("WARC-Type", warc_type), *headers, ("Content-Length", str(length))]
    text = "WARC/1.0\r\n" + "".join(f"{name}: {value}\r\n" for name, value in head) + "\r\n"
    return text.encode("utf-8") + block + b"\r\n\r\n"


def gzip_members(records: list[bytes]) -> bytes:
    """Each record its own gzip member, as CommonCrawl writes WARC and WET files."""
    return b"".join(gzip.compress(record, compresslevel=9, mtime=0) for record in records)


def warcinfo(filename: str, date: str, fields: dict[str, str]) -> bytes:
    block = "".join(f"{name}: {value}\r\n" for name, value in fields.items()).encode("utf-8")
    headers = [
        ("WARC-Date", date),
        ("WARC-Filename", filename),
        ("WARC-Record-ID", record_id("warcinfo", filename)),
        ("Content-Type", "application/warc-fields"),
    ]
    return warc_record("warcinfo", headers, block)


def wet_warcinfo(filename: str) -> bytes:
    return warcinfo(
        filename,
        "2026-01-20T06:12:45Z",
        {
            "Software-Info": "llamix-fixtures/1.0",
            "Extracted-Date": "Tue, 20 Jan 2026 06:12:45 GMT",
            "robots": "checked",
            "isPartOf": CRAWL,
            "operator": "llamix test fixtures",
            "description": "Small hand-written sample in the layout of a CommonCrawl WET file",
            "publisher": "llamix",
        },
    )


@dataclass(frozen=True)
class Page:
    """One page as a WET conversion record: text lines as an extractor would give them, title first."""

    url: str
    text: str
    date: str = "2026-01-14T09:30:00Z"
    language: str = "eng"  # WARC-Identified-Content-Language (ISO 639-3)


def conversion(page: Page, block: bytes | None = None, content_length: int | None = None) -> bytes:
    data = page.text.encode("utf-8") if block is None else block
    headers = [
        ("WARC-Target-URI", page.url),
        ("WARC-Date", page.date),
        ("WARC-Record-ID", record_id("conversion", page.url)),
        ("WARC-Refers-To", record_id("response", page.url)),
        ("WARC-Block-Digest", block_digest(data)),
        ("WARC-Identified-Content-Language", page.language),
        ("Content-Type", "text/plain"),
    ]
    return warc_record("conversion", headers, data, content_length)


def wet_file(filename: str, pages: list[Page]) -> bytes:
    return gzip_members([wet_warcinfo(filename)] + [conversion(page) for page in pages])


# --- site chrome shared between pages (line deduplication has to remove it) ---------------------------------

COOKIE_BANNER = [
    "We use cookies to improve your experience on our site. By continuing to browse, you agree to our use of cookies.",
    "Accept all cookies",
]
MENU = "Home | About | Contact"
SKIP = "Skip to main content"
NEWSLETTER = "Subscribe to our newsletter for weekly updates."
SHARE = "Share this: Facebook | Twitter | Email"


def footer(owner: str) -> list[str]:
    return [f"© 2026 {owner}. All rights reserved.", "Privacy Policy | Terms of Use | Cookie Settings"]


def page_text(title: str, body: str, *, header: list[str], trailer: list[str]) -> str:
    return "\n".join([title, *header, *body.strip().splitlines(), *trailer])


KITCHEN_HEADER = [SKIP, MENU, *COOKIE_BANNER, "Recipes | Techniques | Shop"]
KITCHEN_FOOTER = [SHARE, NEWSLETTER, *footer("Harbour Kitchen")]
CITY_HEADER = [SKIP, "News | Sport | Weather | Events", *COOKIE_BANNER]
CITY_FOOTER = ["Most read: Council budget vote | Weekend weather | School holiday dates", *footer("Millbrook Record")]
CYCLING_HEADER = [MENU, "Search this blog"]
CYCLING_FOOTER = [SHARE, "Leave a comment", *footer("Cycling Notes")]
GEAR_HEADER = [SKIP, "Free delivery on orders over £50", "Men | Women | Kids | Sale", *COOKIE_BANNER]
GEAR_FOOTER = ["Customer service | Delivery | Returns | Size guide", NEWSLETTER, *footer("Ridgeline Outdoor Ltd")]


# --- CC-MAIN-2026-01-00000.warc.wet.gz -----------------------------------------------------------------------

SOURDOUGH = Page(
    "https://www.harbourkitchen.example/recipes/sourdough-starter",
    page_text(
        "How to Make a Sourdough Starter from Scratch | Harbour Kitchen",
        """
How to Make a Sourdough Starter from Scratch
A starter is nothing more than flour and water that has been left long enough for wild yeast and bacteria to settle in. It takes about a week, a clean jar and a little patience.
On the first day, stir fifty grams of wholemeal flour into fifty grams of lukewarm water until no dry patches remain. Cover the jar loosely and leave it somewhere warm, ideally around twenty-four degrees.
For the next six days, discard half of the mixture each morning and feed what is left with fresh flour and water in equal weights. The discarding feels wasteful, but it keeps the acidity in check and gives the yeast room to grow.
By the fourth or fifth day you should see bubbles throughout the jar and smell something between yoghurt and green apples. If a grey liquid collects on top, the starter is hungry; pour it off and feed it a little earlier tomorrow.
The starter is ready when it reliably doubles within six hours of a feed. Keep it in the fridge between bakes and feed it once a week.
""",
        header=KITCHEN_HEADER,
        trailer=KITCHEN_FOOTER,
    ),
    date="2026-01-14T09:31:07Z",
)

TOMATO_SOUP = Page(
    "https://www.harbourkitchen.example/recipes/roast-tomato-soup",
    page_text(
        "Roast Tomato Soup | Harbour Kitchen",
        """
Roast Tomato Soup
Roasting the tomatoes first concentrates their sweetness and adds a faint smokiness that a simmered soup never quite reaches.
Halve a kilo of ripe tomatoes, lay them cut side up on a tray with two quartered onions and a whole head of garlic, and drizzle everything with olive oil. Roast at two hundred degrees for forty minutes, until the edges begin to blacken.
Squeeze the garlic out of its skins, tip the whole tray into a pan with half a litre of stock, and simmer for ten minutes before blending until smooth. Season with salt, a pinch of sugar if the tomatoes were sharp, and a few torn basil leaves.
""",
        header=KITCHEN_HEADER,
        trailer=KITCHEN_FOOTER,
    ),
    date="2026-01-14T09:35:52Z",
)

WINTER_COMMUTING = Page(
    "https://cyclingnotes.example/2025/12/winter-commuting",
    page_text(
        "Five Lessons from a Winter of Cycling to Work – Cycling Notes",
        """
Five Lessons from a Winter of Cycling to Work
Last winter I promised myself I would keep riding to the office until spring, whatever the weather did. I missed four days in total, and I learned more about clothing, lights and my own stubbornness than in ten years of summer riding.
The first lesson is that being cold for the first five minutes is correct. If you leave the house warm, you will arrive soaked in sweat, and a damp shirt at eight in the morning is far worse than chilly fingers at a quarter to.
The second is that lights are not optional and one set is not enough. I carry a spare rear light in my bag, because batteries fail at the least convenient moment, usually in sleet.
Third, mudguards matter more than any jacket. A long front guard with a flap keeps the spray off your feet, and dry feet decide whether the ride feels like an adventure or a punishment.
Fourth, slow down on painted lines and metal covers. They turn to glass after a frost, and no tyre will save you if you lean on them in a corner.
Finally, give yourself credit. On the darkest mornings the hardest part is opening the door; after that, the ride is almost always better than you feared.
""",
        header=CYCLING_HEADER,
        trailer=CYCLING_FOOTER,
    ),
    date="2026-01-14T10:02:19Z",
)

LIBRARY_REOPENS = Page(
    "https://www.millbrookrecord.example/news/library-reopens-after-renovation",
    page_text(
        "Millbrook library reopens after two-year renovation - Millbrook Record",
        """
Millbrook library reopens after two-year renovation
The public library on Station Road reopened on Saturday after a renovation that took almost two years and cost the town council 3.2 million pounds.
Visitors queued from nine in the morning to see the new reading room, which occupies the former council chamber on the first floor and looks out over the river. The children's section has doubled in size and now includes a small theatre for story sessions.
Head librarian Maria Okafor said the building had been "cold, cramped and leaking" before the work began. "We wanted a place where people would choose to spend an afternoon, not just return a book," she said.
The library will open six days a week, with late evenings on Tuesdays and Thursdays. Membership remains free for residents of the district.
""",
        header=CITY_HEADER,
        trailer=CITY_FOOTER,
    ),
    date="2026-01-14T10:15:44Z",
)

BLIGHT_THREAD = Page(
    "https://forum.greenfingers.example/threads/1842-brown-spots-on-tomato-leaves",
    page_text(
        "Brown spots on tomato leaves - help! | Greenfingers Forum",
        """
Brown spots on tomato leaves - help!
posted by allotment_annie
My outdoor tomatoes have brown patches on the lower leaves that spread upwards within a couple of days. The stems are getting dark streaks too. Is this blight, and can I save the fruit?
Reply from oldgrower58
Sounds like blight, sadly. Take off every affected leaf today and put them in the bin, not the compost. Pick any fruit that is full size and ripen it indoors on a windowsill.
Reply from allotment_annie
Thanks, I did that this morning. Should I grow them somewhere else next year?
Reply from oldgrower58
Yes, move them at least one bed along, and look for resistant varieties. Watering at the base rather than over the leaves helps as well.
""",
        header=["Forum index | New posts | Search | Log in", *COOKIE_BANNER],
        trailer=["Reply to this thread", "Greenfingers Forum is run by volunteers.", *footer("Greenfingers Forum")],
    ),
    date="2026-01-14T10:40:03Z",
)

BACKPACK_30 = Page(
    "https://shop.ridgeline.example/products/trail-backpack-30l",
    page_text(
        "Trail Backpack 30L – Ridgeline Outdoor",
        """
Trail Backpack 30L
£74.99
Colour: Moss green
Add to basket
A light daypack with a ventilated back panel and a separate pocket for a water bladder.
""",
        header=GEAR_HEADER,
        trailer=GEAR_FOOTER,
    ),
    date="2026-01-14T11:02:31Z",
)

CONTACT = Page(
    "https://www.millbrookrecord.example/contact",
    page_text(
        "Contact us - Millbrook Record",
        """
Contact us
Call the newsroom on 01632 960 412.
""",
        header=CITY_HEADER,
        trailer=CITY_FOOTER,
    ),
    date="2026-01-14T11:07:58Z",
)

INSURANCE_SPAM = Page(
    "http://best-cheap-insurance-quotes.example/cheap-car-insurance-online",
    "\n".join(
        [
            "cheap car insurance online cheap car insurance quotes best cheap car insurance",
            "car insurance cheap insurance car cheap quotes online insurance cheap best quotes",
            "best car insurance cheap best cheap car insurance online compare cheap insurance now",
            "insurance quotes insurance quotes insurance quotes cheap cheap cheap car car car",
            "click here cheap car insurance click here best quotes click here online insurance",
            "cheap insurance near me cheap insurance near me cheap insurance near me today",
            "car insurance car insurance car insurance car insurance car insurance car insurance",
        ]
    ),
    date="2026-01-14T11:20:11Z",
)

BLACK_FOREST_DE = Page(
    "https://www.wanderzeit.example/de/touren/schwarzwald-hoehenweg",
    page_text(
        "Drei Tage auf dem Höhenweg im Schwarzwald | Wanderzeit",
        """
Drei Tage auf dem Höhenweg im Schwarzwald
Der Weg beginnt am Bahnhof und steigt gleich hinter den letzten Häusern steil in den Wald hinauf. Nach einer Stunde öffnet sich der Blick über das Tal, und bei klarem Wetter sieht man im Süden die Alpen.
Wir übernachteten in einfachen Hütten, die man im Sommer unbedingt vorher reservieren sollte. Das Frühstück war überall reichlich, das Wasser aus den Brunnen am Weg kalt und sauber.
Am zweiten Tag zog am Nachmittag ein Gewitter auf. Wir warteten eine Stunde in einer Schutzhütte und gingen danach auf nassen Wurzeln langsam weiter. Gute Schuhe mit festem Profil sind auf dieser Strecke wichtiger als jede Karte.
""",
        header=["Startseite | Touren | Ausrüstung | Kontakt"],
        trailer=["© 2026 Wanderzeit. Alle Rechte vorbehalten."],
    ),
    date="2026-01-14T11:41:26Z",
    language="deu",
)

APPLE_TART_FR = Page(
    "https://www.cuisine-facile.example/fr/recettes/tarte-aux-pommes",
    page_text(
        "Tarte aux pommes de grand-mère | Cuisine facile",
        """
Tarte aux pommes de grand-mère
Cette tarte se prépare en une demi-heure et demande peu d'ingrédients : une pâte brisée, quatre pommes, du beurre, du sucre et une pincée de cannelle.
Étalez la pâte dans un moule beurré et piquez le fond avec une fourchette. Épluchez les pommes, coupez-les en fines lamelles et disposez-les en rosace en les faisant se chevaucher.
Parsemez de petits morceaux de beurre et de sucre, puis enfournez pendant trente-cinq minutes à cent quatre-vingts degrés. La tarte est prête quand les bords des pommes commencent à caraméliser.
""",
        header=["Accueil | Recettes | Astuces | Contact"],
        trailer=["© 2026 Cuisine facile. Tous droits réservés."],
    ),
    date="2026-01-14T12:03:40Z",
    language="fra",
)

CUCUMBERS_RU = Page(
    "https://pro-sad.example/ru/ogorod/ogurcy-v-teplice",
    page_text(
        "Как вырастить огурцы в теплице | Про сад",
        """
Как вырастить огурцы в теплице
Огурцы любят тепло, влагу и свет, поэтому в средней полосе их чаще всего выращивают в теплице. Рассаду высаживают в начале мая, когда земля прогреется хотя бы до пятнадцати градусов.
Поливать растения лучше тёплой водой рано утром, не попадая на листья. В жаркие дни теплицу нужно проветривать, иначе цветки опадают и урожай получается скромным.
Собирайте плоды каждые два дня: чем чаще вы их снимаете, тем больше новых завязей появляется на плетях.
""",
        header=["Главная | Огород | Сад | Контакты"],
        trailer=["© 2026 Про сад. Все права защищены."],
    ),
    date="2026-01-14T12:25:09Z",
    language="rus",
)

METEOR_SHOWERS = Page(
    "https://skywatch.example/guides/watching-meteor-showers",
    page_text(
        "A Beginner's Guide to Watching Meteor Showers | Skywatch",
        """
A Beginner's Guide to Watching Meteor Showers
You need no telescope to enjoy a meteor shower. In fact a telescope would only get in the way: meteors streak across large parts of the sky, and the best instrument for catching them is a pair of rested eyes.
Find a place away from street lights, lie back on a reclining chair or a mat, and give your eyes at least twenty minutes to adapt to the dark. Every glance at a phone screen resets that clock, so put it away or switch it to a dim red display.
Most showers are best after midnight, when your side of the Earth faces forward along its orbit and sweeps up more of the dust. A bright moon washes out all but the brightest meteors, so check its phase before you plan a night out.
Dress as if it were ten degrees colder than the forecast. Lying still for an hour on a clear night is colder than any winter walk.
""",
        header=[MENU, "Guides | Sky this month | Equipment"],
        trailer=[NEWSLETTER, *footer("Skywatch")],
    ),
    date="2026-01-14T12:48:33Z",
)

LOGGING_POST = Page(
    "https://devjournal.example/posts/structured-logging-in-small-services",
    page_text(
        "Structured logging in small services — Dev Journal",
        """
Structured logging in small services
When a service is small, it is tempting to log with plain strings and grep through them when something breaks. That works until the day you need to know how many requests failed for one customer in the last hour.
Structured logs record each event as a set of named fields: a timestamp, a level, a message and whatever context matters, such as a request id or the name of the job. Most log collectors can then filter and count by field without a single regular expression.
Start by agreeing on a handful of field names and using them everywhere. Consistency matters more than completeness; a field that is called user in one place and customer_id in another is almost as bad as no field at all.
""",
        header=[MENU, "Posts | Talks | Archive"],
        trailer=[SHARE, *footer("Dev Journal")],
    ),
    date="2026-01-14T13:10:27Z",
)

WET_00000 = [
    SOURDOUGH,
    TOMATO_SOUP,
    WINTER_COMMUTING,
    LIBRARY_REOPENS,
    BLIGHT_THREAD,
    BACKPACK_30,
    CONTACT,
    INSURANCE_SPAM,
    BLACK_FOREST_DE,
    APPLE_TART_FR,
    CUCUMBERS_RU,
    METEOR_SHOWERS,
    LOGGING_POST,
]


# --- CC-MAIN-2026-01-00001.warc.wet.gz -----------------------------------------------------------------------

BANANA_BREAD = Page(
    "https://www.harbourkitchen.example/recipes/banana-bread",
    page_text(
        "One-Bowl Banana Bread | Harbour Kitchen",
        """
One-Bowl Banana Bread
The blacker the bananas, the better the bread. Mash three very ripe ones in a large bowl, then stir in seventy-five grams of melted butter, a beaten egg and a hundred and fifty grams of brown sugar.
Sift in two hundred grams of plain flour with a teaspoon of baking soda and a pinch of salt, and fold until just combined. Overmixing makes the crumb tough.
Bake in a lined loaf tin at one hundred and seventy degrees for about fifty-five minutes, until a skewer comes out clean. Let it cool in the tin for ten minutes before turning it out.
""",
        header=KITCHEN_HEADER,
        trailer=KITCHEN_FOOTER,
    ),
    date="2026-01-15T08:12:40Z",
)

# The same article as WINTER_COMMUTING, syndicated with small edits: near-duplicates for MinHash.
WINTER_COMMUTING_REPOST = Page(
    "https://www.bikecommuter.example/articles/five-lessons-winter-cycling",
    page_text(
        "Five lessons from a winter of cycling to work | Bike Commuter",
        WINTER_COMMUTING.text.split("\n", 3)[3]
        .split("\nShare this:")[0]
        .replace("Last winter I promised myself", "Last year I promised myself")
        .replace("I missed four days in total", "I missed only four days")
        .replace("usually in sleet", "usually in freezing rain"),
        header=["Bike Commuter", "Articles | Routes | Gear reviews"],
        trailer=[
            "This article first appeared on Cycling Notes and is republished with permission.",
            *footer("Bike Commuter"),
        ],
    ),
    date="2026-01-15T08:30:02Z",
)

LIBRARY_SYNDICATED = Page(
    "https://valleyherald.example/2026/01/12/millbrook-library-reopens",
    page_text(
        "Millbrook library reopens after renovation | Valley Herald",
        LIBRARY_REOPENS.text.split("\n", 5)[5]
        .split("\nMost read:")[0]
        .replace("reopened on Saturday", "reopened to the public on Saturday")
        .replace("3.2 million pounds", "£3.2m")
        .replace("Membership remains free", "Membership is still free"),
        header=[SKIP, "Valley Herald", "Local | Business | Opinion"],
        trailer=[NEWSLETTER, *footer("Valley Herald")],
    ),
    date="2026-01-15T08:47:55Z",
)

BACKPACK_40 = Page(
    "https://shop.ridgeline.example/products/trail-backpack-40l",
    page_text(
        "Trail Backpack 40L – Ridgeline Outdoor",
        """
Trail Backpack 40L
£89.99
Colour: Slate grey
Add to basket
A roomy pack for long days and overnight trips, with a ventilated back panel and a rain cover in the lid.
""",
        header=GEAR_HEADER,
        trailer=GEAR_FOOTER,
    ),
    date="2026-01-15T09:05:18Z",
)

SEEDLINGS_THREAD = Page(
    "https://forum.greenfingers.example/threads/1907-leggy-seedlings",
    page_text(
        "Why are my seedlings so leggy? | Greenfingers Forum",
        """
Why are my seedlings so leggy?
posted by windowsill_will
I sowed peppers and tomatoes on a north-facing windowsill three weeks ago. They came up quickly but now they are tall, pale and flopping over. What did I do wrong?
Reply from oldgrower58
Not enough light. Seedlings stretch towards whatever light they can find. Move them to the brightest window you have, turn the pots every day, and keep the room a little cooler so they grow more slowly and sturdily.
Reply from seedsaver
A cheap LED panel a hand's width above the pots made all the difference for me. Tomatoes that stretch can be buried deeper when you pot them on, because they grow roots along the stem.
""",
        header=["Forum index | New posts | Search | Log in", *COOKIE_BANNER],
        trailer=["Reply to this thread", "Greenfingers Forum is run by volunteers.", *footer("Greenfingers Forum")],
    ),
    date="2026-01-15T09:21:44Z",
)

PAELLA_ES = Page(
    "https://www.cocina-sencilla.example/es/recetas/paella-de-verduras",
    page_text(
        "Paella de verduras en casa | Cocina sencilla",
        """
Paella de verduras en casa
Para una buena paella no hace falta una cocina profesional, pero sí una sartén ancha y un arroz de grano redondo que absorba bien el caldo.
Sofríe en aceite de oliva un pimiento rojo, unas judías verdes y dos tomates rallados. Añade el arroz, remueve un minuto y vierte el doble de caldo caliente con unas hebras de azafrán.
A partir de ese momento no se remueve más. Deja que hierva a fuego medio unos dieciocho minutos y, al final, sube el fuego un instante para que se forme el socarrat en el fondo.
""",
        header=["Inicio | Recetas | Consejos | Contacto"],
        trailer=["© 2026 Cocina sencilla. Todos los derechos reservados."],
    ),
    date="2026-01-15T09:44:12Z",
    language="spa",
)

LIGHTHOUSES = Page(
    "https://coastalhistory.example/essays/why-lighthouses-have-stripes",
    page_text(
        "Why Lighthouses Have Stripes | Coastal History",
        """
Why Lighthouses Have Stripes
A lighthouse has two jobs. At night its light marks a dangerous coast; by day the tower itself has to be recognised from the sea, and that is where the paint comes in.
Before radio and satellite navigation, a captain who sighted land needed to know exactly which headland he was looking at. Neighbouring towers were therefore painted in different patterns: one with red and white bands, the next with a black spiral, a third left plain white against a dark cliff.
These patterns, called daymarks, were recorded in official lists alongside the colour and rhythm of each light. A navigator could compare the tower in front of him with the list and fix his position without any instrument but his eyes.
Today most ships rely on electronics, and many lighthouses run unattended. Yet the stripes are still repainted every few years, because a daymark costs little and never needs a battery.
""",
        header=[MENU, "Essays | Maps | Archive"],
        trailer=[SHARE, *footer("Coastal History Society")],
    ),
    date="2026-01-15T10:02:37Z",
)

WEIGHT_LOSS_SPAM = Page(
    "http://fast-weight-loss-tips.example/lose-weight-fast",
    "\n".join(
        [
            "lose weight fast lose weight fast tips fast weight loss tips lose weight now",
            "weight loss pills best weight loss pills cheap weight loss pills buy online now",
            "fast fast fast weight weight weight loss loss loss tips tips tips best best",
            "click here lose weight fast click here best diet click here free trial pills",
        ]
    ),
    date="2026-01-15T10:19:05Z",
)

WET_00001 = [
    BANANA_BREAD,
    WINTER_COMMUTING_REPOST,
    LIBRARY_SYNDICATED,
    BACKPACK_40,
    SEEDLINGS_THREAD,
    PAELLA_ES,
    LIGHTHOUSES,
    WEIGHT_LOSS_SPAM,
]


# --- CC-MAIN-2026-01-00000.warc.gz ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """An HTTP response as a crawler stored it."""

    url: str
    status: str  # "200 OK"
    headers: list[tuple[str, str]]
    body: bytes
    date: str


def html_page(title: str, nav: str, article: str, footer_html: str, meta: str = '<meta charset="utf-8">') -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
        f"{meta}\n<title>{title}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="stylesheet" href="/static/site.css">\n'
        "<script>window.dataLayer = window.dataLayer || [];</script>\n"
        "</head>\n<body>\n"
        '<a class="skip-link" href="#content">Skip to main content</a>\n'
        '<div id="cookie-banner" class="cookie-notice"><p>We use cookies to improve your experience on our site. '
        "By continuing to browse, you agree to our use of cookies.</p><button>Accept all cookies</button></div>\n"
        f"<header class=\"site-header\">{nav}</header>\n"
        f'<main id="content">\n{article}\n</main>\n'
        f'<footer class="site-footer">{footer_html}</footer>\n'
        "</body>\n</html>\n"
    )


def nav(*items: str) -> str:
    links = "".join(f'<li><a href="/{item.lower()}">{item}</a></li>' for item in items)
    return f'<nav class="main-menu"><ul>{links}</ul></nav>'


def footer_html(owner: str) -> str:
    return (
        f"<p>&copy; 2026 {owner}. All rights reserved.</p>"
        '<ul class="footer-links"><li><a href="/privacy">Privacy Policy</a></li>'
        '<li><a href="/terms">Terms of Use</a></li><li><a href="/cookies">Cookie Settings</a></li></ul>'
    )


def article(heading: str, paragraphs: list[str], extra: str = "") -> str:
    body = "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f"<article>\n<h1>{heading}</h1>\n{body}\n{extra}</article>"


KITCHEN_SOURDOUGH_HTML = html_page(
    "How to Make a Sourdough Starter from Scratch | Harbour Kitchen",
    nav("Home", "About", "Contact", "Recipes", "Techniques", "Shop"),
    article(
        "How to Make a Sourdough Starter from Scratch",
        [
            "A starter is nothing more than flour and water that has been left long enough for wild yeast and "
            "bacteria to settle in. It takes about a week, a clean jar and a little patience.",
            "On the first day, stir fifty grams of wholemeal flour into fifty grams of lukewarm water until no dry "
            "patches remain. Cover the jar loosely and leave it somewhere warm, ideally around twenty-four degrees.",
            "For the next six days, discard half of the mixture each morning and feed what is left with fresh flour "
            "and water in equal weights. The discarding feels wasteful, but it keeps the acidity in check.",
        ],
        '<aside class="related"><h2>You might also like</h2><ul><li><a href="/recipes/roast-tomato-soup">Roast '
        "Tomato Soup</a></li><li><a href=\"/recipes/banana-bread\">One-Bowl Banana Bread</a></li></ul></aside>\n",
    ),
    footer_html("Harbour Kitchen"),
)

METEOR_HTML = html_page(
    "A Beginner's Guide to Watching Meteor Showers | Skywatch",
    nav("Home", "About", "Contact", "Guides", "Equipment"),
    article(
        "A Beginner&#8217;s Guide to Watching Meteor Showers",
        [
            "You need no telescope to enjoy a meteor shower. Meteors streak across large parts of the sky, and the "
            "best instrument for catching them is a pair of rested eyes.",
            "Find a place away from street lights, lie back on a reclining chair or a mat, and give your eyes at "
            "least twenty minutes to adapt to the dark. Every glance at a phone screen resets that clock.",
            "Most showers are best after midnight, when your side of the Earth faces forward along its orbit and "
            "sweeps up more of the dust.",
        ],
        '<img src="/images/perseids.png" alt="perseids meteor shower photo long exposure">\n',
    ),
    '<div class="newsletter"><p>Subscribe to our newsletter for weekly updates.</p></div>' + footer_html("Skywatch"),
)

LOGGING_HTML = html_page(
    "Structured logging in small services — Dev Journal",
    nav("Home", "About", "Contact", "Posts", "Talks"),
    article(
        "Structured logging in small services",
        [
            "When a service is small, it is tempting to log with plain strings and grep through them when something "
            "breaks. That works until the day you need to know how many requests failed for one customer.",
            "Structured logs record each event as a set of named fields: a timestamp, a level, a message and "
            "whatever context matters, such as a request id or the name of the job.",
            "Start by agreeing on a handful of field names and using them everywhere. Consistency matters more than "
            "completeness.",
        ],
    ),
    footer_html("Dev Journal"),
)

# windows-1252, declared only in <meta>: the curly apostrophe (0x92) and en dash (0x96) are not Latin-1.
BISTRO_HTML_CP1252 = html_page(
    "Café Lumière – Our Story",
    nav("Home", "About", "Contact", "Menu", "Bookings"),
    article(
        "Café Lumière – Our Story",
        [
            "Café Lumière opened in a former bakery on the corner of Quay Street in 1998. The ovens are long gone, "
            "but the tiled floor and the brass rail along the counter are original.",
            "Our chef, Hélène Marchetti, changes the menu with the seasons – crêpes with chestnut cream in winter, "
            "chilled cucumber soup in July – and bakes every loaf we serve before the doors open at seven.",
            "We don’t take bookings for breakfast; just come in, find a table by the window and we’ll bring you "
            "coffee while you decide.",
        ],
    ),
    footer_html("Café Lumière"),
    meta='<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
).encode("cp1252")

# ISO-8859-1 named in the HTTP header only; browsers (and we) decode it as windows-1252.
MILL_HTML_LATIN1 = html_page(
    "Über die Mühle am Erlenbach",
    nav("Home", "About", "Contact"),
    article(
        "Über die Mühle am Erlenbach",
        [
            "Die Mühle am Erlenbach wurde 1782 gebaut und mahlte bis 1961 Getreide für die Dörfer im Tal. Heute "
            "gehört sie einem Verein, der das große Wasserrad jeden Sonntag im Sommer für Besucher laufen lässt.",
            "Im Erdgeschoss zeigt eine kleine Ausstellung, wie aus Korn Mehl wurde: vom Schälen über das Mahlen "
            "bis zum Sieben. Kinder dürfen die Handmühle selbst ausprobieren.",
        ],
    ),
    footer_html("Mühlenverein Erlenbach e.V."),
    meta="",
).encode("latin-1")

NOT_FOUND_HTML = html_page(
    "Page not found | Skywatch",
    nav("Home", "About", "Contact"),
    "<h1>Page not found</h1><p>Sorry, the page you were looking for has moved or no longer exists.</p>",
    footer_html("Skywatch"),
).encode("utf-8")

# A 1x1 transparent PNG.
PNG_PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

WARC_RESPONSES = [
    Response(
        "http://harbourkitchen.example/",
        "301 Moved Permanently",
        [("Location", "https://www.harbourkitchen.example/"), ("Content-Type", "text/html; charset=utf-8")],
        b"<html><body><a href=\"https://www.harbourkitchen.example/\">Moved</a></body></html>",
        "2026-01-13T21:14:02Z",
    ),
    Response(
        "https://www.harbourkitchen.example/recipes/sourdough-starter",
        "200 OK",
        [("Content-Type", "text/html; charset=UTF-8"), ("X-Crawler-Content-Encoding", "gzip")],
        KITCHEN_SOURDOUGH_HTML.encode("utf-8"),
        "2026-01-13T21:14:05Z",
    ),
    Response(
        "https://skywatch.example/guides/watching-meteor-showers",
        "200 OK",
        [("Content-Type", "text/html;charset=utf-8")],
        METEOR_HTML.encode("utf-8"),
        "2026-01-13T21:15:40Z",
    ),
    Response(
        "https://skywatch.example/images/perseids.png",
        "200 OK",
        [("Content-Type", "image/png")],
        PNG_PIXEL,
        "2026-01-13T21:15:43Z",
    ),
    Response(
        "https://skywatch.example/guides/old-telescope-guide",
        "404 Not Found",
        [("Content-Type", "text/html; charset=utf-8")],
        NOT_FOUND_HTML,
        "2026-01-13T21:16:12Z",
    ),
    Response(
        "https://www.cafe-lumiere.example/our-story",
        "200 OK",
        [("Content-Type", "text/html")],
        BISTRO_HTML_CP1252,
        "2026-01-13T21:17:30Z",
    ),
    Response(
        "http://www.muehle-erlenbach.example/ueber-uns.html",
        "200 OK",
        [("Content-Type", "text/html; charset=ISO-8859-1")],
        MILL_HTML_LATIN1,
        "2026-01-13T21:18:51Z",
    ),
    Response(
        "https://devjournal.example/posts/structured-logging-in-small-services",
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        gzip.compress(LOGGING_HTML.encode("utf-8"), mtime=0),
        "2026-01-13T21:19:20Z",
    ),
]


def http_response(response: Response) -> tuple[bytes, bytes]:
    """(HTTP headers, body) as sent."""
    lines = [f"HTTP/1.1 {response.status}", "Server: nginx", f"Content-Length: {len(response.body)}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii"), response.body


def warc_records(filename: str, responses: list[Response]) -> list[bytes]:
    records = [
        warcinfo(
            filename,
            "2026-01-13T21:14:00Z",
            {
                "software": "llamix-fixtures/1.0",
                "hostname": "crawler-07.example",
                "format": "WARC File Format 1.0",
                "isPartOf": CRAWL,
                "operator": "llamix test fixtures",
                "robots": "checked",
            },
        )
    ]
    for response in responses:
        host = response.url.split("/")[2]
        path = "/" + response.url.split("/", 3)[3] if response.url.count("/") > 2 else "/"
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: llamix-fixtures/1.0\r\n"
            "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n\r\n"
        ).encode("ascii")
        warcinfo_id = record_id("warcinfo", filename)
        records.append(
            warc_record(
                "request",
                [
                    ("WARC-Date", response.date),
                    ("WARC-Record-ID", record_id("request", response.url)),
                    ("Content-Type", "application/http; msgtype=request"),
                    ("WARC-Warcinfo-ID", warcinfo_id),
                    ("WARC-Block-Digest", block_digest(request)),
                    ("WARC-Target-URI", response.url),
                ],
                request,
            )
        )
        http_headers, body = http_response(response)
        records.append(
            warc_record(
                "response",
                [
                    ("WARC-Date", response.date),
                    ("WARC-Record-ID", record_id("response", response.url)),
                    ("Content-Type", "application/http; msgtype=response"),
                    ("WARC-Warcinfo-ID", warcinfo_id),
                    ("WARC-Concurrent-To", record_id("request", response.url)),
                    ("WARC-IP-Address", "192.0.2.17"),
                    ("WARC-Target-URI", response.url),
                    ("WARC-Payload-Digest", block_digest(body)),
                    ("WARC-Block-Digest", block_digest(http_headers + body)),
                ],
                http_headers + body,
            )
        )
        metadata = b"fetchTimeMs: 212\r\ncharset-detected: UTF-8\r\n"
        records.append(
            warc_record(
                "metadata",
                [
                    ("WARC-Date", response.date),
                    ("WARC-Record-ID", record_id("metadata", response.url)),
                    ("WARC-Refers-To", record_id("response", response.url)),
                    ("Content-Type", "application/warc-fields"),
                    ("WARC-Warcinfo-ID", warcinfo_id),
                    ("WARC-Target-URI", response.url),
                    ("WARC-Block-Digest", block_digest(metadata)),
                ],
                metadata,
            )
        )
    return records


# --- bad inputs ---------------------------------------------------------------------------------------------


def short_page(letter: str, sentence: str) -> Page:
    return Page(f"https://notes.example/{letter.lower()}", f"Page {letter}\n{sentence}", date="2026-01-16T07:00:00Z")


GOOD_A = short_page("A", "The harbour wall was rebuilt in granite after the storm of 1953.")
GOOD_B = short_page("B", "Ferries leave for the islands twice a day in summer and once in winter.")
GOOD_C = short_page("C", "The fish market opens at five, long before the cafés on the quay.")
GOOD_D = short_page("D", "Gulls nest on the old customs house, to the despair of its owners.")
GOOD_E = short_page("E", "A small museum in the lifeboat station tells the story of the rescues.")


def truncated_wet() -> bytes:
    """Five whole members, then the file cut halfway through the sixth (the 5th page, E)."""
    members = [gzip.compress(r, mtime=0) for r in [wet_warcinfo("bad-truncated.warc.wet.gz")] + [
        conversion(p) for p in (GOOD_A, GOOD_B, GOOD_C, GOOD_D, GOOD_E)
    ]]
    return b"".join(members[:-1]) + members[-1][: len(members[-1]) // 2]


def content_length_wet() -> bytes:
    """B says its block is 40 bytes longer than it is, D says 25 bytes shorter; A, C and E are good."""
    records = [
        wet_warcinfo("bad-content-length.warc.wet.gz"),
        conversion(GOOD_A),
        conversion(GOOD_B, content_length=len(GOOD_B.text.encode()) + 40),
        conversion(GOOD_C),
        conversion(GOOD_D, content_length=len(GOOD_D.text.encode()) - 25),
        conversion(GOOD_E),
    ]
    return gzip_members(records)


def non_utf8_wet() -> bytes:
    """B's block holds windows-1252 bytes and a stray 0xFF: not UTF-8, though its digest and length are right."""
    bad_block = "Page B\nCaf\xe9 cr\xe8me \u2013 ".encode("cp1252") + b"\xff\xfe end"
    records = [
        wet_warcinfo("bad-non-utf8.warc.wet.gz"),
        conversion(GOOD_A),
        conversion(GOOD_B, block=bad_block),
        conversion(GOOD_C),
    ]
    return gzip_members(records)


WET_PATHS = [
    f"crawl-data/{CRAWL}/segments/1767225600000.11/wet/CC-MAIN-20260101000000-20260101030000-00000.warc.wet.gz",
    f"crawl-data/{CRAWL}/segments/1767225600000.11/wet/CC-MAIN-20260101000000-20260101030000-00001.warc.wet.gz",
    f"crawl-data/{CRAWL}/segments/1767236400000.12/wet/CC-MAIN-20260101030000-20260101060000-00002.warc.wet.gz",
    f"crawl-data/{CRAWL}/segments/1767236400000.12/wet/CC-MAIN-20260101030000-20260101060000-00003.warc.wet.gz",
]


# --- main ---------------------------------------------------------------------------------------------------


def write_demo() -> list[Path]:
    sys.dont_write_bytecode = True  # no __pycache__ among the fixtures
    sys.path.insert(0, str(HERE))
    import demo_pages  # noqa: PLC0415 - the demo text lives in its own module

    written = []
    DEMO.mkdir(parents=True, exist_ok=True)
    for number, demo in enumerate([demo_pages.DEMO_00000, demo_pages.DEMO_00001]):
        name = f"{CRAWL}-demo-{number:05d}.warc.wet.gz"
        pages = []
        for index, item in enumerate(demo):
            header, trailer = demo_pages.SITES[item.site]
            text = page_text(item.title, item.body, header=header, trailer=trailer) if item.site != "spam" else (
                item.body.strip()
            )
            date = f"2026-01-{17 + number:02d}T{8 + index // 6:02d}:{(index * 7) % 60:02d}:{(index * 13) % 60:02d}Z"
            pages.append(Page(item.url, text, date=date, language=item.language))
        path = DEMO / name
        path.write_bytes(wet_file(name, pages))
        written.append(path)
    return written


def main() -> None:
    outputs = {
        f"{CRAWL}-00000.warc.wet.gz": wet_file(f"{CRAWL}-00000.warc.wet.gz", WET_00000),
        f"{CRAWL}-00001.warc.wet.gz": wet_file(f"{CRAWL}-00001.warc.wet.gz", WET_00001),
        f"{CRAWL}-00000.warc.gz": gzip_members(warc_records(f"{CRAWL}-00000.warc.gz", WARC_RESPONSES)),
        "bad-truncated.warc.wet.gz": truncated_wet(),
        "bad-content-length.warc.wet.gz": content_length_wet(),
        "bad-non-utf8.warc.wet.gz": non_utf8_wet(),
        "bad-empty.warc.wet.gz": b"",
        "wet.paths.gz": gzip.compress(("\n".join(WET_PATHS) + "\n").encode("ascii"), mtime=0),
    }
    for name, data in outputs.items():
        (HERE / name).write_bytes(data)
    for path in write_demo():
        logger.info("wrote %s (%d bytes)", path, path.stat().st_size)
    logger.info("wrote %d fixtures to %s", len(outputs), HERE)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
