"""What Dataflow workers get: the worker image's Beam is the pinned Beam, and the package carries its data files."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _pinned(name: str) -> str:
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        match = re.fullmatch(rf"{re.escape(name)}==([^\s;#]+).*", line.strip())
        if match:
            return match.group(1)
    raise AssertionError(f"{name} is not pinned in constraints.txt")


def test_worker_image_is_beams_sdk_image_at_the_pinned_beam_version():
    froms = [line.split()[1] for line in (ROOT / "Dockerfile").read_text().splitlines()
             if line.startswith("FROM ")]
    assert len(froms) == 1
    image, tag = froms[0].rsplit(":", 1)
    assert image == "apache/beam_python3.11_sdk"
    assert tag == _pinned("apache-beam")


def test_worker_image_installs_without_dev_extras_and_keeps_the_sdk_entrypoint():
    text = (ROOT / "Dockerfile").read_text()
    assert "-c /opt/llamix/src/constraints.txt /opt/llamix/src" in text and "[dev]" not in text
    assert not re.search(r"^(ENTRYPOINT|CMD|USER|WORKDIR)\b", text, re.MULTILINE)


def test_package_data_includes_the_price_table():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "dataflow_prices.yaml" in project["tool"]["setuptools"]["package-data"]["pipelines"]
    assert (ROOT / "pipelines" / "dataflow_prices.yaml").is_file()
