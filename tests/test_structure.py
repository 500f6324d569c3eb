"""The package's structure: data flows one way, and no private name crosses a module.

Read with ``ast`` from the source, so an import inside a function, or under
``if TYPE_CHECKING:``, counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geo"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imports(modules: dict[str, Path]) -> list[tuple[str, str, str, int]]:
    """(importer, imported module, imported name or '', line) for every geo import."""
    found = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "geo":
                        found.append((name, alias.name, "", node.lineno))
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(name, is_package, node)
                if target.split(".")[0] != "geo":
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in modules:  # "from . import io": the module io
                        found.append((name, sub, "", node.lineno))
                    else:
                        found.append((name, target, alias.name, node.lineno))
    return found


def _graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for importer, target, _, _ in _imports(modules):
        # importing geo.a.b also runs geo.a/__init__; the package's own re-exports are
        # its interface, so an import of a package counts as an edge to the package only
        if target in modules and target != importer:
            graph[importer].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_lazy_or_not():
    modules = _modules()
    graph = _graph(modules)
    # the top-level package only re-exports (lazily); nothing inside imports it back
    graph["geo"] = set()
    assert _cycles(graph) == []


def test_no_private_name_crosses_a_module():
    modules = _modules()
    crossing = [
        f"{importer}:{line} imports {target}.{name}"
        for importer, target, name, line in _imports(modules)
        if name.startswith("_") and not name.startswith("__") and target != importer
    ]
    crossing += [
        f"{importer}:{line} imports the private module {target}"
        for importer, target, _, line in _imports(modules)
        if target.rsplit(".", 1)[-1].startswith("_")
        and not target.endswith("__init__")
        and target.rsplit(".", 1)[0] != importer.rsplit(".", 1)[0]
    ]
    assert crossing == []


@pytest.mark.parametrize("module", ["geo.errors", "geo.settings", "geo.schema", "geo.version"])
def test_foundations_import_nothing_of_geo(module):
    """Errors, settings and the schema sit under everything: they import no geo module."""
    modules = _modules()
    assert [t for i, t, _, _ in _imports(modules) if i == module] == []


def test_the_checks_can_fail(tmp_path):
    """A hand-made cycle and a private import are found (the checks are not vacuous)."""
    graph = {"geo.a": {"geo.b"}, "geo.b": {"geo.c"}, "geo.c": {"geo.a"}, "geo.d": set()}
    assert _cycles(graph) == [["geo.a", "geo.b", "geo.c"]]
    node = ast.parse("from .areas import _assign_table").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert _resolve("geo.scale", False, node) == "geo.areas"
    assert node.names[0].name.startswith("_")


def test_moved_names_still_work_with_a_deprecation_warning():
    import geo.audit
    from geo.network import network_catchments

    with pytest.warns(DeprecationWarning, match="geo.network.network_catchments"):
        assert geo.audit.network_catchments is network_catchments


#: The layers of docs/architecture.md, lowest first: a module imports only from its own layer
#: or lower ones (imports inside functions and under TYPE_CHECKING included).
LAYERS = [
    ("foundations", ["geo.errors", "geo.settings", "geo.schema", "geo.version"]),
    (
        "core",
        [
            "geo.compiled",
            "geo.kernels",
            "geo.memory",
            "geo.numbers",
            "geo.figures",
            "geo.distance",
            "geo.polygons",
            "geo.columns",
            "geo.crs",
            "geo.milp",
            "geo.siting.solvers",
        ],
    ),  # fmt: skip
    ("files", ["geo.io", "geo.addresses"]),
    ("study", ["geo.study", "geo.scenario_file"]),
    (
        "measure",
        [
            "geo.areas",
            "geo.lookup",
            "geo.travel",
            "geo.network",
            "geo.transit",
            "geo.geocoding",
            "geo.geocode",
            "geo.synthetic",
            "geo.scale",
            "geo.report",
            "geo.audit",
        ],
    ),  # fmt: skip
    ("siting", ["geo.siting", "geo.design"]),
    ("pages", ["geo.maps"]),
    ("service", ["geo.service"]),
    ("command line", ["geo.cli", "geo"]),
]


def _layer(module: str) -> int:
    best, rank = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            inside = module == p or (p != "geo" and module.startswith(p + "."))
            if inside and len(p) > best:
                best, rank = len(p), i
    return rank


def _upward(imports: list[tuple[str, str, str, int]], modules) -> list[str]:
    return sorted(
        f"{importer} ({LAYERS[_layer(importer)][0]}) imports {target} "
        f"({LAYERS[_layer(target)][0]}), line {line}"
        for importer, target, _, line in imports
        if target in modules and _layer(target) > _layer(importer)
    )


def test_data_flows_one_way_through_the_layers():
    modules = _modules()
    unplaced = sorted(m for m in modules if _layer(m) < 0)
    assert not unplaced, f"modules in no layer of docs/architecture.md: {unplaced}"
    upward = _upward(_imports(modules), modules)
    # the check can fail: an assignment module reaching up to the maps is found
    assert _upward([("geo.areas", "geo.maps.page", "", 1)], {"geo.maps.page"})
    assert not upward, "imports that reach up the data path:\n" + "\n".join(upward)
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for name, _ in LAYERS:
        assert f"| {name} |" in doc, name


def test_every_geo_import_names_a_module_that_exists():
    """A lazy import inside a function is read too: a moved module cannot be missed."""
    modules = _modules()
    missing = sorted(
        f"{importer}:{line} imports {target}"
        for importer, target, _, line in _imports(modules)
        if target not in modules and target != "geo"
    )
    assert missing == []


@pytest.mark.parametrize(
    "first",
    ["", "import geo.geocoding", "from geo.geocoding import read_register",
     "import geo.siting, geo.study, geo.maps, geo.report, geo.scale, geo.network"],
)  # fmt: skip
def test_top_level_names_stay_what_they_are_whatever_was_imported_first(first):
    """Every name of ``geo.__all__`` is the same object, and not a module, whatever a notebook
    imported before (issue 30: ``geo.geocode`` became the module after
    ``from geo.geocode import read_register``)."""
    import subprocess
    import sys

    code = (
        f"{first}\nimport geo, types\n"
        "bad = [n for n in geo.__all__ if n != '__version__' "
        "and isinstance(getattr(geo, n), types.ModuleType)]\n"
        "assert not bad, bad\n"
        "assert geo.geocode.__module__ == 'geo.geocoding'\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_the_old_geocode_module_path_warns_and_stays_callable():
    import subprocess
    import sys

    code = (
        "import warnings\nwarnings.simplefilter('error')\n"
        "try:\n    from geo.geocode import read_register\nexcept DeprecationWarning as w:\n"
        "    print('warned', w)\n"
        "warnings.simplefilter('ignore')\nfrom geo.geocode import read_register\nimport geo\n"
        "assert callable(geo.geocode) and read_register.__module__ == 'geo.geocoding'\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "warned the module geo.geocode is deprecated" in r.stdout, r.stderr
