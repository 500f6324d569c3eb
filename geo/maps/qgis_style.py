"""geo's map styles for QGIS, stored in the GeoPackages geo writes.

A GeoPackage can carry a default style per layer (the ``layer_styles`` table QGIS reads and
writes): QGIS — with or without geo's Processing plugin — then draws the layer as geo's maps
do, each area in its colour. The style is QGIS's QML, built from templates in ``data/``
(``qgis_categorized.qml`` and one symbol per geometry kind); every name from the user's files
is escaped as XML.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .page import AREA_COLOURS, data_text
from .studio import fill_template

__all__ = ["area_colours_in_order", "categorized_qml", "embed_style"]


def area_colours_in_order(names: list[str]) -> dict[str, str]:
    """Each area's colour as geo's maps give it: the palette in the areas' order."""
    return {str(a): AREA_COLOURS[i % len(AREA_COLOURS)] for i, a in enumerate(names)}


def _rgb(colour: str) -> str:
    c = colour.lstrip("#")
    return ",".join(str(int(c[k : k + 2], 16)) for k in (0, 2, 4))


def categorized_qml(field: str, colours: dict[str, str], *, geometry: str) -> str:
    """QML drawing ``field``'s values in their colours (``geometry``: ``point`` or
    ``polygon``)."""
    symbol = data_text(f"qgis_symbol_{geometry}.xml")
    categories, symbols = [], []
    for k, (value, colour) in enumerate(colours.items()):
        categories.append(
            f'      <category render="true" symbol="{k}" value={quoteattr(value)} '
            f"label={quoteattr(value)}/>"
        )
        symbols.append(fill_template(symbol, {"INDEX": str(k), "RGB": _rgb(colour)}))
    return fill_template(
        data_text("qgis_categorized.qml"),
        {
            "FIELD": quoteattr(field),
            "CATEGORIES": "\n".join(categories),
            "SYMBOLS": "".join(symbols),
        },
    )


def embed_style(gpkg: str | Path, layer: str, qml: str, *, name: str = "geo") -> None:
    """Store ``qml`` as the default style of ``layer`` in the GeoPackage ``gpkg`` (QGIS's
    ``layer_styles`` table; an earlier default of that layer is replaced)."""
    with sqlite3.connect(str(gpkg)) as db:
        db.execute(
            """CREATE TABLE IF NOT EXISTS layer_styles (
                id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256),
                f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
                styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN,
                description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME)"""
        )
        geom = db.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)
        ).fetchone()
        db.execute("DELETE FROM layer_styles WHERE f_table_name = ? AND useAsDefault", (layer,))
        db.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
            (
                layer, geom[0] if geom else "geom", name, qml,
                escape(f"{name}: the colours of geo's maps"),
                _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            ),
        )  # fmt: skip
        # GeoPackage readers that check the contents table expect attribute tables listed
        db.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles')"
        )
