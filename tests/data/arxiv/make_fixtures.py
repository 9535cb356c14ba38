"""Regenerate the arXiv fixtures here and the demo sample: ``python tests/data/arxiv/make_fixtures.py``.

Every paper is LaTeX written for these tests (topics, names and results are made up); nothing is copied from arXiv.
The generated files are committed, so the tests never run this script; rerun it after changing a paper here or in
``demo_papers.py`` and commit the results. Output is byte-for-byte reproducible (gzip and tar times are fixed).

| file | what it exercises |
|---|---|
| arXiv_src_2601_900.tar | a bulk tarball: single-file and multi-file papers, and every kind of bad member below |
| arXiv_src_2601_901.tar | a bulk tarball cut in the middle of its second member |
| papers/ | a directory of papers: a project folder, a .gz e-print, a .tex file, a PDF, a README, a <yymm>/ folder |

Members of arXiv_src_2601_900.tar (read with a cap of ``TEST_MAX_PAPER_BYTES``):

| member | expected |
|---|---|
| 2601/2601.00001.gz | single .tex: every cleaning rule (comments, macros with arguments, \\paragraph, bibliography) |
| 2601/2601.00002.gz | project tar: \\input/\\include, a missing input, a .bbl, a figure, a second main-file candidate |
| 2601/2601.00003.pdf | read: not_latex |
| 2601/2601.00004.gz | read: input_error (gzip stream corrupt) |
| 2601/2601.00005.gz | read: too_large (4 KiB of gzip expanding to 4 MiB: a bomb for the 1 MiB test cap) |
| ../../etc/x.gz | read: unsafe_path |
| 2601/2601.00006.gz | read: unsafe_path (its project tar holds ../../etc/passwd) |
| 0601/math0601001.gz | old-style id math/0601001, \\documentstyle, Latin-1 bytes |
| 2601/2601.00007.gz | parse: no_main_file |
| 2601/2601.00008.gz | clean: no_section |
| 2601/2601.00009.gz | clean: empty_after_cleaning |
| 2601/2601.00010.gz | parse: unparsable (a \\newcommand whose body never closes) |
| 2601/2601.00011.gz | read: not_latex (gzipped PostScript) |
| 2601/2601.00012.gz | project tar: an \\input cycle, a recursive macro, a delimited \\def |
"""
from __future__ import annotations

import gzip
import io
import logging
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE.parents[2] / "pipelines" / "demo_data" / "arxiv"
TEST_MAX_PAPER_BYTES = 1 << 20
MTIME = 1767225600  # 2026-01-01T00:00:00Z

RULES_PAPER = r"""\documentclass[11pt]{article}
% Preamble comment: \section{Not a section}
\usepackage{amsmath}
\newcommand{\R}{\mathbb{R}}
\newcommand*{\norm}[1]{\left\lVert #1 \right\rVert}
\newcommand{\pair}[2][0]{\langle #1, #2 \rangle}
\renewcommand{\vec}[1]{\mathbf{#1}}
\providecommand{\R}{\mathbb{Q}}
\def\swap#1#2{#2#1}
\def\tool{Kestrel}
\newcommand\twice[1]{#1#1}
\title{Sparse Lattice Walks}
\author{A. Author}
\begin{document}
\maketitle
\begin{abstract}
The abstract sits before the first section and is removed.
\end{abstract}
\section{Introduction}
We study walks on $\R^d$ with step norm \norm{\vec{x}} and pairing \pair{u} or \pair[1]{v}.
About 50\% of the walks return; the rest do not. % the reviewer asked about this
Our solver \tool{} and \tool\ agree; \swap{b}{a} spells ab, \twice{ha}.
A line break \\% and a comment after it
keeps the break.
%\section{A commented-out section}
\paragraph{Walk counts} We count walks.
\subparagraph{Small cases} Small cases are easy.
\bibliographystyle{plain}
\bibliography{walks}
\section{After the bibliography}
This is removed.
\end{document}
Text after the end of the document is never typeset.
"""

RULES_PAPER_CLEANED = r"""\section{Introduction}
We study walks on $\mathbb{R}^d$ with step norm \left\lVert \mathbf{x} \right\rVert and pairing \langle 0, u \rangle or \langle 1, v \rangle.
About 50\% of the walks return; the rest do not. 
Our solver Kestrel and Kestrel\ agree; ab spells ab, haha.
A line break \\
keeps the break.
\paragraph{Walk counts} We count walks.
\subparagraph{Small cases} Small cases are easy.
\bibliographystyle{plain}"""

PROJECT_FILES = {
    "main.tex": r"""\documentclass{article}
\input{macros}
\begin{document}
\title{Tidal Heating of Small Moons}
\maketitle
\input{sections/intro}
\include{sections/model}
\input{sections/missing}
\appendix
\section{Derivations}
The appendix stays: it comes before the bibliography.
\input{main.bbl}
\end{document}
""",
    "macros.tex": r"""% shared notation
\newcommand{\moon}[1]{moon~#1}
\newcommand{\Q}{\mathcal{Q}}
""",
    "sections/intro.tex": r"""\section{Introduction}
Tides flex \moon{A} once per orbit, and the quality factor $\Q$ sets how much of that work turns into heat.
""",
    "sections/model.tex": r"""\section{Model}
\subsection{Orbit}
An eccentric orbit keeps the flexing going; without eccentricity \moon{B} would settle.
""",
    "main.bbl": r"""\begin{thebibliography}{1}
\bibitem{doe} J. Doe, \emph{Heat in Small Bodies}, Imaginary Press, 2020.
\end{thebibliography}
""",
    "supplement.tex": r"""\documentclass{article}
\begin{document}
\section{Supplement}
Short.
\end{document}
""",
}

CYCLE_FILES = {
    "paper.tex": r"""\documentclass{article}
\def\loop{x\loop}
\def\pt#1.{(#1)}
\begin{document}
\section{Loops}
\input{part}
A recursive macro: \loop.
\end{document}
""",
    "part.tex": r"""Part text.
\input{part}
\input{paper}
""",
}

OLD_STYLE_PAPER = r"""\documentstyle[12pt]{article}
\begin{document}
\section{Introduction}
G\"odel numbering, written here with a Latin-1 byte as Gödel, assigns a code to every formula.
\end{document}
"""

NO_MAIN_PAPER = r"""\section{Orphan}
A fragment without a preamble: no \documentclass, no document environment.
"""

NO_SECTION_PAPER = r"""\documentclass{article}
\begin{document}
This paper has been withdrawn by the authors.
\end{document}
"""

EMPTY_PAPER = r"""\documentclass{article}
\begin{document}
\section*{}
\begin{thebibliography}{9}
\bibitem{a} A reference that is removed.
\end{thebibliography}
\end{document}
"""

UNPARSABLE_PAPER = r"""\documentclass{article}
\newcommand{\broken}{this body never closes
\begin{document}
\section{Lost}
Text.
\end{document}
"""

TRUNCATED_PAPERS = {
    "2601/2601.00201.gz": r"""\documentclass{article}
\begin{document}
\section{First}
The first paper of the cut tarball is whole.
\end{document}
""",
    "2601/2601.00202.gz": r"""\documentclass{article}
\begin{document}
\section{Second}
The second paper is cut off somewhere in here, so none of it reaches the output.
\end{document}
""",
}

DIRECTORY_PROJECT = {
    "main.tex": r"""\documentclass{article}
\newcommand{\field}{Riverbend}
\begin{document}
\section{Survey}
We surveyed the \field{} wetland twice.
\input{sections/results}
\end{document}
""",
    "sections/results.tex": r"""\subsection{Results}
Reed warblers nested earlier in the second year.
""",
}

DIRECTORY_GZ_PAPER = r"""\documentclass{article}
\begin{document}
\section{Notes}
An e-print stored as a single gzipped file in a directory.
\end{document}
"""

DIRECTORY_TEX_PAPER = r"""\documentclass{article}
\begin{document}
\section{Strings}
A plain .tex file named after an old-style identifier.
\end{document}
"""

DIRECTORY_YYMM_PAPER = r"""\documentclass{article}
\begin{document}
\section{Layout}
A paper under a yymm folder, as an extracted bulk tarball lays it out.
\end{document}
"""

PDF_BYTES = b"%PDF-1.4\n% made up for llamix tests\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def gz(data: bytes | str) -> bytes:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return gzip.compress(raw, compresslevel=9, mtime=0)


def tar_bytes(members: dict[str, bytes], directories: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in directories:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, MTIME
            tar.addfile(info)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, MTIME
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def project(files: dict[str, str | bytes]) -> bytes:
    """A multi-file paper as arXiv stores it: a gzipped tar."""
    return gz(tar_bytes({name: data.encode("utf-8") if isinstance(data, str) else data
                         for name, data in files.items()}))


def corrupt_gzip() -> bytes:
    data = bytearray(gz(RULES_PAPER))
    data[20:60] = b"\xff" * 40  # the deflate stream, past the 10-byte header
    return bytes(data)


def gzip_bomb(size: int) -> bytes:
    return gzip.compress(b"\0" * size, compresslevel=9, mtime=0)


def bulk_tarball() -> bytes:
    members = {
        "2601/2601.00001.gz": gz(RULES_PAPER),
        "2601/2601.00002.gz": project({**PROJECT_FILES, "figures/plot.png": PNG_BYTES}),
        "2601/2601.00003.pdf": PDF_BYTES,
        "2601/2601.00004.gz": corrupt_gzip(),
        "2601/2601.00005.gz": gzip_bomb(4 * TEST_MAX_PAPER_BYTES),
        "../../etc/x.gz": gz(NO_SECTION_PAPER),
        "2601/2601.00006.gz": project({"main.tex": NO_SECTION_PAPER, "../../etc/passwd": "root:x:0:0\n"}),
        "0601/math0601001.gz": gz(OLD_STYLE_PAPER.encode("latin-1")),
        "2601/2601.00007.gz": gz(NO_MAIN_PAPER),
        "2601/2601.00008.gz": gz(NO_SECTION_PAPER),
        "2601/2601.00009.gz": gz(EMPTY_PAPER),
        "2601/2601.00010.gz": gz(UNPARSABLE_PAPER),
        "2601/2601.00011.gz": gz("%!PS-Adobe-3.0\n%%Title: made up\nshowpage\n"),
        "2601/2601.00012.gz": project(CYCLE_FILES),
    }
    return tar_bytes(members, directories=("2601", "0601"))


def truncated_tarball() -> bytes:
    members = {name: gz(text) for name, text in TRUNCATED_PAPERS.items()}
    whole = tar_bytes(members)
    second = whole.index(b"2601/2601.00202.gz")
    return whole[: second + 512 + len(members["2601/2601.00202.gz"]) // 2]  # its header and half its data


def write_directory(folder: Path) -> None:
    for name, text in DIRECTORY_PROJECT.items():
        (folder / "2601.00101" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "2601.00101" / name).write_text(text, encoding="utf-8")
    (folder / "2601.00102.gz").write_bytes(gz(DIRECTORY_GZ_PAPER))
    (folder / "hep-th9901001.tex").write_text(DIRECTORY_TEX_PAPER, encoding="utf-8")
    (folder / "2601.00103.pdf").write_bytes(PDF_BYTES)
    (folder / "README.txt").write_text("Papers for the llamix arXiv reader tests.\n", encoding="utf-8")
    (folder / "2602").mkdir(exist_ok=True)
    (folder / "2602" / "2602.00001.gz").write_bytes(gz(DIRECTORY_YYMM_PAPER))


def write_demo() -> Path:
    import demo_papers  # noqa: PLC0415 - the demo text lives in its own module

    members: dict[str, bytes] = {}
    for paper in demo_papers.PAPERS:
        if isinstance(paper.files, str):
            members[f"2601/{paper.arxiv_id}.gz"] = gz(paper.files)
        else:
            members[f"2601/{paper.arxiv_id}.gz"] = project(dict(paper.files))
    members[f"2601/{demo_papers.PDF_ONLY_ID}.pdf"] = PDF_BYTES
    DEMO.mkdir(parents=True, exist_ok=True)
    target = DEMO / "arXiv_src_2601_001.tar"
    target.write_bytes(tar_bytes(dict(sorted(members.items())), directories=("2601",)))
    return target


def main() -> None:
    (HERE / "arXiv_src_2601_900.tar").write_bytes(bulk_tarball())
    (HERE / "arXiv_src_2601_901.tar").write_bytes(truncated_tarball())
    write_directory(HERE / "papers")
    demo = write_demo()
    logging.info("wrote fixtures in %s and the demo sample %s (%d bytes)", HERE, demo, demo.stat().st_size)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(HERE))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
