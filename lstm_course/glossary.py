"""The course's words and PyTorch's, side by side: the one place the mapping is written.

The course tells the LSTM as a story about memory: an *event* arrives, the cell keeps a
*short-term memory* (STM) and a *long-term memory* (LTM), and four gates decide what to
learn, forget, remember and use. Papers and PyTorch use letters instead. Everything in
this package, and every lesson, uses this table to go from one to the other.
"""

from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    """One idea, named in the course's words and in the standard notation."""

    course: str  # the course's name for it
    symbol: str  # the standard notation (Hochreiter & Schmidhuber 1997; Gers et al. 2000),
    # as TeX for MathJax: functions as commands (\tanh, upright), not letters (tanh, italic)
    pytorch: str  # where it lives in torch.nn.LSTM / torch.nn.LSTMCell
    meaning: str  # what it is, in one line


LSTM_TERMS: tuple[Term, ...] = (
    Term("event E_t", "x_t", "input", "what arrives at step t (a word's vector, a number)"),
    Term("short-term memory STM_t", "h_t", "hidden state h", "the cell's output at step t"),
    Term("long-term memory LTM_t", "c_t", "cell state c", "the memory carried across steps"),
    Term("ignore factor", "i_t", "input gate (rows 0:H)", "σ: how much of the new info to keep"),
    Term("new information N_t", "g_t", "cell candidate (rows 2H:3H)", "tanh: what may be learned"),
    Term("learn gate", "i_t ⊙ g_t", "-", "the part of the new information that is kept"),
    Term("forget factor", "f_t", "forget gate (rows H:2H)", "σ: how much of the LTM to keep"),
    Term("forget gate", "f_t ⊙ c_{t-1}", "-", "the part of the long-term memory that is kept"),
    Term("remember gate", "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t", "c_n", "the new long-term memory"),
    Term("use factor", "o_t", "output gate (rows 3H:4H)", "σ: how much of the memory to show"),
    Term("use gate", "h_t = o_t ⊙ \\tanh(c_t)", "output, h_n", "the new short-term memory"),
)

# The GRU (lesson 5) in the same words: one working memory, and an update gate that does
# the forget gate's and the learn gate's work at once.
GRU_TERMS: tuple[Term, ...] = (
    Term("event E_t", "x_t", "input", "what arrives at step t"),
    Term("working memory", "h_t", "hidden state h (no c)", "the GRU's one memory, also its output"),
    Term("reset gate", "r_t", "rows 0:H", "σ: how much of the memory the candidate may read"),
    Term(
        "update gate", "z_t", "rows H:2H", "σ: how much of the old memory to keep (forget factor)"
    ),
    Term("1 - update gate", "1 - z_t", "-", "how much of the candidate to learn (ignore factor)"),
    Term("new information", "n_t", "candidate (rows 2H:3H)", "tanh: what may be learned"),
    Term(
        "new working memory",
        "h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ n_t",
        "output, h_n",
        "keep and learn in one step",
    ),
)

# Lesson 8: the gated recurrences that came after (minLSTM and minGRU, Feng et al. 2024;
# sLSTM and mLSTM, Beck et al. 2024), in the same words.
MODERN_TERMS: tuple[Term, ...] = (
    Term(
        "forget and learn shares (minLSTM)",
        "f'_t = f_t / (f_t + i_t),\\; i'_t = i_t / (f_t + i_t)",
        "MinLSTM (rows 0:H, H:2H)",
        "σ gates that read only x_t, normalised to add up to 1",
    ),
    Term(
        "candidate (minLSTM, minGRU)",
        "g(\\tilde h_t)",
        "MinLSTM (rows 2H:3H)",
        "g(x) = x + 0.5 for x ≥ 0, σ(x) below: positive, so it has a log",
    ),
    Term(
        "parallel scan",
        "h_t = a_t ⊙ h_{t-1} + b_t",
        "log_space_scan",
        "all steps at once with cumsum and logcumsumexp, when a, b need no h",
    ),
    Term(
        "exponential input gate (sLSTM)",
        "i_t = \\exp(\\tilde\\imath_t)",
        "slstm_step",
        "a new event can outweigh everything before it",
    ),
    Term(
        "normaliser state (sLSTM)",
        "n_t = f_t n_{t-1} + i_t",
        "SLSTMState.n",
        "the sum of the weights: h_t = o_t ⊙ c_t / n_t is an average",
    ),
    Term(
        "stabiliser state (sLSTM)",
        "m_t = \\max(\\log f_t + m_{t-1}, \\tilde\\imath_t)",
        "SLSTMState.m",
        "the log of the largest weight: keeps every exp(·) ≤ 1",
    ),
    Term(
        "matrix memory (mLSTM)",
        "C_t = f_t C_{t-1} + i_t v_t k_t^\\top",
        "-",
        "a memory of key-value pairs, read with a query: h_t ∝ C_t q_t",
    ),
)


def markdown_table(terms: tuple[Term, ...] = LSTM_TERMS) -> str:
    """The mapping as a Markdown table, for a notebook's ``display(Markdown(...))``."""
    lines = [
        "| the course says | standard notation | in PyTorch | what it is |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t.course} | ${t.symbol}$ | {t.pytorch} | {t.meaning} |" for t in terms]
    return "\n".join(lines)
