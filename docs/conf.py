"""Sphinx configuration: the API reference from geo's numpydoc docstrings.

Build (CI treats every warning as an error)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import geo

project = "geo"
author = "geo developers"
release = geo.__version__
version = geo.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"

autosummary_generate = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_class_signature = "separated"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_ivar = True
napoleon_use_rtype = False
myst_heading_anchors = 3
# docs/architecture.md draws its diagram in Mermaid, which GitHub renders; Sphinx shows the
# diagram's source as text (it has no Mermaid lexer).
suppress_warnings = ["myst.header", "misc.highlighting_failure"]

html_theme = "alabaster"
html_title = f"geo {release}"
