"""Language identification with fastText's `lid.176` model (Joulin et al. 2016; cc_net `split_by_lang.py`).

cc_net classifies each document on its text with newlines replaced by spaces, keeps the top-1 label, and sets
documents whose top score is below 0.5 apart (cc_net `mine.py`: `lang_threshold: 0.5`). LLaMA keeps English only
(§2.1); any of the 20 LLaMA languages may be selected here.
"""
from __future__ import annotations

import json
from typing import Sequence

import apache_beam as beam

from manifests.storage import local_copy
from pipelines.funnel import StepCounter

DEFAULT_MODEL = "models/lid.176.ftz"
DEFAULT_THRESHOLD = 0.5  # cc_net mine.py, lang_threshold
_LABEL_PREFIX = "__label__"


class LanguageIdentifier:
    """The fastText model, loaded once; `identify(text) -> (lang, score)`. A `gs://…` model is copied to a local
    cache first (once per worker machine, `manifests.storage.local_copy`)."""

    def __init__(self, model_path: str):
        import fasttext

        try:
            self.model = fasttext.load_model(local_copy(model_path))
        except ValueError as err:  # fastText's message for a missing or unreadable file
            raise FileNotFoundError(f"fastText language-ID model {model_path!r}: {err} (run `make models`)") from None

    def identify(self, text: str) -> tuple[str, float]:
        # fastText predicts one line; a newline in the input would end it early.
        labels, scores = self.model.predict(text.replace("\n", " "), k=1)
        if not labels:
            return "unknown", 0.0
        return labels[0].removeprefix(_LABEL_PREFIX), float(scores[0])


def language_decision(lang: str, score: float, langs: frozenset[str], threshold: float) -> str | None:
    """Why a document is dropped (None: kept)."""
    if score < threshold:
        return "low_lang_score"
    if lang not in langs:
        return "language_not_selected"
    return None


class IdentifyLanguage(beam.DoFn):
    """Sets `lang` and `meta.lang_score`; drops documents below the threshold or outside `langs`."""

    def __init__(self, source: str, model_path: str, langs: Sequence[str], threshold: float = DEFAULT_THRESHOLD,
                 step: str = "lang_id"):
        self.model_path = model_path
        self.langs = frozenset(langs)
        self.threshold = threshold
        self.step = StepCounter(source, step)
        self.identifier: LanguageIdentifier | None = None  # loaded in setup, on the worker: never pickled

    def setup(self):
        self.identifier = LanguageIdentifier(self.model_path)

    def process(self, doc: dict):
        lang, score = self.identifier.identify(doc["text"])
        reason = language_decision(lang, score, self.langs, self.threshold)
        if reason:
            self.step.dropped(reason)
            return
        self.step.kept()
        meta = json.loads(doc["meta"])
        meta["lang_score"] = round(score, 4)
        yield {**doc, "lang": lang, "meta": json.dumps(meta, ensure_ascii=False, sort_keys=True)}
