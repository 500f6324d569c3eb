"""The README starts where a newcomer does, and every page it points to exists; the docs pages
are all in Sphinx's table of contents; the benchmarks page is written by benchmarks/run.py."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_newcomer_first():
    lines = README.splitlines()
    assert len(lines) <= 250
    # the two commands come first: install + main job, then the tests
    block = README.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2
    assert "pip install -e ." in block[0] and "geo assign" in block[0]
    assert "pytest" in block[1]
    assert README.index("```bash") < 200  # nothing before them but the title
    headings = [x for x in lines if x.startswith("## ")]
    assert headings[:2] == ["## What geo is, and for whom", "## Privacy"]
    for who in ("**Planner**", "**Reception staff**", "**GIS staff**", "**Analyst**"):
        assert who in README, who


def test_every_link_in_the_readme_exists():
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    local = [x for x in links if not re.match(r"[a-z]+://", x)]
    assert len(local) >= 15
    missing = [x for x in local if not (ROOT / x).exists()]
    assert missing == []


def test_every_docs_page_is_in_the_table_of_contents():
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([a-z][\w-]*)$", index, re.M))
    pages = {p.stem for p in (ROOT / "docs").glob("*.md") if p.stem != "index"}
    pages |= {p.stem for p in (ROOT / "docs").glob("*.rst") if p.stem != "index"}
    assert pages <= listed, pages - listed


def _run_module():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmarks_page_is_written_from_the_results():
    """Every result file's headline figures are on the page, and the page says it is generated."""
    run = _run_module()
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert "Written by benchmarks/run.py" in page
    results = sorted((ROOT / "benchmarks" / "results").glob("bench_*.json"))
    assert len(results) >= 8
    import json

    for path in results:
        r = json.loads(path.read_text(encoding="utf-8"))
        assert f"## {r['name']}" in page
        figures = run.headline(r["output"])
        assert figures, r["name"]  # every benchmark prints at least one ratio
        for key, value in figures:
            assert f"`{key}` {value}" in page
        assert r["output"].strip().splitlines()[-1] in page  # the whole output, as printed


def test_headline_lines_by_hand():
    run = _run_module()
    out = "points_per_s ours 1\nratio_vs_sjoin 60.9\nratio_vs_python_what_if grid 13.4\nnot ratio\n"
    assert run.headline(out) == [
        ("ratio_vs_sjoin", "60.9"),
        ("ratio_vs_python_what_if", "grid 13.4"),
    ]
