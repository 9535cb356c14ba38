"""Regenerate the C4 fixtures here and the C4 demo sample: ``python tests/data/c4/make_c4_fixtures.py``.

The files are real CommonCrawl WET files, written with the WET writer of ``tests/data/commoncrawl/make_fixtures.py``
(WARC/1.0, sha1 block digests, a gzip member per record, a ``warcinfo`` record first; deterministic bytes). All
page text is original, written for these tests; sites are fictional and live under the reserved ``.example``
domain. The tests never run this script: rerun it after changing a page and commit the outputs.

| file | what it exercises |
|---|---|
| CC-MAIN-2026-01-c4-00000.warc.wet.gz | one page per C4 line rule (end mark, ellipsis, short line, long word, javascript, policy, citations), the page rules (lorem ipsum, `{`, `{` in a line already dropped, too few sentences, over 190,000 characters), a German page, two bad-word pages, the older copy of a duplicated URL, the first page of the repeated line and a local duplicate, the line-dedup winner E |
| CC-MAIN-2026-01-c4-00001.warc.wet.gz | the newer copy of the duplicated URL, the two other pages of the repeated line, page D (left with too few sentences by line dedup), and a page of the validation split |
| badwords.txt | a stand-in bad-words list (made-up words, not LDNOOBW), with a blank line that must be ignored |

The demo sample ``pipelines/demo_data/c4/`` holds the CommonCrawl demo's pages (``demo_pages.py`` there), plus
the C4-specific pages in ``DEMO_EXTRAS`` below; see the README beside it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
CC_FIXTURES = HERE.parent / "commoncrawl"
DEMO = HERE.parents[2] / "pipelines" / "demo_data" / "c4"
logger = logging.getLogger(__name__)


def load_by_path(name: str, path: Path) -> ModuleType:
    """Imports a fixture script under its own name: several fixture folders have a `make_fixtures.py`."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    sys.dont_write_bytecode, before = True, sys.dont_write_bytecode  # no __pycache__ among the fixtures
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module


_CC = load_by_path("llamix_fixtures_commoncrawl", CC_FIXTURES / "make_fixtures.py")  # the WET writer
CRAWL, Page, page_text, wet_file = _CC.CRAWL, _CC.Page, _CC.page_text, _CC.wet_file
MENU = "Home | Ferries | Tides | Market | Contact"
SITE = "https://harbourguide.example"


def guide_page(slug: str, title: str, lines: list[str], date: str = "2026-01-12T08:00:00Z") -> Page:
    """A page of the fictional Harbour Guide: its menu and title (neither ends in an end mark), then `lines`."""
    return Page(f"{SITE}/{slug}", "\n".join([MENU, title, *lines]), date=date)


def md5_int(text: str) -> int:
    return int(hashlib.md5(text.encode("utf-8")).hexdigest(), 16)


# --- one page per line rule ---------------------------------------------------------------------------------

NO_END_MARK_LINE = "Read the full timetable on the harbour website"
QUOTE_END_LINE = 'The crew still call the oldest boat on the route "the Grey Lady"'
END_MARKS = guide_page("ferries", "Ferries to the Outer Islands", [
    "Ferries to the outer islands leave from the north quay twice a day in summer.",
    "In winter there is only one boat, and it does not sail when the wind is strong.",
    "Do you need to book a place for a car on the morning crossing?",
    "Yes, and you should book at least a week ahead during the school holidays!",
    QUOTE_END_LINE,
    NO_END_MARK_LINE,
])

ELLIPSIS_LINE = "And then the fog came down over the whole of the bay..."
ELLIPSIS = guide_page("fog", "Sea Fog", [
    "Sea fog can roll into the bay within a few minutes on a warm spring afternoon.",
    "Fishermen learned to read the colour of the sky over the headland before going out.",
    "The foghorn on the point was switched off for good in the autumn of 1998.",
    ELLIPSIS_LINE,
])

SHORT_LINE = "The market is busy."  # 4 words
FIVE_WORD_LINE = "The market is busy again."  # 5 words
SHORT = guide_page("market", "The Fish Market", [
    "The fish market opens at five in the morning, long before the cafes on the quay.",
    "Buyers from the restaurants in town arrive first and take the best of the catch.",
    "By nine o'clock the stalls are washed down and the gulls have the place to themselves.",
    SHORT_LINE,
    FIVE_WORD_LINE,
])

LONG_WORD_LINE = "The booking code for this week is " + "harbour" * 143 + " and nothing else."  # a 1001-letter word
LONG_WORD = guide_page("tides", "Tide Tables", [
    "High water at the harbour comes about forty minutes later each day.",
    "Spring tides follow the full and the new moon, and they uncover the old stone jetty.",
    "Walkers should check the table before crossing the sands to the island at low water.",
    LONG_WORD_LINE,
])

JAVASCRIPT_LINE = "Please enable JavaScript in your browser to see the interactive map."
JAVASCRIPT = guide_page("map", "Map of the Harbour", [
    "The harbour is easy to walk around in an hour, starting from the bus station.",
    "Follow the quay past the fish market and the lifeboat station to the lighthouse.",
    "Public toilets and a water tap are next to the ticket office for the ferries.",
    JAVASCRIPT_LINE,
])

POLICY_LINES = [
    "By using this site you agree to our terms of use and our privacy policy.",
    "This website uses cookies to remember your preferences between visits.",
]
POLICY = guide_page("about", "About the Harbour Guide", [
    "The Harbour Guide is written by volunteers who have lived in the town for years.",
    "We walk every route we describe and update the pages when something changes.",
    "Corrections and suggestions are always welcome, and we read every letter we get.",
    *POLICY_LINES,
])

CITATION_LINES = [  # raw, as on the page
    "History[edit]",
    "The lighthouse on the point was built in 1871 and first lit the following spring.[1]",
    "Its keepers lived in two cottages at the foot of the tower until 1989.[citation needed]",
    "The light was automated in that year and the cottages were sold as holiday homes.[2][3]",
]
CITATION = guide_page("lighthouse", "The Lighthouse", CITATION_LINES)

# --- page rules ---------------------------------------------------------------------------------------------

LOREM = guide_page("draft-walks", "Walks Around the Harbour", [
    "There are three short walks that start and finish at the harbour car park.",
    "The shortest follows the river to the old mill and back in about forty minutes.",
    "The longest climbs to the headland and returns along the beach at low tide.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.",
])

CURLY = guide_page("widget", "Embed the Tide Widget", [
    "You can show the tide times for the harbour on your own website.",
    "The widget updates itself every hour and works on phones as well as computers.",
    "Set the options with var opts = { size: 2 } before the widget loads.",
    "Ask the harbour office if you would like a larger version for a shop window.",
])

CURLY_IGNORED = guide_page("embed-help", "Help with the Tide Widget", [
    "Most problems with the tide widget come from copying only part of the code.",
    "Copy all of it from the help page and paste it near the bottom of your own page.",
    "If the times still do not appear, wait a few minutes and then try again.",
    "var opts = { size: 2 }",  # no end mark: the line goes before its `{` is looked at
])

FEW_SENTENCES = guide_page("contact", "Contact the Harbour Office", [
    "Call the harbour office on weekdays between nine in the morning and five.",
    "Letters should be sent to the harbour master at the office on the north quay.",
    "Office hours",
    "Telephone 01632 960 118",
])

# Over 190,000 characters: an archive of notices, one a line.
TOO_LONG = guide_page("notices", "Notices to Mariners, 1990 to 2025", [
    f"Notice {n}: the green buoy at the harbour entrance was moved ten metres to the east." for n in range(1, 2400)
])

GERMAN = guide_page("de/faehren", "Fähren zu den Inseln", [
    "Die Fähren zu den Inseln legen im Sommer zweimal am Tag am Nordkai ab.",
    "Im Winter fährt nur ein Schiff, und bei starkem Wind bleibt es im Hafen.",
    "Wer mit dem Auto übersetzen möchte, sollte in den Ferien eine Woche vorher buchen.",
    "Die Überfahrt dauert etwa anderthalb Stunden, bei ruhiger See auch etwas weniger.",
])

BADWORDS = ["grobble", "snark weasel", "", "Quoggle"]  # made-up stand-ins; the blank line must be ignored
BADWORD = guide_page("letters", "Letters to the Harbour Guide", [
    "A reader from the town wrote to us about the plans for a new car park on the quay.",
    "She thinks the whole scheme is a grobble and that the quay should stay open to walkers.",
    "Another reader asked us to print the winter timetable for the ferries again this year.",
])
NEAR_BADWORD = guide_page("letters-2", "More Letters to the Harbour Guide", [
    "A reader who runs a cafe on the quay wrote to us about the new opening hours.",
    "He says the grobbles on his menu sell out every weekend, whatever the weather does.",
    "Another reader asked us whether the lifeboat station will hold an open day in the summer.",
])

# --- URL dedup: one URL crawled twice ------------------------------------------------------------------------

OLD_COPY = Page("http://www.tidewater.example/guide/", "\n".join([
    "Tidewater Guide",
    "The tidewater guide explains how the tides in the estuary work for visitors.",
    "The estuary fills and empties twice a day, and the channel moves after every storm.",
    "Boats should only cross the bar in the two hours either side of high water.",
]), date="2026-01-10T07:00:00Z")
NEW_COPY = Page("https://tidewater.example/guide?utm_source=newsletter", "\n".join([
    "Tidewater Guide",
    "The tidewater guide explains how the tides in the estuary work for visitors.",
    "The estuary fills and empties twice a day, and the channel moves after every storm.",
    "Boats should only cross the bar in the two hours either side of high water.",
    "This guide was brought up to date in January with the new winter timetable.",
]), date="2026-01-20T07:00:00Z")

# --- line dedup -----------------------------------------------------------------------------------------------

REPEATED_LINE = "The coastal bus runs every hour between the harbour and the old town."
LOCAL_DUPLICATE = "Tickets can be bought from the driver with cash or with a card."
REPEATED = [
    guide_page("buses", "Buses from the Harbour", [
        REPEATED_LINE,
        "The first bus leaves at seven in the morning and the last one at half past ten.",
        LOCAL_DUPLICATE,
        "On Sundays the service runs every two hours and stops early in the evening.",
        LOCAL_DUPLICATE,
    ]),
    guide_page("old-town", "The Old Town", [
        "The old town sits on the hill above the harbour, inside what is left of its walls.",
        REPEATED_LINE,
        "Its narrow streets are closed to cars, so leave yours at the car park by the gate.",
        "The market square holds a craft fair on the first Saturday of every month.",
    ], date="2026-01-13T08:00:00Z"),
    guide_page("getting-here", "Getting Here", [
        "Most visitors arrive by train and walk down to the harbour in ten minutes.",
        "  " + REPEATED_LINE.upper() + "  ",  # same line once stripped and lower-cased
        "Drivers should follow the signs for the ferry terminal and park on the east side.",
        "Cyclists can leave their bikes in the covered stands next to the ticket office.",
    ], date="2026-01-13T09:00:00Z"),
]

SHARED_WITH_D = "The swimming pool by the beach is heated from May until the end of September."


def dedup_pair() -> tuple[Page, Page]:
    """E (kept whole) and D (loses its shared line to E, keeps two sentences, is dropped): E's URL needs the smaller
    md5, so the slugs are numbered until it has."""
    for n in range(100):
        e_url, d_url = f"{SITE}/beach-{n}", f"{SITE}/pool-{n}"
        if md5_int(e_url) < md5_int(d_url):
            break
    e = Page(e_url, "\n".join([MENU, "The Beach", *[
        "The beach below the promenade is sandy at low tide and shingle at high tide.",
        SHARED_WITH_D,
        "Lifeguards watch the middle of the beach from late spring to early autumn.",
        "Dogs are welcome on the sand before ten in the morning and after six at night.",
    ]]), date="2026-01-12T10:00:00Z")
    d = Page(d_url, "\n".join([MENU, "The Swimming Pool", *[
        SHARED_WITH_D,
        "Children under eight must be with an adult who stays in the water with them.",
        "Lessons for beginners are held on Saturday mornings, and booking is essential.",
    ]]), date="2026-01-13T10:00:00Z")
    return e, d


def validation_url(prefix: str) -> str:
    """`https://{prefix}{n}` for the first n whose normalized URL has md5 % 1000 == 0: a page of split=validation."""
    n = next(n for n in range(1_000_000) if md5_int(f"{prefix}{n}") % 1000 == 0)
    return f"https://{prefix}{n}"


def validation_page() -> Page:
    return Page(validation_url("almanac.example/tides/"), "\n".join([
        "Almanac of the Tides",
        "The almanac lists the times of high and low water for every day of the year.",
        "Each entry also gives the height of the tide and the phase of the moon that night.",
        "Sailors have used the printed edition for generations, long before there were apps.",
    ]), date="2026-01-14T06:00:00Z")


E_PAGE, D_PAGE = dedup_pair()
VALIDATION = validation_page()

WET_00000 = [END_MARKS, ELLIPSIS, SHORT, LONG_WORD, JAVASCRIPT, POLICY, CITATION, LOREM, CURLY, CURLY_IGNORED,
             FEW_SENTENCES, TOO_LONG, GERMAN, BADWORD, NEAR_BADWORD, OLD_COPY, REPEATED[0], E_PAGE]
WET_00001 = [NEW_COPY, REPEATED[1], REPEATED[2], D_PAGE, VALIDATION]


# --- the demo sample ------------------------------------------------------------------------------------------

DEMO_EXTRAS_00000 = [
    Page("https://wiki.kestrelbay.example/wiki/Kestrel_Bay_Pier", "\n".join([
        "Kestrel Bay Pier - Kestrel Bay Wiki",
        "Kestrel Bay Pier",
        "Kestrel Bay Pier is a wooden pleasure pier on the south side of the bay.[1]",
        "It was opened in 1893 by a company of local traders who hoped to bring steamers from the city.[2]",
        "The steamers stopped calling in 1939, but the pier stayed popular with anglers and walkers.",
        "History[edit]",
        "A storm in the winter of 1987 tore away the last forty metres of the deck.[citation needed]",
        "The town bought the pier in 1990 and rebuilt it with a cafe at the seaward end.[3]",
        "See also[edit]",
        "Kestrel Bay lifeboat station",
        "References[edit]",
    ]), date="2026-01-17T09:10:00Z"),
    Page("https://newtheme.example/demo/about-us", "\n".join([
        "About Us - New Theme Demo",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.",
        "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip.",
        "Our team is passionate about building websites that work for everyone who visits them.",
        "Contact us today to find out how we can help your business grow this year.",
    ]), date="2026-01-17T09:20:00Z"),
    Page("http://www.skywatch.example/events/meteor-night/", "\n".join([
        "Meteor Night at the Observatory",
        "Join us on the hill for the Perseid meteor shower in the middle of August.",
        "Bring a blanket and a warm coat, because it gets cold after midnight even in summer.",
        "The telescopes will be open from ten, weather permitting, and entry is free.",
    ]), date="2026-01-17T09:30:00Z"),
]
DEMO_EXTRAS_00001 = [
    Page("https://devjournal.example/posts/reading-json-config", "\n".join([
        "Reading a JSON config file - Dev Journal",
        "Posts | Talks | Archive",
        "Most small tools end up needing a config file sooner or later, and JSON is a fine choice.",
        "A minimal file looks like this: { \"retries\": 3, \"timeout\": 10 }.",
        "Load it once at start-up, check every key you expect, and fail with a clear message if one is missing.",
        "Never fall back silently to a default when a key is misspelled, because nobody will notice for months.",
    ]), date="2026-01-18T10:05:00Z"),
    Page("https://skywatch.example/events/meteor-night?utm_source=newsletter", "\n".join([
        "Meteor Night at the Observatory",
        "Join us on the hill for the Perseid meteor shower in the middle of August.",
        "Bring a blanket and a warm coat, because it gets cold after midnight even in summer.",
        "The telescopes will be open from ten, weather permitting, and entry is free.",
        "Update: the car park is closed this year, so please come on foot or by bike.",
    ]), date="2026-01-18T10:15:00Z"),
    Page(validation_url("skywatch.example/almanac/"), "\n".join([
        "Sky Almanac - Skywatch",
        "Guides | Equipment | Events",
        "This month the evening sky is at its best in the week after the new moon.",
        "Look low in the west after sunset for the brightest planet, which appears before any star.",
        "Later in the night the winter constellations rise in the east, led by the hunter and his two dogs.",
        "If the weather is clear on Friday, the club will meet on the hill from nine until midnight.",
    ]), date="2026-01-18T10:20:00Z"),
    Page("https://maps.millbrookrecord.example/flood-map", "\n".join([
        "Flood map - Millbrook Record",
        "You need to enable JavaScript to run this app.",
        "The council has published a new map of the streets that flooded in November.",
        "Residents of the streets shown in blue can ask for free sandbags from the depot.",
        "The depot on Mill Lane is open from eight until six on weekdays and on Saturday mornings.",
    ]), date="2026-01-18T10:25:00Z"),
]


def demo_pages() -> list[list[Page]]:
    """The CommonCrawl demo's pages (each with its site's chrome, as that demo writes them) and the extras."""
    cc_demo = load_by_path("llamix_fixtures_commoncrawl_demo", CC_FIXTURES / "demo_pages.py")
    files = []
    for number, (demo, extras) in enumerate(((cc_demo.DEMO_00000, DEMO_EXTRAS_00000),
                                             (cc_demo.DEMO_00001, DEMO_EXTRAS_00001))):
        pages = []
        for index, item in enumerate(demo):
            header, trailer = cc_demo.SITES[item.site]
            text = item.body.strip() if item.site == "spam" else page_text(item.title, item.body, header=header,
                                                                           trailer=trailer)
            date = f"2026-01-{17 + number:02d}T{8 + index // 6:02d}:{(index * 7) % 60:02d}:{(index * 13) % 60:02d}Z"
            pages.append(Page(item.url, text, date=date, language=item.language))
        files.append(pages + extras)
    return files


def main() -> None:
    outputs = {
        f"{CRAWL}-c4-00000.warc.wet.gz": wet_file(f"{CRAWL}-c4-00000.warc.wet.gz", WET_00000),
        f"{CRAWL}-c4-00001.warc.wet.gz": wet_file(f"{CRAWL}-c4-00001.warc.wet.gz", WET_00001),
        "badwords.txt": ("\n".join(BADWORDS) + "\n").encode("utf-8"),
    }
    for name, data in outputs.items():
        (HERE / name).write_bytes(data)
    logger.info("wrote %d fixtures to %s", len(outputs), HERE)
    DEMO.mkdir(parents=True, exist_ok=True)
    for number, pages in enumerate(demo_pages()):
        name = f"{CRAWL}-c4-demo-{number:05d}.warc.wet.gz"
        (DEMO / name).write_bytes(wet_file(name, pages))
        logger.info("wrote %s (%d pages, %d bytes)", DEMO / name, len(pages), (DEMO / name).stat().st_size)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
