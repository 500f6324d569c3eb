"""geo in QGIS's Processing toolbox: a provider whose algorithms call the geo command.

QGIS loads this package and calls :func:`classFactory`. Nothing of geo is imported here: the
algorithms run the ``geo`` command (see the provider's setting) on GeoPackages.
"""


def classFactory(iface):  # noqa: N802 - QGIS's name
    from .plugin import GeoPlugin

    return GeoPlugin(iface)
