"""The course's website (issue 45): the build tool, the built pages, and the pages in a browser.

Three kinds of test, each skipped, saying why, where what it needs is missing, so a
learner's ``pytest`` passes without the site's requirements:

- the build tool's parts and its bad-argument errors (always: nothing to install);
- the built site's files (once it is built: ``python tools/build_site.py --out build/site``,
  or a folder named by ``$LSTM_COURSE_SITE``): every lesson has a page, every local link and
  anchor resolves, and no page loads anything from another host;
- the site in headless Chromium from a local server (Debian's ``chromium`` and
  ``chromium-driver``, as ``tests/test_browser.py``), where every request to another host
  fails the test: every lesson page loads with its images, math typeset, solutions hidden,
  the Colab badge and navigation; search finds a lesson; text contrast is at least 4.5:1;
  the explorer page draws what the package computes and redraws when any control changes.

CI (``.ci/run``) builds the site and sets ``LSTM_COURSE_REQUIRE_SITE=1``: there a missing
site fails instead of skipping. Screenshots go to ``browser-screenshots/site_*.png``.

    python tools/build_site.py --out build/site && pytest tests/test_site.py -v
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402

SITE = Path(os.environ.get("LSTM_COURSE_SITE") or ROOT / "build" / "site").resolve()
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(p.stem for p in NOTEBOOKS.glob(build_site.LESSON_GLOB))
SCREENSHOTS = Path(os.environ.get("LSTM_COURSE_SCREENSHOTS") or ROOT / "browser-screenshots")
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
TOOL = [sys.executable, str(ROOT / "tools" / "build_site.py")]


# =========================================================================== the build tool
def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*TOOL, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "args, says",
    [
        ((), "the following arguments are required: --out"),
        (("--out",), "expected one argument"),
        (("--out", "x", "--fast"), "unrecognized arguments: --fast"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, says):
    result = _run(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and says in result.stderr, result.stderr


def test_out_must_be_a_folder_it_may_replace(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("mine")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    for out, says in (
        (a_file, "is a file"),
        (mine, "not a site this tool built"),
        (a_file / "site", "is a file, not a folder"),
        (ROOT, "not a site this tool built"),
    ):
        result = _run("--out", str(out))
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and says in result.stderr, result.stderr
    assert a_file.read_text() == "mine" and (mine / "notes.txt").read_text() == "mine"


def test_notebooks_must_hold_lessons(tmp_path):
    result = _run("--out", str(tmp_path / "site"), "--notebooks", str(tmp_path))
    assert result.returncode == 2 and "no lessons" in result.stderr
    assert not (tmp_path / "site").exists()


def test_pages_url_follows_the_repository():
    assert build_site.pages_url("https://github.com/Some-One/a-course") == (
        "https://some-one.github.io/a-course/"
    )
    # and the README says where the site is published, from the course's own address
    assert build_site.pages_url() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_links_stay_on_the_site_or_go_to_github():
    links = build_site.Links(
        {
            "README.md": "index.md",
            "notebooks/01_a.ipynb": "notebooks/01_a.ipynb",
            "images/x.png": "images/x.png",
        }
    )
    text = (
        "[one](notebooks/01_a.ipynb#sec) ![x](images/x.png) [lic](LICENSE) "
        "[web](https://example.org/a) [here](#top) `[code](not/a/link)` [gone](no/such.md)"
    )
    out = links.rewrite("README.md", text)
    repo = build_site.repo_url()
    assert "[one](notebooks/01_a.ipynb#sec)" in out and "![x](images/x.png)" in out
    assert f"[lic]({repo}/blob/main/LICENSE)" in out
    assert "(https://example.org/a)" in out and "(#top)" in out and "`[code](not/a/link)`" in out
    assert links.missing == ["README.md: no/such.md"]
    # from a lesson: the home page is index.md, a sibling lesson stays a sibling
    back = links.rewrite("notebooks/01_a.ipynb", '[home](../README.md) <img src="../images/x.png">')
    assert back == '[home](../index.md) <img src="../images/x.png">'


def _toy_lesson() -> dict:
    from lstm_course.colab import badge_markdown, setup_cell_source

    long_code = "\n".join(f"x{k} = {k}" for k in range(build_site.LONG_CELL_LINES + 1))
    widget = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    return {
        "metadata": {"widgets": {"state": {}}},
        "nbformat": 4,
        "nbformat_minor": 5,
        "cells": [
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": badge_markdown("01_a.ipynb") + "\n\n# Lesson 1: a title\n\nText.",
            },
            {"cell_type": "code", "metadata": {}, "source": setup_cell_source(), "outputs": []},
            {
                "cell_type": "code",
                "metadata": {},
                "source": "short = 1",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {
                            "application/vnd.jupyter.widget-view+json": widget,
                            "text/plain": "training: 100%|██████████| 5/5",
                        },
                    }
                ],
            },
            {"cell_type": "code", "metadata": {}, "source": long_code, "outputs": []},
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": "<details><summary>Show the solution</summary>\n\n"
                "```python\nx = 1\n```\n</details>",
            },
        ],
    }


def test_a_lesson_is_adapted_on_a_copy():
    from lstm_course.colab import BADGE_IMAGE, colab_url

    nb = _toy_lesson()
    before = json.dumps(nb, sort_keys=True)
    links = build_site.Links({"notebooks/01_a.ipynb": "notebooks/01_a.ipynb"})
    page = build_site.lesson_for_site(nb, "notebooks/01_a.ipynb", links, "../_static/b.svg")
    assert json.dumps(nb, sort_keys=True) == before, "the lesson itself was changed"
    first = page["cells"][0]["source"]
    assert first.startswith("# Lesson 1: a title"), "the title first, then the badge"
    assert "(../_static/b.svg)" in first and BADGE_IMAGE not in first
    assert f"]({colab_url('01_a.ipynb')})" in first, "the badge still opens Colab"
    tags = [c["metadata"].get("tags", []) for c in page["cells"]]
    assert "hide-input" in tags[1], "the setup cell is collapsed"
    assert "hide-input" not in tags[2] and "hide-input" in tags[3], "only long cells collapse"
    assert list(page["cells"][2]["outputs"][0]["data"]) == ["text/plain"], "no widget view"
    assert "widgets" not in page["metadata"]
    assert page["cells"][4]["source"].startswith("<details><summary>Show the solution")


def test_glossary_page_holds_every_term():
    from lstm_course import glossary

    page = build_site.glossary_page()
    terms = glossary.LSTM_TERMS + glossary.GRU_TERMS + glossary.MODERN_TERMS
    for term in terms:
        assert f"| {term.course} | ${term.symbol}$ |" in page
    assert page.count("## ") >= 3


# =========================================================================== the built site
def _require_site() -> Path:
    if (SITE / build_site.MARKER).is_file():
        return SITE
    reason = f"the site is not built in {SITE}: python tools/build_site.py --out {SITE}"
    if os.environ.get("LSTM_COURSE_REQUIRE_SITE"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site() -> Path:
    return _require_site()


class _Page(HTMLParser):
    """Every address a page names, by what names it, and every id it defines."""

    RESOURCE: ClassVar[set[tuple[str, str]]] = {
        ("script", "src"),
        ("img", "src"),
        ("iframe", "src"),
        ("source", "src"),
        ("video", "src"),
        ("audio", "src"),
        ("embed", "src"),
        ("object", "data"),
        ("input", "src"),
        ("track", "src"),
    }

    def __init__(self):
        super().__init__()
        self.resources, self.links, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in self.RESOURCE or (name == "srcset"):
                self.resources.append(value)
            elif tag == "link" and name == "href":
                rel = a.get("rel", "")
                (
                    self.links
                    if rel in ("prev", "next", "search", "index", "canonical")
                    else self.resources
                ).append(value)
            elif tag == "a" and name == "href":
                self.links.append(value)
        style = a.get("style") or ""
        self.resources += re.findall(r"url\(['\"]?([^'\")]+)", style)


@functools.cache
def _parsed(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _external(url: str) -> bool:
    parsed = urlparse(url)
    return bool(parsed.netloc) or parsed.scheme not in ("", "data", "blob")


def test_every_lesson_has_a_page(site):
    for stem in LESSONS:
        assert (site / "notebooks" / f"{stem}.html").is_file(), f"no page for {stem}"
    for name in (
        "index.html",
        "glossary.html",
        "explorer.html",
        "explorer-data.json",
        "search.html",
        "searchindex.js",
        "_static/mathjax/tex-chtml.js",
    ):
        assert (site / name).is_file(), f"no {name}"
    size = (site / "explorer-data.json").stat().st_size
    assert size < 5e6, f"explorer-data.json is {size / 1e6:.1f} MB"


def test_no_page_loads_anything_from_another_host(site):
    found = []
    for page in site.rglob("*.html"):
        found += [f"{page.relative_to(site)}: {u}" for u in _parsed(page).resources if _external(u)]
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        for url in re.findall(r"url\(\s*['\"]?([^'\")\s]+)", text) + re.findall(
            r"@import\s+['\"]([^'\"]+)", text
        ):
            if _external(url):
                found.append(f"{css.relative_to(site)}: {url}")
    assert not found, f"{len(found)} resources from other hosts: {found[:10]}"


def test_every_local_link_resolves(site):
    dead = []
    for page in site.rglob("*.html"):
        parsed = _parsed(page)
        for url in parsed.links + parsed.resources:
            if _external(url) or url.startswith(("mailto:", "javascript:")):
                continue
            address = urlparse(url)
            target = (page.parent / unquote(address.path)).resolve() if address.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or not target.is_relative_to(site.resolve()):
                dead.append(f"{page.relative_to(site)}: {url}")
            elif (
                address.fragment
                and target.suffix == ".html"
                and unquote(address.fragment) not in _parsed(target).ids
            ):
                dead.append(f"{page.relative_to(site)}: {url} (no such anchor)")
    assert not dead, f"{len(dead)} local links lead nowhere: {dead[:10]}"


# =========================================================================== in a browser
def _require_browser():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing and os.environ.get("LSTM_COURSE_REQUIRE_BROWSER"):
        pytest.fail(f"LSTM_COURSE_REQUIRE_BROWSER is set, but {missing} are missing")
    if missing:
        pytest.skip(
            f"no browser to test the site in: {' and '.join(missing)} not installed "
            "(Debian: apt-get install chromium chromium-driver)"
        )
    return pytest.importorskip("selenium.webdriver", reason="selenium is not installed")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    failed: ClassVar[list[str]] = []

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        self.failed.append(f"{code} {self.path}")
        super().send_error(code, message, explain)


@pytest.fixture(scope="module")
def server(site):
    """The built site from a local server on a free port, as GitHub Pages would serve it."""
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory, server):
    webdriver = _require_browser()
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not try to download anything
    options = Options()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        # nothing but the local server can answer: a request elsewhere fails at once, and
        # the performance log below still records that the page tried
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob("site_*.png"):
        old.unlink()
    yield driver
    driver.quit()


def _requests(driver) -> list[str]:
    """Every address the browser asked for since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _open(driver, server: str, path: str) -> None:
    _requests(driver)  # forget the previous page's
    _Quiet.failed.clear()
    driver.get(urljoin(server, path))
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = false)")
    driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const ready = () => window.MathJax && MathJax.startup && MathJax.startup.promise
            ? MathJax.startup.promise.then(() => done(true)) : done(false);
        document.readyState === 'complete' ? ready() : addEventListener('load', ready);"""
    )


def _check_requests(driver, server: str, where: str) -> None:
    host = urlparse(server).netloc
    elsewhere = [  # the browser's own pages (chrome://) are not the site's requests
        u
        for u in _requests(driver)
        if urlparse(u).scheme in ("http", "https", "ws", "wss", "ftp")
        and urlparse(u).netloc != host
    ]
    assert not elsewhere, f"{where} asked other hosts for: {elsewhere[:5]}"
    assert not _Quiet.failed, f"{where}: the server answered {_Quiet.failed[:5]}"


_CONTRAST_JS = """
const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, k) => s + v * [0.2126, 0.7152, 0.0722][k], 0);
function background(el) {
    for (let e = el; e; e = e.parentElement) {
        const s = getComputedStyle(e);
        if (s.backgroundImage !== 'none' && !s.backgroundImage.startsWith('linear-gradient'))
            return null;  // text on a picture: not measurable here
        const c = parse(s.backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
}
const failures = [];
let measured = 0;
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = new Set();
while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || seen.has(el) || !walker.currentNode.textContent.trim()) continue;
    seen.add(el);
    if (el.closest('mjx-assistive-mml, script, style, noscript, svg')) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const s = getComputedStyle(el);
    const fg = parse(s.color), bg = background(el);
    if (!bg || fg.length < 3) continue;
    const alpha = fg.length === 4 ? fg[3] : 1;
    const mixed = fg.slice(0, 3).map((v, k) => alpha * v + (1 - alpha) * bg[k]);
    const [a, b] = [lum(mixed), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    measured++;
    if (ratio < 4.5) failures.push(`${ratio.toFixed(2)}: ${el.tagName.toLowerCase()}.` +
        `${el.className} "${walker.currentNode.textContent.trim().slice(0, 40)}" ` +
        `(${s.color} on rgb(${bg}))`);
}
return {measured, failures};
"""


def _contrast(driver, where: str) -> None:
    result = driver.execute_script(_CONTRAST_JS)
    assert result["measured"] > 20, f"{where}: only {result['measured']} texts measured"
    assert not result["failures"], (
        f"{where}: {len(result['failures'])} texts under 4.5:1 contrast: {result['failures'][:8]}"
    )


def _lesson_facts(stem: str) -> dict:
    nb = json.loads((NOTEBOOKS / f"{stem}.ipynb").read_text(encoding="utf-8"))
    markdown = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return {
        "math": bool(re.search(r"\$[^$\n]+\$", markdown)),
        "figures": sum(
            "image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", [])
        ),
        "solutions": markdown.count("<summary>Show the solution</summary>"),
    }


@pytest.mark.parametrize("stem", LESSONS)
def test_lesson_page_reads_right(browser, server, stem):
    from lstm_course.colab import colab_url

    _open(browser, server, f"notebooks/{stem}.html")
    seen = browser.execute_script(
        """const main = document.querySelector('main') || document.body;
        const imgs = [...main.querySelectorAll('img')];
        const solutions = [...main.querySelectorAll('details')]
            .filter((d) => d.querySelector('summary')?.textContent.includes('Show the solution'));
        return {
            title: document.title,
            images: imgs.length,
            broken: imgs.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.src),
            formulas: main.querySelectorAll('mjx-container').length,
            mathErrors: main.querySelectorAll('mjx-merror').length,
            solutions: solutions.length,
            solutionCodeShown: solutions.filter((d) => d.open ||
                [...d.querySelectorAll('pre')].some((p) => p.checkVisibility())).length,
            collapsed: main.querySelectorAll('details.hide.above-input').length,
            badges: [...main.querySelectorAll('a')].filter((a) => a.querySelector(
                'img[src$="colab-badge.svg"]')).map((a) => a.href),
            nav: [...document.querySelectorAll('.bd-sidenav a')].map((a) => a.href),
            prevNext: [...document.querySelectorAll('.prev-next-area a')].length,
            search: !!document.querySelector('form[action$="search.html"] input, .search-button'),
        };"""
    )
    browser.save_screenshot(str(SCREENSHOTS / f"site_{stem}.png"))
    if browser.execute_script(  # and its first figure, with the code above it
        """const figure = document.querySelector('main .cell_output img');
        if (!figure) return false;
        const cell = figure.closest('.cell') || figure;
        window.scrollBy(0, cell.getBoundingClientRect().top - 60);
        return true;"""
    ):
        browser.save_screenshot(str(SCREENSHOTS / f"site_{stem}_figure.png"))
    facts = _lesson_facts(stem)
    assert not seen["broken"], f"{stem}: images that did not load: {seen['broken']}"
    assert seen["images"] >= facts["figures"], f"{stem}: {facts['figures']} figures, {seen}"
    assert seen["mathErrors"] == 0, f"{stem}: formulas MathJax cannot read"
    if facts["math"]:
        assert seen["formulas"] > 0, f"{stem}: MathJax typeset nothing"
    assert seen["solutions"] == facts["solutions"], f"{stem}: solutions {seen['solutions']}"
    assert seen["solutionCodeShown"] == 0, f"{stem}: a solution shows before it is opened"
    assert seen["collapsed"] >= 1, f"{stem}: no code cell collapsed (the setup cell is)"
    assert seen["badges"] == [colab_url(f"{stem}.ipynb")], f"{stem}: badges {seen['badges']}"
    nav_lessons = [u for u in seen["nav"] if "/notebooks/" in u]
    assert len(nav_lessons) == len(LESSONS), f"{stem}: the navigation lists {nav_lessons}"
    assert seen["prevNext"] >= 1 and seen["search"], f"{stem}: no previous/next or no search"
    _contrast(browser, stem)
    _check_requests(browser, server, stem)


@pytest.mark.parametrize("path", ["index.html", "glossary.html", "explorer.html"])
def test_pages_are_typeset_and_readable(browser, server, path):
    _open(browser, server, path)
    if path == "explorer.html":
        _explorer_ready(browser)
    mathjax = browser.execute_script(
        "return [document.querySelectorAll('mjx-container').length,"
        " document.querySelectorAll('mjx-merror').length]"
    )
    if path != "index.html":
        assert mathjax[0] > 0 and mathjax[1] == 0, f"{path}: MathJax {mathjax}"
    _contrast(browser, path)
    _check_requests(browser, server, path)
    if path in ("index.html", "glossary.html"):
        browser.save_screenshot(str(SCREENSHOTS / f"site_{Path(path).stem}.png"))


@pytest.mark.parametrize("path", ["index.html", "explorer.html", f"notebooks/{LESSONS[-1]}.html"])
def test_dark_mode_is_readable_too(browser, server, path):
    """The theme's switch offers a dark mode: its text must be as readable."""
    _open(browser, server, path)
    if path == "explorer.html":
        _explorer_ready(browser)
    browser.execute_script(
        "document.documentElement.dataset.theme = 'dark';"
        "document.documentElement.dataset.mode = 'dark';"
    )
    _contrast(browser, f"{path} (dark)")
    browser.save_screenshot(str(SCREENSHOTS / f"site_dark_{Path(path).stem}.png"))


def test_search_finds_a_lesson(browser, server):
    _open(browser, server, "search.html?q=forget+gate")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script(
            "return document.querySelectorAll('#search-results li a').length > 0"
        ),
        message="search found nothing for 'forget gate'",
    )
    hits = browser.execute_script(
        "return [...document.querySelectorAll('#search-results li a')].map(a => a.href)"
    )
    assert any("/notebooks/" in h for h in hits), hits
    _check_requests(browser, server, "search")


# --------------------------------------------------------------------------- the explorer
def _explorer_ready(driver) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60, poll_frequency=0.25).until(
        lambda d: d.execute_script(
            "return window.lstmExplorer && (lstmExplorer.ready || lstmExplorer.error)"
        ),
        message="the explorer did not start",
    )
    error = driver.execute_script("return lstmExplorer.error")
    assert error is None, f"the explorer failed: {error}"


def _drawn(driver) -> str:
    return driver.execute_script("return document.getElementById('ex-view').innerHTML")


def _redraws(driver) -> int:
    return driver.execute_script("return lstmExplorer.explorer.redraws")


@pytest.fixture(scope="module")
def shipped():
    pytest.importorskip("torch", reason="torch is not installed")
    from lstm_course import charlm

    return charlm.CharLM.load(charlm.SHIPPED_CHECKPOINT)


def test_explorer_computes_what_the_package_computes(browser, server, site, shipped):
    """The page's LSTM, in JavaScript, against ``CharLM.trace``: every view of the unit it
    starts on, on the snippet it starts with and on a text typed onto it, and the drawing
    against ``text_heat_html``'s."""
    import numpy as np
    import torch

    from lstm_course import explorer

    _open(browser, server, "explorer.html")
    _explorer_ready(browser)
    data = json.loads((site / "explorer-data.json").read_text(encoding="utf-8"))
    unit, text = data["start"]["unit"], data["snippets"][data["start"]["snippet"]]
    typed = text[:50] + "    total = (1 + 2)  # typed\n"
    for t in (text, typed):  # the second reuses the first's beginning, as typing does
        trace = shipped.trace(t)
        for view in data["views"]:
            ours = np.array(
                browser.execute_script(
                    "const e = lstmExplorer.explorer;"
                    "return Array.from(e.values(arguments[0], arguments[1], arguments[2]).values);",
                    t,
                    f"view:{view['name']}",
                    unit,
                )
            )
            theirs = explorer._EXPLORER_VIEWS[view["name"]](trace)[:, unit].double().numpy()
            gap = np.abs(ours - theirs).max()
            assert gap < 1e-4, f"{view['name']} of unit {unit}: the page differs by {gap:.2g}"
    # the drawing: as text_heat_html draws the same values (a colour may flip where a value
    # lies within float32 rounding of the edge between two of its 256 colours)
    values = torch.tanh(shipped.trace(text).c[:, unit])
    label = f"unit {unit}: {data['views'][0]['label']}"
    python = explorer.text_heat_html(text, values, label)
    page = _drawn(browser)
    ours, theirs = page.split("<span"), python.split("<span")
    assert len(ours) == len(theirs) and ours[0] == theirs[0], "another layout or label"
    differing = sum(a != b for a, b in zip(ours, theirs, strict=True))
    assert differing <= max(2, len(text) // 200), f"{differing} of {len(text)} characters differ"


def test_explorer_redraws_when_any_control_changes(browser, server, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    _open(browser, server, "explorer.html")
    _explorer_ready(browser)
    data = json.loads((site / "explorer-data.json").read_text(encoding="utf-8"))
    drawn = _drawn(browser)
    assert drawn.count("<span") > 100, "the explorer drew no text"
    start = data["start"]["unit"]
    assert f"unit {start}:" in drawn

    def changes(what: str) -> str:
        nonlocal drawn
        WebDriverWait(browser, 30, poll_frequency=0.1).until(
            lambda d: _drawn(d) != drawn, message=f"{what} did not change the drawing"
        )
        drawn = _drawn(browser)
        return drawn

    box = browser.find_element(By.ID, "ex-unit-box")
    slider = browser.find_element(By.ID, "ex-unit")
    slider.send_keys(Keys.ARROW_RIGHT)
    assert f"unit {start + 1}:" in changes("a step of the unit slider")
    assert box.get_attribute("value") == str(start + 1), "the number box follows the slider"
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("7", Keys.ENTER)
    assert "unit 7:" in changes("typing a unit in the number box")
    assert slider.get_attribute("value") == "7"
    preset = Select(browser.find_element(By.ID, "ex-preset"))
    preset.select_by_index(4)  # the fourth feature's unit (bracket depth)
    fourth = data["units_of_section_4"][3]
    assert f"unit {fourth['unit']}:" in changes("choosing a unit of section 4")
    browser.execute_script("document.getElementById('explorer').scrollIntoView()")
    browser.save_screenshot(str(SCREENSHOTS / "site_explorer.png"))
    show = Select(browser.find_element(By.ID, "ex-show"))
    show.select_by_visible_text("forget factor f_t")
    assert "forget factor f_t" in changes("choosing what to show")
    browser.save_screenshot(str(SCREENSHOTS / "site_explorer_forget_gate.png"))
    show.select_by_visible_text("probe: in comment")
    assert "probe for <b>in comment</b>" in changes("choosing a probe")
    assert not box.is_enabled(), "a probe reads every unit: the unit controls are off"
    snippet = Select(browser.find_element(By.ID, "ex-snippet"))
    snippet.select_by_index(1)
    changes("choosing another snippet")
    show.select_by_index(0)
    changes("back to a unit")
    # typing: drawn at once, and the menu says it is your own text now
    area = browser.find_element(By.ID, "ex-text")
    area.send_keys(Keys.CONTROL, "a")
    area.send_keys("total = 42  # typed")
    WebDriverWait(browser, 30, poll_frequency=0.1).until(
        lambda d: (
            "total\u00a0=\u00a042\u00a0\u00a0#\u00a0typed"
            in d.execute_script("return document.getElementById('ex-view').textContent")
        ),
        message="typed text was not drawn",
    )
    assert snippet.first_selected_option.text == data["own"]
    browser.execute_script("document.getElementById('ex-text').scrollIntoView()")
    browser.save_screenshot(str(SCREENSHOTS / "site_explorer_typed.png"))
    _check_requests(browser, server, "explorer")
