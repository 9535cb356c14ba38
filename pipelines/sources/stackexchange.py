"""StackExchange: question threads of the largest sites, HTML removed, answers by score. LLaMA §2.1's 2% share:

"Stack Exchange [2%]. We include a dump of Stack Exchange, a website of high quality questions and answers that
covers a diverse set of domains, ranging from computer science to chemistry. We kept the data from the 28 largest
websites, removed the HTML tags from text and sorted the answers by score (from highest to lowest)."

    (file index, dump path) --read--> posts --(group by site, question id)--> threads --format--> documents
        read: input_error, not_question_or_answer
        join: merged_into_question, answer_without_question, question_without_answers (unless --keep-unanswered),
              duplicate_question
        format: empty

**Inputs and sites.** `--input` names dump folders, `.7z` archives or globs. A folder holding `Posts.xml` is one
site (named after the folder); a folder of sites is searched one level down for `*/Posts.xml` and `*.7z`. Archives
are named after their site (`cooking.stackexchange.com.7z`, `stackoverflow.com-Posts.7z`); archives of other tables
(`stackoverflow.com-Users.7z`) are skipped. The sites are those of `--sites`, else the `--top-sites` (28, the
paper's number) largest by the **uncompressed size of Posts.xml**: the file's size, or the member size listed in the
archive header (py7zr reads it without decompressing). That is what "largest" means for text, and compression ratios
differ between sites. Ties go to the smaller name. The choice is made at launch; sites not chosen are never read, so
their posts are unknown: the manifest lists them with their sizes (`config.sites_not_selected`) and counts them in
`stats.sites` instead of the funnel. An archive whose header cannot be read, or holding no Posts.xml, is always
passed to the pipeline, where it is counted as an input error.

**Posts.** Questions (PostTypeId 1) and answers (2) go on; other post types (tag wikis, excerpts, nominations) are
not documents: `read` drops them as `not_question_or_answer`. Rows that cannot be read (see
`pipelines.readers.stackexchange`) are `input_error`, as is a whole file with a DOCTYPE or bytes that are not UTF-8.

**Join.** Posts are grouped by (site, question id) — an answer by its ParentId. The funnel counts posts up to the
join, then threads: each answer that joins its question is `merged_into_question` (its text lives on in the
question's document), an answer whose question is missing from the dump is `answer_without_question`, a question
with no answers is `question_without_answers` unless `--keep-unanswered`, and a second row with one question id is
`duplicate_question` (the first by line is kept). So `join.kept` is the number of threads.

**Order and text.** Answers are ordered by **numeric** score, highest first, ties by the smaller answer id (older:
ids grow with time). RedPajama sorted the score strings, putting "9" above "10" (STYLE.md). HTML becomes text with
`html_to_text`: paragraphs, headings, block quotes and tables separated by blank lines, list items one a line
(`- ` or `1. `), `<br>` a newline, `<pre>` code blocks verbatim, entities decoded, every other tag removed. A thread
is `Q: {title}\n{question}\n\nA: {answer}\n\nA: …`; one whose title and body are both empty is dropped (`empty`).

**Language.** English, except the localized Stack Overflows, whose subdomain is their language
(`ru.stackoverflow.com`, `es.`, `pt.`, `ja.`). Only subdomains of stackoverflow.com are read as languages:
`cs.stackexchange.com` is computer science, not Czech, and `or.stackexchange.com` operations research.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

import apache_beam as beam
import lxml.html
from apache_beam.io.filesystems import FileSystems
from lxml import etree

from manifests import storage
from pipelines.deadletter import grouped_documents, guarded
from pipelines.documents import make_document
from pipelines.funnel import INPUT_ERROR, StepCounter, extra_counter
from pipelines.readers.mediawiki import InputError
from pipelines.readers.stackexchange import (
    ANSWER, ARCHIVE_SUFFIX, POSTS_MEMBER, QUESTION, Post, archive_posts_size, archive_site, read_site_dump, site_of,
)
from pipelines.runtime import SourceRun, log_run_summary, match_inputs, run_source_pipeline

log = logging.getLogger(__name__)

SOURCE = "stackexchange"
STEPS = ("read", "join", "format")
ERRORS = "errors"
NOT_QA = "not_question_or_answer"
MERGED = "merged_into_question"
ORPHAN_ANSWER = "answer_without_question"
UNANSWERED = "question_without_answers"
DUPLICATE_QUESTION = "duplicate_question"
EMPTY = "empty"

# LLaMA §2.1: "We kept the data from the 28 largest websites".
DEFAULT_TOP_SITES = 28
DEFAULT_LANG = "en"
# The localized Stack Overflows (stackoverflow.com/help/… "Stack Overflow in Portuguese/Spanish/Russian/Japanese").
_LOCALIZED_STACKOVERFLOW = re.compile(r"(?P<lang>[a-z]{2})\.(?:meta\.)?stackoverflow\.com")


# --- sites ---------------------------------------------------------------------------------------------------


def site_language(site: str) -> str:
    """`ru.stackoverflow.com` -> "ru"; `cooking.stackexchange.com`, `cs.stackexchange.com` -> "en"."""
    match = _LOCALIZED_STACKOVERFLOW.fullmatch(site.lower())
    return match["lang"] if match else DEFAULT_LANG


@dataclass(frozen=True)
class SiteDump:
    """One site's Posts.xml: a file, or an archive (`size` is the member's uncompressed size; -1: unreadable)."""

    site: str
    path: str
    size: int
    problem: str | None = None  # why the archive cannot be read; it is still passed on, to be counted


def select_sites(dumps: Sequence[SiteDump], sites: Sequence[str] = (), top: int = DEFAULT_TOP_SITES
                 ) -> tuple[list[SiteDump], list[SiteDump]]:
    """(selected, not selected): the named `sites`, else the `top` largest by Posts.xml size (ties: smaller name).
    Dumps with a `problem` are always selected so that the pipeline counts them."""
    by_site: dict[str, SiteDump] = {}
    for dump in dumps:
        if dump.problem is None and dump.site in by_site:
            raise ValueError(f"site {dump.site} found twice: {by_site[dump.site].path} and {dump.path}; "
                             f"give one dump per site")
        if dump.problem is None:
            by_site[dump.site] = dump
    broken = [d for d in dumps if d.problem is not None]
    if sites:
        missing = sorted(set(sites) - set(by_site))
        if missing:
            raise ValueError(f"--sites {', '.join(missing)}: no dump of that site among the inputs "
                             f"(found {', '.join(sorted(by_site)) or 'none'})")
        chosen = set(sites)
    else:
        if top < 1:
            raise ValueError(f"--top-sites must be at least 1, got {top}")
        ranked = sorted(by_site.values(), key=lambda d: (-d.size, d.site))
        chosen = {d.site for d in ranked[:top]}
    selected = [d for d in by_site.values() if d.site in chosen] + broken
    others = [d for d in by_site.values() if d.site not in chosen]
    return sorted(selected, key=lambda d: d.path), sorted(others, key=lambda d: (-d.size, d.site))


def _is_dir(path: str) -> bool:
    return not storage.has_scheme(path) and os.path.isdir(path)


def _dump_of(path: str, size: int) -> SiteDump | None:
    parsed = archive_site(path)
    if parsed is None:
        return SiteDump(site_of(path), path, size) if os.path.basename(path) == POSTS_MEMBER else None
    site, table = parsed
    if table is not None and table != "Posts":
        return None
    with storage.open_read(path) as raw:
        listed = archive_posts_size(raw)
    if isinstance(listed, str):
        log.warning("%s: %s; it will be counted as an input error", path, listed)
        return SiteDump(site, path, -1, listed)
    return SiteDump(site, path, listed[1])


def find_site_dumps(inputs: Sequence[str]) -> list[SiteDump]:
    """The site dumps `--input` names: folders (a site's, or a folder of sites), `.7z` archives, or globs of them."""
    patterns: list[str] = []
    for item in inputs:
        if _is_dir(item):
            if os.path.exists(os.path.join(item, POSTS_MEMBER)):
                patterns.append(os.path.join(item, POSTS_MEMBER))
            else:
                patterns += [os.path.join(item, "*", POSTS_MEMBER), os.path.join(item, "*" + ARCHIVE_SUFFIX)]
        else:
            patterns.append(item)
    files = []
    for pattern in patterns:
        matched = FileSystems.match([pattern])[0].metadata_list
        files += [(m.path, m.size_in_bytes) for m in matched]
    dumps = [d for d in (_dump_of(path, size) for path, size in sorted(set(files))) if d is not None]
    if not dumps:
        raise FileNotFoundError(f"--input {', '.join(inputs)}: no site dump found (expected <site>/{POSTS_MEMBER} "
                                f"or <site>{ARCHIVE_SUFFIX})")
    return dumps


# --- HTML -> text (pure) ---------------------------------------------------------------------------------------

_BLOCKS = frozenset({"p", "div", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr",
                     "hr", "dl", "dt", "dd", "pre", "li"})
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


class _TextBuilder:
    """Collects blocks of text; list items are joined by one newline, other blocks by a blank line."""

    def __init__(self):
        self.blocks: list[tuple[str, int | None]] = []  # (text, the list it is an item of)
        self.lines: list[list[str]] = [[]]
        self.prefix: str | None = None
        self.list_id: int | None = None

    def add(self, text: str | None) -> None:
        if text:
            self.lines[-1].append(text)

    def newline(self) -> None:
        self.lines.append([])

    def flush(self) -> None:
        lines = [_SPACES.sub(" ", "".join(parts)).strip() for parts in self.lines]
        text = "\n".join(line for line in lines if line)
        self.lines = [[]]
        if not text:
            return
        item = None
        if self.prefix is not None:
            text, item, self.prefix = self.prefix + text, self.list_id, None
        self.blocks.append((text, item))

    def verbatim(self, text: str) -> None:
        self.flush()
        text = text.strip("\n")
        if text.strip():
            self.blocks.append((text, None))

    def text(self) -> str:
        out: list[str] = []
        for i, (text, item) in enumerate(self.blocks):
            if i:
                out.append("\n" if item is not None and item == self.blocks[i - 1][1] else "\n\n")
            out.append(text)
        return "".join(out)


def html_to_text(html: str) -> str:
    """A post body's HTML as plain text (see the module docstring): `<p>a &amp; b</p><pre><code>x  = 1\n</code>
    </pre>` -> "a & b\n\nx  = 1"."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except etree.ParserError:
        return ""
    etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)  # their tails stay
    builder = _TextBuilder()
    lists: list[tuple[int, int | None]] = []  # per open list: (its id, next number for <ol> or None for <ul>)
    lists_opened = 0
    in_pre = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""  # comments and processing instructions: no tag
        if event == "start":
            if in_pre:
                if tag == "pre":
                    in_pre += 1
                continue
            if tag == "pre":
                in_pre = 1
                builder.verbatim(element.text_content())
                continue
            if tag in _BLOCKS:
                builder.flush()
            if tag in ("ul", "ol"):
                lists_opened += 1
                lists.append((lists_opened, 1 if tag == "ol" else None))
            elif tag == "li":
                list_id, number = lists[-1] if lists else (0, None)
                builder.prefix = "- " if number is None else f"{number}. "
                builder.list_id = list_id
                if lists and number is not None:
                    lists[-1] = (list_id, number + 1)
            elif tag == "br":
                builder.newline()
            elif tag in ("td", "th"):
                builder.add(" ")
            if tag and element.text:
                builder.add(element.text)
            continue
        if in_pre:
            if tag == "pre":
                in_pre -= 1
            if in_pre:
                continue
        elif tag in _BLOCKS:
            if tag == "li" and builder.prefix is not None and not any(builder.lines[0] + builder.lines[-1]):
                builder.prefix = None  # an empty item
            builder.flush()
            if tag in ("ul", "ol") and lists:
                lists.pop()
        if tag == "tr":
            builder.flush()
        if element is not root:
            builder.add(element.tail)
    builder.flush()
    return builder.text()


# --- threads (pure) ----------------------------------------------------------------------------------------------


def answer_order(answer: Post) -> tuple[int, int]:
    """Sort key: highest numeric score first, then the smaller (older) id."""
    return -answer.score, answer.post_id


def format_thread(title: str, question: str, answers: Iterable[str]) -> str:
    """`Q: {title}\n{question}\n\nA: {answer}\n\nA: …` (empty parts left out)."""
    head = "\n".join(part for part in (title.strip(), question) if part)
    parts = [f"Q: {head}"] + [f"A: {answer}" for answer in answers if answer]
    return "\n\n".join(parts)


def thread_document(question: Post, answers: Sequence[Post]) -> dict | str:
    """The document of a question and its answers (in any order), or EMPTY."""
    ordered = sorted(answers, key=answer_order)
    title = (question.title or "").strip()
    body = html_to_text(question.body)
    if not title and not body:
        return EMPTY
    text = format_thread(title, body, (html_to_text(a.body) for a in ordered))
    return make_document(SOURCE, f"{question.site}/{question.post_id}", text, site_language(question.site), {
        "site": question.site, "question_id": question.post_id, "score": question.score,
        "tags": list(question.tags), "title": question.title, "creation_date": question.creation_date,
        "accepted_answer_id": question.accepted_answer_id,
        "answers": [{"id": a.post_id, "score": a.score} for a in ordered],
    })


# --- Beam --------------------------------------------------------------------------------------------------------




class ReadPosts(beam.DoFn):
    """(file index, dump path) -> ((site, question id), Post) for questions and answers; errors -> `errors`."""

    def __init__(self):
        self.read = StepCounter(SOURCE, "read")

    def setup(self):
        self._questions = extra_counter(SOURCE, "read/questions")
        self._answers = extra_counter(SOURCE, "read/answers")

    def process(self, indexed_path: tuple[int, str]):
        _, path = indexed_path
        for item in read_site_dump(path, open_binary=storage.open_read):
            if isinstance(item, InputError):
                self.read.dropped(INPUT_ERROR)
                yield beam.pvalue.TaggedOutput(ERRORS, asdict(item))
            elif item.post_type == QUESTION:
                self.read.kept()
                self._questions.inc()
                yield (item.site, item.post_id), item
            elif item.post_type == ANSWER:
                self.read.kept()
                self._answers.inc()
                yield (item.site, item.parent_id), item
            else:
                self.read.dropped(NOT_QA)


class JoinThreads(beam.DoFn):
    """((site, question id), posts) -> (question, answers); counts every post (module docstring, "Join")."""

    def __init__(self, keep_unanswered: bool):
        self.keep_unanswered = keep_unanswered
        self.join = StepCounter(SOURCE, "join")

    def process(self, keyed):
        (site, question_id), posts = keyed
        questions, answers = [], []
        for post in posts:
            (questions if post.post_type == QUESTION else answers).append(post)
        if not questions:
            self.join.dropped(ORPHAN_ANSWER, len(answers))
            log.debug("%s: %d answers to question %s, which is not in the dump", site, len(answers), question_id)
            return
        questions.sort(key=lambda q: q.line)
        if len(questions) > 1:
            self.join.dropped(DUPLICATE_QUESTION, len(questions) - 1)
        if not answers and not self.keep_unanswered:
            self.join.dropped(UNANSWERED)
            return
        if answers:
            self.join.dropped(MERGED, len(answers))
        self.join.kept()
        yield questions[0], answers


class FormatThreads(beam.DoFn):
    """(question, answers) -> document, or dropped as EMPTY."""

    def __init__(self):
        self.format = StepCounter(SOURCE, "format")

    def process(self, thread):
        question, answers = thread
        doc = thread_document(question, answers)
        if isinstance(doc, str):
            self.format.dropped(doc)
            return
        self.format.kept()
        yield doc


class ExtractStackExchange(beam.PTransform):
    """(file index, dump path) -> (documents, input errors)."""

    def __init__(self, keep_unanswered: bool = False):
        super().__init__()
        self.keep_unanswered = keep_unanswered

    def expand(self, paths):
        posts = paths | "ReadPosts" >> beam.ParDo(ReadPosts()).with_outputs(ERRORS, main="posts")
        docs = (
            posts.posts
            | "GroupByQuestion" >> beam.GroupByKey()
            | "JoinThreads" >> guarded("join", JoinThreads(self.keep_unanswered), documents=grouped_documents)
            | "FormatThreads" >> guarded("format", FormatThreads())
        )
        return docs, posts[ERRORS]


@dataclass
class StackExchangeConfig:
    """Every setting of a run; recorded whole in the manifest."""

    sites: tuple[str, ...] = ()
    top_sites: int = DEFAULT_TOP_SITES
    keep_unanswered: bool = False


def run(inputs: Sequence[str], output: str, config: StackExchangeConfig = StackExchangeConfig(),
        beam_argv: Sequence[str] = (), overwrite: bool = False, num_shards: int = 0) -> dict:
    """Chooses the sites, runs the pipeline over their Posts.xml; returns the manifest it wrote."""
    dumps = find_site_dumps(inputs)
    selected, others = select_sites(dumps, config.sites, config.top_sites)
    match_inputs([d.path for d in selected])  # every selected path must be listable as it is given
    log.info("stackexchange: %d sites selected, %d not: %s", len(selected), len(others),
             ", ".join(d.site for d in selected))
    manifest_config = {
        "input": list(inputs), **asdict(config), "sites": list(config.sites),
        "sites_selected": [{"site": d.site, "posts_xml_bytes": d.size, "path": d.path,
                            **({"problem": d.problem} if d.problem else {})} for d in selected],
        "sites_not_selected": [{"site": d.site, "posts_xml_bytes": d.size, "path": d.path} for d in others],
    }
    site_stats = {"sites": {"selected": len(selected), "not_selected": len(others),
                            "not_selected_posts_xml_bytes": sum(d.size for d in others)}}
    return run_source_pipeline(
        SourceRun(SOURCE, STEPS, [d.path for d in selected], output, manifest_config, beam_argv, overwrite,
                  num_shards, extra_stats=lambda counters, scratch: site_stats),
        ExtractStackExchange(config.keep_unanswered),
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="llamix run stackexchange",
        description="StackExchange site dumps (folders with Posts.xml, or .7z archives) -> one document per "
        "question with its answers by score, HTML removed, as Parquet + manifest.json. Unrecognised options are "
        "passed to Beam.",
    )
    parser.add_argument("--input", action="append", required=True,
                        help="site folders, folders of sites, .7z archives or globs (repeat or comma-separate)")
    parser.add_argument("--output", required=True)
    parser.add_argument("--sites", help="comma-separated sites to read (default: the --top-sites largest)")
    parser.add_argument("--top-sites", type=int, default=DEFAULT_TOP_SITES,
                        help=f"read the N largest sites by Posts.xml size (default {DEFAULT_TOP_SITES}, LLaMA §2.1)")
    parser.add_argument("--keep-unanswered", action="store_true", help="keep questions without answers")
    parser.add_argument("--num-shards", type=int, default=0, help="Parquet files to write (0: the runner decides)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder's contents")
    args, beam_argv = parser.parse_known_args(argv)
    inputs = [p for value in args.input for p in value.split(",") if p]
    sites = tuple(s.strip() for s in (args.sites or "").split(",") if s.strip())
    config = StackExchangeConfig(sites=sites, top_sites=args.top_sites, keep_unanswered=args.keep_unanswered)
    manifest = run(inputs, args.output, config, beam_argv, args.overwrite, args.num_shards)
    log_run_summary(manifest, args.output)
    return 0
