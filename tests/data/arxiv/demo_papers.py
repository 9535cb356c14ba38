r"""The papers of the arXiv demo sample (``pipelines/demo_data/arxiv/``), as data for make_fixtures.py.

Every paper here is original LaTeX written for llamix: the places (Larch River, Kestrel Bay, Millbrook), instruments,
people and results are made up, and the references cite invented works. The identifiers 2601.0xxxx are used only
inside this sample. Each paper uses the habits the arXiv pipeline has to undo: a preamble and abstract before the
first section, user macros with and without arguments, comments, \input of section files, and a bibliography.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class DemoPaper:
    arxiv_id: str
    files: str | Mapping[str, str]  # one .tex file, or a project: path -> text


SEDIMENT = r"""\documentclass[11pt]{article}
\usepackage{amsmath,amssymb}
% Notation used throughout
\newcommand{\flux}{\Phi}
\newcommand{\conc}[1]{c_{\mathrm{#1}}}
\newcommand{\avg}[1]{\left\langle #1 \right\rangle}
\newcommand{\river}{Larch River}
\title{Seasonal Sediment Flux in a Braided Upland River}
\author{M. Okafor \and T. Lindqvist}
\begin{document}
\maketitle
\begin{abstract}
We measure suspended sediment in the \river{} over three years and find that two spring floods carry most of it.
\end{abstract}

\section{Introduction}
Braided rivers move their channels every few years, and the sediment they carry decides where the next channel
opens. The \river{} drains a small upland basin with thin soils, so almost everything it carries in suspension is
fine sand and silt washed off the slopes during snowmelt. % TODO: cite the regional survey
We ask how much of the yearly load arrives in the few days of peak flow, and whether the share changes from one
year to the next.

\section{Site and methods}
\subsection{Sampling}
Three turbidity probes sat at the gauge bridge, the confluence and the lower ford, logging every ten minutes.
Each probe was calibrated against bottle samples taken by hand on forty days spread across the seasons, giving
the concentration $\conc{ss}$ in milligrams per litre.
\subsection{Flux}
The instantaneous flux is $\flux = Q\,\conc{ss}$, with $Q$ the discharge from the gauge. We report the yearly load
as the sum of $\flux$ over ten-minute steps and the flood share as the part of that sum falling on days whose mean
discharge exceeded twice the yearly median. Averages over a season are written $\avg{\flux}$.

\section{Results}
In each of the three years, the two largest spring floods carried between 55\% and 70\% of the yearly load, while
the summer months, with their many small rain events, carried less than a tenth of it. The share was largest in the
year with the deepest snowpack. Over the whole record, $\avg{\flux}$ in spring was about nine times the summer value.

\section{Discussion}
Because so much of the load arrives in so few days, a sampling scheme that visits the river once a week misses most
of it: in our data such a scheme would have underestimated the yearly load by a third. Continuous turbidity logging
is cheap enough that it should be the default for small upland rivers.

\bibliographystyle{plain}
\bibliography{sediment}
\end{document}
"""

LATTICE = r"""\documentclass{amsart}
\usepackage{amsthm}
\newtheorem{theorem}{Theorem}
\newtheorem{lemma}[theorem]{Lemma}
\newcommand{\Z}{\mathbb{Z}}
\newcommand{\N}{\mathbb{N}}
\newcommand{\walks}[2][n]{W_{#1}(#2)}
\def\abs#1{\left| #1 \right|}
\begin{document}
\title{Counting Returning Walks on Thin Lattices}
\author{R. Castellanos}
\maketitle

\section{Introduction}
A walk on $\Z^2$ that may only use the steps $(1,0)$, $(0,1)$ and $(-1,-1)$ returns to the origin only after a
number of steps divisible by three. We count such walks when the walker must also stay inside a strip of width $k$,
and write $\walks{k}$ for the number of returning walks of length $n$, or $\walks[3m]{k}$ when the length matters.

\section{The transfer matrix}
Inside the strip the walker's state is its distance from the lower edge, one of $k+1$ values. The transfer matrix
$T_k$ records which states follow which, and $\walks[n]{k}$ is the corner entry of $T_k^n$.
\begin{lemma}
For every $k \in \N$, the largest eigenvalue of $T_k$ is simple and lies strictly below $3$.
\end{lemma}
\begin{proof}
The matrix is irreducible and aperiodic on the states reachable from $0$, so Perron--Frobenius applies; the bound
follows because the two edge states have fewer than three successors.
\end{proof}

\section{Growth}
\begin{theorem}
There is a constant $C_k > 0$ with $\abs{\walks[3m]{k} - C_k \lambda_k^{3m}} \le \lambda_k^{2m}$ for all $m \in \N$.
\end{theorem}
The constant $C_k$ comes from the eigenvector of $\lambda_k$; for $k = 1, 2, 3$ we computed it exactly, and its
values decrease with $k$ as the walker gains room to wander.

\begin{thebibliography}{9}
\bibitem{pf} A. Author, \emph{Nonnegative Matrices in Practice}, Imaginary Press, 2011.
\end{thebibliography}
\end{document}
"""

BIRDS_MAIN = r"""\documentclass{article}
\input{macros}
\begin{document}
\title{Arrival Dates of Reed Warblers at Kestrel Bay}
\author{H. Varga \and S. Mensah}
\maketitle
\begin{abstract}
Fifteen years of ringing records show reed warblers arriving earlier each decade.
\end{abstract}
\input{sections/intro}
\input{sections/data}
\input{sections/results}
\bibliography{birds}
\end{document}
"""

BIRDS_MACROS = r"""% macros shared by all sections
\newcommand{\species}{\emph{Acrocephalus scirpaceus}}
\newcommand{\site}{Kestrel Bay}
\newcommand{\days}[1]{#1~days}
\newcommand{\yr}[1]{#1}
"""

BIRDS_INTRO = r"""\section{Introduction}
The reed warbler, \species, spends the winter south of the Sahara and returns to the reed beds of \site{} every
spring. Ringers at the bay have caught and measured the birds since the first nets went up, and their notebooks
record the date of the first capture of each season. We use those dates to ask whether arrival has shifted.
"""

BIRDS_DATA = r"""\section{Data}
The ringing station opened its nets on the same stretch of reeds every morning from the first of April. For each
year from \yr{2010} to \yr{2024} we take the date of the first adult caught and the median date of the first ten
adults, which is less sensitive to a single early bird. Years with fewer than ten April captures were left out; % two
there were two such years, both with long cold spells.
"""

BIRDS_RESULTS = r"""\section{Results}
The median date of the first ten adults moved earlier by about \days{4} per decade, while the date of the very first
capture moved by \days{6}, with much more scatter. Warm Aprils brought the birds earlier in both measures.
\subsection{Caveats}
Netting effort was not constant: in the last five years a second net lane was added, which makes early captures
somewhat more likely. Repeating the analysis on the original lane alone gives a shift of \days{3} per decade.
"""

TIDES_MAIN = r"""\documentclass{revtex4}
\usepackage{amsmath}
\newcommand{\omegat}{\omega_{\mathrm{t}}}
\newcommand{\ecc}{e}
\newcommand{\heat}[2]{\dot{E}_{#1}^{(#2)}}
\begin{document}
\title{Tidal Heating of an Eccentric Moon Revisited}
\author{P. Ishikawa}
\begin{abstract}
We revisit tidal heating of a small moon on an eccentric orbit with a layered interior.
\end{abstract}
\maketitle
\include{body}
\appendix
\section{Series coefficients}
To second order in $\ecc$, the coefficients of the heating series are $7/2$ and $-3/4$, independent of the layering.
\begin{thebibliography}{1}
\bibitem{love} B. Writer, \emph{Elastic Moons}, Imaginary Press, 2019.
\end{thebibliography}
\end{document}
"""

TIDES_BODY = r"""\section{Model}
The moon orbits with mean motion $\omegat$ and eccentricity $\ecc$. Its interior is an ice shell over a liquid
layer over a rocky core, and each layer responds to the tide with its own rigidity and viscosity. The heating rate
in layer $i$ to order $n$ in $\ecc$ is written $\heat{i}{n}$.
\section{Results}
For a thin shell, almost all of the heat appears in the ice, and $\heat{\mathrm{ice}}{2}$ scales with $\ecc^2$ and
with the fifth power of the radius, as in the uniform case. For a thick shell the liquid layer decouples the core,
and the total heating falls by a factor between two and three depending on the shell's viscosity.
\paragraph{Uncertainty.} The viscosity of ice near its melting point is poorly known; across the plausible range
our heating rates span an order of magnitude, larger than the effect of the layering itself.
"""

SURVEY = r"""\documentclass{article}
\newcommand{\town}{Millbrook}
\newcommand{\pct}[1]{#1\%}
\newcommand{\q}[1]{``#1''}
\begin{document}
\title{How Residents of a Small Town Choose Their Commute}
\author{L. Moreau}
\maketitle
\section{Background}
\town{} lies twelve kilometres from the regional centre, linked by a road, a bus line and, since recently, a cycle
path along the old railway. We asked residents how they travel to work and why.

\section{Survey}
Of the 412 households we contacted, 268 answered (\pct{65}). Each respondent named their usual mode of travel and
rated five reasons on a scale from one to five: cost, time, reliability, comfort and habit. One open question asked
\q{What would make you change how you travel?}

\section{Findings}
Driving remained the most common mode at \pct{58}, the bus followed at \pct{24} and cycling at \pct{13}; the rest
walked or worked from home. Among drivers, reliability outranked every other reason, while cyclists most often named
cost and habit. Answers to the open question mentioned evening buses more than any other change.

\subsection{Limits}
Households without a landline or a listed address were harder to reach, and are likely under-represented.
\end{document}
"""

GLASS = r"""\documentclass{article}
\newcommand{\Tg}{T_{\mathrm{g}}}
\newcommand{\K}[1]{#1\,\mathrm{K}}
\newcommand{\tauof}[1][T]{\tau(#1)}
\begin{document}
\title{Relaxation Times Near the Glass Transition of a Sugar Melt}
\author{D. Novak}
\maketitle
\begin{abstract}
Dielectric measurements on a sugar melt show relaxation times that grow faster than Arrhenius on cooling.
\end{abstract}
\section{Introduction}
Sugar melts form glasses when cooled quickly enough, and their glass transition temperature $\Tg$ sits close to
room temperature, which makes them convenient to study. We measure the structural relaxation time $\tauof$ from
$\K{290}$ down to $\K{265}$.
\section{Measurements}
A parallel-plate capacitor held a thin film of the melt, and a bridge measured its permittivity from one hertz to
one megahertz. The frequency of the loss peak gives $\tauof$ at each temperature.
\section{Results}
Between $\K{290}$ and $\K{275}$ the relaxation time grew by four decades, and the growth steepened on further
cooling: no single activation energy fits the whole range. Extrapolating to $\tauof[\Tg] = 100$ seconds places
$\Tg$ at about $\K{268}$.
\bibliography{glass}
\end{document}
"""

WITHDRAWN = r"""\documentclass{article}
\begin{document}
This paper has been withdrawn by the author because an error was found in the main estimate.
\end{document}
"""

PAPERS = (
    DemoPaper("2601.01001", SEDIMENT),
    DemoPaper("2601.01002", LATTICE),
    DemoPaper("2601.01003", {
        "main.tex": BIRDS_MAIN, "macros.tex": BIRDS_MACROS, "sections/intro.tex": BIRDS_INTRO,
        "sections/data.tex": BIRDS_DATA, "sections/results.tex": BIRDS_RESULTS,
    }),
    DemoPaper("2601.01004", {"tides.tex": TIDES_MAIN, "body.tex": TIDES_BODY}),
    DemoPaper("2601.01005", SURVEY),
    DemoPaper("2601.01006", GLASS),
    DemoPaper("2601.01007", WITHDRAWN),
)
# A paper submitted as PDF only: the bulk tarballs hold it as <id>.pdf.
PDF_ONLY_ID = "2601.01008"
