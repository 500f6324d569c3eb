"""The Processing provider "geo" and its one setting: the geo command to run."""

import os
import shutil

from qgis.core import QgsProcessingProvider

from .algorithms import ALGORITHMS

SETTING = "GEO_COMMAND"


def geo_command():
    """The geo command: $GEO_COMMAND, else the provider setting, else ``geo`` on the PATH."""
    if os.environ.get(SETTING):
        return os.environ[SETTING]
    try:
        from processing.core.ProcessingConfig import ProcessingConfig

        value = ProcessingConfig.getSetting(SETTING)
        if value:
            return str(value)
    except ImportError:  # pragma: no cover - the processing plugin is part of QGIS
        pass
    return shutil.which("geo") or "geo"


class GeoProvider(QgsProcessingProvider):
    def load(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig, Setting

            ProcessingConfig.addSetting(
                Setting(
                    self.name(),
                    SETTING,
                    "geo command (the geo executable of the environment geo is installed in)",
                    shutil.which("geo") or "geo",
                    valuetype=Setting.FILE,
                )
            )
            ProcessingConfig.readSettings()
        except ImportError:  # pragma: no cover
            pass
        self.refreshAlgorithms()
        return True

    def unload(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig

            ProcessingConfig.removeSetting(SETTING)
        except ImportError:  # pragma: no cover
            pass

    def loadAlgorithms(self):  # noqa: N802 - QGIS's name
        for cls in ALGORITHMS:
            self.addAlgorithm(cls())

    def id(self):
        return "geo"

    def name(self):
        return "geo"

    def longName(self):  # noqa: N802 - QGIS's name
        return "geo – catchment areas for municipal social services"
