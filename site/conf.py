"""Sphinx's configuration for the course's website (issue 45).

Not run on its own: ``python tools/build_site.py --out DIR`` copies it into a staging folder
beside the lessons (copies, adapted for the web) and builds there. Every choice that would
make a page ask another host for something is turned off here, and the test of the built
site (``tests/test_site.py``) fails on any such request.
"""

from lstm_course import REPO_URL

project = "LSTM course"
author = "the LSTM course's authors"
copyright = "the LSTM course's authors, MIT licence"
language = "en"

extensions = [
    "myst_nb",  # notebooks and Markdown (MyST), rendered from their stored outputs
    "sphinx.ext.mathjax",  # MathJax, served from this site (see mathjax_path)
    "sphinx_copybutton",
]

root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_extra_path = ["_extra"]  # the explorer's data, served beside its page

# --------------------------------------------------------------------------- notebooks
nb_execution_mode = "off"  # the stored outputs, which nbval tests; a build runs no notebook
nb_merge_streams = True
# A widget needs a widget manager, which MyST-NB loads from a CDN: load none, and show a
# widget's static picture instead (a finished progress bar's text, the explorer's snapshot),
# which tools/save_lessons.py stores beside every widget.
nb_ipywidgets_js = {}
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_render_markdown_format = "myst"  # Markdown outputs (the glossary's tables) with their math
nb_code_prompt_show = "Show the code"
nb_code_prompt_hide = "Hide the code"

# --------------------------------------------------------------------------- Markdown
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # lessons start at "#" and skip levels in summaries

# --------------------------------------------------------------------------- math
# MathJax 3 from the sphinx-mathjax-offline package, copied into _static/mathjax by
# tools/build_site.py: no CDN.
mathjax_path = "mathjax/tex-chtml.js"

# --------------------------------------------------------------------------- HTML
html_theme = "sphinx_book_theme"
html_title = "LSTM course"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_favicon = "_static/favicon.svg"
html_copy_source = False  # search summaries come from the pages themselves
html_show_sourcelink = False
html_last_updated_fmt = None
html_context = {"default_mode": "light"}
html_theme_options = {
    "repository_url": REPO_URL,
    "repository_branch": "main",
    "path_to_docs": "",  # the staging folder mirrors the repository: notebooks/NN_name.ipynb
    "use_repository_button": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "launch_buttons": {"colab_url": "https://colab.research.google.com"},
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "navbar_persistent": [],  # the search field is in the sidebar: not a second one on top
    # pydata-sphinx-theme: nothing fetched from elsewhere (no analytics, no version switcher)
    "analytics": {},
}
