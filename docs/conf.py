"""Sphinx configuration of the skvarhyper documentation."""

import os
import sys
from pathlib import Path

import skvarhyper

project = "skvarhyper"
author = "The skvarhyper developers"
copyright = "2026, The skvarhyper developers"
release = skvarhyper.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
    "myst_parser",
    # MathJax served from the built site, so that maths renders offline.
    "sphinx-mathjax-offline",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = [
    "_build",
    "reproduce/report.md",
    "tabular/table.md",
    "regression/table.md",
    "auto_examples/*.ipynb",
]
suppress_warnings = ["myst.header"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme = "pydata_sphinx_theme"
html_title = f"skvarhyper {release}"
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
}
# Top-level pages have no section to navigate; the gallery and the API do.
html_sidebars = {
    page: []
    for page in (
        "index",
        "getting_started",
        "user_guide",
        "api",
        "reproducing",
        "benchmarks",
        "related",
        "changelog",
    )
}

autosummary_generate = True
autodoc_default_options = {
    "members": True,
    # The estimators' own methods, with those they share from skvarhyper's base
    # class, but not the dozens that torch.nn.Module and scikit-learn provide.
    "inherited-members": "Module,BaseEstimator,ClassifierMixin",
    "exclude-members": (
        "set_fit_request,set_partial_fit_request,set_score_request,"
        "set_predict_request,set_predict_proba_request,forward,extra_repr,"
        "get_metadata_routing"
    ),
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Cross-references to other projects only from inventories on disk: the build
# never fetches anything from the network.
_inventories = Path(__file__).parent / "_inventories"
intersphinx_mapping = {
    path.stem: (f"https://{path.stem}.invalid/", str(path))
    for path in sorted(_inventories.glob("*.inv"))
}

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.figsize": (6.4, 4.0)}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
}

myst_heading_anchors = 3

sys.path.insert(0, os.path.abspath(".."))
