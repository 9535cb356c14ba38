"""The arXiv source: every cleaning rule with what it keeps and removes, the reader on good and hostile input, and the
pipeline end to end on the DirectRunner over tests/data/arxiv (see make_fixtures.py there for what each file holds).
All LaTeX here and in the fixtures is written for these tests."""
from __future__ import annotations

import io
import json
import sys
import tracemalloc
import zlib
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from manifests import verify_manifest
from pipelines.readers import arxiv as reader
from pipelines.readers.arxiv import (
    InputError, PaperSource, SkippedPaper, arxiv_id_from_name, decode_tex, directory_entries, paper_from_gzip,
    read_papers, unsafe_member_name,
)
from pipelines.sources import arxiv, latex
from pipelines.sources.latex import (
    Macro, ParseFailure, clean_paper, cut_bibliography, cut_to_sections, expand_macros, has_prose, inline_inputs,
    is_main_file, parse_definitions, parse_paper, resolve_input, strip_comments, substitute_arguments,
    tidy_blank_lines,
)

DATA = Path(__file__).parent / "data" / "arxiv"
sys.path.insert(0, str(DATA))
import make_fixtures as fx  # noqa: E402  (the fixtures' papers, to compare against)

BULK = DATA / "arXiv_src_2601_900.tar"
CUT = DATA / "arXiv_src_2601_901.tar"
FOLDER = DATA / "papers"
CAP = fx.TEST_MAX_PAPER_BYTES


def paper(body: str, preamble: str = "") -> str:
    return f"\\documentclass{{article}}\n{preamble}\\begin{{document}}\n{body}\\end{{document}}\n"


def clean(body: str, preamble: str = "") -> str | None:
    parsed = parse_paper({"p.tex": paper(body, preamble)})
    assert not isinstance(parsed, ParseFailure), parsed
    return clean_paper(parsed.body, parsed.macros).text


# --- comments -----------------------------------------------------------------------------------------------


def test_reference_regression_escaped_percent_keeps_text_and_comment_loses_only_the_comment():
    assert strip_comments("About 50\\% of cases") == "About 50\\% of cases"
    assert strip_comments("text % comment") == "text "
    assert strip_comments("x% comment") == "x"  # the reference's [^\\]%.+$ ate the "x"
    assert strip_comments("50\\% of cases % but not this") == "50\\% of cases "


@pytest.mark.parametrize("line, kept", [
    ("a line break \\\\% then a comment", "a line break \\\\"),  # \\ is a line break; the % starts a comment
    ("\\\\\\% is a break and a percent sign", "\\\\\\% is a break and a percent sign"),
    ("\\\\\\\\% two breaks, then a comment", "\\\\\\\\"),
    ("%% doubled percent", ""),
    ("no comment here", "no comment here"),
])
def test_comment_starts_at_a_percent_after_an_even_number_of_backslashes(line, kept):
    assert strip_comments(line) == kept


def test_comment_only_lines_go_with_their_line_end_but_paragraphs_stay():
    assert strip_comments("first\n  % aside\nsecond\n") == "first\nsecond\n"
    assert strip_comments("one\n\n% aside\n\ntwo") == "one\n\n\ntwo"
    assert strip_comments("last line\n% final comment") == "last line\n"


def test_comment_environment_is_removed():
    text = "kept \\begin{comment}\nhidden \\section{Draft}\n\\end{comment} also kept"
    assert strip_comments(text) == "kept  also kept"
    assert strip_comments("\\\\begin{comment}x") == "\\\\begin{comment}x"  # a line break, then the word


# --- main file and inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, main", [
    ("\\documentclass{article}\n\\begin{document}\n", True),
    ("\\documentstyle[12pt]{article}\n\\begin{document}\n", True),  # LaTeX 2.09, 1990s papers
    ("\\documentclass{article}\n", False),  # a class but no document: a style or template fragment
    ("\\begin{document}\n", False),
    ("\\documentclassx{article}\n\\begin{document}\n", False),
])
def test_main_file_has_a_class_and_begins_the_document(text, main):
    assert is_main_file(text) is main


def test_commented_out_documentclass_does_not_make_a_main_file():
    assert not is_main_file(strip_comments("% \\documentclass{article}\n\\begin{document}\n"))


@pytest.mark.parametrize("name, found", [
    ("intro", "sec/intro.tex"),  # .tex added, relative to the main file's folder
    ("intro.tex", "sec/intro.tex"),
    ("figs/table", "sec/figs/table"),  # a file without suffix, as given
    ("../shared/notation", "shared/notation.tex"),
    ('"intro"', "sec/intro.tex"),
    ("root", "root.tex"),  # relative to the project root
    ("absent", None),
])
def test_input_resolves_against_the_papers_own_files(name, found):
    files = {"sec/main.tex": "", "sec/intro.tex": "", "sec/figs/table": "", "shared/notation.tex": "", "root.tex": ""}
    assert resolve_input(name, files, "sec", "sec") == found


@pytest.mark.parametrize("command", ["\\input{part}", "\\input part.tex", "\\input{ part }", "\\include{part}",
                                     "\\input {part}"])
def test_input_and_include_are_inlined(command):
    inlining = latex.Inlining()
    text = inline_inputs("main.tex", {"main.tex": f"before {command} after", "part.tex": "PART"}, inlining, 10_000)
    assert text == "before PART after"
    assert inlining.missing == [] and inlining.cycles == []


@pytest.mark.parametrize("text", ["\\usepackage[utf8]{inputenc}", "\\inputencoding{latin1}", "\\\\input{part}",
                                  "\\includegraphics{part}"])
def test_commands_that_only_look_like_input_are_left_alone(text):
    assert inline_inputs("main.tex", {"main.tex": text, "part.tex": "PART"}, latex.Inlining(), 10_000) == text


def test_missing_inputs_and_cycles_are_left_out_and_noted():
    files = {"main.tex": "A \\input{a} B \\input{gone} C", "a.tex": "a[\\input{a}\\input{main}]"}
    inlining = latex.Inlining()
    assert inline_inputs("main.tex", files, inlining, 10_000) == "A a[] B  C"
    assert inlining.missing == ["gone"] and inlining.cycles == ["a.tex", "main.tex"]


def test_inlining_stops_past_the_size_limit():
    files = {"main.tex": "\\input{a}" * 10, "a.tex": "\\input{b}" * 10, "b.tex": "x" * 100}
    with pytest.raises(latex.InliningLimit, match="longer than 5000") as raised:
        inline_inputs("main.tex", files, latex.Inlining(), 5_000)
    assert raised.value.reason == reader.TOO_LARGE
    assert inline_inputs("main.tex", files, latex.Inlining(), 10_000) == "x" * 10_000


def test_inlining_stops_past_the_number_of_inputs_even_when_nothing_grows():
    files = {f"f{i}.tex": f"\\input{{f{i + 1}}}\\input{{f{i + 1}}}" for i in range(30)} | {"f30.tex": ""}
    inlining = latex.Inlining()
    with pytest.raises(latex.InliningLimit, match="more than 1000 files") as raised:
        inline_inputs("f0.tex", files, inlining, 10_000)
    assert raised.value.reason == latex.UNPARSABLE and inlining.inlined == latex.MAX_INLINED_INPUTS + 1


def test_the_longest_main_file_candidate_wins_and_nothing_after_end_document_survives():
    files = {
        "main.tex": paper("\\input{long}"),
        "long.tex": "\\section{Long} " + "words " * 50,
        "supplement.tex": paper("\\section{Supplement} short"),
    }
    parsed = parse_paper(files)
    assert parsed.main_file == "main.tex" and "Long" in parsed.body and "Supplement" not in parsed.body
    parsed = parse_paper({"p.tex": paper("\\section{A} body\n") + "after the end\n"})
    assert "after the end" not in parsed.body


def test_a_paper_without_a_main_file_is_no_main_file():
    failure = parse_paper({"fragment.tex": "\\section{Orphan} text"})
    assert isinstance(failure, ParseFailure) and failure.reason == latex.NO_MAIN_FILE


# --- definitions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("definition, name, macro", [
    ("\\newcommand{\\R}{\\mathbb{R}}", "R", Macro(0, "\\mathbb{R}")),
    ("\\newcommand\\R{\\mathbb{R}}", "R", Macro(0, "\\mathbb{R}")),
    ("\\newcommand*{\\R}{\\mathbb{R}}", "R", Macro(0, "\\mathbb{R}")),
    ("\\newcommand { \\R } {\\mathbb{R}}", "R", Macro(0, "\\mathbb{R}")),
    ("\\renewcommand{\\vec}[1]{\\mathbf{#1}}", "vec", Macro(1, "\\mathbf{#1}")),
    ("\\newcommand{\\pair}[2][0]{(#1,#2)}", "pair", Macro(2, "(#1,#2)", "0")),
    ("\\newcommand{\\opt}[1][{a]b}]{<#1>}", "opt", Macro(1, "<#1>", "{a]b}")),
    ("\\providecommand{\\new}{fresh}", "new", Macro(0, "fresh")),
    ("\\def\\swap#1#2{#2#1}", "swap", Macro(2, "#2#1")),
    ("\\def \\tool {Kestrel}", "tool", Macro(0, "Kestrel")),
    ("\\gdef\\g{G}", "g", Macro(0, "G")),
    ("\\edef\\e{E}", "e", Macro(0, "E")),
    ("\\xdef\\x#1{X#1}", "x", Macro(1, "X#1")),
    ("\\newcommand{\\nested}{{a}{b}\\{}", "nested", Macro(0, "{a}{b}\\{")),
])
def test_definition_forms_are_collected_and_removed(definition, name, macro):
    definitions, text = parse_definitions(f"before {definition} after")
    assert definitions.macros == {name: macro}
    assert text == "before  after"


@pytest.mark.parametrize("definition, name", [
    ("\\def\\pt#1.{(#1)}", "pt"),  # delimited parameter: TeX-only syntax
    ("\\def\\a@b{internal}", "a@b"),  # \makeatletter name
    ("\\renewcommand{\\section}{\\oldsection}", "section"),  # protected
    ("\\def\\|{bar}", "|"),  # control symbol
])
def test_definitions_we_do_not_expand_are_still_removed(definition, name):
    definitions, text = parse_definitions(f"x {definition} y")
    assert definitions.macros == {} and definitions.not_expanded == [name] and text == "x  y"


def test_later_definitions_win_except_providecommand():
    definitions, _ = parse_definitions("\\newcommand{\\a}{1}\\renewcommand{\\a}{2}\\providecommand{\\a}{3}")
    assert definitions.macros["a"].body == "2"


def test_a_definition_inside_a_body_belongs_to_the_body():
    definitions, _ = parse_definitions("\\newcommand{\\setup}{\\def\\inner{x}}")
    assert list(definitions.macros) == ["setup"] and definitions.macros["setup"].body == "\\def\\inner{x}"


@pytest.mark.parametrize("text", ["\\definecolor{ink}{rgb}{0,0,1}", "\\defaultfont", "\\newcommandx", "\\\\def x",
                                  "\\newtheorem{lemma}{Lemma}"])
def test_commands_that_only_look_like_definitions_are_kept(text):
    assert parse_definitions(text) == (latex.Definitions(), text)


@pytest.mark.parametrize("text", ["\\newcommand{\\broken}{never closes", "\\def\\x#1", "\\newcommand{\\x}[1][a{b}",
                                  "\\newcommand"])
def test_unbalanced_definitions_are_syntax_errors_naming_the_line(text):
    with pytest.raises(latex.LatexSyntaxError, match="line 2"):
        parse_definitions("first line\n" + text)


def test_unparsable_definition_drops_the_paper_as_unparsable():
    failure = parse_paper({"p.tex": paper("\\section{A} x", "\\newcommand{\\x}{open\n")})
    assert isinstance(failure, ParseFailure) and failure.reason == latex.UNPARSABLE and "p.tex" in failure.detail


# --- expansion ----------------------------------------------------------------------------------------------

MACROS = {
    "R": Macro(0, "\\mathbb{R}"),
    "tool": Macro(0, "Kestrel"),
    "a": Macro(0, "\\alpha"),
    "norm": Macro(1, "\\|#1\\|"),
    "pair": Macro(2, "(#1,#2)", "0"),
    "bar": Macro(1, "\\overline#1"),
    "defx": Macro(1, "\\def\\x##1{#1##1}"),
}


@pytest.mark.parametrize("text, expanded", [
    ("on $\\R^n$", "on $\\mathbb{R}^n$"),
    ("\\tool{} is fast", "Kestrel is fast"),  # the {} that kept a space goes
    ("\\tool\\ is fast", "Kestrel\\ is fast"),
    ("\\tool is fast", "Kestrel is fast"),  # readable text keeps the space TeX would eat
    ("\\toolbox and \\Rn", "\\toolbox and \\Rn"),  # longer control words are other commands
    ("\\\\tool", "\\\\tool"),  # a line break, then the word
    ("\\norm{v+w}", "\\|v+w\\|"),
    ("\\norm v", "\\|v\\|"),  # one-character argument
    ("\\norm\\vec", "\\|\\vec\\|"),  # control-sequence argument
    ("\\norm {a{b}c}", "\\|a{b}c\\|"),
    ("\\pair{x}", "(0,x)"),  # default for the optional first argument
    ("\\pair[y]{x}", "(y,x)"),
    ("\\pair [y] {x} {z}", "(y,x) {z}"),
    ("\\a b and \\a{}b", "\\alpha b and \\alpha b"),  # a control word never runs into a letter
    ("\\bar x", "\\overline x"),
    ("\\defx{p}", "\\def\\x#1{p#1}"),  # ## is a # of the definition inside
    ("\\norm", "\\norm"),  # the text ends before the argument: left as written
])
def test_macro_calls_are_expanded(text, expanded):
    assert expand_macros(text, MACROS).text == expanded


def test_reference_regression_macro_with_arguments_is_expanded():
    out = clean("\\section{Intro}\nWe bound \\norm{\\R^n} and \\pair{a}.\n",
                "\\newcommand{\\norm}[1]{\\lVert #1 \\rVert}\n\\newcommand{\\pair}[2][0]{(#1, #2)}\n"
                "\\newcommand{\\R}{\\mathbb{R}}\n")
    assert out == "\\section{Intro}\nWe bound \\lVert \\mathbb{R}^n \\rVert and (0, a)."


def test_expansion_runs_until_macros_defined_through_others_are_gone():
    macros = {"a": Macro(0, "\\b{x}\\b{y}"), "b": Macro(1, "[#1]"), "c": Macro(0, "\\a")}
    result = expand_macros("\\c", macros)
    assert result.text == "[x][y]" and result.complete and result.calls == 4


def test_recursive_macro_stops_after_the_pass_limit():
    result = expand_macros("\\loop.", {"loop": Macro(0, "x\\loop")}, max_passes=5)
    assert result.text == "xxxxx\\loop." and not result.complete and result.calls == 5


def test_macro_bomb_stops_at_the_size_limit():
    macros = {f"m{chr(97 + i)}": Macro(0, f"\\m{chr(98 + i)}" * 10) for i in range(8)}
    macros["mi"] = Macro(0, "x")
    result = expand_macros("\\ma", macros, max_chars=100_000)
    assert not result.complete and len(result.text) <= 100_000


@pytest.mark.parametrize("left, right, space", [
    ("\\alpha", "b", True),  # \alphab would be another command
    ("x \\alpha", "1", False),  # digits end a control word
    ("\\alpha", " b", False),
    ("\\\\", "b", False),  # a line break is a control symbol
    ("\\\\alpha", "b", False),  # a line break and the word "alpha"
    ("\\%", "b", False),
    ("plain", "b", False),
])
def test_a_space_separates_a_control_word_from_a_letter_only(left, right, space):
    assert latex._needs_space(left, right) is space


def test_argument_count_may_be_spaced():
    definitions, _ = parse_definitions("\\newcommand{\\f} [ 2 ] {#1#2}")
    assert definitions.macros == {"f": Macro(2, "#1#2")}


@pytest.mark.parametrize("body, args, out", [
    ("#1-#2", ["a", "b"], "a-b"),
    ("#2#1", ["a", "b"], "ba"),
    ("#3", ["a"], "#3"),  # no such argument
    ("##1", ["a"], "#1"),
    ("\\foo#1", ["x"], "\\foo x"),
    ("\\foo#1", ["{x}"], "\\foo{x}"),
])
def test_arguments_are_substituted(body, args, out):
    assert substitute_arguments(body, args) == out


# --- cuts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["part", "chapter", "section", "subsection", "subsubsection", "paragraph",
                                     "subparagraph"])
def test_each_sectioning_command_starts_the_text(command):
    text = f"title and abstract\n\\{command}{{Start}} body"
    assert cut_to_sections(text) == f"\\{command}{{Start}} body"


def test_reference_regression_paragraph_and_subparagraph_are_section_starts():
    assert cut_to_sections("preamble \\paragraph{P} text") == "\\paragraph{P} text"
    assert cut_to_sections("preamble \\subparagraph{S} text") == "\\subparagraph{S} text"


@pytest.mark.parametrize("text, kept", [
    ("abstract \\section*{Intro} x", "\\section*{Intro} x"),
    ("abstract \\section[Short]{Long} x", "\\section[Short]{Long} x"),
    ("abstract \\section {Intro} x", "\\section {Intro} x"),
    ("\\sectionmark{no} \\subsection{Yes}", "\\subsection{Yes}"),  # a longer command is not a section
    ("\\\\section{no} \\section{Yes}", "\\section{Yes}"),  # a line break and the word "section"
    ("\\let\\oldsection\\section \\chapter{Yes}", "\\chapter{Yes}"),  # no argument: not a section start
    ("the first \\section{A} before \\section{B}", "\\section{A} before \\section{B}"),
])
def test_the_first_real_section_start_wins(text, kept):
    assert cut_to_sections(text) == kept


def test_no_section_means_nothing_is_kept():
    assert cut_to_sections("just text, \\textbf{no} sections") is None
    parsed = parse_paper({"p.tex": paper("Withdrawn.\n")})
    assert clean_paper(parsed.body, parsed.macros).reason == latex.NO_SECTION


@pytest.mark.parametrize("start", [
    "\\begin{thebibliography}{9}\n\\bibitem{a} A.",
    "\\begin {thebibliography}{9}",
    "\\begin{references}\n\\reference A.",
    "\\bibliography{refs}",
    "\\bibliography {refs,more}",
    "\\printbibliography",
    "\\printbibliography[heading=none]",
])
def test_bibliography_and_everything_after_it_is_removed(start):
    text = f"\\section{{A}} kept\n{start}\n\\section{{Late}} gone\n"
    assert cut_bibliography(text) == "\\section{A} kept\n"


@pytest.mark.parametrize("text", ["\\bibliographystyle{plain} kept", "\\begin{thebibliographyx}", "\\bibitem{a}",
                                  "\\\\bibliography{refs}", "\\printbibliographyx"])
def test_commands_that_only_look_like_a_bibliography_are_kept(text):
    assert cut_bibliography(text) == text


def test_appendix_before_the_bibliography_is_kept():
    out = clean("\\section{A} a\n\\appendix\n\\section{Proofs} p\n\\bibliography{r}\n")
    assert out == "\\section{A} a\n\\appendix\n\\section{Proofs} p"


def test_macro_hiding_a_section_or_a_bibliography_is_expanded_before_the_cuts():
    out = clean("\\mysec{Intro} text \\refs\n",
                "\\newcommand{\\mysec}[1]{\\section{#1}}\\def\\refs{\\bibliography{r}}\n")
    assert out == "\\section{Intro} text"


@pytest.mark.parametrize("text, prose", [
    ("\\section{Intro}", True),
    ("\\section*{} \\newpage {} [] ~", False),
    ("\\section*{}\n$$ x $$", True),
    ("\\section*{} 42", True),
    ("\\section*{}\n\\\\ \\& \\%", False),
])
def test_prose_is_a_letter_or_digit_outside_control_words(text, prose):
    assert has_prose(text) is prose


def test_empty_after_cleaning_is_counted_as_such():
    parsed = parse_paper({"p.tex": paper("\\section*{}\n\\begin{thebibliography}{9}\\bibitem{a} A.\n"
                                         "\\end{thebibliography}\n")})
    assert clean_paper(parsed.body, parsed.macros).reason == latex.EMPTY_AFTER_CLEANING


@pytest.mark.parametrize("text, tidy", [
    ("a\n\n\n\nb", "a\n\nb"),
    ("a\n  \n\t\n \nb", "a\n\nb"),
    ("a\n\nb", "a\n\nb"),
    ("a\nb", "a\nb"),
    ("\n\n a \n\n", "a"),
])
def test_runs_of_blank_lines_become_one(text, tidy):
    assert tidy_blank_lines(text) == tidy


def test_the_rules_fixture_paper_comes_out_as_written_down():
    assert latex.latex_to_document_text({"p.tex": fx.RULES_PAPER}) == fx.RULES_PAPER_CLEANED


# --- reader -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, native", [
    ("2601/2601.00001.gz", "2601.00001"),
    ("0704.0001.gz", "0704.0001"),
    ("2601.00001v3.tar.gz", "2601.00001"),
    ("0601/math0601001.gz", "math/0601001"),
    ("hep-th9901001.tex", "hep-th/9901001"),
    ("math.GT0601001.gz", "math/0601001"),
    ("cond-mat_0102003", "cond-mat/0102003"),
    ("my-paper.tex", "my-paper"),
])
def test_arxiv_id_comes_from_the_file_name(name, native):
    assert arxiv_id_from_name(name) == native


@pytest.mark.parametrize("name, unsafe", [
    ("../../etc/x", True), ("/etc/x", True), ("a/../../b", True), ("..", True), ("C:\\x", True),
    ("sub\\..\\..\\x", True), ("2601/2601.00001.gz", False), ("./a.tex", False), ("a/b..c.tex", False),
])
def test_absolute_and_climbing_member_names_are_unsafe(name, unsafe):
    assert unsafe_member_name(name) is unsafe


def test_tex_is_utf8_or_latin1_with_unix_line_ends():
    assert decode_tex("Gödel\r\nnext\rlast".encode("utf-8")) == "Gödel\nnext\nlast"
    assert decode_tex("Gödel".encode("latin-1")) == "Gödel"
    assert decode_tex(b"\xef\xbb\xbfBOM") == "BOM"


def gz_paper(data: bytes, cap: int = CAP):
    return paper_from_gzip(io.BytesIO(data), "in.tar", "2601/2601.09999.gz", "2601/2601.09999.gz", cap)


def test_single_file_and_project_e_prints_are_read_in_memory():
    single = gz_paper(fx.gz(fx.RULES_PAPER))
    assert single == PaperSource("2601.09999", "in.tar", "2601/2601.09999.gz", {"2601.09999.tex": fx.RULES_PAPER})
    project = gz_paper(fx.project({**fx.PROJECT_FILES, "./figures/plot.png": fx.PNG_BYTES}))
    assert set(project.files) == set(fx.PROJECT_FILES)  # figures are read past, never kept


@pytest.mark.parametrize("data, reason", [
    (fx.gz(fx.PDF_BYTES), reader.NOT_LATEX),
    (fx.gz("%!PS-Adobe-3.0\n"), reader.NOT_LATEX),
    (fx.gz(b"\0\1\2binary"), reader.NOT_LATEX),
    (fx.project({"figure.png": fx.PNG_BYTES}), reader.NOT_LATEX),  # a project without TeX
    (fx.project({"main.tex": "x", "../../etc/passwd": "root"}), reader.UNSAFE_PATH),
    (fx.project({"main.tex": "x", "/etc/passwd": "root"}), reader.UNSAFE_PATH),
    (fx.gzip_bomb(2 * CAP), reader.TOO_LARGE),
    (fx.project({"main.tex": "x", "huge.eps": b"\0" * 2 * CAP}), reader.TOO_LARGE),  # figures count too
])
def test_refused_e_prints_say_why(data, reason):
    item = gz_paper(data)
    assert isinstance(item, SkippedPaper) and item.reason == reason and item.member == "2601/2601.09999.gz"


@pytest.mark.parametrize("data", [fx.corrupt_gzip(), fx.gz(fx.RULES_PAPER)[:-30], b"not gzip at all",
                                  fx.gz(fx.tar_bytes({"main.tex": b"x" * 5000})[:3000])])
def test_corrupt_or_cut_e_prints_are_input_errors_naming_the_member(data):
    item = gz_paper(data)
    assert isinstance(item, InputError) and "2601/2601.09999.gz" in item.reason and item.path == "in.tar"


def test_gzip_bomb_never_allocates_past_the_cap():
    cap = 1 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    bomb = b"".join(compressor.compress(b"\0" * (1 << 20)) for _ in range(256)) + compressor.flush()
    assert len(bomb) < 300_000  # 256 MiB of zeros
    tracemalloc.start()
    try:
        item = gz_paper(bomb, cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(item, SkippedPaper) and item.reason == reader.TOO_LARGE
    assert peak < 4 * cap


def census(items) -> Counter:
    return Counter(type(i).__name__ if not isinstance(i, SkippedPaper) else i.reason for i in items)


def test_bulk_tarball_members_are_papers_or_counted_refusals():
    items = list(read_papers(str(BULK), max_paper_bytes=CAP))
    assert census(items) == {"PaperSource": 8, reader.NOT_LATEX: 2, reader.UNSAFE_PATH: 2, reader.TOO_LARGE: 1,
                             "InputError": 1}
    by_member = {i.member if not isinstance(i, InputError) else "error": i for i in items}
    assert by_member["../../etc/x.gz"].reason == reader.UNSAFE_PATH
    assert by_member["2601/2601.00006.gz"].reason == reader.UNSAFE_PATH  # ../../etc/passwd inside its project
    assert by_member["2601/2601.00005.gz"].reason == reader.TOO_LARGE
    assert "2601/2601.00004.gz" in by_member["error"].reason and by_member["error"].offset > 0
    assert by_member["0601/math0601001.gz"].arxiv_id == "math/0601001"
    assert "Gödel" in by_member["0601/math0601001.gz"].files["math0601001.tex"]


def test_a_cut_tarball_keeps_its_papers_before_the_cut_and_ends_with_one_error():
    items = list(read_papers(str(CUT)))
    assert [type(i) for i in items] == [PaperSource, InputError]
    assert items[0].arxiv_id == "2601.00201"
    assert "2601/2601.00202.gz" in items[1].reason and items[1].path == str(CUT)


def test_a_tarball_with_a_corrupt_header_after_the_first_member_is_an_error(tmp_path):
    data = bytearray(fx.tar_bytes({"2601/2601.00201.gz": fx.gz(fx.TRUNCATED_PAPERS["2601/2601.00201.gz"]),
                                   "2601/2601.00202.gz": fx.gz("x")}))
    second = data.index(b"2601/2601.00202.gz")
    data[second + 148:second + 156] = b"garbage!"  # the header checksum
    (tmp_path / "arXiv_src_2601_902.tar").write_bytes(bytes(data))
    items = list(read_papers(str(tmp_path / "arXiv_src_2601_902.tar")))
    assert [type(i) for i in items] == [PaperSource, InputError] and "corrupt" in items[1].reason


def test_a_file_that_is_not_a_tarball_is_an_input_error(tmp_path):
    (tmp_path / "arXiv_src_bad.tar").write_bytes(b"hello")
    assert [type(i) for i in read_papers(str(tmp_path / "arXiv_src_bad.tar"))] == [InputError]


def test_directory_layout():
    entries, ignored = directory_entries([
        "2601.00101/main.tex", "2601.00101/sections/results.tex", "2601.00102.gz", "hep-th9901001.tex",
        "2601.00103.pdf", "README.txt", "2602/2602.00001.gz", "2602/2602.00002/main.tex", "arXiv_src_x.tar",
    ])
    assert [(e.kind, e.name) for e in entries] == [
        ("folder", "2601.00101"), ("gzip", "2601.00102.gz"), ("pdf", "2601.00103.pdf"),
        ("gzip", "2602/2602.00001.gz"), ("folder", "2602/2602.00002"), ("tarball", "arXiv_src_x.tar"),
        ("tex", "hep-th9901001.tex"),
    ]
    assert entries[0].files == ("2601.00101/main.tex", "2601.00101/sections/results.tex")
    assert ignored == ["README.txt"]


def test_directory_of_papers_is_read_without_extracting_anything():
    items = list(read_papers(str(FOLDER)))
    papers = {i.arxiv_id: i for i in items if isinstance(i, PaperSource)}
    assert set(papers) == {"2601.00101", "2601.00102", "2602.00001", "hep-th/9901001"}
    assert set(papers["2601.00101"].files) == {"main.tex", "sections/results.tex"}
    assert census(items)[reader.NOT_LATEX] == 1


def test_a_folder_paper_over_the_cap_is_too_large():
    items = list(read_papers(str(FOLDER), max_paper_bytes=100))
    assert census(items)[reader.TOO_LARGE] == 4


def test_a_local_directory_given_with_a_slash_is_still_read_whole():
    assert arxiv.input_patterns([f"{FOLDER}/", str(BULK), "gs://bucket/arxiv/", str(DATA / "*.tar")]) == [
        str(FOLDER), str(BULK), "gs://bucket/arxiv/", str(DATA / "*.tar")]


def test_an_empty_directory_is_an_input_error(tmp_path):
    assert [type(i) for i in read_papers(str(tmp_path))] == [InputError]


# --- the pipeline -------------------------------------------------------------------------------------------


def read_docs(output: Path) -> list[dict]:
    return [row for part in sorted(output.glob("part-*.parquet")) for row in pq.read_table(part).to_pylist()]


@pytest.fixture(scope="module")
def fixtures_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("arxiv")
    manifest = arxiv.run([str(DATA / "*.tar"), f"{FOLDER}/"], str(output), max_paper_bytes=CAP)
    return output, manifest


def test_funnel_counts_every_paper_by_reason_and_the_invariant_holds(fixtures_run):
    _, manifest = fixtures_run
    read, parse, clean_step = manifest["funnel"]
    assert [s["step"] for s in manifest["funnel"]] == list(arxiv.STEPS)
    for step in manifest["funnel"]:
        assert step["in"] == step["kept"] + sum(step["dropped"].values())
    assert parse["in"] == read["kept"] and clean_step["in"] == parse["kept"]
    assert read == {"step": "read", "in": 21, "kept": 13,
                    "dropped": {"input_error": 2, "not_latex": 3, "too_large": 1, "unsafe_path": 2}}
    assert parse["dropped"] == {"no_main_file": 1, "unparsable": 1}
    assert clean_step["dropped"] == {"no_section": 1, "empty_after_cleaning": 1}
    assert clean_step["kept"] == manifest["stats"]["docs"] == 9
    assert manifest["stats"]["counters"] == {
        "definition_not_expanded": 1, "input_cycle": 2, "macro_calls_expanded": 45, "macro_expansion_stopped": 1,
        "missing_input": 1,
    }


def test_input_errors_name_the_file_and_member(fixtures_run):
    output, manifest = fixtures_run
    errors = manifest["input_errors"]
    assert errors["count"] == 2
    assert sorted((Path(e["path"]).name, e["offset"] > 0) for e in errors["examples"]) == [
        ("arXiv_src_2601_900.tar", True), ("arXiv_src_2601_901.tar", True)]
    rejected = [json.loads(line) for f in (output / "rejected").glob("input_errors-*.jsonl")
                for line in f.read_text().splitlines()]
    assert len(rejected) == 2


def test_documents_are_the_cleaned_papers(fixtures_run):
    output, manifest = fixtures_run
    docs = {d["id"]: d for d in read_docs(output)}
    assert set(docs) == {f"arxiv/{i}" for i in ("2601.00001", "2601.00002", "math/0601001", "2601.00012",
                                                 "2601.00201", "2601.00101", "2601.00102", "2602.00001",
                                                 "hep-th/9901001")}
    assert docs["arxiv/2601.00001"]["text"] == fx.RULES_PAPER_CLEANED
    project = docs["arxiv/2601.00002"]["text"]
    assert project.startswith("\\section{Introduction}\nTides flex moon~A")
    assert "\\mathcal{Q}" in project and "\\subsection{Orbit}" in project and "\\section{Derivations}" in project
    assert "thebibliography" not in project and "Supplement" not in project and "\\input" not in project
    meta = json.loads(docs["arxiv/math/0601001"]["meta"])
    assert meta["url"] == "https://arxiv.org/abs/math/0601001" and meta["yymm"] == "0601"
    assert meta["member"] == "0601/math0601001.gz" and meta["file"].endswith("arXiv_src_2601_900.tar")
    assert all(d["source"] == "arxiv" and d["lang"] == "en" for d in docs.values())
    assert verify_manifest(str(output)) == []


def test_cli_runs_the_demo_sample(tmp_path):
    demo = Path(arxiv.__file__).parent.parent / "demo_data" / "arxiv"
    assert arxiv.main(["--input", str(demo / "arXiv_src_*.tar"), "--output", str(tmp_path),
                       "--max-paper-bytes", str(CAP)]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["config"]["max_paper_bytes"] == CAP
    read, parse, clean_step = manifest["funnel"]
    assert read["dropped"] == {"not_latex": 1} and clean_step["dropped"] == {"no_section": 1}
    assert clean_step["kept"] == 6
