"""Offline pages: Leaflet inlined from the PyPI package xstatic-leaflet, written atomically."""

from __future__ import annotations

import base64
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import folium

from ..errors import GeoValueError

if TYPE_CHECKING:
    pass


logger = logging.getLogger(__name__)

__all__ = ["inline_leaflet", "leaflet_assets", "save_map", "to_html"]


def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS from the PyPI package xstatic-leaflet (images inlined)."""
    try:
        import xstatic.pkg.leaflet as xl
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise GeoValueError("maps: the package xstatic-leaflet is needed for offline maps") from exc
    base = Path(xl.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        path = base / match.group(1)
        if not path.exists():
            return match.group(0)
        b64 = base64.b64encode(path.read_bytes()).decode()
        mime = "image/svg+xml" if path.suffix == ".svg" else "image/png"
        return f"url(data:{mime};base64,{b64})"

    css = re.sub(r"url\((images/[^)]+)\)", data_uri, css)
    return js, css


def inline_leaflet(page: str) -> str:
    """Replace the CDN links to Leaflet's JavaScript and CSS in a page by their contents."""
    js, css = leaflet_assets()
    page = re.sub(
        r'<script src="[^"]*leaflet(?:@[\d.]+)?/dist/leaflet\.js"></script>',
        lambda _: f"<script>{js}</script>",
        page,
    )
    page = re.sub(
        r'<link rel="stylesheet" href="[^"]*leaflet(?:@[\d.]+)?/dist/leaflet\.css"\s*/?>',
        lambda _: f"<style>{css}</style>",
        page,
    )
    return page


def to_html(m: folium.Map) -> str:
    """The map as one self-contained HTML document (Leaflet inlined, no CDN)."""
    page = inline_leaflet(m.get_root().render())
    # the page's language, and zooming left to the reader (WCAG 1.4.4: no user-scalable=no)
    lang = getattr(m, "geo_lang", "sv")
    page = page.replace("<html>", f'<html lang="{lang}">', 1)
    page = re.sub(r",\s*maximum-scale=1\.0,\s*user-scalable=no", "", page, count=1)
    left = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page)
    if left:
        raise GeoValueError(f"maps: external resources left in the page: {left}")
    return page


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write the map as a self-contained, offline HTML file (atomically)."""
    from ..io.files import atomic_path

    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise GeoValueError(f"output: a map is written as .html; received {str(path)!r}")
    page = to_html(m)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    logger.debug("wrote %s (%.1f MB)", path, len(page.encode()) / 1e6)
    return path
