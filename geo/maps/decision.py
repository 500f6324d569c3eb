"""The decision report: one printable offline page for the committee.

Today's areas, ``geo site``'s proposals (proven optima for 1–4 more bases, the trade-off
between objectives) and the chosen scenarios side by side: maps (inline SVG in SWEREF 99 TM),
charts (``data/charts.js``, the studio's), the before/after tables per area and settlement,
data sources and years, and the caveats. Printed to PDF from the browser (``@media print``).

Every text is escaped (:func:`geo.maps.page.html_text`); no individual address is in it.
"""

from __future__ import annotations

import datetime as _dt
import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import settings
from ..errors import GeoValueError
from ..network import Network
from ..scenario_file import Scenario
from ..siting import Comparison, SitingProblem, compare
from ..study import Study
from .page import DATA_YEARS, data_text, fmt_number, html_text
from .studio import STUDIO_COLOURS, fill_template, page_json, studio_labels

if TYPE_CHECKING:
    from ..transit import Transit

logger = logging.getLogger(__name__)

__all__ = ["decision_report"]


def _fmt(value: float, decimals: int, lang: str) -> str:
    return fmt_number(value, lang, decimals)


def _colours(study: Study, scenario: Scenario) -> list[str]:
    """Each base's colour as in the studio: today's bases keep theirs, new ones follow."""
    ids = study.base_ids
    out, extra = [], len(ids)
    for b in scenario.bases:
        if b.base_id in ids:
            k = ids.index(b.base_id)
        else:
            k, extra = extra, extra + 1
        out.append(STUDIO_COLOURS[k % len(STUDIO_COLOURS)])
    return out


def _svg_map(study: Study, comp: Comparison, alt: str, caption: str, width: int = 520) -> str:
    """Cells coloured by their nearest base, today's areas and the bases (EPSG:3006 as SVG
    coordinates, north up); ``alt`` (with the bases' numbers and names) is its text
    alternative, ``caption`` its visible caption; the legend names every colour."""
    minx, miny, maxx, maxy = study.areas.total_bounds
    pad = 1000.0
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = width / (maxx - minx)
    height = int((maxy - miny) * scale)

    def xy(x: float, y: float) -> str:
        return f"{(x - minx) * scale:.1f},{(maxy - y) * scale:.1f}"

    parts = [
        f'<svg class="map" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{html_text(alt)}: '
        + html_text(", ".join(f"{k + 1} {b.name}" for k, b in enumerate(comp.scenario.bases)))
        + '">'
    ]
    cells = comp.demand
    size = 1000.0 * scale
    pts = cells.geometry
    cx = np.floor(pts.x.to_numpy() / 1000.0) * 1000.0
    cy = np.floor(pts.y.to_numpy() / 1000.0) * 1000.0 + 1000.0
    colours = _colours(study, comp.scenario)
    for k in range(len(comp.scenario.bases)):
        colour = colours[k]
        sel = (comp.nearest == k) & np.isfinite(comp.after)
        rects = "".join(
            f'<rect x="{(x - minx) * scale:.1f}" y="{(maxy - y) * scale:.1f}" '
            f'width="{size:.1f}" height="{size:.1f}"/>'
            for x, y in zip(cx[sel], cy[sel], strict=True)
        )
        parts.append(f'<g fill="{colour}" fill-opacity="0.55">{rects}</g>')
    for geom in study.areas.geometry.simplify(50):
        polys = getattr(geom, "geoms", [geom])
        for poly in polys:
            ring = " ".join(xy(x, y) for x, y in poly.exterior.coords)
            parts.append(f'<polygon points="{ring}" fill="none" stroke="#222" stroke-width="1"/>')
    for k, b in enumerate(comp.scenario.bases):
        colour = colours[k]
        x, y = (b.e - minx) * scale, (maxy - b.n) * scale
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour}" stroke="#fff" '
            f'stroke-width="2"><title>{html_text(b.name)}</title></circle>'
            f'<text x="{x:.1f}" y="{y + 3.5:.1f}" text-anchor="middle" font-size="9" '
            f'fill="#fff" font-weight="bold">{k + 1}</text>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch" style="background:{colours[k]}">'
        f"</span>{k + 1}. {html_text(b.name)}</li>"
        for k, b in enumerate(comp.scenario.bases)
    )
    return (
        f'<figure class="map"><figcaption>{html_text(caption)}</figcaption>{"".join(parts)}'
        f'<ol class="legend">{legend}</ol></figure>'
    )


def _chart(kind: str, data: dict[str, Any]) -> str:
    """A chart drawn by charts.js (``kind``: ``chart`` bars, ``scatter`` points) as a figure
    with its title as caption; charts.js writes every value in words below it."""
    return (
        f'<figure class="chart"><figcaption>{html_text(data["title"])}</figcaption>'
        f'<div data-{kind}="{html_text(page_json(data))}"></div></figure>'
    )


def _group_name(row: pd.Series, lab: dict[str, str], study: Study) -> str:
    if row["group"] == "all":
        return lab["group_all"]
    if row["group"] == "class":
        return lab[f"class_{row['name']}"].format(town=study.town)
    return str(row["name"])


def _pair(before: float, after: float, decimals: int, lang: str, suffix: str = "") -> str:
    return (
        f'<td><span class="muted">{_fmt(before, decimals, lang)} →</span> '
        f"<b>{_fmt(after, decimals, lang)}{suffix}</b></td>"
    )


def people_header(lab: dict[str, str], weight: str) -> str:
    """The header of the weighted-sum column: the weight and its basis (the studio's too)."""
    return f"{lab[f'w_{weight}']} ({lab['basis_area_cells']})"


def _figures_table(
    table: pd.DataFrame,
    groups: tuple[str, ...],
    lab: dict[str, str],
    study: Study,
    lang: str,
    weight: str,
) -> str:
    unit = table["unit"].iloc[0]
    scale = 1000.0 if unit == "m" else 60.0
    u = lab["km"] if unit == "m" else lab["min"]
    levels = settings.thresholds_km if unit == "m" else settings.thresholds_min
    key = "km" if unit == "m" else "min"
    head = (
        "<tr><th></th>"
        + "".join(
            f"<th>{html_text(h)}</th>"
            for h in [
                people_header(lab, weight), f"{lab['mean']} ({u})", "P90", lab["max"],
                *[f"≤ {_fmt(t, 0, lang)} {u}" for t in levels], lab["better"], lab["worse"],
            ]
        )
        + "</tr>"
    )  # fmt: skip
    rows = []
    shown = table[table["group"].isin(groups)]
    # areas; city, localities (each under their total), countryside; the whole municipality
    # last, under the rows it sums up
    parts = [shown[shown["group"] == "area"]]
    for c in ("city", "locality", "countryside"):
        parts.append(shown[(shown["group"] == "class") & (shown["name"] == c)])
        if c == "locality":
            parts.append(shown[shown["group"] == "locality"])
    parts.append(shown[shown["group"] == "all"])
    shown = pd.concat(parts)
    for _, r in shown.iterrows():
        name = html_text(_group_name(r, lab, study))
        cls = ' class="sub"' if r["group"] == "locality" else ""
        if r["population"] < settings.min_count:
            cells = f"<td>{html_text(lab['suppressed'].format(n=settings.min_count))}</td>"
            cells += "<td>–</td>" * (5 + len(levels))
            rows.append(f"<tr{cls}><td>{name}</td>{cells}</tr>")
            continue
        cells = f"<td>{_fmt(r['weighted'], 0, lang)}</td>"
        for c in ("mean", "p90", "max"):
            cells += _pair(r[f"{c}_before"] / scale, r[f"{c}_after"] / scale, 1, lang)
        for t in levels:
            k = f"share_within_{t:g}{key}"
            cells += _pair(r[f"{k}_before"] * 100, r[f"{k}_after"] * 100, 0, lang, " %")
        cells += f"<td>{_fmt(r['better'], 0, lang)}</td><td>{_fmt(r['worse'], 0, lang)}</td>"
        rows.append(f"<tr{cls}><td>{name}</td>{cells}</tr>")
    return f'<table class="figures"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def decision_report(
    study: Study,
    scenarios: list[Scenario] | tuple[Scenario, ...] = (),
    *,
    weight: str = "population",
    add: int = 2,
    network: Network | Transit | None = None,
    lang: str = "sv",
    notes: tuple[str, ...] = (),
) -> str:
    """The decision report as one self-contained HTML page (printable to PDF).

    Parameters
    ----------
    study : Study
    scenarios : list of Scenario
        The chosen scenarios (e.g. :func:`geo.scenario_file.read_scenario` of studio exports).
        ``geo site``'s proposal for ``add`` more bases is always shown beside them.
    weight : str
        Demand weight of the proposals and of scenarios that do not name one.
    add : int
        New bases of the proposal shown as a scenario.
    network : Network, optional
        Travel times instead of straight-line distances.
    lang : {"sv", "en"}
    notes : tuple of str
        Caveats to add (e.g. that the addresses are synthetic).
    """
    if add < 1:
        raise GeoValueError(f"add: must be 1 or more; received {add}")
    lab = studio_labels(lang)
    rep: dict[str, str] = lab | _report_labels(lang)
    # one siting problem (demand, candidates, costs: a network routed once) for every figure
    problem = SitingProblem.build(study, weight=weight, network=network)
    demand = {weight: problem.demand}
    today = Scenario.today(study, weight=weight, name=rep["today_name"])
    comp_today = compare(study, today, demand=demand[weight], network=network, problem=problem)
    unit = comp_today.unit
    scale = 1000.0 if unit == "m" else 60.0
    u = lab["km"] if unit == "m" else lab["min"]

    # geo site's proven optima and the trade-off between objectives
    n_bases = len(study.bases)
    sw = problem.sweep(range(n_bases, n_bases + 5))
    tr = problem.tradeoff(add=add)
    best = problem.solve(add=add)
    new = best.proposals[best.proposals["new"]]
    proposal = Scenario(
        (
            *today.bases,
            *(
                type(today.bases[0])(str(r.site), float(r.geometry.x), float(r.geometry.y))
                for r in new.itertuples()
            ),
        ),
        name=rep["proposal_name"].format(n=add),
        weight=weight,
    )
    chosen = [proposal, *scenarios]
    comps = []
    for sc in chosen:
        if sc.weight not in demand:
            demand[sc.weight] = problem.with_weight(sc.weight).demand
        comps.append(compare(study, sc, demand=demand[sc.weight], network=network, problem=problem))

    # side by side
    levels = settings.thresholds_km if unit == "m" else settings.thresholds_min
    key = "km" if unit == "m" else "min"
    head = "".join(
        f"<th>{html_text(h)}</th>"
        for h in [
            rep["scenario"], lab["bases"], lab["weight"], f"{lab['mean']} ({u})",
            f"P90 ({u})", f"{lab['max']} ({u})",
            *[f"≤ {_fmt(t, 0, lang)} {u}" for t in levels],
            f"{lab['class_countryside']}: {lab['mean']}", lab["better"], lab["worse"],
        ]
    )  # fmt: skip
    side = []
    for label_, comp in [(rep["today_name"], comp_today), *[(c.scenario.name, c) for c in comps]]:
        t = comp.table.set_index(["group", "name"])
        a: dict[str, Any] = t.loc[("all", "all")].to_dict()  # type: ignore[union-attr]
        c: dict[str, Any] | None = (
            t.loc[("class", "countryside")].to_dict()  # type: ignore[union-attr]
            if ("class", "countryside") in t.index
            else None
        )
        cells = [
            html_text(label_), str(len(comp.scenario.bases)),
            html_text(lab[f"w_{comp.scenario.weight}"]),
            _fmt(a["mean_after"] / scale, 1, lang), _fmt(a["p90_after"] / scale, 1, lang),
            _fmt(a["max_after"] / scale, 1, lang),
            *[_fmt(a[f"share_within_{x:g}{key}_after"] * 100, 0, lang) + " %" for x in levels],
            _fmt(c["mean_after"] / scale, 1, lang) if c is not None else "–",
            _fmt(a["better"], 0, lang), _fmt(a["worse"], 0, lang),
        ]  # fmt: skip
        side.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    side_table = f'<table class="figures"><thead><tr>{head}</tr></thead><tbody>{"".join(side)}</tbody></table>'

    # today's areas
    today_rows = []
    t0 = comp_today.table
    ordered = pd.concat([t0[t0["group"] == "area"], t0[t0["group"] == "all"]])
    for _, r in ordered.iterrows():
        base = study.bases[study.bases["area"].astype(str) == str(r["name"])]
        base_text = ", ".join(
            f"{b.base_name} ({rep.get(str(getattr(b, 'location_status', '')), '')})".replace(
                " ()", ""
            )
            for b in base.itertuples()
        )
        today_rows.append(
            "<tr>"
            + "".join(
                f"<td>{x}</td>"
                for x in [
                    html_text(_group_name(r, lab, study)),
                    html_text(base_text),
                    _fmt(r["weighted"], 0, lang),
                    _fmt(r["mean_before"] / scale, 1, lang),
                    _fmt(r["p90_before"] / scale, 1, lang),
                    _fmt(r["max_before"] / scale, 1, lang),
                    *[
                        _fmt(r[f"share_within_{x:g}{key}_before"] * 100, 0, lang) + " %"
                        for x in levels
                    ],
                ]
            )  # fmt: skip
            + "</tr>"
        )
    today_head = "".join(
        f"<th>{html_text(h)}</th>"
        for h in [lab["area"], lab["base"], people_header(lab, weight), f"{lab['mean']} ({u})", f"P90 ({u})",
                  f"{lab['max']} ({u})", *[f"≤ {_fmt(t, 0, lang)} {u}" for t in levels]]
    )  # fmt: skip
    today_table = f'<table class="figures"><thead><tr>{today_head}</tr></thead><tbody>{"".join(today_rows)}</tbody></table>'

    # the sweep
    sweep_rows = []
    for _, r in sw.iterrows():
        sweep_rows.append(
            "<tr>"
            + "".join(
                f"<td>{x}</td>"
                for x in [
                    str(int(r["bases"])),
                    html_text(r["new_sites"] or "–"),
                    _fmt(r["mean"] / scale, 2, lang),
                    _fmt(r["p90"] / scale, 1, lang),
                    _fmt(r["share_within"] * 100, 0, lang) + " %",
                    html_text(
                        r["gap"] <= 1e-9 and rep["optimal"] or _fmt(r["gap"] * 100, 2, lang) + " %"
                    ),
                ]
            )  # fmt: skip
            + "</tr>"
        )
    sweep_head = "".join(
        f"<th>{html_text(h)}</th>"
        for h in [lab["bases"], rep["new_sites"], f"{lab['mean']} ({u})", f"P90 ({u})",
                  rep["share_within_default"], rep["gap"]]
    )  # fmt: skip
    sweep_table = f'<table class="figures"><thead><tr>{sweep_head}</tr></thead><tbody>{"".join(sweep_rows)}</tbody></table>'

    # one section per scenario
    sections = []
    for k, comp in enumerate(comps, start=1):
        sc = comp.scenario
        closed = [b for b in today.bases if b.base_id not in {x.base_id for x in sc.bases}]
        moved = [
            b.name
            for b in sc.bases
            for t in today.bases
            if b.base_id == t.base_id and (b.e, b.n) != (t.e, t.n)
        ]
        added = [b.name for b in sc.bases if b.base_id not in {t.base_id for t in today.bases}]
        changes = []
        if added:
            changes.append(f"{rep['added']}: {', '.join(added)}")
        if moved:
            changes.append(f"{rep['moved_bases']}: {', '.join(moved)}")
        if closed:
            changes.append(f"{rep['closed_bases']}: {', '.join(b.name for b in closed)}")
        classes = comp.table[comp.table["group"] == "class"]
        chart = {
            "categories": [_group_name(r, lab, study) for _, r in classes.iterrows()],
            "unit": u,
            "decimals": 1,
            "lang": lang,
            "title": lab["chart_classes"],
            "series": [
                {"name": lab["before"], "colour": "#767676",
                 "values": (classes["mean_before"] / scale).round(6).tolist()},
                {"name": lab["after"], "colour": "#1f78b4",
                 "values": (classes["mean_after"] / scale).round(6).tolist()},
            ],
        }  # fmt: skip
        sections.append(
            f'<section class="scenario" id="scenario-{k}"><h2>{k}. {html_text(sc.name)}</h2>'
            f"<p>{html_text('; '.join(changes) or rep['no_change'])} · "
            f"{html_text(lab['weight'])}: {html_text(lab[f'w_{sc.weight}'])}</p>"
            f'<div class="two">{_svg_map(study, comp, rep["map_alt"], rep["caption_scenario_map"])}'
            f"{_chart('chart', chart)}</div>"
            f"<h3>{html_text(lab['by_area'])}</h3>"
            f"{_figures_table(comp.table, ('area', 'all'), lab, study, lang, sc.weight)}"
            f"<h3>{html_text(lab['by_settlement'])}</h3>"
            f"{_figures_table(comp.table, ('class', 'locality', 'all'), lab, study, lang, sc.weight)}"
            "</section>"
        )

    sweep_chart = {
        "categories": [lab["bases_n"].format(n=int(b)) for b in sw["bases"].iloc[1:]],
        "unit": u, "decimals": 2, "lang": lang, "title": lab["chart_sweep"],
        "series": [{"name": lab["gain"], "colour": "#33a02c",
                    "values": (-(sw["mean"].diff().iloc[1:]) / scale).round(6).tolist()}],
    }  # fmt: skip
    trade_chart = {
        "points": [
            {"label": lab[f"objective_{r['objective']}"], "x": r["mean"] / scale,
             "y": r["worst"] / scale, "colour": c}
            for (_, r), c in zip(tr.iterrows(), ["#1f78b4", "#33a02c", "#e31a1c"], strict=False)
        ],
        "xLabel": f"{lab['mean']} ({u})", "yLabel": f"{lab['worst']} ({u})", "decimals": 1,
        "lang": lang, "title": rep["chart_tradeoff_n"].format(n=add),
    }  # fmt: skip
    trade_rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{x}</td>"
            for x in [
                html_text(lab[f"objective_{r['objective']}"]),
                html_text(r["sites"]),
                _fmt(r["mean"] / scale, 2, lang),
                _fmt(r["worst"] / scale, 1, lang),
                _fmt(r["share_beyond"] * 100, 0, lang) + " %",
            ]
        )  # fmt: skip
        + "</tr>"
        for _, r in tr.iterrows()
    )
    trade_head = "".join(
        f"<th>{html_text(h)}</th>"
        for h in [rep["objective"], rep["sites"], f"{lab['mean']} ({u})",
                  f"{lab['worst']} ({u})", rep["share_beyond_default"]]
    )  # fmt: skip
    trade_table = f'<table class="figures"><thead><tr>{trade_head}</tr></thead><tbody>{trade_rows}</tbody></table>'

    assumed = [
        str(b.base_name)
        for b in study.bases.itertuples()
        if str(getattr(b, "location_status", "")) == "assumed"
    ]
    caveats = [
        rep["caveat_straight"] if unit == "m" else rep["caveat_network"],
        rep["caveat_nearest"],
        rep["caveat_grid"],
        rep["caveat_assumed"].format(bases=", ".join(assumed)) if assumed else "",
        rep["caveat_heuristic"],
        *notes,
    ]
    caveat_list = "".join(f"<li>{html_text(c)}</li>" for c in caveats if c)
    sources = "".join(f"<li>{html_text(s)}</li>" for s in _sources(study, rep))
    body = f"""
<header><h1>{html_text(rep["title"])}</h1>
<p class="muted">{html_text(study.name)} · {html_text(lab["made"])} {_dt.date.today().isoformat()} ·
{html_text(lab["data"])}: {html_text(DATA_YEARS)}</p></header>
<nav><ol>{
        "".join(
            f'<li><a href="#{i}">{html_text(t)}</a></li>'
            for i, t in [
                ("summary", rep["h_summary"]),
                ("today", rep["h_today"]),
                ("proposals", rep["h_proposals"]),
                ("scenarios", rep["h_scenarios"]),
                ("sources", rep["h_sources"]),
                ("caveats", rep["h_caveats"]),
            ]
        )
    }</ol></nav>
<section id="summary"><h2>{html_text(rep["h_summary"])}</h2>{side_table}
<p class="muted">{html_text(rep["summary_note"])}</p></section>
<section id="today"><h2>{html_text(rep["h_today"])}</h2>
<div class="two">{_svg_map(study, comp_today, rep["map_alt"], rep["caption_today_map"])}<div>{
        today_table
    }</div></div></section>
<section id="proposals"><h2>{html_text(rep["h_proposals"])}</h2>
<p>{html_text(rep["proposals_note"])}</p>{sweep_table}
<div class="two">{_chart("chart", sweep_chart)}{_chart("scatter", trade_chart)}</div>
<h3>{html_text(trade_chart["title"])}</h3>{trade_table}</section>
<section id="scenarios"><h2>{html_text(rep["h_scenarios"])}</h2>{"".join(sections)}</section>
<section id="sources"><h2>{html_text(rep["h_sources"])}</h2><ul>{sources}</ul></section>
<section id="caveats"><h2>{html_text(rep["h_caveats"])}</h2><ul>{caveat_list}</ul></section>
"""
    return fill_template(
        data_text("report.html"),
        {
            "LANG": html_text(lang),
            "TITLE": html_text(f"{rep['title']} – {study.name}"),
            "LEAFLET_CSS": "",
            "STUDIO_CSS": data_text("report.css"),
            "LEAFLET_JS": "",
            "DATA": body,
            "CHARTS_JS": data_text("charts.js"),
            "MAIN_JS": data_text("report.js"),
        },
    )


def _sources(study: Study, rep: dict[str, str]) -> list[str]:
    out = [rep["source_regso"], rep["source_grid"], rep["source_localities"], rep["source_bases"]]
    out += [str(n) for n in study.notes]
    return out


def _report_labels(lang: str) -> dict[str, Any]:
    import json

    out: dict[str, Any] = json.loads(data_text(f"report_{lang}.json"))
    return out
