"""The glossary: the one table from the course's words to the standard notation and PyTorch.

Its symbols are shown by MathJax (lesson 1, lesson 5), so they must be valid TeX that reads
as the lessons write it, and the PyTorch rows it names must be the rows PyTorch uses.
"""

import re

import pytest
import torch
from torch import nn

from lstm_course import glossary
from lstm_course.cells import LSTMCell

TABLES = {"LSTM": glossary.LSTM_TERMS, "GRU": glossary.GRU_TERMS, "modern": glossary.MODERN_TERMS}
# a function written as letters, not as the TeX command (\tanh), is set in italics like a
# product of variables t·a·n·h
BARE_FUNCTION = re.compile(r"(?<![\\A-Za-z])(tanh|sigmoid|sigma|exp|log|softmax)(?![A-Za-z])")


@pytest.mark.parametrize("name", TABLES)
def test_symbols_write_functions_as_tex_commands(name):
    for term in TABLES[name]:
        assert not BARE_FUNCTION.search(term.symbol), (
            f"{term.course}: write \\tanh, not tanh, in {term.symbol!r}"
        )


def test_the_use_gate_is_pytorchs_with_tanh_as_a_command():
    use_gate = next(t for t in glossary.LSTM_TERMS if t.course == "use gate")
    assert use_gate.symbol == "h_t = o_t ⊙ \\tanh(c_t)"


@pytest.mark.parametrize("name", TABLES)
def test_markdown_table_has_one_row_per_term_with_the_symbol_as_math(name):
    terms = TABLES[name]
    lines = glossary.markdown_table(terms).splitlines()
    assert len(lines) == 2 + len(terms)
    for line, term in zip(lines[2:], terms, strict=True):
        cells = line.strip("|").split(" | ")
        assert len(cells) == 4, f"a stray '|' in {line!r}"
        assert cells[1].strip() == f"${term.symbol}$"
        assert cells[1].count("$") == 2


def test_the_rows_the_glossary_names_are_the_rows_of_each_gate():
    """Open only the rows the glossary names for a gate: only that gate opens."""
    hidden = 3
    gate_of = {"ignore factor": "ignore", "forget factor": "forget", "use factor": "use"}
    gate_of["new information N_t"] = "new_info"
    for term in glossary.LSTM_TERMS:
        if term.course not in gate_of:
            continue
        bounds = re.search(r"rows (\d*H?):(\d*H?)", term.pytorch).groups()  # "2H:3H"
        rows = slice(*(int(b[:-1] or 1) * hidden if b.endswith("H") else int(b) for b in bounds))
        torch_cell = nn.LSTMCell(2, hidden, dtype=torch.float64)
        with torch.no_grad():
            for p in torch_cell.parameters():
                p.zero_()
            torch_cell.bias_ih[rows] = 30.0
        _, gates = LSTMCell.from_torch(torch_cell).step(torch.ones(1, 2, dtype=torch.float64), None)
        for field, value in gates._asdict().items():
            resting = 0.0 if field == "new_info" else 0.5  # tanh(0), σ(0)
            want = 1.0 if field == gate_of[term.course] else resting
            assert torch.allclose(value, torch.full_like(value, want)), (
                f"{term.course} ({term.pytorch}) opened {field}"
            )
