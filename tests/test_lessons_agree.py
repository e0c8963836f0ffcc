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
    scope = dict(namespace or {})
    lesson_definitions(notebook, [name], scope)
    return scope[name]


def lesson_definitions(notebook: str, names: list[str], scope: dict) -> dict:
    """Run the functions and classes ``names`` (``def name(`` or ``class name(``), as a
    lesson's code cells define them, in ``scope``, in turn; so a later one can call an
    earlier one, as in the lesson. Returns ``scope``."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    for name in names:
        heads = (f"def {name}(", f"class {name}(")
        matches = [s for s in sources if any(f"\n{head}" in "\n" + s for head in heads)]
        assert len(matches) == 1, f"{notebook} should define {name} in one code cell"
        source = matches[0]
        start = min(source.index(head) for head in heads if head in source)
        lines = source[start:].splitlines()
        body = [lines[0]] + [line for line in _block(lines[1:])]
        exec("\n".join(body), scope)
    return scope


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


# --------------------------------------------------------------------------- lesson 4
TAGS = ("DET", "NOUN", "VERB", "ADJ", "PUNCT")
tagged_sentences = st.lists(
    st.lists(
        st.tuples(st.text(alphabet="abcAB1", min_size=1, max_size=7), st.sampled_from(TAGS)),
        min_size=1,
        max_size=6,
    ),
    min_size=2,
    max_size=7,
)


def _hand_and_package_taggers(sentences, seed):
    """Lesson 4's ``HandTagger`` and the package's ``LSTMTagger`` of the same sizes, in
    float64, with the same random weights; and the lesson's functions, run in one scope
    whose ``twin`` (the lesson's name) is the package tagger."""
    from lstm_course.data import TaggedSentence
    from lstm_course.tagger import LSTMTagger, TaggerConfig, TaggerVocabs

    tagged = [TaggedSentence(tuple(w for w, _ in s), tuple(t for _, t in s)) for s in sentences]
    config = TaggerConfig(
        word_dim=4,
        hidden_dim=3,
        num_layers=1,
        bidirectional=True,
        char_dim=3,
        char_filters=5,
        char_width=3,
        min_freq=1,
        dropout=0.0,
    )
    vocabs = TaggerVocabs.build(tagged, config)
    scope = lesson_definitions(
        "04_pos_tagger.ipynb",
        ["HandTagger", "make_batch", "train_one_epoch", "accuracy"],
        {
            "torch": torch,
            "nn": torch.nn,
            "tqdm": lambda it, **kw: it,
            "pack_padded_sequence": torch.nn.utils.rnn.pack_padded_sequence,
            "pad_packed_sequence": torch.nn.utils.rnn.pad_packed_sequence,
            "IGNORE_INDEX": -100,
        },
    )
    hand = scope["HandTagger"](
        vocabs, word_dim=4, char_dim=3, char_filters=5, char_width=3, hidden_dim=3
    ).double()
    twin = LSTMTagger(config, vocabs).double()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in hand.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
        # as in a real model, the padding's embeddings are zero (nn.Embedding's padding_idx
        # starts them at zero and never trains them): a padded character then adds nothing to
        # a word's shape, whatever the longest word of its batch
        hand.word_embeddings.weight[vocabs.words.pad_index] = 0.0
        hand.char_embeddings.weight[vocabs.chars.pad_index] = 0.0
    twin.load_state_dict(hand.state_dict())  # the same names and shapes, or this fails
    scope["twin"] = twin
    return hand, twin, tagged, scope


@settings(max_examples=25, deadline=None)
@given(tagged_sentences, st.integers(0, 2**31 - 1))
def test_lesson4_hand_built_tagger_is_the_package_tagger(sentences, seed):
    hand, twin, tagged, scope = _hand_and_package_taggers(sentences, seed)
    batch = scope["make_batch"](tagged)  # mixed lengths (packed), or one length (not packed)
    with torch.no_grad():
        torch.testing.assert_close(hand.eval()(batch), twin.eval()(batch), atol=1e-12, rtol=0)


@settings(max_examples=10, deadline=None)
@given(tagged_sentences, st.integers(0, 2**31 - 1))
def test_lesson4_epoch_by_hand_is_the_packages_training_loop(sentences, seed):
    from lstm_course.training import evaluate, train_epoch

    hand, twin, tagged, scope = _hand_and_package_taggers(sentences, seed)
    # plain SGD with a large step, and a clip small enough to bite, so that a loop that
    # skipped clipping or the step would end elsewhere
    hand_opt = torch.optim.SGD(hand.parameters(), lr=0.5)
    twin_opt = torch.optim.SGD(twin.parameters(), lr=0.5)
    hand_loss = scope["train_one_epoch"](
        hand,
        hand_opt,
        tagged,
        batch_size=3,
        clip=0.1,
        generator=torch.Generator().manual_seed(seed),
    )
    order = torch.randperm(len(tagged), generator=torch.Generator().manual_seed(seed)).tolist()
    batches = [
        scope["make_batch"]([tagged[i] for i in order[k : k + 3]]) for k in range(0, len(order), 3)
    ]
    twin_loss, _ = train_epoch(twin, twin_opt, batches, clip=0.1)
    assert abs(hand_loss - twin_loss) < 1e-10
    for (name, a), b in zip(hand.state_dict().items(), twin.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0, msg=f"{name} after one epoch")
    assert abs(scope["accuracy"](hand, tagged) - evaluate(twin, tagged).accuracy) < 1e-12
