"""geo's algorithms for the Processing toolbox.

Each algorithm writes its input layers to GeoPackages in a temporary folder, runs the ``geo``
command on them (a separate process: QGIS's Python and geo's dependencies never meet), shows
geo's progress and messages, stops geo when the user cancels, and hands geo's output back to
QGIS as layers. geo writes its styles into the GeoPackages it makes (areas in the colours of
geo's maps), so QGIS draws the outputs as geo's maps do.
"""

import csv
import os
import re
import subprocess
import tempfile
import threading
import time

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

PROGRESS = re.compile(r"(\d{1,3})%\|")
MODES = ["straight", "walk", "bike", "car"]
TRAVEL_MODES = ["walk", "bike", "car", "transit"]
WEIGHTS = ["population", "children", "low_income", "single_parents", "need"]
OBJECTIVES = ["pmedian", "coverage", "center"]
BALANCES = ["population", "children", "need"]
MAP_KINDS = ["catchments", "access", "siting", "studio"]


class GeoAlgorithm(QgsProcessingAlgorithm):
    """The shared part: inputs to GeoPackages, the geo command, progress and cancel."""

    NAME = ""
    DISPLAY = ""
    HELP = ""

    def name(self):
        return self.NAME

    def displayName(self):  # noqa: N802 - QGIS's name
        return self.DISPLAY

    def group(self):
        return "geo"

    def groupId(self):  # noqa: N802 - QGIS's name
        return "geo"

    def shortHelpString(self):  # noqa: N802 - QGIS's name
        return self.HELP

    def createInstance(self):  # noqa: N802 - QGIS's name
        return type(self)()

    # -- inputs ------------------------------------------------------------------------------
    def add_study(self):
        self.addParameter(
            QgsProcessingParameterFile(
                "STUDY",
                "Study folder (geo study build; empty: the embedded Linköping study)",
                behavior=QgsProcessingParameterFile.Folder,
                optional=True,
            )
        )

    def add_addresses(self):
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                "INPUT", "Addresses (points)", [QgsProcessing.TypeVectorPoint]
            )
        )

    def add_network(self):
        self.addParameter(
            QgsProcessingParameterFile(
                "NETWORK", "Road network (.npz from geo network build, or .osm.pbf)", optional=True
            )
        )

    def output_gpkg(self, parameters, context):
        """The GeoPackage geo writes the OUTPUT layer to."""
        out = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        return out if out.lower().endswith(".gpkg") else out + ".gpkg"

    def study_args(self, parameters, context):
        folder = self.parameterAsFile(parameters, "STUDY", context)
        return ["--study", folder] if folder else []

    def layer_file(self, parameters, name, context, folder):
        """The features of an input layer (the selection, where only that is asked for) in a
        GeoPackage of their own; None when the optional input is empty."""
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            return None
        path = os.path.join(folder, f"{name.lower()}.gpkg")
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.driverName = "GPKG"
        options.layerName = name.lower()
        writer = QgsVectorFileWriter.create(
            path,
            source.fields(),
            source.wkbType(),
            source.sourceCrs(),
            context.transformContext(),
            options,
        )
        if writer.hasError():
            raise QgsProcessingException(f"{name}: {writer.errorMessage()}")
        for feature in source.getFeatures():
            writer.addFeature(feature)
        del writer
        return path

    # -- the geo command -------------------------------------------------------------------
    def run_geo(self, args, feedback):
        """Run ``geo ARGS``; its progress bars drive the progress, its messages are shown, a
        cancel stops it; a failure raises geo's own one-line message."""
        from .provider import geo_command

        command = [geo_command(), *args]
        feedback.pushCommandInfo(" ".join(command))
        feedback.setProgress(10)  # the inputs are written; geo's own bars take 10 → 95 %
        try:
            proc = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            )
        except OSError as exc:
            raise QgsProcessingException(
                f"cannot run {command[0]!r} ({exc}); set the geo command in Settings → "
                "Options → Processing → Providers → geo"
            ) from exc
        said = []

        def read(stream, is_err):
            buf = b""
            while True:
                chunk = stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096)
                if not chunk:
                    break
                buf += chunk
                parts = re.split(rb"[\r\n]", buf)
                buf = parts.pop()
                for raw in parts:
                    line = raw.decode("utf-8", "replace").strip()
                    if not line:
                        continue
                    m = PROGRESS.search(line)
                    if m and is_err:
                        feedback.setProgress(10 + 0.85 * min(100, int(m.group(1))))
                        continue
                    said.append(line)
                    feedback.pushInfo(line)
            if buf.strip():
                said.append(buf.decode("utf-8", "replace").strip())

        readers = [
            threading.Thread(target=read, args=(proc.stdout, False), daemon=True),
            threading.Thread(target=read, args=(proc.stderr, True), daemon=True),
        ]
        for t in readers:
            t.start()
        while proc.poll() is None:
            if feedback.isCanceled():
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                raise QgsProcessingException("cancelled: geo was stopped")
            time.sleep(0.1)
        for t in readers:
            t.join(timeout=5)
        if proc.returncode != 0:
            errors = [s for s in said if s.startswith("geo")] or said[-1:] or ["no message"]
            raise QgsProcessingException(errors[-1])
        feedback.setProgress(100)

    def table_to_sink(self, path, layer, parameters, name, context, geometry=True):
        """Copy a GeoPackage layer (or, with ``geometry=False``, a CSV table) written by geo
        into the sink ``name``; returns the sink's id."""
        if geometry:
            source = QgsVectorLayer(f"{path}|layername={layer}", layer, "ogr")
        else:
            uri = f"file://{path}?type=csv&detectTypes=yes&geomType=none"
            source = QgsVectorLayer(uri, layer, "delimitedtext")
        if not source.isValid():
            raise QgsProcessingException(f"geo wrote {path}, but QGIS cannot read it")
        fields = QgsFields()
        for f in source.fields():
            if f.name() != "fid":
                fields.append(QgsField(f.name(), f.type() if f.type() else QVariant.String))
        sink, dest = self.parameterAsSink(
            parameters, name, context, fields, source.wkbType(), source.crs()
        )
        for feature in source.getFeatures():
            out = QgsFeature(fields)
            out.setGeometry(feature.geometry())
            out.setAttributes([feature[f.name()] for f in fields])
            sink.addFeature(out, QgsFeatureSink.FastInsert)
        return dest


class AssignAlgorithm(GeoAlgorithm):
    NAME = "assign"
    DISPLAY = "Assign addresses to catchment areas"
    HELP = (
        "geo assign: every address (point) gets its catchment area, RegSO and settlement class, "
        "the distance (and with a network, the travel time) to every base, and a status and a "
        "reason. Areas and bases default to the study's; give your own layers to replace them."
    )

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS's name
        self.add_addresses()
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                "AREAS",
                "Catchment areas (polygons; empty: the study's)",
                [QgsProcessing.TypeVectorPolygon],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                "AREA_FIELD", "Area name field", parentLayerParameterName="AREAS", optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                "BASES",
                "Bases (points with a name field; empty: the study's)",
                [QgsProcessing.TypeVectorPoint],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum("MODE", "Distance", options=MODES, defaultValue=0)
        )
        self.add_network()
        self.add_study()
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                "OUTPUT", "Assigned addresses", QgsProcessing.TypeVectorPoint
            )
        )

    def mode_args(self, parameters, context, modes):
        mode = modes[self.parameterAsEnum(parameters, "MODE", context)]
        args = ["--mode", mode] if mode != "straight" else []
        network = self.parameterAsFile(parameters, "NETWORK", context)
        if network:
            args += ["--pbf" if network.lower().endswith(".pbf") else "--network", network]
        return args

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS's name
        out = self.output_gpkg(parameters, context)
        with tempfile.TemporaryDirectory(prefix="geo-qgis-") as tmp:
            args = ["assign", self.layer_file(parameters, "INPUT", context, tmp), "-o", out]
            areas = self.layer_file(parameters, "AREAS", context, tmp)
            if areas:
                args += ["--areas", areas]
                field = self.parameterAsString(parameters, "AREA_FIELD", context)
                if field:
                    args += ["--area-col", field]
            bases = self.layer_file(parameters, "BASES", context, tmp)
            if bases:
                args += ["--bases", bases]
            args += self.mode_args(parameters, context, MODES) + self.study_args(
                parameters, context
            )
            self.run_geo(args, feedback)
        return {"OUTPUT": out}


class TravelTimesAlgorithm(AssignAlgorithm):
    NAME = "traveltimes"
    DISPLAY = "Travel times to every base"
    HELP = (
        "geo assign --mode walk|bike|car|transit: travel time from every address to every base "
        "along a road network (.npz or .osm.pbf) or by public transport (a GTFS feed: median and "
        "90th percentile over the departure window), with statuses and reasons. Without a "
        "network, walk/bike/car times are a labelled estimate."
    )

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS's name
        self.add_addresses()
        self.addParameter(
            QgsProcessingParameterEnum("MODE", "Mode", options=TRAVEL_MODES, defaultValue=2)
        )
        self.add_network()
        self.addParameter(
            QgsProcessingParameterFile(
                "GTFS", "GTFS feed (zip) for public transport", optional=True, extension="zip"
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                "DEPART", "Departure window start (e.g. 2024-03-12T07:00)", optional=True
            )
        )
        self.add_study()
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                "OUTPUT", "Travel times", QgsProcessing.TypeVectorPoint
            )
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS's name
        out = self.output_gpkg(parameters, context)
        with tempfile.TemporaryDirectory(prefix="geo-qgis-") as tmp:
            args = ["assign", self.layer_file(parameters, "INPUT", context, tmp), "-o", out]
            args += self.mode_args(parameters, context, TRAVEL_MODES)
            gtfs = self.parameterAsFile(parameters, "GTFS", context)
            if gtfs:
                args += ["--gtfs", gtfs]
            depart = self.parameterAsString(parameters, "DEPART", context)
            if depart:
                args += ["--depart", depart]
            self.run_geo(args + self.study_args(parameters, context), feedback)
        return {"OUTPUT": out}


class SuggestAlgorithm(GeoAlgorithm):
    NAME = "suggest"
    DISPLAY = "Suggest new bases"
    HELP = (
        "geo site: where N new bases help most (p-median, maximal covering or p-center on the "
        "population grid, weighted by population, children or need), proven optimal or with a "
        "stated gap; the proposals as points with before/after figures."
    )

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS's name
        self.addParameter(
            QgsProcessingParameterNumber(
                "ADD", "New bases", QgsProcessingParameterNumber.Integer, 2, minValue=1, maxValue=10
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum("WEIGHT", "Weight", options=WEIGHTS, defaultValue=0)
        )
        self.addParameter(
            QgsProcessingParameterEnum("OBJECTIVE", "Objective", options=OBJECTIVES, defaultValue=0)
        )
        self.addParameter(
            QgsProcessingParameterString(
                "CANDIDATES",
                "Candidates (localities, regso, grid)",
                defaultValue="localities,regso",
            )
        )
        self.add_study()
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", "Proposed bases", QgsProcessing.TypeVectorPoint
            )
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS's name
        with tempfile.TemporaryDirectory(prefix="geo-qgis-") as tmp:
            args = [
                "site",
                "--add",
                str(self.parameterAsInt(parameters, "ADD", context)),
                "--weight",
                WEIGHTS[self.parameterAsEnum(parameters, "WEIGHT", context)],
                "--objective",
                OBJECTIVES[self.parameterAsEnum(parameters, "OBJECTIVE", context)],
                "--candidates",
                self.parameterAsString(parameters, "CANDIDATES", context),
                "-o",
                tmp,
                *self.study_args(parameters, context),
            ]
            self.run_geo(args, feedback)
            dest = self.table_to_sink(
                os.path.join(tmp, "proposals.gpkg"), "proposals", parameters, "OUTPUT", context
            )
        return {"OUTPUT": dest}


class WhatIfAlgorithm(GeoAlgorithm):
    NAME = "whatif"
    DISPLAY = "What-if of a scenario"
    HELP = (
        "geo whatif --scenario: the figures per area, settlement class and locality of a "
        "scenario exported from geo's planning studio, against today — the same digits the "
        "studio shows."
    )

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS's name
        self.addParameter(
            QgsProcessingParameterFile(
                "SCENARIO", "Scenario (JSON exported from the planning studio)", extension="json"
            )
        )
        self.add_study()
        self.addParameter(
            QgsProcessingParameterFeatureSink("OUTPUT", "What-if figures", QgsProcessing.TypeVector)
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS's name
        with tempfile.TemporaryDirectory(prefix="geo-qgis-") as tmp:
            table = os.path.join(tmp, "whatif.csv")
            scenario = self.parameterAsFile(parameters, "SCENARIO", context)
            self.run_geo(
                ["whatif", "--scenario", scenario, "-o", table,
                 *self.study_args(parameters, context)], feedback)  # fmt: skip
            with open(table, encoding="utf-8") as f:  # geo's CSV: header, then rows
                next(csv.reader(f), None)
            dest = self.table_to_sink(
                table, "whatif", parameters, "OUTPUT", context, geometry=False
            )
        return {"OUTPUT": dest}


class DesignAlgorithm(GeoAlgorithm):
    NAME = "design"
    DISPLAY = "Design areas with balanced workload"
    HELP = (
        "geo areas design: the borders of today's areas plus N new ones drawn on the study's "
        "RegSO, each area one piece around its base, the workload within the tolerance of the "
        "mean, least travel; proven optimal or the gap is said. The areas come back as a layer "
        "(the same GeoPackage holds the bases and units)."
    )

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS's name
        self.addParameter(
            QgsProcessingParameterNumber(
                "ADD",
                "New bases (areas)",
                QgsProcessingParameterNumber.Integer,
                2,
                minValue=0,
                maxValue=10,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum("BALANCE", "Balance", options=BALANCES, defaultValue=0)
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                "TOLERANCE",
                "Tolerance (share of the mean workload)",
                QgsProcessingParameterNumber.Double,
                0.10,
                minValue=0.0,
                maxValue=1.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                "TIME_LIMIT", "Time limit (s)", QgsProcessingParameterNumber.Integer, 60, minValue=1
            )
        )
        self.add_study()
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                "OUTPUT", "Designed areas", QgsProcessing.TypeVectorPolygon
            )
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS's name
        out = self.output_gpkg(parameters, context)
        args = [
            "areas",
            "design",
            "--add",
            str(self.parameterAsInt(parameters, "ADD", context)),
            "--balance",
            BALANCES[self.parameterAsEnum(parameters, "BALANCE", context)],
            "--tolerance",
            str(self.parameterAsDouble(parameters, "TOLERANCE", context)),
            "--time-limit",
            str(self.parameterAsInt(parameters, "TIME_LIMIT", context)),
            "-o",
            out,
            *self.study_args(parameters, context),
        ]
        self.run_geo(args, feedback)
        return {"OUTPUT": f"{out}|layername=areas"}


class MapAlgorithm(GeoAlgorithm):
    NAME = "map"
    DISPLAY = "Offline HTML map"
    HELP = (
        "geo map catchments|access|siting|studio: geo's interactive HTML maps for planners, "
        "one self-contained file that works offline (no background tiles unless asked). The "
        "access map takes assigned addresses (aggregated; small counts suppressed)."
    )

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS's name
        self.addParameter(
            QgsProcessingParameterEnum("KIND", "Map", options=MAP_KINDS, defaultValue=0)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                "ADDRESSES",
                "Addresses (points; for the access map)",
                [QgsProcessing.TypeVectorPoint],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                "TILES",
                "Background tiles from OpenStreetMap (needs a network when viewed)",
                defaultValue=False,
            )
        )
        self.add_study()
        self.addParameter(
            QgsProcessingParameterFileDestination("OUTPUT", "Map", fileFilter="HTML (*.html)")
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS's name
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        kind = MAP_KINDS[self.parameterAsEnum(parameters, "KIND", context)]
        with tempfile.TemporaryDirectory(prefix="geo-qgis-") as tmp:
            args = ["map", kind, "-o", out, *self.study_args(parameters, context)]
            addresses = self.layer_file(parameters, "ADDRESSES", context, tmp)
            if addresses:
                args += ["--addresses", addresses]
            if not self.parameterAsBoolean(parameters, "TILES", context) and kind != "studio":
                args.append("--no-tiles")
            self.run_geo(args, feedback)
        return {"OUTPUT": out}


ALGORITHMS = [
    AssignAlgorithm, TravelTimesAlgorithm, SuggestAlgorithm, WhatIfAlgorithm, DesignAlgorithm,
    MapAlgorithm,
]  # fmt: skip
