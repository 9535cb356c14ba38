"""Regenerate the books fixtures here and the demo sample: ``python tests/data/books/make_fixtures.py``.

Gutenberg files imitate the *structure* of Project Gutenberg plain-text files of three eras (the marker lines, the
header fields, where the licence sits, 72-column wrapping, CRLF in one file); every sentence of header, licence and
book is our own (`book_stories.py`), not Project Gutenberg's. Output is deterministic (gzip mtime 0); the generated
files are committed and the tests never run this script: rerun it after changing a story or a template and commit
the results. The script checks the overlap premises of the dedup fixtures (exact shingle containment) before
writing.

| file | what it exercises |
|---|---|
| gutenberg/10001.txt | current style (2020s): `*** START OF THE PROJECT GUTENBERG EBOOK …`, `Release date: … [eBook #10001]` with an indented continuation, `Produced by` credits, licence after `*** END …`; CRLF line ends |
| gutenberg/10002.txt | older style (2000s): `*** START OF THIS PROJECT GUTENBERG EBOOK`, `[EBook #10002]`, `End of the Project Gutenberg EBook of …` then `*** END OF THIS …`, `*** START: FULL LICENSE ***` |
| gutenberg/10002-0.txt | the same ebook again (a mirror's UTF-8 copy): one is `duplicate_id` |
| gutenberg/10003.txt | 1990s style: no `Title:` (title and author from `**The Project Gutenberg Etext of …, by …**`), `[Etext #10003]`, `*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*`, `End of the Project Gutenberg Etext of …` |
| gutenberg/10004-8.txt | French, `Character set encoding: ISO-8859-1`, bytes in Windows-1252 (including `œ`, 0x9C) |
| gutenberg/10005-0.txt.gz | German, gzip, UTF-8, footer `Ende dieses Project Gutenberg Etextes …` |
| gutenberg/10006.txt | START line whose title wraps onto a second line; no END marker, a trailing licence block only |
| gutenberg/10007.txt | markers and credits but no book: `empty_after_strip` |
| gutenberg/no-markers.txt | plain text without any marker: `no_gutenberg_markers` |
| gutenberg/20001.txt | a 40-paragraph book (synthetic sentences) |
| gutenberg/20003.txt | shares 24 of its 40 paragraphs with 20001 (~60% overlap): both kept |
| gutenberg/bad-truncated.txt.gz | a gzip cut in half: `input_error` |
| gutenberg/bad-utf16.txt | UTF-16 text: `input_error` |
| gutenberg/bad-bytes.txt | declares ISO-8859-1 but holds bytes 0x81/0x8D (neither UTF-8 nor Windows-1252): `input_error` |
| books3/The Lamplighter of Vell.epub.txt | a Books3 book as a text file |
| books3/10001.txt | a Books3 file named like Gutenberg ebook 10001: ids `books/books3/10001` vs `books/gutenberg/10001` |
| books3/books3-part-00.jsonl | a 39-paragraph copy of 20001 with a new foreword and edits (>90% inside 20001: dropped, 20001 kept), a standalone book, a blank text (`empty_after_strip`), a blank line, a line of broken JSON and a record without `text` (`input_error` ×2) |
| books3/books3-part-01.jsonl.gz | gzip JSONL: a standalone book, and an exact copy of part-00's standalone record (same id: `duplicate_id`) |
| books3/bad-truncated.jsonl.gz | gzip JSONL cut inside its third record: two records, then `input_error` |

The demo sample, ``pipelines/demo_data/books/``, is written from the same stories (see the README there).
"""
from __future__ import annotations

import gzip
import io
import json
import logging
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DEMO = ROOT / "pipelines" / "demo_data" / "books"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from book_stories import (  # noqa: E402
    DER_BRUNNENBAUER, HARBOUR_SONGS, LAMPLIGHTER, LE_PASSEUR, ORCHARD_LEDGER, SALT_AND_CEDAR, TIDEWATER_CLOCK,
    WINTER_STATION, Story, generated_paragraphs,
)

log = logging.getLogger(__name__)

# The overlap fixtures: a 40-paragraph book, its Books3 copy, and a book sharing 24 of its paragraphs.
ALMANAC = Story("The Lantern Keeper's Almanac", "Wilhelmina Stroud", "English", tuple(generated_paragraphs(1, 40)))
SECOND_ALMANAC = Story("A Second Almanac", "Wilhelmina Stroud", "English",
                       ALMANAC.paragraphs[:24] + tuple(generated_paragraphs(3, 16)))
STANDALONE = Story("The Lock Keeper's Year", "Basil Frome", "English", tuple(generated_paragraphs(5, 12)))
STANDALONE_GZ = Story("Notes on Small Rivers", "Clara Venn", "English", tuple(generated_paragraphs(6, 10)))


def almanac_copy() -> str:
    """Books3 edition of ALMANAC: a foreword, the first 38 paragraphs, a few words changed in two of them."""
    paragraphs = list(ALMANAC.paragraphs[:38])
    for i in (5, 20):
        words = paragraphs[i].split(" ")
        words[3] = "lighthouse"
        paragraphs[i] = " ".join(words)
    foreword = "Foreword to this edition. The almanac is printed here from the keeper's own copy."
    return "\n\n".join([foreword, *paragraphs])


def wrap(text: str, width: int = 72) -> str:
    """Hard-wraps every paragraph at `width` columns, as Project Gutenberg's plain-text files are."""
    return "\n\n".join(textwrap.fill(p, width, break_long_words=False, break_on_hyphens=False) if "\n" not in p
                       else p for p in text.split("\n\n"))


# --- headers and footers (our wording, PG's structure) ------------------------------------------------------------

LICENCE = """THE FULL PROJECT GUTENBERG LICENSE
PLEASE READ THIS BEFORE YOU DISTRIBUTE OR USE THIS WORK

These terms keep electronic books free to share. By reading, copying or
passing on this file you accept them.

Section 1. Using this electronic work

1.A. If you do not accept these terms, stop using this file and delete
your copies of it.

1.B. The name "Project Gutenberg" is a registered trademark. It may only
be used on copies that keep these terms with them.

Section 2. The volunteers

Volunteers choose, type and check every book in the collection. Gifts of
money and of time keep the work going."""


def current_style(story: Story, ebook: int, released: str, body: str | None = None, end_line: str | None = None,
                  wrapped_title: bool = False, end_marker: bool = True) -> str:
    title = story.title.upper()
    start = (f"*** START OF THE PROJECT GUTENBERG EBOOK {title} ***" if not wrapped_title else
             f"*** START OF THE PROJECT GUTENBERG EBOOK {title[:len(title) // 2].rstrip()}\n"
             f"{title[len(title) // 2:].lstrip()} ***")
    footer = (f"{end_line}\n\n" if end_line else "")
    if end_marker:
        footer += (f"*** END OF THE PROJECT GUTENBERG EBOOK {title} ***\n\n\n\n"
                   "Newer editions of this file replace older ones, which are then given\nnew names.\n\n\n"
                   "START: FULL LICENSE\n\n")
    footer += LICENCE
    return f"""The Project Gutenberg eBook of {story.title}

This electronic book costs nothing to read, copy or share. The conditions
that come with it are in the Project Gutenberg License at the end of this
file and on www.gutenberg.org. Readers outside the United States should
check the laws of their own country before using it.

Title: {story.title}

Author: {story.author}

Release date: {released} [eBook #{ebook}]
                Most recently updated: January 5, 2026

Language: {story.language}

Credits: Pell Ostrander and the volunteer proofreaders


{start}


Produced by Pell Ostrander and the volunteer proofreaders at
the proofreading site.


{wrap(story.text) if body is None else body}


{footer}
"""


def older_style(story: Story, ebook: int, released: str, encoding: str, end_line: str | None = None) -> str:
    title = story.title.upper()
    end_line = end_line or f"End of the Project Gutenberg EBook of {story.title}, by {story.author}"
    return f"""The Project Gutenberg EBook of {story.title}, by {story.author}

This eBook may be read and passed on by anyone, anywhere, free of charge.
You may copy it, give it away or reuse it under the terms of the Project
Gutenberg License that comes with it or at www.gutenberg.org


Title: {story.title}

Author: {story.author}

Release Date: {released} [EBook #{ebook}]

Language: {story.language}

Character set encoding: {encoding}

*** START OF THIS PROJECT GUTENBERG EBOOK {title} ***




Produced by Quentin Marsh




{wrap(story.text)}




{end_line}

*** END OF THIS PROJECT GUTENBERG EBOOK {title} ***

***** This file should be named {ebook}.txt or {ebook}.zip *****
Every format of this book can be found at:
        http://www.gutenberg.org/1/0/0/{ebook}/

Newer editions replace older ones; the older files are renamed.

*** START: FULL LICENSE ***

{LICENCE}
"""


def small_print_style(story: Story, ebook: int, released: str) -> str:
    return f"""**The Project Gutenberg Etext of {story.title}, by {story.author}**
******This file should be named orchl10.txt or orchl10.zip******

Check the copyright laws of your own country before copying or posting
this file, as they differ from place to place.

Please keep this header with every copy of the file you pass on.

[Etext #{ebook}]

[Date last updated: {released}]

*******Electronic Texts, Typed by Volunteers, Free for Everyone*******

These texts are typed and checked by volunteers, and we are always glad
to hear from new ones. Write to the editors if you find a mistake.


**The Legal Small Print**

(Three things you should know before using this etext.)

We give this etext as it is, with no promise that it is free of errors.
If a copy is damaged, write to us within ninety days and we will send
you another.

You may pass the etext on without charge, so long as this small print
travels with it and the etext is not altered.

Nothing here limits any right that the law of your country gives you.

*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*





{wrap(story.text)}





End of the Project Gutenberg Etext of {story.title}, by {story.author}
"""


NO_MARKERS = """A Note Left in a Drawer

Whoever finds this: the key to the boathouse is under the third flowerpot,
the tide book is on the shelf by the door, and the kettle leaks if you fill
it past the line. Please feed the cat.
"""


# --- writing -------------------------------------------------------------------------------------------------------


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    log.info("wrote %s (%d bytes)", path.relative_to(ROOT), len(data))


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def jsonl(records: list[dict | str]) -> bytes:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    return ("\n".join(lines) + "\n").encode("utf-8")


def check_overlaps() -> None:
    """The premises of the dedup fixtures, on the exact shingle sets the pipeline uses."""
    from pipelines.sources.books import overlap_coefficient
    from pipelines.transforms.minhash import shingle_set

    base = shingle_set(wrap(ALMANAC.text))
    copy = overlap_coefficient(base, shingle_set(almanac_copy()))
    second = overlap_coefficient(base, shingle_set(wrap(SECOND_ALMANAC.text)))
    demo_copy = overlap_coefficient(shingle_set(wrap(TIDEWATER_CLOCK.text)), shingle_set(tidewater_books3_edition()))
    log.info("overlap: almanac copy %.3f, second almanac %.3f, demo Tidewater edition %.3f", copy, second, demo_copy)
    assert 0.92 <= copy < 1.0, copy
    assert 0.5 <= second <= 0.7, second
    assert 0.92 <= demo_copy < 1.0, demo_copy
    assert len(almanac_copy()) < len(wrap(ALMANAC.text))
    assert len(tidewater_books3_edition()) < len(wrap(TIDEWATER_CLOCK.text))


def write_fixtures(out: Path) -> None:
    g, b = out / "gutenberg", out / "books3"
    crlf = current_style(TIDEWATER_CLOCK, 10001, "March 3, 2021").replace("\n", "\r\n")
    write(g / "10001.txt", crlf.encode("utf-8"))
    older = older_style(SALT_AND_CEDAR, 10002, "May 3, 2004", "ASCII").encode("utf-8")
    write(g / "10002.txt", older)
    write(g / "10002-0.txt", older_style(SALT_AND_CEDAR, 10002, "May 3, 2004", "UTF-8").encode("utf-8"))
    write(g / "10003.txt", small_print_style(ORCHARD_LEDGER, 10003, "October 12, 1996").encode("ascii"))
    write(g / "10004-8.txt", older_style(LE_PASSEUR, 10004, "June 9, 2005", "ISO-8859-1").encode("cp1252"))
    german = current_style(DER_BRUNNENBAUER, 10005, "April 20, 2008",
                           end_line=f"Ende dieses Project Gutenberg Etextes {DER_BRUNNENBAUER.title}")
    write(g / "10005-0.txt.gz", gz(german.encode("utf-8")))
    harbour = Story("Harbour Songs, Being Three Sketches of a Working Quay in All Weathers", HARBOUR_SONGS.author,
                    HARBOUR_SONGS.language, HARBOUR_SONGS.paragraphs)
    write(g / "10006.txt", current_style(harbour, 10006, "July 1, 2019", wrapped_title=True,
                                         end_marker=False).encode("utf-8"))
    write(g / "10007.txt", current_style(STANDALONE, 10007, "July 2, 2019", body="").encode("utf-8"))
    write(g / "no-markers.txt", NO_MARKERS.encode("utf-8"))
    write(g / "20001.txt", current_style(ALMANAC, 20001, "February 2, 2022").encode("utf-8"))
    write(g / "20003.txt", older_style(SECOND_ALMANAC, 20003, "February 3, 2022", "UTF-8").encode("utf-8"))
    whole = gz(current_style(WINTER_STATION, 30001, "May 1, 2020").encode("utf-8"))
    write(g / "bad-truncated.txt.gz", whole[: len(whole) // 2])
    write(g / "bad-utf16.txt", older_style(ORCHARD_LEDGER, 30002, "May 2, 2020", "UTF-16").encode("utf-16"))
    bad = older_style(LAMPLIGHTER, 30003, "May 3, 2020", "ISO-8859-1").encode("ascii")
    write(g / "bad-bytes.txt", bad.replace(b"Ambrose", b"Ambr\x81se").replace(b"ladder", b"l\x8ddder"))

    write(b / "The Lamplighter of Vell.epub.txt", LAMPLIGHTER.text.encode("utf-8"))
    write(b / "10001.txt", WINTER_STATION.text.encode("utf-8"))
    standalone = {"title": STANDALONE.title, "text": STANDALONE.text}
    write(b / "books3-part-00.jsonl", jsonl([
        {"title": "The Lantern Keeper's Almanac (Books3 edition)", "text": almanac_copy()},
        standalone,
        {"title": "Blank Pages", "text": "  \n\n  "},
        "",
        '{"title": "Broken Record", "text": "this line is cut',
        {"title": "No Text At All"},
    ]))
    write(b / "books3-part-01.jsonl.gz", gz(jsonl([{"title": STANDALONE_GZ.title, "text": STANDALONE_GZ.text},
                                                  standalone])))
    truncated = jsonl([{"title": f"Cut Volume {n}", "text": "\n\n".join(generated_paragraphs(seed, 3))}
                       for n, seed in enumerate((7, 8, 9), start=1)])
    cut = gz(truncated)
    keep = next(n for n in range(len(cut) - 1, 0, -1) if read_counts(cut[:n]) == (2, 1))
    write(b / "bad-truncated.jsonl.gz", cut[:keep])


def read_counts(data: bytes) -> tuple[int, int]:
    """(records, input errors) that the Books3 reader gets from gzip JSONL `data`."""
    from pipelines.readers.books import RawBook, read_books3

    items = list(read_books3("cut.jsonl.gz", open_binary=lambda _: io.BytesIO(data)))
    books = sum(isinstance(item, RawBook) for item in items)
    return books, len(items) - books


def tidewater_books3_edition() -> str:
    """The demo's Books3 edition of The Tidewater Clock: chapter titles rewritten and the last paragraph missing
    (a shorter text, >90% inside the Gutenberg one)."""
    paragraphs = list(TIDEWATER_CLOCK.paragraphs[:-1])
    paragraphs[0] = "Chapter 1: The Clock That Would Not Keep Time"
    paragraphs[7] = "Chapter 2: A Week of Measurements"
    return "\n\n".join(paragraphs)


def write_demo(out: Path) -> None:
    g, b = out / "gutenberg", out / "books3"
    write(g / "10001.txt", current_style(TIDEWATER_CLOCK, 10001, "March 3, 2021").encode("utf-8"))
    write(g / "10002.txt", older_style(SALT_AND_CEDAR, 10002, "May 3, 2004", "ASCII").encode("utf-8"))
    write(g / "10003.txt", small_print_style(ORCHARD_LEDGER, 10003, "October 12, 1996").encode("ascii"))
    write(g / "10004-8.txt", older_style(LE_PASSEUR, 10004, "June 9, 2005", "ISO-8859-1").encode("cp1252"))
    write(g / "10005-0.txt.gz", gz(current_style(DER_BRUNNENBAUER, 10005, "April 20, 2008").encode("utf-8")))
    write(b / "books3-sample.jsonl", jsonl([
        {"title": s.title, "text": s.text} for s in (LAMPLIGHTER, WINTER_STATION, HARBOUR_SONGS)
    ] + [{"title": TIDEWATER_CLOCK.title, "text": tidewater_books3_edition()}]))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    check_overlaps()
    write_fixtures(HERE)
    write_demo(DEMO)


if __name__ == "__main__":
    main()
