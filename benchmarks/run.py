#!/usr/bin/env python3
"""Run geo's benchmarks and write what they measured to one page, ``docs/benchmarks.md``.

Every benchmark times geo and a named peer in the same run, on the same input, and prints
``ratio_…`` lines. This runner runs them (each in its own process), keeps each one's whole
output with the machine, the date, the commit and the command in
``benchmarks/results/NAME.json``, and writes the page from all the results it has — so no
measured number is ever copied by hand. The README links to the page.

Usage::

    python benchmarks/run.py                           # every benchmark, default sizes
    python benchmarks/run.py bench_assign bench_geocode
    python benchmarks/run.py bench_scale --args "--sizes 1000000"
    python benchmarks/run.py --page-only               # rewrite the page from the results
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
RESULTS = HERE / "results"
PAGE = ROOT / "docs" / "benchmarks.md"
PACKAGES = [
    "numpy", "pandas", "shapely", "geopandas", "pyproj", "pyarrow", "rtree", "spopt", "highspy",
    "networkx", "rapidfuzz", "dask", "fastapi", "uvicorn", "folium",
]  # fmt: skip
# the figures a benchmark is judged by: ratios against the peer, speed-ups, answer quality,
# and where there is no peer (a county-size run) its time and peak memory
HEADLINE = re.compile(
    r"^((?:\w*ratio\w*|\w*speedup\w*|precision\w*|recall\w*|wrong\w*|p99\w*|lookups_per_s\w*"
    r"|seconds_\w+|peak_memory\w*))"
    r"\s+(.*\S)"
)


def machine() -> dict[str, object]:
    """The machine the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": packages,
    }


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def headline(output: str) -> list[tuple[str, str]]:
    """The ``ratio_…`` (and speed-up, quality, p99) lines of a benchmark's output."""
    found = []
    for line in output.splitlines():
        m = HEADLINE.match(line.strip())
        if m:
            found.append((m.group(1), m.group(2)))
    return found


def run(name: str, args: list[str]) -> dict[str, object] | None:
    script = HERE / f"{name}.py"
    if not script.exists():
        raise SystemExit(f"run.py: error: no benchmark {script.relative_to(ROOT)}")
    command = [sys.executable, str(script.relative_to(ROOT)), *args]
    print(f"== {' '.join(command[1:])}", flush=True)
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        print(
            f"run.py: error: {name} failed (exit {proc.returncode}); its results kept as they were"
        )
        return None
    result = {
        "name": name,
        "command": "python " + " ".join(shlex.quote(c) for c in command[1:]),
        "started_utc": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "commit": commit(),
        "machine": machine(),
        "output": proc.stdout,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return result


def _doc(script: Path) -> str:
    """The first paragraph of a benchmark's docstring: what it compares."""
    text = script.read_text(encoding="utf-8")
    m = re.search(r'"""(.*?)"""', text, re.S)
    if not m:
        return ""
    first = m.group(1).strip().split("\n\n")[0]
    return " ".join(first.split())


def write_page() -> Path:
    results = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.glob("bench_*.json"))
    ]
    lines = [
        "# Benchmarks: what was measured",
        "",
        "<!-- Written by benchmarks/run.py from benchmarks/results/*.json: do not edit by hand."
        " -->",
        "",
        "Every benchmark times geo and a named peer **in the same run, on the same input**, "
        "checks that the answers agree, and prints `ratio_…` lines (how many times faster geo "
        "is, or for quality figures the share right). This page is written by "
        "`python benchmarks/run.py` from what the benchmarks printed; no number here is "
        "typed by hand. Run it again on your own machine to see yours.",
        "",
        "| benchmark | headline figures | measured | seconds |",
        "|---|---|---|---|",
    ]
    for r in results:
        figures = "<br>".join(f"`{k}` {v}" for k, v in headline(r["output"])) or "–"
        lines.append(
            f"| [{r['name']}](#{r['name'].replace('_', '-')}) | {figures} | "
            f"{r['started_utc'][:10]} | {r['seconds']:.0f} |"
        )
    for r in results:
        m = r["machine"]
        packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
        lines += [
            "",
            f"## {r['name']}",
            "",
            _doc(HERE / f"{r['name']}.py"),
            "",
            f"- command: `{r['command']}` (commit `{r['commit']}`)",
            f"- measured: {r['started_utc']} in {r['seconds']:.0f} s",
            f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['system']}, "
            f"Python {m['python']}",
            f"- packages: {packages}",
            "",
            "```text",
            r["output"].rstrip(),
            "```",
        ]
    PAGE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return PAGE


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    p.add_argument("--args", default="", help="arguments for the named benchmarks")
    p.add_argument("--page-only", action="store_true", help="only rewrite the page")
    a = p.parse_args(argv)
    if not a.page_only:
        names = a.names or sorted(s.stem for s in HERE.glob("bench_*.py"))
        failed = [name for name in names if run(name, shlex.split(a.args)) is None]
    print(f"wrote {write_page().relative_to(ROOT)}")
    return 1 if not a.page_only and failed else 0


if __name__ == "__main__":
    sys.exit(main())
