"""Headless Chromium for the page tests: render a page offline, dump its DOM, screenshot it.

Debian's ``chromium`` is started with the network blocked (a proxy on a closed port), so a
page that needs anything from outside shows it. ``open_everything`` adds a script that opens
every tooltip and popup of every Leaflet layer, as a person hovering and clicking would, and
keeps a copy of each opened tooltip and popup in the DOM for the test to read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

#: Appended to a map page: open every tooltip and popup of every layer, one after the other,
#: copying each opened one (as the browser built it) into #geo-opened.
OPEN_EVERYTHING = """
<script>
setTimeout(function () {
  var box = document.createElement('div');
  box.id = 'geo-opened';
  document.body.appendChild(box);
  var opened = 0, maps = [], errors = [], k;
  function keep(el) { if (el) { box.appendChild(el.cloneNode(true)); opened += 1; } }
  for (k in window) { if (window[k] instanceof L.Map) { maps.push(window[k]); } }
  maps.forEach(function (map) {
    // every overlay on, as a person ticking each box of the layer control would
    for (k in window) {
      var v = window[k];
      if (v instanceof L.LayerGroup && !map.hasLayer(v)) { map.addLayer(v); }
    }
    var layers = [];
    map.eachLayer(function (l) { layers.push(l); });
    layers.forEach(function (l) {
      try { openAll(l); } catch (e) { errors.push(String(e) + ' ' + (l.feature ? 'feature' : l.constructor.name)); }
    });
  });
  box.setAttribute('data-opened', String(opened));
  box.setAttribute('data-errors', JSON.stringify(errors));
  function openAll(l) {
      var t = l.getTooltip && l.getTooltip();
      if (t && l.eachLayer) {  // a GeoJSON layer: hover every feature
        l.eachLayer(function (f) {
          var at = f.getBounds ? f.getBounds().getCenter() : f.getLatLng();
          f.fire('mouseover', {latlng: at}, true);
          keep(t.getElement());
          f.fire('mouseout', {latlng: at}, true);
        });
      } else if (t) {
        l.openTooltip();
        keep(t.getElement());
      }
      var p = l.getPopup && l.getPopup();
      if (p && l.eachLayer) {  // click every feature
        l.eachLayer(function (f) {
          f.fire('click', {latlng: f.getBounds ? f.getBounds().getCenter() : f.getLatLng()}, true);
          keep(p.getElement());
        });
      } else if (p) {
        l.openPopup();
        keep(p.getElement());
      }
  }
}, 300);
</script>
"""


def chromium() -> str:
    """Path of a Chromium executable; fails in CI (which installs it), skips elsewhere."""
    for name in (os.environ.get("GEO_CHROMIUM", ""), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)  # type: ignore[return-value]
    if os.environ.get("CI"):
        pytest.fail("chromium not found: .ci/run must install Debian's chromium")
    pytest.skip("chromium not installed")


def _flags(tmp: Path) -> list[str]:
    return [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp / 'profile'}", "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>", "--window-size=1280,860",
        "--virtual-time-budget=8000", "--enable-logging=stderr", "--v=0",
    ]  # fmt: skip


def with_script(page: Path, script: str) -> Path:
    """Append ``script`` before ``</html>`` of ``page`` (in place) and return the path."""
    text = page.read_text(encoding="utf-8")
    end = text.rindex("</html>")
    page.write_text(text[:end] + script + "</html>", encoding="utf-8")
    return page


def dump_dom(page: Path, tmp: Path) -> tuple[str, str]:
    """The DOM after the page's scripts ran, and Chromium's log (console messages)."""
    run = subprocess.run(
        [*_flags(tmp), "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180
    )
    return run.stdout, run.stderr


def screenshot(page: Path, tmp: Path, name: str = "shot.png") -> Path:
    shot = tmp / name
    subprocess.run(
        [*_flags(tmp), f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=180
    )
    return shot


def console_errors(log: str) -> list[str]:
    return [
        line
        for line in log.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]


def png_pixels(path: Path) -> np.ndarray:
    """Decode an 8-bit RGB(A) PNG with the standard library (no image package needed)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(chunk[:4], "big"), int.from_bytes(chunk[4:8], "big")
            channels = {2: 3, 6: 4}[chunk[9]]
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8)
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)].astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) % 256
        else:
            cur = np.zeros(stride, dtype=np.int32)
            for x in range(stride):
                a = cur[x - channels] if x >= channels else 0
                b = prev[x]
                c = prev[x - channels] if x >= channels else 0
                if f == 1:
                    pred = a
                elif f == 3:
                    pred = (a + b) // 2
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + pred) % 256
        out[y] = cur
        prev = cur
    return out.reshape(height, width, channels)[:, :, :3]


def playwright_chromium(p):
    """Debian's Chromium under Playwright (no browser download), other network blocked.

    Loopback stays reachable (the proxy is bypassed for it), so pages served by the tests'
    own servers load; anything else fails.
    """
    return p.chromium.launch(
        executable_path=chromium(),
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--proxy-server=127.0.0.1:9"],
    )  # fmt: skip
