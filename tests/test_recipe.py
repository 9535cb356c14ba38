import json

import pytest
import yaml

from manifests.recipe import Recipe, RecipeError, SourceShare, default_recipe_path, load_recipe, parse_recipe, schema
from pipelines.documents import SOURCES

# LLaMA (Touvron et al. 2023) Table 1: sampling proportion, epochs, disk size.
TABLE_1 = {
    "commoncrawl": (0.670, 1.10, "3.3 TB"),
    "c4": (0.150, 1.06, "783 GB"),
    "github": (0.045, 0.64, "328 GB"),
    "wikipedia": (0.045, 2.45, "83 GB"),
    "books": (0.045, 2.23, "85 GB"),
    "arxiv": (0.025, 1.06, "92 GB"),
    "stackexchange": (0.020, 1.03, "78 GB"),
}


def llama1_data() -> dict:
    return yaml.safe_load(open(default_recipe_path()).read())


def test_llama1_recipe_matches_table_1():
    recipe = load_recipe(default_recipe_path())
    assert recipe.name == "llama1"
    assert recipe.train_tokens == 1_400_000_000_000
    assert {s: (v.proportion, v.epochs, v.disk_size) for s, v in recipe.sources.items()} == TABLE_1
    assert abs(sum(v.proportion for v in recipe.sources.values()) - 1) < 1e-9


def test_schema_names_exactly_the_seven_sources():
    assert schema()["properties"]["sources"]["propertyNames"]["enum"] == list(SOURCES)


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["sources"]["c4"].update(proportion=0.2), "proportions sum to"),
    (lambda d: d.update(tokens=5), "tokens"),
    (lambda d: d["sources"]["c4"].update(weight=1), "sources/c4"),
    (lambda d: d["sources"]["c4"].update(proportion=-0.15), "sources/c4/proportion"),
    (lambda d: d["sources"]["c4"].update(epochs=-1), "sources/c4/epochs"),
    (lambda d: d["sources"].update(reddit=d["sources"].pop("c4")), "sources"),
    (lambda d: d.pop("train_tokens"), "train_tokens"),
])
def test_schema_rejects_a_bad_recipe_naming_file_and_field(tmp_path, edit, field):
    data = llama1_data()
    edit(data)
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RecipeError) as err:
        load_recipe(str(path))
    assert str(path) in str(err.value) and field in str(err.value)


def test_a_copied_recipe_with_other_proportions_loads(tmp_path):
    data = {"name": "mine", "train_tokens": 1000, "sources": {"wikipedia": {"proportion": 0.5, "epochs": 1},
                                                              "books": {"proportion": 0.5, "epochs": 2}}}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_recipe(str(path)).sources["books"] == SourceShare(0.5, 2.0, None)


def test_weights_renormalize_over_the_sources_present():
    recipe = load_recipe(default_recipe_path())
    weights = recipe.weights(["wikipedia", "arxiv", "github"])
    assert weights == pytest.approx({"wikipedia": 0.045 / 0.115, "github": 0.045 / 0.115, "arxiv": 0.025 / 0.115})
    assert sum(weights.values()) == pytest.approx(1)
    assert recipe.weights(SOURCES) == pytest.approx({s: v[0] for s, v in TABLE_1.items()})


def test_weights_refuse_a_source_the_recipe_does_not_name():
    recipe = Recipe("two", 10, {"wikipedia": SourceShare(1.0, 1.0)})
    with pytest.raises(RecipeError, match="github"):
        recipe.weights(["wikipedia", "github"])


def test_parse_recipe_checks_the_sum_without_a_file():
    with pytest.raises(RecipeError, match="sum"):
        parse_recipe(json.loads('{"name": "x", "train_tokens": 1, "sources": {"c4": {"proportion": 0.5, "epochs": 1}}}'))
