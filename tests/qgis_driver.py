"""Run by Debian's python3 with PyQGIS (not the project's venv) from tests/test_qgis.py: the
plugin's provider inside a headless QGIS, driven as the Processing dialog drives it — progress
reported, a cancel obeyed — and the style QGIS gives geo's GeoPackages. Prints one JSON line.

Usage: python3 tests/qgis_driver.py PLUGIN_DIR progress|cancel|style ARGS…
"""

import json
import sys
import threading
import time


def main() -> None:
    plugin_dir, what, *rest = sys.argv[1:]
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    sys.path.insert(0, plugin_dir)
    from qgis.core import (
        QgsApplication,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsVectorLayer,
    )

    app = QgsApplication([], False)
    app.initQgis()
    if what == "style":
        out = {}
        for uri in rest:
            layer = QgsVectorLayer(uri, "x", "ogr")
            r = layer.renderer()
            cats = r.categories() if r.type() == "categorizedSymbol" else []
            out[uri] = {
                "renderer": r.type(), "field": getattr(r, "classAttribute", lambda: "")(),
                "categories": {str(c.value()): c.symbol().color().name() for c in cats},
            }  # fmt: skip
        print(json.dumps(out))
        return
    from processing.core.Processing import Processing

    Processing.initialize()
    from geo_processing.provider import GeoProvider

    provider = GeoProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    params = dict(p.split("=", 1) for p in rest[1:])
    alg = QgsApplication.processingRegistry().createAlgorithmById(rest[0])
    feedback = QgsProcessingFeedback()
    progress: list[float] = []
    feedback.progressChanged.connect(progress.append)
    if what == "cancel":
        threading.Timer(float(params.pop("CANCEL_AFTER", "2")), feedback.cancel).start()
    context = QgsProcessingContext()
    t0 = time.monotonic()
    results, ok = alg.run(params, context, feedback)
    print(json.dumps({
        "ok": bool(ok), "seconds": time.monotonic() - t0, "progress": progress,
        "canceled": feedback.isCanceled(), "results": {k: str(v) for k, v in (results or {}).items()},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
