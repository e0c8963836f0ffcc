"""Build the course's website from the stored notebooks, offline (issue 45).

    pip install -r requirements-site.txt        # once, beside requirements.txt
    python tools/build_site.py --out site-html  # about a minute on 2 CPU cores
    python -m http.server -d site-html          # then open http://127.0.0.1:8000

Sphinx with MyST-NB and sphinx-book-theme renders the lessons from their *stored* outputs
(the ones nbval tests): no notebook is executed and none is changed. The tool stages copies
in a temporary folder, mirroring the repository (README.md as the home page, notebooks/,
docs/, images/), and adapts the copies for the web:

- the Colab badge's picture is served from the site (the link still opens Colab);
- links to repository files that are not pages (LICENSE, CONTRIBUTING.md, code) point to
  GitHub; links between pages stay relative;
- the setup cell and long code cells are collapsed ("Show the code"); exercise solutions stay
  in their ``<details>``, hidden until opened, as in the notebooks;
- widgets are shown by the static picture saved with them (no widget manager, no CDN).

It adds a glossary page (from ``lstm_course.glossary``), and lesson 6's explorer as a page
that needs no kernel: the shipped character model's weights, a few excerpts of held-out
files, the units of the lesson's section 4 and a probe per feature (``lstm_course.probes``)
are exported to ``explorer-data.json``, and ``site/_static/explorer.js`` runs the LSTM in
the browser, colouring the text as ``lstm_course.explorer`` does. MathJax comes from the
sphinx-mathjax-offline package and is served from the site.

DIR is written only when the whole build succeeded, and only if it is new, empty or a site
this tool built before (it leaves a marker file there): the site is built beside it and
moved into place. Errors are one line; exit status 2 for bad arguments (checked first),
1 for a failed build, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import base64
import copy
import io
import json
import os
import posixpath
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"  # Sphinx's configuration, static files and the explorer page
MARKER = ".lstm-course-site"  # in every site this tool built: it may replace such a folder
LESSON_GLOB = "[0-9][0-9]_*.ipynb"
# A code cell longer than this is collapsed behind "Show the code" (its output stays shown).
LONG_CELL_LINES = 15
# The MathJax files the site serves: the TeX-to-HTML bundle, its fonts, the TeX extensions
# and the menu's accessibility parts it loads on demand (sre: speech). Nothing else is used.
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml", "input/tex", "ui", "a11y", "sre")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REQUIREMENTS = ("sphinx", "myst_nb", "sphinx_book_theme", "sphinx_copybutton")


class BuildError(Exception):
    """A build that cannot go on; its message is the one line the user sees."""


# --------------------------------------------------------------------------- addresses
def repo_url() -> str:
    from lstm_course import REPO_URL

    return REPO_URL.rstrip("/")


def pages_url(repository: str | None = None) -> str:
    """Where GitHub Pages publishes the site of ``repository`` (default: the course's):
    ``https://github.com/OWNER/NAME`` -> ``https://OWNER.github.io/NAME/``."""
    owner, name = urlparse(repository or repo_url()).path.strip("/").split("/")[:2]
    return f"https://{owner.lower()}.github.io/{name}/"


# --------------------------------------------------------------------------- links
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")
_MD_LINK = re.compile(r"(\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")
_HTML_LINK = re.compile(r"""(\b(?:href|src)=")([^"]+)(")""")


class Links:
    """Rewrites the relative links of a staged page. ``pages`` maps a repository path to
    its path in the staging folder (README.md -> index.md); a link to a staged file stays
    relative, a link to any other file of the repository goes to GitHub."""

    def __init__(self, staged: dict[str, str]):
        self.staged = staged
        self.missing: list[str] = []

    def target(self, page: str, link: str) -> str:
        if _SCHEME.match(link) or link.startswith("#"):
            return link
        path, hash_, fragment = link.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        here = posixpath.dirname(self.staged.get(page, page)) or "."
        if resolved in self.staged:
            return posixpath.relpath(self.staged[resolved], here) + hash_ + fragment
        if (ROOT / resolved).exists() and not resolved.startswith(".."):
            kind = "tree" if (ROOT / resolved).is_dir() else "blob"
            return f"{repo_url()}/{kind}/main/{resolved}{hash_}{fragment}"
        self.missing.append(f"{page}: {link}")
        return link

    def rewrite(self, page: str, text: str) -> str:
        """``text`` (Markdown with some HTML) of repository file ``page``, links rewritten;
        code spans and fenced blocks are left alone."""
        parts = re.split(r"(```.*?```|`[^`\n]*`)", text, flags=re.S)
        for k in range(0, len(parts), 2):
            parts[k] = _MD_LINK.sub(
                lambda m: m[1] + self.target(page, m[2]) + m[3],
                _HTML_LINK.sub(lambda m: m[1] + self.target(page, m[2]) + m[3], parts[k]),
            )
        return "".join(parts)


# --------------------------------------------------------------------------- pages
def badge_picture(text: str, local: str) -> str:
    """``text`` with the Colab badge's picture taken from the site (``local``) instead of
    from Colab's server: opening a page asks no other host for anything."""
    from lstm_course.colab import BADGE_IMAGE

    return text.replace(f"({BADGE_IMAGE})", f"({local})")


def lesson_for_site(nb: dict, page: str, links: Links, badge: str) -> dict:
    """A copy of lesson ``nb`` (staged at ``page``) as the site shows it."""
    nb = copy.deepcopy(nb)
    nb["metadata"].pop("widgets", None)  # no widget manager on the site: nothing to restore
    cells = nb["cells"]
    for index, cell in enumerate(cells):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            source = links.rewrite(page, badge_picture(source, badge))
            if index == 0:  # the badge first, then the title: the title goes first on a page
                first, _, rest = source.partition("\n")
                title = re.search(r"^# .*$", rest, re.M)
                if "colab" in first.lower() and title:
                    rest = rest[: title.end()] + "\n\n" + first + rest[title.end() :]
                    source = rest.lstrip("\n")
            cell["source"] = source
        elif cell["cell_type"] == "code":
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            # the second cell is the setup cell (CONTRIBUTING.md's conventions): Colab's only
            if (index == 1 or len(source.splitlines()) > LONG_CELL_LINES) and (
                "hide-input" not in tags
            ):
                tags.append("hide-input")
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if WIDGET_VIEW in data and len(data) > 1:
                    del data[WIDGET_VIEW]  # its static picture (text/html or text/plain) stays
    # Lesson 6's explorer: say where it runs without a kernel, right below its snapshot.
    for index in reversed(range(len(cells))):
        if cells[index]["cell_type"] == "code" and "activation_explorer(" in "".join(
            cells[index]["source"]
        ):
            note = (
                "```{admonition} Try it here\n:class: tip\n"
                f"The [explorer page]({posixpath.relpath('explorer.md', posixpath.dirname(page))})"
                " runs this explorer in your browser, without Python: any unit, any text, "
                "and a probe for each feature.\n```"
            )
            cell = {"cell_type": "markdown", "metadata": {}, "source": note}
            if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) >= (4, 5):
                cell["id"] = "site-explorer-note"
            cells.insert(index + 1, cell)
    return nb


TERM_SETS = {
    "LSTM_TERMS": ("The LSTM", "Lessons 1 to 4 and 6."),
    "GRU_TERMS": ("The GRU", "Lesson 5: one working memory, and an update gate."),
    "MODERN_TERMS": ("After the LSTM", "Lesson 8: minLSTM, minGRU and xLSTM."),
}


def glossary_page() -> str:
    """The glossary page, from :mod:`lstm_course.glossary`: every set of terms it holds."""
    from lstm_course import glossary

    intro = " ".join((glossary.__doc__ or "").split("\n\n", 1)[-1].split())
    lines = ["# Glossary", "", intro, ""]
    sets = [
        (name, value)
        for name, value in vars(glossary).items()
        if name.endswith("_TERMS") and isinstance(value, tuple)
    ]
    for name, terms in sets:
        heading, note = TERM_SETS.get(name, (name.removesuffix("_TERMS").title(), ""))
        lines += [f"## {heading}", "", note, "", glossary.markdown_table(terms), ""]
    lines += [
        "The mapping is written once, in "
        f"[`lstm_course/glossary.py`]({repo_url()}/blob/main/lstm_course/glossary.py); "
        "every lesson and this page are made from it.",
        "",
    ]
    return "\n".join(lines)


def home_page(readme: str, lessons: list[str], docs: list[str]) -> str:
    """README.md (links already rewritten) with the site's table of contents, hidden."""

    def toctree(caption: str, entries: list[str]) -> str:
        body = "\n".join(entries)
        return f"```{{toctree}}\n:hidden:\n:caption: {caption}\n\n{body}\n```\n"

    return (
        readme.rstrip()
        + "\n\n"
        + toctree("Lessons", [f"notebooks/{Path(n).stem}" for n in lessons])
        + toctree("Explore and look up", ["explorer", "glossary"])
        + (toctree("More", [f"docs/{Path(d).stem}" for d in docs]) if docs else "")
    )


def copy_mathjax(dest: Path) -> None:
    """The parts of MathJax 3 the site uses, from the sphinx-mathjax-offline package."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline") or importlib.util.find_spec(
        "sphinx_mathjax_offline"
    )
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(
            "sphinx-mathjax-offline is not installed: pip install -r requirements-site.txt"
        )
    source = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
    for part in MATHJAX_PARTS:
        if not (source / part).exists():
            raise BuildError(f"sphinx-mathjax-offline has no {part}: is it the pinned version?")
        if (source / part).is_dir():
            shutil.copytree(source / part, dest / part)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, dest / part)


def stage(notebooks: Path, folder: Path) -> Links:
    """Lay out the site's sources in ``folder``; returns the link rewriter (its ``missing``
    lists links that lead nowhere)."""
    lessons = sorted(p.name for p in notebooks.glob(LESSON_GLOB))
    docs = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    images = sorted(p.name for p in (ROOT / "images").glob("*") if p.is_file())
    pictures = sorted(p.name for p in (ROOT / "docs").glob("*.png"))
    staged = {"README.md": "index.md", "glossary.md": "glossary.md", "explorer.md": "explorer.md"}
    staged |= {f"_static/{p.name}": f"_static/{p.name}" for p in (SITE / "_static").iterdir()}
    staged |= {f"notebooks/{n}": f"notebooks/{n}" for n in lessons}
    staged |= {f"docs/{d}": f"docs/{d}" for d in docs}
    staged |= {f"images/{i}": f"images/{i}" for i in images}
    staged |= {f"docs/{p}": f"docs/{p}" for p in pictures}
    links = Links(staged)

    for name in ("conf.py", "explorer.md"):
        shutil.copy2(SITE / name, folder / name)
    shutil.copytree(SITE / "_static", folder / "_static")
    copy_mathjax(folder / "_static" / "mathjax")
    for name in images:
        (folder / "images").mkdir(exist_ok=True)
        shutil.copy2(ROOT / "images" / name, folder / "images" / name)
    (folder / "notebooks").mkdir()
    for name in lessons:
        nb = json.loads((notebooks / name).read_text(encoding="utf-8"))
        page = lesson_for_site(nb, f"notebooks/{name}", links, "../_static/colab-badge.svg")
        (folder / "notebooks" / name).write_text(json.dumps(page), encoding="utf-8")
    (folder / "docs").mkdir()
    for name in pictures:
        shutil.copy2(ROOT / "docs" / name, folder / "docs" / name)
    for name in docs:
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        (folder / "docs" / name).write_text(links.rewrite(f"docs/{name}", text), "utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme = links.rewrite("README.md", badge_picture(readme, "_static/colab-badge.svg"))
    (folder / "index.md").write_text(home_page(readme, lessons, docs), encoding="utf-8")
    (folder / "glossary.md").write_text(glossary_page(), encoding="utf-8")
    (folder / "_extra").mkdir()
    export_explorer_data(folder / "_extra" / "explorer-data.json")
    return links


# --------------------------------------------------------------------------- the explorer
def _b64(array, dtype: str) -> str:
    import numpy as np

    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def _weights(array) -> str:
    """A weight matrix as float16, which the shipped checkpoint stores: exact, or an error."""
    import numpy as np

    if not np.array_equal(array.astype("<f2").astype(array.dtype), array):
        raise BuildError(
            "the shipped model's weights are not float16 any more: export them as float32"
        )
    return _b64(array, "<f2")


def _view_kinds(views: dict) -> dict[str, str]:
    """What each of the notebook explorer's views computes, found by running it on a trace
    whose every part is a different known number, so that the page computes the same:
    ``{"tanh(c_t), cell state": "tanh_c", ...}``."""
    import torch

    from lstm_course.cells import Gates, Trace

    parts = {"h": 0.11, "c": 0.23, "i": 0.37, "f": 0.41, "g": 0.53, "o": 0.67}
    t = {k: torch.full((1, 1), v, dtype=torch.float64) for k, v in parts.items()}
    probe = Trace(t["h"], t["c"], Gates(t["i"], t["f"], t["g"], t["o"]))
    candidates = {"tanh_c": torch.tanh(t["c"]), "c": t["c"], "h": t["h"], "g": t["g"]}
    candidates |= {f"gate_{k}": 2 * t[k] - 1 for k in "ifo"}
    kinds = {}
    for name, view in views.items():
        value = view(probe)
        found = [k for k, v in candidates.items() if torch.allclose(value.double(), v)]
        if len(found) != 1:
            raise BuildError(f"the explorer's view {name!r} has no counterpart on the site page")
        kinds[name] = found[0]
    return kinds


def _heat_template() -> dict:
    """How ``lstm_course.explorer.text_heat_html`` draws, read off its own output: the HTML
    around the characters, the background and text colour of each of the 256 colours of its
    map, and the characters it writes another way, so the page draws what the notebook draws."""
    import numpy as np

    from lstm_course.explorer import text_heat_html

    def spans(drawn: str) -> list[tuple[str, str, str]]:
        return re.findall(
            r'<span style="background-color:(rgb\([^)]*\));color:(\w+)">(.*?)</span>', drawn, re.S
        )

    centres = (np.arange(256) + 0.5) / 128 - 1  # the middle of each colour's interval
    drawn = text_heat_html("x" * 256, centres, "LABEL")
    colours = [[background, colour] for background, colour, _ in spans(drawn)]
    special = "\n <>&\"'\t"
    shown = {
        ch: s[2]
        for ch, s in zip(special, spans(text_heat_html(special, [0] * len(special))), strict=True)
    }
    if len(colours) != 256 or drawn.count("LABEL") != 1:
        raise BuildError("lstm_course.explorer.text_heat_html draws characters in a new way")
    head, tail = drawn.split("<span", 1)[0], drawn.rsplit("</span>", 1)[1]
    return {
        "head": head,
        "tail": tail,
        "colours": colours,
        "shown": {ch: html for ch, html in shown.items() if html != ch},
    }


def _notebook_explorer(model, snippets: dict[str, str], unit: int) -> dict:
    """What the notebook's explorer offers, read off the widget itself: its views in order
    with the label each draws above the text, and the text it starts with for typing."""
    from lstm_course import explorer

    widget = explorer.activation_explorer(model, snippets, start_unit=unit)
    kinds = _view_kinds(explorer._EXPLORER_VIEWS)  # what each view computes
    views = []
    for name in widget.show.options:
        widget.show.value = name
        caption = re.search(rf"unit {unit}: (.*?)</div>", widget.view.value)
        if caption is None:
            raise BuildError("lstm_course.explorer labels its drawing in a new way")
        views.append({"name": name, "kind": kinds[name], "label": caption[1]})
    return {
        "views": views,
        "own": widget.OWN,
        "own_text": widget.text.value,
        "own_placeholder": widget.text.placeholder,
    }


def export_explorer_data(path: Path) -> None:
    """The explorer page's data: the shipped model (its float16 weights, as stored), excerpts
    of files it never read, the units that follow each feature best and a probe for each
    feature (chosen on the lesson's fitting text, as in its sections 4 and 5)."""
    import numpy as np
    import torch

    from lstm_course import charlm, corpus, probes

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    model = charlm.CharLM.load(charlm.SHIPPED_CHECKPOINT)
    info = model.info
    held_out = corpus.split_files(corpus.stdlib_files())[1]
    unseen = corpus.unseen_files(info, held_out)
    pieces = corpus.excerpts(unseen, chars=2000)
    fitting, scoring = "".join(pieces[0::2]), "".join(pieces[1::2])
    fit_features = probes.code_features(pieces[0::2])
    states = model.trace(fitting).c.double().numpy()
    r = probes.correlations(states, fit_features)
    fitted = probes.fit_probes(states, fit_features)
    units, probe_data = [], []
    for feature in probes.FEATURES:
        unit = int(np.abs(r[feature]).argmax())
        units.append({"feature": feature, "unit": unit, "r": round(float(r[feature][unit]), 2)})
        p = fitted[feature]
        weights = p.weights / p.scale  # the prediction is then c @ weights + bias
        top = max(1.0, float(np.quantile(fit_features[feature], 0.95)))
        probe_data.append(
            {
                "feature": feature,
                "weights": _b64(weights, "<f4"),
                "bias": float(p.bias - p.mean @ weights),
                "top": top,
            }
        )
    score_features = probes.code_features(pieces[1::2])  # each file tokenized on its own
    a, b = probes.first_window(scoring, score_features, longest=400)
    snippets = {
        "the snippet of section 4": scoring[a:b],
        "the start of the scoring text": scoring[:700],
    }
    for name in unseen[1::2][:6]:  # files of the scoring text, each from its start
        snippets[f"{name} (held out, its start)"] = corpus.excerpts([name], chars=600)[0]

    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    data = {
        "about": {
            "units": model.config.hidden_size,
            "steps": info.get("steps"),
            "python": info.get("python"),
            "held_out_bpc": info.get("held_out_bpc"),
            "made_with_python": sys.version.split()[0],
        },
        "alphabet": list(model.vocab.tokens),
        "unk": model.vocab.unk_index,
        "embedding_dim": model.config.embedding_dim,
        # float16, as the checkpoint stores them: nothing is lost in the export
        "weights": {
            "embedding": _weights(sd["embedding.weight"]),
            "w_ih": _weights(sd["lstm.weight_ih_l0"]),
            "w_hh": _weights(sd["lstm.weight_hh_l0"]),
            "b_ih": _weights(sd["lstm.bias_ih_l0"]),
            "b_hh": _weights(sd["lstm.bias_hh_l0"]),
        },
        "units_of_section_4": units,
        "probes": probe_data,
        "snippets": snippets,
        "start": {"snippet": next(iter(snippets)), "unit": units[0]["unit"]},
        "heat": _heat_template(),
    }
    data |= _notebook_explorer(model, snippets, units[0]["unit"])
    path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


# --------------------------------------------------------------------------- the build
def check_out(out: Path) -> None:
    """Exit-2 checks of ``--out``: a folder this tool may fill."""
    if out.exists() and not out.is_dir():
        raise SystemExit(_usage_error(f"--out {out} is a file, not a folder"))
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SystemExit(
            _usage_error(
                f"--out {out} is a folder that is not empty and not a site this tool built "
                f"(no {MARKER} in it): refusing to replace it"
            )
        )
    existing = out.absolute().parent
    while not existing.exists():  # the folders above DIR that are missing are made
        existing = existing.parent
    if not existing.is_dir():
        raise SystemExit(_usage_error(f"--out {out}: {existing} is a file, not a folder"))
    if not os.access(existing, os.W_OK):
        raise SystemExit(_usage_error(f"--out {out}: cannot write to {existing}"))
    if out.resolve() in (ROOT, ROOT.parent) or ROOT.is_relative_to(out.resolve()):
        raise SystemExit(_usage_error(f"--out {out} would replace the repository"))


def _usage_error(message: str) -> int:
    print(f"build_site.py: error: {message}", file=sys.stderr)
    return 2


def check_requirements() -> None:
    import importlib.util

    missing = [name for name in REQUIREMENTS if importlib.util.find_spec(name) is None]
    if missing:
        raise BuildError(
            f"the site's requirements are missing ({', '.join(missing)}): "
            "pip install -r requirements-site.txt"
        )


def sphinx_build(source: Path, out: Path, work: Path) -> int:
    """Sphinx's HTML build of ``source`` into ``out``; returns the number of warnings."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    warnings = io.StringIO()

    class Tee(io.TextIOBase):
        def write(self, text: str) -> int:
            warnings.write(text)
            return sys.stderr.write(text)

    with patch_docutils(source), docutils_namespace():
        app = Sphinx(
            str(source),
            str(source),
            str(out),
            str(work / "doctrees"),
            "html",
            status=None,
            warning=Tee(),
            freshenv=True,
        )
        app.build()
    if app.statuscode:
        raise BuildError(f"Sphinx failed (status {app.statuscode}); see its messages above")
    return warnings.getvalue().count("WARNING")


def build(notebooks: Path, out: Path) -> dict:
    """Build the site into ``out`` (replacing a site built before); returns its facts."""
    start = time.perf_counter()
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="lstm-course-site-"))
    new = out.parent / f".{out.name}.building-{os.getpid()}"
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    try:
        source = work / "source"
        source.mkdir()
        links = stage(notebooks, source)
        for missing in links.missing:
            print(f"build_site.py: warning: a link that leads nowhere: {missing}", file=sys.stderr)
        warnings = sphinx_build(source, new, work)
        shutil.rmtree(new / ".doctrees", ignore_errors=True)
        for template in (new / "_static").glob("*.html"):  # the themes' Jinja macros
            template.unlink()
        (new / ".buildinfo").unlink(missing_ok=True)
        files = [p for p in new.rglob("*") if p.is_file()]
        facts = {
            "seconds": round(time.perf_counter() - start, 1),
            "files": len(files),
            "megabytes": round(sum(p.stat().st_size for p in files) / 1e6, 1),
            "lessons": len(list(notebooks.glob(LESSON_GLOB))),
            "warnings": warnings,
            "dead_links": len(links.missing),
        }
        (new / ".nojekyll").touch()  # GitHub Pages: serve _static/ as it is
        (new / MARKER).write_text(json.dumps(facts) + "\n", encoding="utf-8")
        if out.exists():
            out.rename(old)
        new.rename(out)
        return facts
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(new, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit status 2
        raise SystemExit(_usage_error(message))


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="the folder to build into")
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=ROOT / "notebooks",
        help="the lessons to build from (default: the repository's notebooks/)",
    )
    args = parser.parse_args(argv)
    if not args.notebooks.is_dir() or not list(args.notebooks.glob(LESSON_GLOB)):
        return _usage_error(f"--notebooks {args.notebooks}: no lessons ({LESSON_GLOB}) there")
    check_out(args.out)
    try:
        check_requirements()
        facts = build(args.notebooks, args.out)
    except BuildError as error:
        print(f"build_site.py: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("build_site.py: interrupted; nothing was written to --out", file=sys.stderr)
        return 130
    except Exception as error:  # one line, as every command of the course: what and where
        where = error.__traceback__
        while where and where.tb_next:
            where = where.tb_next
        place = (
            f" ({Path(where.tb_frame.f_code.co_filename).name}:{where.tb_lineno})" if where else ""
        )
        print(f"build_site.py: error: {type(error).__name__}: {error}{place}", file=sys.stderr)
        return 1
    print(
        f"built {args.out}: {facts['lessons']} lessons, {facts['files']} files, "
        f"{facts['megabytes']} MB, in {facts['seconds']} s "
        f"({facts['warnings']} Sphinx warnings, {facts['dead_links']} dead links)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
