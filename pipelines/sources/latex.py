"""LaTeX cleaning for the arXiv source, pure functions (LLaMA §2.1, "ArXiv"): comments, the main file and its
inputs, user macros (with arguments) expanded, the text before the first section and from the bibliography on cut.
See `pipelines/sources/arxiv.py` for the order the steps run in and where we differ from the reference code.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Iterator, Mapping, Sequence

from pipelines.readers.arxiv import DEFAULT_MAX_PAPER_BYTES, TOO_LARGE

NO_MAIN_FILE = "no_main_file"
UNPARSABLE = "unparsable"
NO_SECTION = "no_section"
EMPTY_AFTER_CLEANING = "empty_after_cleaning"

# Passes of macro expansion: each pass expands the calls in the text once, so a macro defined through another needs
# one pass per level (papers rarely go past three). A recursive macro (`\def\a{x\a}`, which TeX only survives behind
# conditionals we do not evaluate) stops here with its last call left in place. Our choice; no source gives one.
MAX_EXPANSION_PASSES = 32
# Expansion may not make a paper more than this many times longer (plus EXPANSION_SLACK_CHARS): it stops a macro
# bomb (`\def\b{\a\a}\def\c{\b\b}…` doubles per level) long before memory does. Our choice.
MAX_EXPANSION_GROWTH = 16
EXPANSION_SLACK_CHARS = 1 << 16

# Files one paper may inline: a project has tens of files (a thesis perhaps a few hundred); a paper that inputs the
# same small files over and over (`a` inputs `b` twice, `b` inputs `c` twice, …) would otherwise grow exponentially
# in time without growing in size. Our choice.
MAX_INLINED_INPUTS = 1000

# Commands that keep their meaning even when a paper redefines them: expanding a user's `\renewcommand{\section}`
# would hide the sections that the cut looks for; the rest are the structure this module reads.
PROTECTED_COMMANDS = frozenset({
    "part", "chapter", "section", "subsection", "subsubsection", "paragraph", "subparagraph",
    "begin", "end", "bibliography", "printbibliography", "input", "include", "documentclass", "documentstyle",
    "newcommand", "renewcommand", "providecommand", "def", "gdef", "edef", "xdef",
})

# --- TeX lexing ---------------------------------------------------------------------------------------------

# Command patterns start with the command's backslash, so that `re` can skip ahead to the next backslash (a leading
# look-behind would make every search crawl character by character); `_find_command` then refuses a match whose
# backslash is itself escaped (`\\section` is a line break `\\` and the word "section", not a section).

# A control sequence as TeX reads it: a backslash and a run of letters (control word) or one other character
# (control symbol: `\%`, `\{`, `\\`).
CONTROL_SEQUENCE = re.compile(r"\\(?:[A-Za-z]+|.)", re.S)
# Inside a group, what can change the brace depth: an escaped character (skipped whole), `{` or `}`.
_GROUP_TOKEN = re.compile(r"\\.|[{}]", re.S)
_BRACKET_TOKEN = re.compile(r"\\.|[{}\]]", re.S)

# Scanning left to right, a backslash pair (`\\`, a line break) and an escaped percent sign (`\%`) are kept, and any
# other `%` starts a comment that runs to the end of the line.
_COMMENT_OR_ESCAPE = re.compile(r"\\\\|\\%|%.*")
# A line that holds nothing but a comment goes with its line end, as TeX reads it (no stray blank line).
_COMMENT_LINE = re.compile(r"^[ \t]*%.*(?:\n|\Z)", re.M)
# The `comment` package's environment (and `verbatim`'s): text that never reaches the page.
_COMMENT_ENVIRONMENT = re.compile(r"\\begin\s*\{comment\}.*?\\end\s*\{comment\}", re.S)

_DOCUMENT_CLASS = re.compile(r"\\document(?:class|style)(?![A-Za-z])")
_BEGIN_DOCUMENT = re.compile(r"\\begin\s*\{document\}")
_END_DOCUMENT = re.compile(r"\\end\s*\{document\}")
# `\input{file}`, `\include{file}`, and TeX's own `\input file` (name up to a space, brace, backslash or %).
_INPUT = re.compile(r"\\(?:input|include)(?![A-Za-z])\s*(?:\{(?P<braced>[^{}]*)\}|(?P<bare>[^\s{}\\%]+))")
# The sectioning commands of LaTeX's standard classes, starred or not, with a short title or a title next.
_SECTION = re.compile(
    r"\\(?:part|chapter|section|subsection|subsubsection|paragraph|subparagraph)(?![A-Za-z])\s*\*?\s*[\[{]"
)
# Where the bibliography starts: the thebibliography environment (`references` in some journal classes, e.g.
# AASTeX's), BibTeX's `\bibliography{…}` (not `\bibliographystyle`), biblatex's `\printbibliography`.
_BIBLIOGRAPHY = re.compile(
    r"\\(?:begin\s*\{(?:thebibliography|references)\}|bibliography\s*\{|printbibliography(?![A-Za-z]))"
)
# A macro definition's start: LaTeX's three forms (optionally starred) and TeX's \def family. \edef and \xdef
# expand their body when defined; we treat them as \def, which gives the same text for bodies without conditionals.
_DEFINITION = re.compile(r"\\(?P<kind>newcommand|renewcommand|providecommand|def|gdef|edef|xdef)(?![A-Za-z])")
# `[n]` of \newcommand: the number of arguments.
_ARGUMENT_COUNT = re.compile(r"\s*\[\s*([0-9])\s*\]")
# The name a definition defines: a control word (with `@`, as in \makeatletter code) or a control symbol.
_DEFINED_NAME = re.compile(r"\\(?:[A-Za-z@]+|.)", re.S)
# \def's parameter text that we expand: a prefix of this (`#1#2…` in order); anything else delimits arguments.
_UNDELIMITED_PARAMETERS = "".join(f"#{i}" for i in range(1, 10))
# `#1`…`#9` in a macro body, and `##` (a `#` for a definition nested in the body).
_PARAMETER = re.compile(r"#(#|[1-9])")
_TRAILING_CONTROL_WORD = re.compile(r"\\[A-Za-z]+\Z")
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")
_CONTROL_WORD = re.compile(r"\\[A-Za-z]+")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def _is_escaped(text: str, pos: int) -> bool:
    """Whether the backslash at `pos` is escaped, i.e. follows an odd number of backslashes."""
    start = pos
    while start > 0 and text[start - 1] == "\\":
        start -= 1
    return (pos - start) % 2 == 1


def _find_command(pattern: re.Pattern[str], text: str, pos: int = 0) -> re.Match[str] | None:
    """The first match of a command pattern at or after `pos` whose backslash is not escaped."""
    while (match := pattern.search(text, pos)) is not None:
        if not _is_escaped(text, match.start()):
            return match
        pos = match.start() + 1
    return None


def _find_commands(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    pos = 0
    while (match := _find_command(pattern, text, pos)) is not None:
        yield match
        pos = match.end()


def _group_end(text: str, open_at: int) -> int | None:
    """Index of the `}` closing the `{` at `open_at` (escaped braces do not count), or None when it never closes."""
    depth = 0
    for token in _GROUP_TOKEN.finditer(text, open_at):
        if token[0] == "{":
            depth += 1
        elif token[0] == "}":
            depth -= 1
            if depth == 0:
                return token.start()
    return None


def _bracket_end(text: str, open_at: int) -> int | None:
    """Index of the `]` closing the optional argument `[` at `open_at`, outside braces, or None."""
    depth = 0
    for token in _BRACKET_TOKEN.finditer(text, open_at + 1):
        if token[0] == "{":
            depth += 1
        elif token[0] == "}":
            depth -= 1
        elif token[0] == "]" and depth <= 0:
            return token.start()
    return None


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    return pos


def _needs_space(left: str, right: str) -> bool:
    """Whether `left + right` would run a control word at the end of `left` into a letter starting `right`
    (`\\alpha` + `b` is `\\alphab` to TeX): text is joined where TeX would have joined tokens."""
    if not (right[:1].isascii() and right[:1].isalpha()):
        return False
    tail = left[-64:]
    match = _TRAILING_CONTROL_WORD.search(tail)
    return match is not None and not _is_escaped(tail, match.start())


def _glue(left: str, right: str) -> str:
    return left + " " + right if _needs_space(left, right) else left + right


# --- comments -----------------------------------------------------------------------------------------------


def strip_comments(text: str) -> str:
    """Removes comment lines (with their line end), trailing `%` comments (keeping the text before them and the
    line end), and `comment` environments. `\\%` is a percent sign and stays."""
    text = _COMMENT_LINE.sub("", text)
    text = _COMMENT_OR_ESCAPE.sub(lambda m: m[0] if m[0][0] == "\\" else "", text)
    return _remove_commands(_COMMENT_ENVIRONMENT, text)


def _remove_commands(pattern: re.Pattern[str], text: str) -> str:
    parts, pos = [], 0
    for match in _find_commands(pattern, text):
        parts.append(text[pos:match.start()])
        pos = match.end()
    parts.append(text[pos:])
    return "".join(parts)


# --- main file and inputs -----------------------------------------------------------------------------------


def is_main_file(text: str) -> bool:
    """A file LaTeX can be run on: it declares a class (`\\documentclass`, or `\\documentstyle` in LaTeX 2.09)
    and begins the document. Expects comments stripped."""
    return bool(_find_command(_DOCUMENT_CLASS, text) and _find_command(_BEGIN_DOCUMENT, text))


def resolve_input(name: str, files: Mapping[str, str], main_dir: str, including_dir: str) -> str | None:
    """The paper file `\\input{name}` means: relative to the main file's folder (where LaTeX runs), then to the
    including file's, then to the project root; with the name as given, then with `.tex` added."""
    name = name.strip().strip('"')
    for base in dict.fromkeys((main_dir, including_dir, "")):
        joined = posixpath.normpath(posixpath.join(base, name))
        for candidate in (joined, joined + ".tex"):
            if candidate in files:
                return candidate
    return None


@dataclass
class Inlining:
    """What `inline_inputs` did: files inlined, and inputs left out because no such file is in the paper or because
    they would include a file into itself."""

    inlined: int = 0
    missing: list[str] = field(default_factory=list)
    cycles: list[str] = field(default_factory=list)


class InliningLimit(Exception):
    """Inlining went past a limit; `reason` is the funnel reason (TOO_LARGE or UNPARSABLE)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def inline_inputs(name: str, files: Mapping[str, str], inlining: Inlining, max_chars: int,
                  _chain: tuple[str, ...] = ()) -> str:
    """`files[name]` with every `\\input`/`\\include` of a paper file replaced by that file, recursively. Files are
    expected comment-free. An input that is missing or already being inlined (a cycle) is left out and noted in
    `inlining`. Raises InliningLimit past `max_chars` or MAX_INLINED_INPUTS."""
    chain = (*_chain, name)
    main_dir = posixpath.dirname(chain[0])
    text = files[name]
    parts: list[str] = []
    size = pos = 0
    for match in _find_commands(_INPUT, text):
        parts.append(text[pos:match.start()])
        size += match.start() - pos
        wanted = match["braced"] if match["braced"] is not None else match["bare"]
        target = resolve_input(wanted, files, main_dir, posixpath.dirname(name))
        if target is None:
            inlining.missing.append(wanted)
        elif target in chain:
            inlining.cycles.append(target)
        else:
            inlining.inlined += 1
            if inlining.inlined > MAX_INLINED_INPUTS:
                raise InliningLimit(UNPARSABLE, f"{chain[0]} inlines more than {MAX_INLINED_INPUTS} files")
            parts.append(inline_inputs(target, files, inlining, max_chars, chain))
            size += len(parts[-1])
        pos = match.end()
        if size > max_chars:
            raise InliningLimit(TOO_LARGE, f"{chain[0]} with its inputs is longer than {max_chars} characters")
    parts.append(text[pos:])
    if size + len(text) - pos > max_chars:
        raise InliningLimit(TOO_LARGE, f"{chain[0]} with its inputs is longer than {max_chars} characters")
    return "".join(parts)


# --- macro definitions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Macro:
    """A user macro: `\\newcommand{\\name}[nargs][default]{body}` or `\\def\\name#1…#n{body}`. With a default, the
    first of the `nargs` arguments is optional (`[…]`) and takes that value when absent."""

    nargs: int
    body: str
    default: str | None = None


class LatexSyntaxError(ValueError):
    """A definition that cannot be read; the message says which and where."""


@dataclass
class Definitions:
    """What `parse_definitions` found: macros to expand, and definitions removed but not expanded (delimited
    `\\def` parameters, control-symbol names, protected commands)."""

    macros: dict[str, Macro] = field(default_factory=dict)
    not_expanded: list[str] = field(default_factory=list)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _read_braced(text: str, pos: int, what: str) -> tuple[str, int]:
    """(content, end) of the `{…}` group starting at the first non-space at or after `pos`."""
    start = _skip_space(text, pos)
    if start >= len(text) or text[start] != "{":
        raise LatexSyntaxError(f"line {_line_of(text, pos)}: expected {{ to open {what}")
    close = _group_end(text, start)
    if close is None:
        raise LatexSyntaxError(f"line {_line_of(text, start)}: {what} opens with {{ and never closes")
    return text[start + 1:close], close + 1


def _read_macro_name(text: str, pos: int, kind: str) -> tuple[str, int]:
    """The control sequence being defined, `\\name` or `{\\name}`, without its backslash."""
    start = _skip_space(text, pos)
    braced = text.startswith("{", start)
    name_at = _skip_space(text, start + 1) if braced else start
    match = _DEFINED_NAME.match(text, name_at)
    if match is None:
        raise LatexSyntaxError(f"line {_line_of(text, pos)}: \\{kind} is not followed by the name of a command")
    end = match.end()
    if braced:
        end = _skip_space(text, end)
        if not text.startswith("}", end):
            raise LatexSyntaxError(f"line {_line_of(text, pos)}: \\{kind}{{{match[0]}…: expected }} after the name")
        end += 1
    return match[0][1:], end


def _parse_definition(text: str, kind: str, pos: int) -> tuple[str, Macro | None, int]:
    """(name, macro or None when it cannot be expanded, end) of the definition whose arguments start at `pos`."""
    if kind.endswith("command"):
        star = _skip_space(text, pos)
        if text.startswith("*", star):
            pos = star + 1
        name, pos = _read_macro_name(text, pos, kind)
        nargs, default = 0, None
        count = _ARGUMENT_COUNT.match(text, pos)
        if count:
            nargs, pos = int(count[1]), count.end()
            optional = _skip_space(text, pos)
            if text.startswith("[", optional):
                close = _bracket_end(text, optional)
                if close is None:
                    raise LatexSyntaxError(f"line {_line_of(text, pos)}: \\{kind}{{\\{name}}}: default argument "
                                           f"opens with [ and never closes")
                default, pos = text[optional + 1:close], close + 1
        body, end = _read_braced(text, pos, f"the body of \\{name}")
        return name, Macro(nargs, body, default), end
    name, pos = _read_macro_name(text, pos, kind)
    brace = text.find("{", pos)
    if brace < 0:
        raise LatexSyntaxError(f"line {_line_of(text, pos)}: \\{kind}\\{name}: expected {{ to open its body")
    parameters = text[pos:brace].strip()
    body, end = _read_braced(text, brace, f"the body of \\{name}")
    if not _UNDELIMITED_PARAMETERS.startswith(parameters):
        return name, None, end  # delimited parameters (`\def\x#1.{…}`): TeX-only syntax we do not imitate
    return name, Macro(len(parameters) // 2, body), end


def parse_definitions(text: str) -> tuple[Definitions, str]:
    """Collects the user macros defined in `text` and returns them with the text minus the definitions.

    Later definitions win, except `\\providecommand`, which only defines what is not defined yet. Definitions inside
    a definition's body are part of that body, not collected. Names of letters only can be expanded (`@` names of
    `\\makeatletter` code are removed but kept unexpanded, as are control symbols and PROTECTED_COMMANDS).
    Raises LatexSyntaxError for a definition with unbalanced braces. Expects comments stripped."""
    definitions = Definitions()
    parts: list[str] = []
    pos = 0
    while match := _find_command(_DEFINITION, text, pos):
        parts.append(text[pos:match.start()])
        kind = match["kind"]
        name, macro, pos = _parse_definition(text, kind, match.end())
        if macro is None or not name.isascii() or not name.isalpha() or name in PROTECTED_COMMANDS:
            definitions.not_expanded.append(name)
        elif kind != "providecommand" or name not in definitions.macros:
            definitions.macros[name] = macro
    parts.append(text[pos:])
    return definitions, "".join(parts)


# --- macro expansion ----------------------------------------------------------------------------------------


def _read_arguments(text: str, pos: int, macro: Macro) -> tuple[list[str], int] | None:
    """The call's arguments after `pos` and where the call ends; None when the text ends before they do.

    As TeX reads undelimited arguments: spaces before each are skipped; an argument is a `{…}` group (braces
    dropped), one control sequence, or one character."""
    args: list[str] = []
    if macro.default is not None:
        optional = _skip_space(text, pos)
        if text.startswith("[", optional):
            close = _bracket_end(text, optional)
            if close is None:
                return None
            args.append(text[optional + 1:close])
            pos = close + 1
        else:
            args.append(macro.default)
    while len(args) < macro.nargs:
        start = _skip_space(text, pos)
        if start >= len(text) or text[start] == "}":
            return None
        if text[start] == "{":
            close = _group_end(text, start)
            if close is None:
                return None
            args.append(text[start + 1:close])
            pos = close + 1
        elif text[start] == "\\":
            token = CONTROL_SEQUENCE.match(text, start)
            assert token is not None  # a backslash always starts a control sequence (DOTALL)
            args.append(token[0])
            pos = token.end()
        else:
            args.append(text[start])
            pos = start + 1
    return args, pos


def substitute_arguments(body: str, args: Sequence[str]) -> str:
    """`body` with `#1`…`#9` replaced by the arguments and `##` by `#`; `#n` past the arguments stays as written."""
    out = ""
    pos = 0
    for match in _PARAMETER.finditer(body):
        out = _glue(out, body[pos:match.start()])
        if match[1] == "#":
            out += "#"
        elif int(match[1]) <= len(args):
            out = _glue(out, args[int(match[1]) - 1])
        else:
            out += match[0]
        pos = match.end()
    return _glue(out, body[pos:])


@dataclass(frozen=True)
class Expansion:
    text: str
    calls: int  # macro calls expanded
    complete: bool  # False when a limit stopped expansion with calls left in the text


def _call_pattern(names: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"\\(?P<name>{alternatives})(?![A-Za-z])")


def _expand_pass(text: str, calls: re.Pattern[str], macros: Mapping[str, Macro],
                 max_chars: int) -> tuple[str, int] | None:
    """Every call in `text` expanded once (not the calls its expansions bring in); None past `max_chars`."""
    out: list[str] = []
    size = expanded = pos = 0
    while match := _find_command(calls, text, pos):
        start = match.start()
        macro = macros[match["name"]]
        found = _read_arguments(text, match.end(), macro)
        if found is None:  # the text ends before the call's arguments do: leave the call
            out.append(text[pos:match.end()])
            pos = match.end()
            continue
        args, end = found
        if macro.nargs == 0 and text.startswith("{}", end):
            end += 2  # `\ours{} is` — the empty group only kept a space after the call
        before = text[pos:start]
        if before:
            out.append(before)
        replacement = substitute_arguments(macro.body, args) if macro.nargs else macro.body
        if out and _needs_space(out[-1], replacement):
            replacement = " " + replacement
        if _needs_space(replacement, text[end:end + 1]):
            replacement += " "
        out.append(replacement)
        size += len(before) + len(replacement)
        if size > max_chars:
            return None
        expanded += 1
        pos = end
    out.append(text[pos:])
    return "".join(out), expanded


def expand_macros(text: str, macros: Mapping[str, Macro], max_passes: int = MAX_EXPANSION_PASSES,
                  max_chars: int | None = None) -> Expansion:
    """Expands every call of `macros` in `text`, pass after pass, until no call is left, `max_passes` is reached
    (recursive macros) or the text would grow past `max_chars` (default: MAX_EXPANSION_GROWTH times the input plus
    EXPANSION_SLACK_CHARS); a stopped expansion keeps the last text within the limits."""
    if not macros:
        return Expansion(text, 0, True)
    if max_chars is None:
        max_chars = len(text) * MAX_EXPANSION_GROWTH + EXPANSION_SLACK_CHARS
    calls = _call_pattern(list(macros))
    total = 0
    for _ in range(max_passes):
        result = _expand_pass(text, calls, macros, max_chars)
        if result is None:
            return Expansion(text, total, False)
        text, expanded = result
        total += expanded
        if not expanded:
            return Expansion(text, total, True)
    return Expansion(text, total, _find_command(calls, text) is None)


# --- cuts ---------------------------------------------------------------------------------------------------


def cut_to_sections(text: str) -> str | None:
    """The text from the first sectioning command on (`\\part`, `\\chapter`, `\\section`, `\\subsection`,
    `\\subsubsection`, `\\paragraph`, `\\subparagraph`, starred or not); None when there is none."""
    match = _find_command(_SECTION, text)
    return None if match is None else text[match.start():]


def cut_bibliography(text: str) -> str:
    """The text before the bibliography (`thebibliography`/`references` environment, `\\bibliography{…}`,
    `\\printbibliography`); all of it when there is none."""
    match = _find_command(_BIBLIOGRAPHY, text)
    return text if match is None else text[:match.start()]


def has_prose(text: str) -> bool:
    """Whether any letter or digit is left once control words are taken out (`\\section*{}` has none)."""
    return bool(_LETTER_OR_DIGIT.search(_CONTROL_WORD.sub("", text)))


def tidy_blank_lines(text: str) -> str:
    """Runs of blank lines (left where definitions and comments were) become one blank line; ends stripped."""
    return _BLANK_LINES.sub("\n\n", text).strip()


# --- per paper ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPaper:
    main_file: str
    body: str  # between \begin{document} and \end{document}: inputs inlined, comments and definitions removed
    macros: dict[str, Macro]
    missing_inputs: tuple[str, ...] = ()
    input_cycles: tuple[str, ...] = ()
    not_expanded: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParseFailure:
    reason: str  # NO_MAIN_FILE | UNPARSABLE | TOO_LARGE
    detail: str


def parse_paper(files: Mapping[str, str], max_chars: int = DEFAULT_MAX_PAPER_BYTES) -> ParsedPaper | ParseFailure:
    """A paper's TeX files -> its main document, ready for `clean_paper`.

    With several main-file candidates (a paper and its supplement, a leftover template) the one that is longest
    with its inputs inlined wins; ties go to the first name."""
    stripped = {name: strip_comments(text) for name, text in files.items()}
    candidates = sorted(name for name, text in stripped.items() if is_main_file(text))
    if not candidates:
        return ParseFailure(NO_MAIN_FILE, f"none of {len(files)} TeX files has \\documentclass and "
                                          f"\\begin{{document}}: {sorted(files)[:5]}")
    best: tuple[str, str, Inlining] | None = None
    for name in candidates:
        inlining = Inlining()
        try:
            text = inline_inputs(name, stripped, inlining, max_chars)
        except InliningLimit as exc:
            return ParseFailure(exc.reason, str(exc))
        if best is None or len(text) > len(best[1]):
            best = (name, text, inlining)
    assert best is not None
    main_file, text, inlining = best
    begin = _find_command(_BEGIN_DOCUMENT, text)
    end = None if begin is None else _find_command(_END_DOCUMENT, text, begin.end())
    if end is not None:
        text = text[:end.start()]  # text after \end{document} never reaches the page
    try:
        definitions, text = parse_definitions(text)
    except LatexSyntaxError as exc:
        return ParseFailure(UNPARSABLE, f"{main_file}: {exc}")
    begin = _find_command(_BEGIN_DOCUMENT, text)
    if begin is None:  # `\begin{document}` was inside a definition's body
        return ParseFailure(NO_MAIN_FILE, f"{main_file}: \\begin{{document}} only occurs inside a definition")
    return ParsedPaper(
        main_file=main_file,
        body=text[begin.end():],
        macros=definitions.macros,
        missing_inputs=tuple(inlining.missing),
        input_cycles=tuple(inlining.cycles),
        not_expanded=tuple(definitions.not_expanded),
    )


@dataclass(frozen=True)
class CleanedPaper:
    text: str | None  # None when dropped
    reason: str | None  # NO_SECTION | EMPTY_AFTER_CLEANING when dropped
    expansion: Expansion


def clean_paper(body: str, macros: Mapping[str, Macro]) -> CleanedPaper:
    """Expands the macros, then keeps what lies between the first section and the bibliography."""
    expansion = expand_macros(body, macros)
    text = cut_to_sections(expansion.text)
    if text is None:
        return CleanedPaper(None, NO_SECTION, expansion)
    text = tidy_blank_lines(cut_bibliography(text))
    if not has_prose(text):
        return CleanedPaper(None, EMPTY_AFTER_CLEANING, expansion)
    return CleanedPaper(text, None, expansion)


def latex_to_document_text(files: Mapping[str, str]) -> str | None:
    """Convenience for tests and exploration: a paper's files -> its cleaned text, None when it is dropped."""
    parsed = parse_paper(files)
    return None if isinstance(parsed, ParseFailure) else clean_paper(parsed.body, parsed.macros).text
