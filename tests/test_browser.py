"""The lessons as a learner sees them: JupyterLab, driven in headless Chromium (issue 24).

nbval checks what the code prints; this checks what a reader sees. It starts ``jupyter lab``
on a free local port with a copy of the lessons (JupyterLab autosaves; the copies take it),
and

- opens every lesson with its stored outputs, as it comes from the repository: no widget
  shown as its Python repr (``VBox(children=...``, a ``0%|`` progress bar), no MathJax error,
  every image loaded, and the notebook not marked modified by opening it;
- runs lesson 6 with Run All: every code cell gets an execution count and none an error, the
  explorer renders as controls, and changing the unit, the view and the snippet, and typing,
  each change the drawn text.

Screenshots of every step go to ``browser-screenshots/`` (``$LSTM_COURSE_SCREENSHOTS``) for
a person to look at. ``$LSTM_COURSE_NOTEBOOKS`` points it at another folder of lessons (a
copy saved by ``tools/save_lessons.py``, say). It needs Debian's ``chromium`` and
``chromium-driver`` (``/usr/bin/chromium``, ``/usr/bin/chromedriver``) and is skipped, saying
so, where they are missing: a learner's ``pytest`` never needs a browser. Nothing is
downloaded: Selenium is given the driver and the browser, and told to stay offline.

    pytest tests/test_browser.py -v     # about 3 minutes on 2 CPU cores
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
NOTEBOOKS = Path(os.environ.get("LSTM_COURSE_NOTEBOOKS") or ROOT / "notebooks")
SCREENSHOTS = Path(os.environ.get("LSTM_COURSE_SCREENSHOTS") or ROOT / "browser-screenshots")
LESSON_6 = "06_inside_an_lstm.ipynb"

_missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
if _missing and os.environ.get("LSTM_COURSE_REQUIRE_BROWSER"):  # CI installed them
    raise RuntimeError(f"LSTM_COURSE_REQUIRE_BROWSER is set, but {_missing} are missing")
if _missing:
    pytest.skip(
        f"no browser to test the lessons in: {' and '.join(_missing)} not installed "
        "(Debian: apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

LESSONS = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
# What a widget looks like when the page shows its Python repr instead of drawing it.
REPR = re.compile(
    r"\b(VBox|HBox|Dropdown|IntSlider|FloatProgress|Textarea|HTML)\(children=|\(children=\("
    r"|(^|\s)0%\|"
    r"|Error displaying widget|Loading widget",
    re.M,
)

# A learner's JupyterLab settings for the test (files in $JUPYTERLAB_SETTINGS_DIR): every
# cell drawn, not only those on screen, and no question about news from the internet.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free local port, serving a copy of the lessons."""
    if not LESSONS:
        pytest.fail(f"no lessons in {NOTEBOOKS}")
    home = tmp_path_factory.mktemp("lab")
    work = home / "notebooks"
    work.mkdir()
    for name in LESSONS:
        shutil.copy2(NOTEBOOKS / name, work / name)
    for plugin, settings in LAB_SETTINGS.items():
        path = home / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    token, port = uuid.uuid4().hex, _free_port()
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        # a new learner's: no notebook trusted yet (the signatures live here), no own config
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
    )
    log = (home / "jupyter.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=",
            # CI runs as root, where the server would refuse to start without this
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"jupyter lab did not start: {(home / 'jupyter.log').read_text()}")
            time.sleep(0.5)
    yield {"base": base, "token": token, "work": work, "log": home / "jupyter.log"}
    try:  # shuts its kernels down too
        request = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
        urllib.request.urlopen(request, timeout=10)
        server.wait(timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        server.kill()
        server.wait()
    log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium, flags as the project's machines need them (no network but the
    local server, a fresh profile)."""
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not try to download anything
    options = Options()
    options.binary_location = str(CHROMIUM)
    # the browser's console, which a failure message quotes (_why)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # leaving a lesson that a failed check left modified must not stop the next one
    options.set_capability("unhandledPromptBehavior", "accept")
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
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    # A learner's window has the focus; a headless Chromium with a fresh profile may not give
    # it to the page (Debian's Chromium 150 does not: document.hasFocus() stays false). And
    # JupyterLab follows the focus: its current notebook (shell.currentWidget), which this
    # test and the Run menu act on, stays null, and the lesson never counts as opened. So
    # the page is told it has the focus, as it would in a learner's window.
    driver.execute_cdp_cmd("Emulation.setFocusEmulationEnabled", {"enabled": True})
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    yield driver
    driver.quit()


# --------------------------------------------------------------------------- helpers
# JupyterLab's application object (exposed by --LabApp.expose_app_in_browser), its current
# notebook panel, and the lesson's cells as the page has them.
PANEL = "const panel = window.jupyterapp.shell.currentWidget;"


def _js(driver, body: str):
    return driver.execute_script(PANEL + body)


def _why(driver, lab, what: str) -> str:
    """``what`` went wrong, with what tells why: the page's state, the browser console's
    errors, the server's last log lines and the path of a screenshot taken now."""
    shot = SCREENSHOTS / f"failed_{re.sub(r'[^A-Za-z0-9]+', '_', what)[:60]}.png"
    lines = [what]
    try:
        driver.save_screenshot(str(shot))
        lines.append(f"screenshot: {shot}")
        page = driver.execute_script(
            "const app = window.jupyterapp;"
            "return {focus: document.hasFocus(), title: document.title, app: !!app,"
            " tabs: app ? [...app.shell.widgets('main')].map((w) => w.title.label) : [],"
            " current: app && app.shell.currentWidget ? app.shell.currentWidget.title.label"
            " : null};"
        )
        lines.append(f"page: {page}")
        errors = [
            entry["message"][:300]
            for entry in driver.get_log("browser")
            if entry["level"] in ("SEVERE", "WARNING")
        ]
        lines.append("browser console errors:" + "".join(f"\n  {e}" for e in errors[-15:]))
    except Exception as error:  # the browser itself may be the problem
        lines.append(f"(the browser did not answer: {type(error).__name__}: {error})")
    log = lab["log"].read_text(encoding="utf-8", errors="replace").splitlines()
    lines.append("jupyter server, last lines:" + "".join(f"\n  {line}" for line in log[-15:]))
    return "\n".join(lines)


def _wait(driver, lab, seconds: float, condition, what: str, poll: float = 0.5):
    """``condition``'s first true value within ``seconds``; otherwise the test fails with
    ``what`` and the reasons :func:`_why` gathers, never a bare timeout."""
    try:
        return WebDriverWait(driver, seconds, poll_frequency=poll).until(condition)
    except TimeoutException:
        pytest.fail(_why(driver, lab, f"{what} (waited {seconds:.0f} s)"), pytrace=False)


def _open(driver, lab, name: str) -> None:
    """Open lesson ``name`` alone (``?reset`` forgets earlier tabs) and wait until all its
    cells are drawn and its kernel is idle."""
    driver.get(f"{lab['base']}/lab/tree/{name}?reset&token={lab['token']}")
    cells = len(json.loads((lab["work"] / name).read_text(encoding="utf-8"))["cells"])
    _wait(
        driver,
        lab,
        90,
        lambda d: d.execute_script(
            "const app = window.jupyterapp; if (!app) return false;"
            "const panel = app.shell.currentWidget;"
            "return !!(panel && panel.context && panel.context.isReady"
            f" && panel.context.path === {json.dumps(name)}"
            f" && panel.content.widgets.length === {cells}"
            " && panel.sessionContext.session && panel.sessionContext.session.kernel"
            " && panel.sessionContext.session.kernel.status === 'idle')"
        ),
        f"{name} did not open as the current notebook with an idle kernel",
    )
    driver.execute_script("window.jupyterapp.shell.collapseLeft();")  # room for the lesson
    time.sleep(2)  # MathJax typesets, images decode, metadata settles


def _scroll_to_output(driver, index: int) -> None:
    """Scroll cell ``index``'s output to the top of the window, its code just above it."""
    _js(
        driver,
        f"""const cell = panel.content.widgets[{index}];
        const scroller = cell.node.closest('.jp-WindowedPanel-outer') || panel.content.node;
        const output = (cell.outputArea || cell).node;
        scroller.scrollTop += output.getBoundingClientRect().top
            - scroller.getBoundingClientRect().top - 60;""",
    )
    time.sleep(0.5)


def _shot(driver, name: str) -> None:
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def _widget_cells(path: Path) -> list[int]:
    """Indices of the cells whose stored outputs include a widget."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [
        i
        for i, cell in enumerate(nb["cells"])
        for out in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
    ]


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_opens_as_stored_and_reads_right(lab, browser, name):
    _open(browser, lab, name)
    seen = _js(
        browser,
        """
        const node = panel.content.node;
        const local = (img) => img.src.startsWith('data:') || img.src.startsWith(location.origin);
        const images = [...node.querySelectorAll('img')];
        return {
            outputs: [...node.querySelectorAll('.jp-OutputArea-output')].map((o) => o.innerText),
            mathErrors: node.querySelectorAll('mjx-merror').length,
            formulas: node.querySelectorAll('mjx-container').length,
            broken: images.filter(local)
                .filter((i) => !(i.complete && i.naturalWidth > 0))
                .map((i) => i.src.slice(0, 80)),
            images: images.filter(local).length,
            dirty: panel.context.model.dirty,
        };
        """,
    )
    stem = Path(name).stem
    _shot(browser, f"{stem}_opened")
    for index in _widget_cells(lab["work"] / name):
        _scroll_to_output(browser, index)
        _shot(browser, f"{stem}_stored_widget_cell{index}")
    reprs = [text[:120] for text in seen["outputs"] if REPR.search(text)]
    assert not reprs, f"{name}: widgets shown as text: {reprs}"
    assert seen["mathErrors"] == 0, f"{name}: {seen['mathErrors']} formulas MathJax cannot read"
    assert not seen["broken"], f"{name}: images that did not load: {seen['broken']}"
    # and the checks above looked at something: the formulas typeset, the figures drawn
    nb = json.loads((lab["work"] / name).read_text(encoding="utf-8"))
    # JupyterLab writes the running kernel's Python version into the notebook's language_info:
    # on another Python than the one that saved the lessons, that change alone marks it modified
    stored_python = nb["metadata"].get("language_info", {}).get("version")
    if stored_python == platform.python_version():
        assert not seen["dirty"], f"{name} is marked modified as soon as it is opened"
    markdown = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    figures = sum(
        "image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", [])
    )
    assert seen["formulas"] > 0 or "$" not in markdown, f"{name}: MathJax typeset nothing"
    assert seen["images"] >= figures, f"{name}: {figures} stored figures, {seen['images']} shown"


def _explorer(driver, lab, index: int):
    """The explorer's widget in cell ``index``, once it is drawn as controls."""
    return _wait(
        driver,
        lab,
        60,
        lambda d: d.execute_script(
            PANEL + f"return panel.content.widgets[{index}].node"
            ".querySelector('.jp-OutputArea-output .widget-vbox');"
        ),
        "the explorer is not drawn as a widget",
    )


def _drawn(explorer) -> str:
    """The explorer's drawn text (its last HTML widget), as HTML."""
    return explorer.find_elements(By.CSS_SELECTOR, ".widget-html-content")[-1].get_attribute(
        "innerHTML"
    )


def _changes(driver, lab, explorer, before: str, what: str) -> str:
    _wait(
        driver,
        lab,
        30,
        lambda d: _drawn(explorer) != before,
        f"{what} did not change the drawn text",
        poll=0.25,
    )
    return _drawn(explorer)


@pytest.mark.skipif(LESSON_6 not in LESSONS, reason=f"no {LESSON_6} to run")
def test_lesson_6_runs_and_its_explorer_answers_every_control(lab, browser):
    _open(browser, lab, LESSON_6)
    nb = json.loads((lab["work"] / LESSON_6).read_text(encoding="utf-8"))
    code = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and "".join(c["source"]).strip()
    ]
    (explorer_cell,) = [
        i for i in code if "activation_explorer(" in "".join(nb["cells"][i]["source"])
    ]

    # As a learner: Edit > Clear Outputs of All Cells, then Run > Run All Cells.
    for menu, command in (("Edit", "editmenu:clear-all"), ("Run", "runmenu:run-all")):
        browser.find_element(
            By.XPATH, f"//div[contains(@class,'lm-MenuBar-itemLabel')][text()='{menu}']"
        ).click()
        item = _wait(
            browser,
            lab,
            10,
            lambda d, c=command: d.find_element(By.CSS_SELECTOR, f"li[data-command='{c}']"),
            f"the {menu} menu has no {command}",
        )
        item.click()
    training = next(iter(_widget_cells(lab["work"] / LESSON_6)), -1)  # its first bar
    state_js = f"""
        const cells = panel.content.widgets;
        const code = {json.dumps(code)};
        return {{
            counts: code.map((i) => cells[i].model.executionCount),
            errors: code.flatMap((i) => cells[i].model.outputs.toJSON()
                .filter((o) => o.output_type === 'error')
                .map((o) => `cell ${{i}}: ${{o.ename}}: ${{o.evalue}}`)),
            idle: panel.sessionContext.session.kernel.status === 'idle',
            training: {training} >= 0 && cells[{training}].node
                .querySelector('.jp-OutputArea-output .widget-hprogress') !== null,
        }};
    """
    # lesson 6 takes about 85 s on the course's 2-core CPU: room for a machine seven times slower
    deadline, shots = time.monotonic() + 600, 0
    while True:
        state = _js(browser, state_js)
        assert not state["errors"], f"lesson 6 under Run All: {state['errors']}"
        if state["idle"] and all(n is not None for n in state["counts"]):
            break
        if time.monotonic() > deadline:
            counts = state["counts"]
            why = _why(browser, lab, f"lesson 6 did not finish in 10 minutes: counts {counts}")
            pytest.fail(why, pytrace=False)
        if shots == 0 and state["training"]:  # the progress bar, drawn live as it trains
            _scroll_to_output(browser, training)
            _shot(browser, "06_run_all_training")
            shots = 1
        time.sleep(1)
    assert sorted(state["counts"]) == list(range(1, len(code) + 1)), state["counts"]

    explorer = _explorer(browser, lab, explorer_cell)
    _scroll_to_output(browser, explorer_cell)
    _shot(browser, "06_explorer_after_run_all")
    for kind in ("widget-dropdown", "widget-hslider", "widget-textarea", "widget-html"):
        assert explorer.find_elements(By.CSS_SELECTOR, f".{kind}"), f"the explorer has no {kind}"
    selects = explorer.find_elements(By.CSS_SELECTOR, ".widget-dropdown select")
    snippet, show = Select(selects[0]), Select(selects[1])
    number_box = explorer.find_element(By.CSS_SELECTOR, "input[type='number']")
    drawn = _drawn(explorer)
    assert drawn.count("<span") > 100, "the explorer drew no text"

    # the unit: one step with the keyboard on the slider, then a unit typed in the number box
    unit = int(number_box.get_attribute("value"))
    explorer.find_element(By.CSS_SELECTOR, ".noUi-handle").send_keys(Keys.ARROW_RIGHT)
    drawn = _changes(browser, lab, explorer, drawn, "a step of the unit slider")
    assert int(number_box.get_attribute("value")) == unit + 1, "the slider stepped by one unit"
    assert f"unit {unit + 1}:" in drawn
    number_box.send_keys(Keys.CONTROL, "a")
    number_box.send_keys("7", Keys.ENTER)
    drawn = _changes(browser, lab, explorer, drawn, "typing a unit in the number box")
    assert "unit 7:" in drawn
    _scroll_to_output(browser, explorer_cell)
    _shot(browser, "06_explorer_unit_7")
    # the view
    show.select_by_visible_text("forget factor f_t")
    drawn = _changes(browser, lab, explorer, drawn, "choosing what to show")
    assert "forget factor f_t" in drawn
    _scroll_to_output(browser, explorer_cell)
    _shot(browser, "06_explorer_forget_gate")
    # the snippet
    snippet.select_by_index(1)
    drawn = _changes(browser, lab, explorer, drawn, "choosing another snippet")
    _scroll_to_output(browser, explorer_cell)
    _shot(browser, "06_explorer_second_snippet")
    # typing: drawn at once, and the menu says it is your own text now
    box = explorer.find_element(By.CSS_SELECTOR, ".widget-textarea textarea")
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("total = 42  # typed")
    _wait(
        browser,
        lab,
        30,
        lambda d: "total = 42  # typed" in _drawn_text(_drawn(explorer)),
        "typed text was not drawn",
        poll=0.25,
    )
    assert snippet.first_selected_option.text == "(type your own)"
    _scroll_to_output(browser, explorer_cell)
    _shot(browser, "06_explorer_typed_text")


def _drawn_text(drawn_html: str) -> str:
    chars = re.findall(r"<span[^>]*>(.*?)</span>", drawn_html, re.S)
    text = "".join(chars).replace("↵<br>", "\n").replace("&nbsp;", " ")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
