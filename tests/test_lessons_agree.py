"""What a lesson builds by hand and the package's reference version compute the same thing.

Each test takes the function a lesson defines, straight from the notebook's code, and
compares it with the package on inputs the lesson never tried."""

import json
from pathlib import Path

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_course import vocab
from lstm_course.cells import GRUCell, LSTMCell

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def lesson_function(notebook: str, name: str, namespace: dict | None = None):
    """The function ``name`` as a lesson's code cell defines it, run in ``namespace``."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    matches = [s for s in sources if f"\ndef {name}(" in "\n" + s]
    assert len(matches) == 1, f"{notebook} should define {name} in one code cell"
    source = matches[0]
    start = source.index(f"def {name}(")
    lines = source[start:].splitlines()
    body = [lines[0]] + [line for line in _block(lines[1:])]
    scope = dict(namespace or {})
    exec("\n".join(body), scope)
    return scope[name]


def _block(lines):
    """The indented lines of a function's body (and the blank lines within it)."""
    for line in lines:
        if line and not line[0].isspace():
            return
        yield line


words = st.lists(st.text(alphabet="abcde", min_size=1, max_size=3), max_size=30)


@settings(max_examples=50, deadline=None)
@given(words)
def test_lesson3_add_word_numbers_words_as_the_package_does(sequence):
    lesson_add_word = lesson_function("03_vocabulary.ipynb", "add_word")
    ours, package = {}, {}
    plain = vocab.Vocab(pad_token=None, unk_token=None)
    for word in sequence:
        lesson_add_word(word, ours)
        vocab.add_word(word, package)
        plain.add(word)
    assert ours == package == {w: plain.index(w) for w in plain}


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_lesson1_lstm_step_is_the_package_cell(batch, n_in, n_hid, seed):
    gen = torch.Generator().manual_seed(seed)
    cell = LSTMCell(n_in, n_hid, dtype=torch.float64)
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    # the lesson's gates read [STM, E] through one (hidden, hidden + input) matrix each
    names = ("ignore", "forget", "new_info", "use")
    weights = {}
    for k, name in enumerate(names):
        rows = slice(k * n_hid, (k + 1) * n_hid)
        weights[f"W_{name}"] = torch.cat([cell.weight_hh[rows], cell.weight_ih[rows]], dim=1)
        weights[f"b_{name}"] = cell.bias_ih[rows] + cell.bias_hh[rows]
    lstm_step = lesson_function(
        "01_lstm_gates_from_scratch.ipynb", "lstm_step", {"torch": torch, **weights}
    )
    x = torch.randn(batch, n_in, generator=gen, dtype=torch.float64)
    h = torch.randn(batch, n_hid, generator=gen, dtype=torch.float64)
    c = torch.randn(batch, n_hid, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        want = cell(x, (h, c))
        got = lstm_step(x, h, c)
    for a, b in zip(got, want, strict=True):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=0)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_lesson5_gru_step_is_the_package_cell(batch, n_in, n_hid, seed):
    gen = torch.Generator().manual_seed(seed)
    cell = GRUCell(n_in, n_hid, dtype=torch.float64)
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    gru_step = lesson_function("05_gru_and_why_gates.ipynb", "gru_step", {"torch": torch})
    x = torch.randn(batch, n_in, generator=gen, dtype=torch.float64)
    h = torch.randn(batch, n_hid, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        got = gru_step(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        torch.testing.assert_close(got, cell(x, h), atol=1e-12, rtol=0)
