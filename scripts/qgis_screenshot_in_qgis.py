"""Run inside QGIS by scripts/qgis_screenshot.py (``qgis --code``): load geo's outputs (styled
by the GeoPackages themselves), open the Processing toolbox at the geo provider, grab the
window, quit."""

import os

from qgis.core import QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget
from qgis.utils import iface

OUT = os.environ["GEO_SHOT_DIR"]
LAYERS = (
    (os.environ["GEO_SHOT_AREAS"], "designed areas"),
    (os.environ["GEO_SHOT_POINTS"], "assigned addresses (synthetic)"),
)
for uri, name in LAYERS:
    layer = QgsVectorLayer(uri, name, "ogr")
    QgsProject.instance().addMapLayer(layer)


def shoot():
    iface.mainWindow().resize(1400, 860)
    iface.mapCanvas().zoomToFullExtent()
    dock = iface.mainWindow().findChild(QDockWidget, "ProcessingToolbox")
    dock.show()
    tree = dock.algorithmTree
    tree.collapseAll()
    model = tree.model()
    for r in range(model.rowCount()):
        idx = model.index(r, 0)
        if str(model.data(idx)) == "geo":
            tree.expand(idx)
            for k in range(model.rowCount(idx)):
                tree.expand(model.index(k, 0, idx))
            tree.scrollTo(idx, tree.PositionAtTop)
    QTimer.singleShot(4000, grab)


def grab():
    QApplication.processEvents()
    iface.mainWindow().grab().save(os.path.join(OUT, "qgis.png"))
    QTimer.singleShot(500, QApplication.instance().quit)


QTimer.singleShot(3000, shoot)
