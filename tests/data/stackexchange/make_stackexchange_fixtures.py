"""Writes the StackExchange fixtures (tests/data/stackexchange/) and the demo sample
(pipelines/demo_data/stackexchange/). All posts are text written for llamix.

    .venv/bin/python tests/data/stackexchange/make_stackexchange_fixtures.py

Posts.xml is written the way the dumps write it: one `<row …/>` a line, every field an attribute, `<`, `>`, `&`,
`"` escaped and newlines written as `&#xA;` (a literal newline in an attribute would be read back as a space).
"""
from __future__ import annotations

import sys
from pathlib import Path

import py7zr

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent.parent.parent / "pipelines" / "demo_data" / "stackexchange"

FIELDS = ("Id", "PostTypeId", "ParentId", "AcceptedAnswerId", "CreationDate", "Score", "Body", "Title", "Tags",
          "AnswerCount")


def escape(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#xA;"))


def row(**fields) -> str:
    attributes = " ".join(f'{name}="{escape(str(fields[name]))}"' for name in FIELDS if fields.get(name) is not None)
    extra = " ".join(f'{name}="{escape(str(v))}"' for name, v in fields.items() if name not in FIELDS)
    return f"  <row {attributes}{' ' + extra if extra else ''} />"


def posts_xml(rows: list[str]) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n' + "\n".join(rows) + "\n</posts>\n").encode("utf-8")


def question(id, title, body, score=0, tags="", accepted=None, answers=0, date="2021-03-04T10:11:12.130"):
    return row(Id=id, PostTypeId=1, AcceptedAnswerId=accepted, CreationDate=date, Score=score, Body=body,
               Title=title, Tags=tags, AnswerCount=answers)


def answer(id, parent, body, score=0, date="2021-03-05T08:00:00.000"):
    return row(Id=id, PostTypeId=2, ParentId=parent, CreationDate=date, Score=score, Body=body)


# --- test fixtures ---------------------------------------------------------------------------------------------

COOKING = [
    # scores 10, 9, -1, 100: numerically 100, 10, 9, -1 (as strings "9" > "100" > "10" > "-1")
    question(1, "Why does my bread collapse in the oven?",
             "<p>My loaf rises well &amp; then falls flat at 200&nbsp;&deg;C.</p>\n<p>What am I doing wrong?</p>",
             score=12, tags="<baking><bread>", accepted=2, answers=4),
    answer(2, 1, "<p>Your dough is <em>over-proofed</em>; shorten the second rise.</p>", score=10),
    answer(3, 1, "<p>Check the oven temperature with a separate thermometer.</p>", score=9),
    answer(4, 1, "<p>Use less yeast.</p>", score=-1),
    answer(5, 1, "<p>Score the top so the steam can escape:</p>\n<ol>\n<li>use a sharp blade</li>\n"
                 "<li>cut 1&nbsp;cm deep</li>\n</ol>", score=100),
    question(6, "How do I convert grams of flour to cups?",
             "<p>The recipe says:</p>\n<pre><code>flour = 500 g\nif cups &lt; 4:\n    add water\n</code></pre>",
             score=3, tags="<conversion>", answers=2),
    answer(7, 6, "<p>It depends on the flour; weigh it.</p>", score=2),
    answer(8, 6, "<p>About 125&#160;g a cup &mdash; roughly.</p>", score=2),  # tie with 7: the smaller id first
    question(9, "Can I freeze fresh basil?", "<p>Nobody has answered this yet.</p>", score=1, tags="<herbs>"),
    answer(10, 999, "<p>This answers a question that is not in the dump.</p>", score=4),
    row(Id=11, PostTypeId=4, CreationDate="2021-01-01T00:00:00.000", Score=0,
        Body="<p>Baking is cooking with dry heat.</p>"),  # a tag wiki excerpt: not a document
    '  <row PostTypeId="1" Score="1" Title="A row without an Id" Body="&lt;p&gt;broken&lt;/p&gt;" />',
    question(12, "", "", score=0, answers=1),  # nothing to say: dropped as empty
    answer(13, 12, "<p>An answer to nothing.</p>", score=1),
]

GARDENING = [
    question(1, "When should I prune tomato side shoots?",
             "<p>The plants are about 60&nbsp;cm tall.</p>", score=5, tags="|tomatoes|pruning|", answers=1),
    answer(2, 1, "<p>Pinch them out while they are small, <strong>once a week</strong>.</p>", score=3),
]

BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE posts [\n  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">\n'
        + b"".join(f'  <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n'.encode() for i in range(9))
        + b']>\n<posts>\n  <row Id="1" PostTypeId="1" Score="1" Title="&j;" Body="&j;&j;&j;&j;" />\n</posts>\n')


def write_7z(path: Path, members: dict[str, bytes]) -> None:
    path.unlink(missing_ok=True)
    with py7zr.SevenZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(data, name)


def write_fixtures(folder: Path = HERE) -> None:
    (folder / "cooking.stackexchange.com").mkdir(exist_ok=True)
    (folder / "cooking.stackexchange.com" / "Posts.xml").write_bytes(posts_xml(COOKING))
    write_7z(folder / "gardening.stackexchange.com.7z",
             {"Posts.xml": posts_xml(GARDENING), "Users.xml": b'<?xml version="1.0"?>\n<users />\n'})
    (folder / "bomb.stackexchange.com").mkdir(exist_ok=True)
    (folder / "bomb.stackexchange.com" / "Posts.xml").write_bytes(BOMB)
    # two good rows, then bytes that are not UTF-8 in the third
    undecodable = posts_xml([question(1, "A fine question", "<p>Fine.</p>", answers=1), answer(2, 1, "<p>Fine.</p>"),
                             question(3, "Broken", "<p>BROKEN</p>")]).replace(b"BROKEN", b"caf\xe9 \xff")
    (folder / "badbytes.stackexchange.com").mkdir(exist_ok=True)
    (folder / "badbytes.stackexchange.com" / "Posts.xml").write_bytes(undecodable)


# --- demo sample -----------------------------------------------------------------------------------------------

WOODWORKING = [
    question(1, "How do I stop pine from blotching under stain?",
             "<p>Every time I stain a pine shelf the colour comes out patchy: dark rings around the knots and "
             "pale stripes elsewhere.</p>\n<p>I sand to 180 grit and wipe with a damp cloth first. What else can I "
             "do?</p>", score=14, tags="<finishing><stain><pine>", accepted=3, answers=3),
    answer(2, 1, "<p>Use a gel stain. It sits on the surface instead of soaking into the soft grain, so the "
                 "early and late wood take it evenly.</p>", score=6),
    answer(3, 1, "<p>Seal the wood first with a <em>wash coat</em>:</p>\n<ol>\n<li>mix one part shellac with "
                 "four parts denatured alcohol</li>\n<li>brush it on and let it dry for an hour</li>\n<li>sand "
                 "lightly with 320 grit, then stain</li>\n</ol>\n<p>The thin sealer evens out how much stain each "
                 "part of the board can absorb.</p>", score=21),
    answer(4, 1, "<p>Sanding finer than 180 &amp; raising the grain with water also helps a little.</p>", score=2),
    question(5, "What angle should a chisel be sharpened to?",
             "<p>My new bench chisels came with a 25&deg; bevel. Should I keep it for hardwood?</p>", score=8,
             tags="<chisels><sharpening>", answers=2),
    answer(6, 5, "<p>Keep 25&deg; as the primary bevel and hone a 30&deg; micro-bevel on top:</p>\n"
                 "<pre><code>primary bevel:  25 degrees (grinder or coarse stone)\n"
                 "micro-bevel:    30 degrees (fine stone, a few strokes)\n</code></pre>\n"
                 "<p>The micro-bevel is quick to renew and holds up in oak and maple.</p>", score=11),
    answer(7, 5, "<p>For paring soft pine you can go down to 20&deg;, but the edge will fold in hardwood.</p>",
           score=9),
    question(8, "Is it safe to glue end grain to end grain?", "<p>I want to join two short pieces of oak end to "
             "end for a frame.</p>", score=3, tags="<glue><joinery>", answers=1),
    answer(9, 8, "<p>Not on its own: end grain soaks up the glue and the joint stays weak. Use a scarf joint or "
                 "add a spline so that long grain meets long grain.</p>", score=7),
    question(10, "Which finish is food safe for a cutting board?", "<p>I made a maple board and need a finish "
             "that will not harm food.</p>", score=2, tags="<finishing><food-safe>"),
]

RU_STACKOVERFLOW = [
    question(1, "Как прочитать файл построчно в Python?",
             "<p>Файл большой, и я не хочу загружать его в память целиком.</p>", score=9,
             tags="<python><файлы>", accepted=2, answers=2),
    answer(2, 1, "<p>Итерируйтесь по самому файлу: строки читаются по одной.</p>\n"
                 "<pre><code>with open(\"data.txt\", encoding=\"utf-8\") as f:\n    for line in f:\n"
                 "        print(line.rstrip())\n</code></pre>", score=15),
    answer(3, 1, "<p>Можно также вызывать <code>f.readline()</code> в цикле, пока не вернётся пустая "
                 "строка.</p>", score=3),
    question(4, "Чем список отличается от кортежа?", "<p>Оба хранят последовательность значений. Когда что "
             "выбирать?</p>", score=6, tags="<python><списки>", answers=1),
    answer(5, 4, "<p>Список можно изменять, кортеж нельзя. Кортеж годится как ключ словаря и для данных, которые "
                 "не должны меняться.</p>", score=8),
]


def write_demo(folder: Path = DEMO) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "woodworking.stackexchange.com").mkdir(exist_ok=True)
    (folder / "woodworking.stackexchange.com" / "Posts.xml").write_bytes(posts_xml(WOODWORKING))
    write_7z(folder / "ru.stackoverflow.com.7z", {"Posts.xml": posts_xml(RU_STACKOVERFLOW)})


if __name__ == "__main__":
    write_fixtures()
    if "--no-demo" not in sys.argv:
        write_demo()
