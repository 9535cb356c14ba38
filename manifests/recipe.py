"""Mixture recipes: which sources a model trains on, and in what proportions (`manifests/llama1.yaml`).

A recipe is YAML validated against `recipe.schema.json`, plus one check the schema cannot express: the
proportions sum to 1. `Recipe.weights` renormalizes the proportions over the sources a run actually has, so that a
run over a subset of the sources (the demo, a test) keeps their relative shares.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import jsonschema
import yaml

from manifests import storage

_SCHEMA_PATH = Path(__file__).with_name("recipe.schema.json")
DEFAULT_RECIPE = "llama1.yaml"
PROPORTION_TOLERANCE = 1e-6


class RecipeError(ValueError):
    """A recipe file that does not follow the schema, or whose proportions do not sum to 1."""


@dataclass(frozen=True)
class SourceShare:
    proportion: float  # share of the training tokens
    epochs: float  # passes over the source at `train_tokens`, as the recipe's authors report
    disk_size: str | None = None


@dataclass(frozen=True)
class Recipe:
    name: str
    train_tokens: int
    sources: dict[str, SourceShare]
    description: str = ""
    citation: str = ""

    def weights(self, available: Iterable[str]) -> dict[str, float]:
        """Proportions of the recipe's sources that are in `available`, renormalized to sum to 1.

        Sources of the recipe missing from `available` get no weight (the others keep their relative shares);
        a source in `available` that the recipe does not name is an error, as is a set with zero total weight.
        """
        available = sorted(set(available))
        unknown = [s for s in available if s not in self.sources]
        if unknown:
            raise RecipeError(f"recipe {self.name!r} has no proportion for source(s) {unknown}; "
                              f"it names {sorted(self.sources)}")
        total = sum(self.sources[s].proportion for s in available)
        if total <= 0:
            raise RecipeError(f"recipe {self.name!r} gives zero weight to all of {available}")
        return {s: self.sources[s].proportion / total for s in available}


@functools.cache
def schema() -> dict:
    return json.loads(_SCHEMA_PATH.read_text())


def default_recipe_path() -> str:
    """The LLaMA-1 recipe shipped with the package (Table 1 of the paper)."""
    return str(Path(__file__).with_name(DEFAULT_RECIPE))


def parse_recipe(data: object, where: str = "recipe") -> Recipe:
    """Validates a parsed recipe (schema, then proportions summing to 1) and builds the Recipe."""
    try:
        jsonschema.validate(data, schema())
    except jsonschema.ValidationError as err:
        location = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise RecipeError(f"{where}: {location}: {err.message}") from None
    total = sum(share["proportion"] for share in data["sources"].values())
    if abs(total - 1.0) > PROPORTION_TOLERANCE:
        raise RecipeError(f"{where}: sources: proportions sum to {total:.9g}, expected 1 (±{PROPORTION_TOLERANCE:g})")
    return Recipe(
        name=data["name"],
        train_tokens=data["train_tokens"],
        sources={name: SourceShare(float(s["proportion"]), float(s["epochs"]), s.get("disk_size"))
                 for name, s in data["sources"].items()},
        description=data.get("description", ""),
        citation=data.get("citation", ""),
    )


def load_recipe(path: str) -> Recipe:
    """Reads and validates a recipe YAML file (local or any FileSystems scheme); errors name the file and field."""
    with storage.open_read(str(path)) as handle:
        try:
            data = yaml.safe_load(handle.read().decode("utf-8"))
        except yaml.YAMLError as err:
            raise RecipeError(f"{path}: not valid YAML: {err}") from None
    return parse_recipe(data, where=str(path))
