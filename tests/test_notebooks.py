"""The example notebooks run from a clean kernel without errors, and are committed clean.

Executed with nbclient in a temporary folder (so nothing is written into the repository);
the maps they show are checked to be in the outputs as HTML.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

#: Every test here starts a process, a browser, a cluster or builds much: not in the quick run.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def test_the_two_example_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == ["01_catchments.ipynb", "02_new_base.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)
    text = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    if "assign" in text:
        assert "SYNTHETIC" in text  # addresses are labelled synthetic where they appear


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_from_a_clean_kernel(path, tmp_path, shared):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("leaflet" in h.lower() or "folium" in h.lower() for h in html), "no map shown"
    # rich result objects render as tables, not as a wall of text
    assert any("<table" in h for h in html)
    assert not list(tmp_path.glob("*.ipynb"))  # nothing written beside the run
