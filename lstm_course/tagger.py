"""A part-of-speech tagger: embeddings -> bidirectional LSTM -> a tag score per word.

The notes' ``LSTMTagger`` is an embedding, one ``nn.LSTM`` and a linear layer, fed one
sentence at a time. This is the same idea, grown up:

- **batched** input (:mod:`lstm_course.batching`), packed so the LSTM skips padding;
- **bidirectional**, so a word's tag can depend on the words after it ("the *round* table"
  vs "they *round* the corner");
- **character features**: a small convolution over each word's characters, so a word never
  seen in training still gets a sensible tag from its shape ("-ly", "-tion", a capital);
- **stateless**: the initial state is zeros on every call; nothing is kept between calls.

What only makes it faster (a cheaper dropout mask, the corpus encoded once, no packing for a
batch of one length) is listed in :mod:`lstm_course.speed`; the model reads the same without it.

The command line (train, evaluate, tag) is :mod:`lstm_course.tagger_cli`: ``lstm-tagger --help``
or ``python -m lstm_course.tagger --help``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstm_course.batching import (
    IGNORE_INDEX,
    Batch,
    EncodedCorpus,
    bucketed_batches,
    pad_sequences,
)
from lstm_course.cells import RECURRENT_LAYERS
from lstm_course.data import UPOS_TAGS, TaggedSentence, tokenize
from lstm_course.files import CheckpointError as CheckpointError  # its former home
from lstm_course.files import check_model_size, load_model, save_model
from lstm_course.speed import Dropout
from lstm_course.vocab import Vocab, require_vocab

CHECKPOINT_FORMAT = "tagger"
CHECKPOINT_VERSION = 2
# The character convolution reads each word between these two markers, so a filter can
# tell a suffix ("ing" then WORD_END) from the same letters inside a word ("singer"), and
# a capital at the start from one in the middle.
WORD_START, WORD_END = "<w>", "</w>"


class NotesLSTMTagger(nn.Module):
    """The notes' tagger, written the modern way: embedding -> LSTM -> linear -> log-softmax.

    Differences from the notes: no ``Variable``; no ``self.hidden`` kept on the module
    between calls (each sentence starts from zeros, so one sentence cannot leak into the
    next, and backward() never reaches into a previous sentence's graph); ``batch_first``
    input, so it also takes a batch of sentences of equal length.
    """

    def __init__(
        self, embedding_dim: int, hidden_dim: int, vocab_size: int, tagset_size: int
    ) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence: Tensor) -> Tensor:
        """Word indices ``(words,)`` or ``(batch, words)`` -> log-probabilities of each tag."""
        if sentence.dim() not in (1, 2) or sentence.dtype != torch.long:
            raise ValueError(
                "give word indices as a LongTensor of shape (words,) or (batch, words), "
                f"got {sentence.dtype} of shape {tuple(sentence.shape)}"
            )
        if int(sentence.min()) < 0 or int(sentence.max()) >= self.word_embeddings.num_embeddings:
            raise IndexError(
                f"word indices must be in 0..{self.word_embeddings.num_embeddings - 1}, "
                f"got {int(sentence.min())}..{int(sentence.max())}"
            )
        lstm_out, _ = self.lstm(self.word_embeddings(sentence))
        return torch.log_softmax(self.hidden2tag(lstm_out), dim=-1)


@dataclass(frozen=True)
class TaggerConfig:
    """Sizes and choices of a tagger. The defaults are the course's EWT tagger."""

    rnn: str = "lstm"  # the recurrent layer: "lstm", "gru" or "rnn" (lesson 5 compares them)
    word_dim: int = 128  # word embedding size
    hidden_dim: int = 192  # LSTM units per direction
    num_layers: int = 2
    bidirectional: bool = True
    char_dim: int = 32  # character embedding size; 0 turns character features off
    char_filters: int = 256  # character convolution filters (the word-shape features)
    char_width: int = 5  # characters each filter sees at once: "tion" and the end marker
    max_word_length: int = 30  # longer words keep their first and last 15 characters
    dropout: float = 0.33
    lowercase: bool = True  # word embeddings of lowercased words (characters keep the case)
    min_freq: int = 2  # rarer training words are <unk> for the word embedding

    def __post_init__(self) -> None:
        for name in ("word_dim", "hidden_dim", "num_layers", "max_word_length", "min_freq"):
            if getattr(self, name) < 1:
                raise ValueError(f"TaggerConfig.{name} must be at least 1")
        if self.rnn not in RECURRENT_LAYERS:
            raise ValueError(
                f"TaggerConfig.rnn must be one of {sorted(RECURRENT_LAYERS)}, got {self.rnn!r}"
            )
        if not 0 <= self.dropout < 1:
            raise ValueError("TaggerConfig.dropout must be in [0, 1)")


@dataclass
class TaggerVocabs:
    """The three vocabularies a tagger reads and writes: words, characters, tags.

    The tags are the 17 universal part-of-speech tags, always, in :data:`UPOS_TAGS` order,
    whichever of them the training sentences happen to have: a tag that training lacks is
    then one the model learns never to predict, where a vocabulary read from the training
    data would make a dev or test sentence with that tag impossible to encode. (Tags of
    another tag set, if the sentences have any, follow, most frequent first.)
    """

    words: Vocab
    chars: Vocab
    tags: Vocab

    @classmethod
    def build(cls, sentences: Sequence[TaggedSentence], config: TaggerConfig) -> TaggerVocabs:
        norm = str.lower if config.lowercase else str
        words = Vocab.from_corpus(
            ([norm(w) for w in s.words] for s in sentences), min_freq=config.min_freq
        )
        chars = Vocab.from_corpus((list(w) for s in sentences for w in s.words), min_freq=1)
        chars.add(WORD_START)
        chars.add(WORD_END)
        seen = Vocab.from_corpus((s.tags for s in sentences), pad_token=None, unk_token=None)
        tags = Vocab(
            [*UPOS_TAGS, *(t for t in seen if t not in UPOS_TAGS)], pad_token=None, unk_token=None
        )
        return cls(words=words, chars=chars, tags=tags)

    def __post_init__(self) -> None:
        for name, vocab in self.as_dict().items():
            require_vocab(vocab, f"TaggerVocabs.{name}")

    def as_dict(self) -> dict[str, Vocab]:
        return {"words": self.words, "chars": self.chars, "tags": self.tags}


class LSTMTagger(nn.Module):
    """Embeddings (word, plus characters) -> (Bi)LSTM -> a score for every tag of every word.

    ``config.rnn`` swaps the LSTM for a GRU or a plain RNN (``self.rnn`` is the recurrent
    layer, whichever it is), so lesson 5 can compare the three with everything else equal.
    """

    def __init__(self, config: TaggerConfig, vocabs: TaggerVocabs) -> None:
        if not isinstance(vocabs, TaggerVocabs):
            raise TypeError(
                f"vocabs must be a TaggerVocabs, got a {type(vocabs).__name__}; make one with "
                "TaggerVocabs.build(sentences, config) or TaggerVocabs(words=..., chars=..., "
                "tags=...)"
            )
        check_model_size(weight_shapes(config, vocabs).values(), "this tagger")
        super().__init__()
        self.config = config
        self.vocabs = vocabs
        self.word_embeddings = nn.Embedding(
            len(vocabs.words), config.word_dim, padding_idx=vocabs.words.pad_index
        )
        features = config.word_dim
        if config.char_dim:
            self.char_embeddings = nn.Embedding(
                len(vocabs.chars), config.char_dim, padding_idx=vocabs.chars.pad_index
            )
            self.char_conv = nn.Conv1d(
                config.char_dim,
                config.char_filters,
                config.char_width,
                padding=config.char_width // 2,
            )
            features += config.char_filters
        self.dropout = Dropout(config.dropout)
        self.rnn = RECURRENT_LAYERS[config.rnn](
            features,
            config.hidden_dim,
            num_layers=config.num_layers,
            bidirectional=config.bidirectional,
            batch_first=True,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        directions = 2 if config.bidirectional else 1
        self.hidden2tag = nn.Linear(config.hidden_dim * directions, len(vocabs.tags))

    # ------------------------------------------------------------------ encoding
    def encode(
        self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]] | None = None
    ) -> Batch:
        """Words (and tags) to a :class:`Batch` of indices, on the model's device."""
        sentences = [_check_words(s, i) for i, s in enumerate(sentences)]
        if not sentences:
            raise ValueError("nothing to tag: give at least one sentence")
        cfg, v = self.config, self.vocabs
        norm = str.lower if cfg.lowercase else str
        words, lengths = pad_sequences(
            [v.words.encode([norm(w) for w in s]) for s in sentences], v.words.pad_index
        )
        batch = Batch(words=words, lengths=lengths)
        if tags is not None:
            if len(tags) != len(sentences):
                raise ValueError(f"{len(sentences)} sentences but {len(tags)} tag sequences")
            for i, (s, t) in enumerate(zip(sentences, tags, strict=True)):
                if len(s) != len(t):
                    raise ValueError(f"sentence {i} has {len(s)} words but {len(t)} tags")
            batch.tags, _ = pad_sequences([v.tags.encode(list(t)) for t in tags], IGNORE_INDEX)
        if cfg.char_dim:
            distinct = sorted({w for s in sentences for w in s})
            row_of = {w: r for r, w in enumerate(distinct)}
            batch.chars = self.spell(distinct)
            batch.char_rows, _ = pad_sequences([[row_of[w] for w in s] for s in sentences], 0)
        return batch.to(self.hidden2tag.weight.device)

    def spell(self, words: Sequence[str]) -> Tensor:
        """Each word as a row of character indices, between ``WORD_START`` and ``WORD_END``
        and padded: ``(words, longest + 2)``. Longer words than ``max_word_length`` keep
        their first and last halves (the prefix and the suffix say the most)."""
        limit, v = self.config.max_word_length, self.vocabs
        half = limit // 2
        clipped = [w if len(w) <= limit else w[:half] + w[-half:] for w in words]
        chars, _ = pad_sequences(
            [v.chars.encode([WORD_START, *w, WORD_END]) for w in clipped], v.chars.pad_index
        )
        return chars

    def encode_corpus(
        self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]]
    ) -> EncodedCorpus:
        """Encode tagged sentences once, before training, as :class:`EncodedCorpus`.

        A batch taken from it is what :meth:`encode` gives for the same sentences, but costs
        a few tensor operations instead of a Python loop over words and characters.
        """
        batch = self.encode(sentences, tags).to("cpu")  # checks the input; one padded batch
        lengths = batch.lengths.tolist()
        cut = [row[:n] for row, n in zip(batch.words, lengths, strict=True)]
        corpus = EncodedCorpus(
            words=cut,
            tags=[row[:n] for row, n in zip(batch.tags, lengths, strict=True)],
            word_pad=self.vocabs.words.pad_index,
        )
        if self.config.char_dim:
            corpus.types = [row[:n] for row, n in zip(batch.char_rows, lengths, strict=True)]
            corpus.type_chars = batch.chars
            corpus.type_lengths = (batch.chars != self.vocabs.chars.pad_index).sum(dim=1)
        return corpus

    # ------------------------------------------------------------------ forward
    def features(self, batch: Batch) -> Tensor:
        """What the LSTM reads at each word, ``(batch, longest, features)``: the word's
        embedding, followed by its character-shape features."""
        x = self.word_embeddings(batch.words)
        if self.config.char_dim:
            c = self.char_embeddings(batch.chars).transpose(1, 2)  # (distinct words, dim, chars)
            matches = self.char_conv(c)  # (distinct words, filters, chars)
            # the strongest match of each filter, over the word's own characters only: the
            # padding after a short word must not count, or its features would change with
            # the longest word in the batch
            padding = (batch.chars == self.vocabs.chars.pad_index)[:, None, :]
            shapes = matches.masked_fill(padding, float("-inf")).max(dim=2).values
            # (embedding() rather than shapes[char_rows]: its backward is deterministic)
            x = torch.cat([x, nn.functional.embedding(batch.char_rows, shapes)], dim=-1)
        return x

    def forward(self, batch: Batch) -> Tensor:
        """Unnormalised tag scores, ``(batch, longest, tags)``. At padded positions the LSTM's
        output is zeros, so the scores there are the output layer's bias: meaningless, and
        ignored by :meth:`loss` and :meth:`predict`."""
        x = self.dropout(self.features(batch))
        # no state is passed in to the LSTM: it starts from zeros, every call
        if bool((batch.lengths == batch.lengths[0]).all()):
            # one length (as in training's batches): no padding to skip, so no packing, whose
            # two copies of the whole batch would be pure overhead
            out, _ = self.rnn(x)
        else:
            packed = pack_padded_sequence(x, batch.lengths, batch_first=True, enforce_sorted=False)
            out, _ = self.rnn(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=batch.words.shape[1])
        return self.hidden2tag(self.dropout(out))

    def loss(self, batch: Batch) -> Tensor:
        """Cross-entropy over the real words of the batch (padding is ignored)."""
        scores = self(batch)
        return nn.functional.cross_entropy(
            scores.flatten(0, 1), batch.tags.flatten(), ignore_index=IGNORE_INDEX
        )

    @torch.no_grad()
    def predict(self, sentences: Sequence[Sequence[str]], batch_size: int = 256) -> list[list[str]]:
        """The most likely tag of every word, for lists of words, in the order given.

        Sentences are tagged in batches of one length each (see
        :func:`lstm_course.batching.bucketed_batches`): no padding, and the LSTM's fast path.
        """
        sentences = [_check_words(s, i) for i, s in enumerate(sentences)]
        was_training = self.training
        self.eval()
        try:
            tagged: list[list[str]] = [[] for _ in sentences]
            lengths = [len(s) for s in sentences]
            for indices in bucketed_batches(lengths, batch_size, shuffle=False):
                best = self(self.encode([sentences[i] for i in indices])).argmax(dim=-1).cpu()
                for row, i in enumerate(indices):
                    tagged[i] = self.vocabs.tags.decode(best[row, : lengths[i]])
            return tagged
        finally:
            self.train(was_training)

    def tag(self, text: str) -> list[tuple[str, str]]:
        """Tokenize raw text and tag it: ``[(word, tag), ...]``."""
        words = tokenize(text)
        if not words:
            raise ValueError("nothing to tag: the text has no words")
        return list(zip(words, self.predict([words])[0], strict=True))

    # ------------------------------------------------------------------ checkpoints
    def save(self, path: str | os.PathLike) -> None:
        """Weights, vocabularies and configuration in one file, written atomically, that
        :meth:`load` reads with ``weights_only=True`` (see :func:`lstm_course.files.save_model`)."""
        vocabs = {name: v.to_dict() for name, v in self.vocabs.as_dict().items()}
        save_model(
            path, self.checkpoint_kind(), CHECKPOINT_VERSION, self, self.config, vocabs=vocabs
        )

    def checkpoint_kind(self) -> str:
        """``"tagger"``, what :meth:`load` reads, if the recurrent layer is the one the config
        names; else (lesson 8 swaps in a minLSTM or a Transformer) a kind that says which, so
        that loading it as a tagger is refused by name, not with a list of missing weights."""
        if type(self.rnn) is RECURRENT_LAYERS[self.config.rnn]:
            return CHECKPOINT_FORMAT
        return f"{CHECKPOINT_FORMAT} with a {type(self.rnn).__name__} encoder"

    @classmethod
    def load(cls, path: str | os.PathLike, map_location: str | torch.device = "cpu") -> LSTMTagger:
        """A tagger saved by :meth:`save`, read without executing any pickled code; a file
        that is not one is a :class:`~lstm_course.files.CheckpointError`."""

        def build(payload: dict) -> LSTMTagger:
            vocabs = {
                name: Vocab.from_dict(v, source=f"{path} ({name} vocabulary)")
                for name, v in payload["vocabs"].items()
            }
            config = dict(payload["config"])
            if config.get("word_dropout") == 0.0:  # an option of checkpoints made before it went
                del config["word_dropout"]
            config, vocabs = TaggerConfig(**config), TaggerVocabs(**vocabs)
            # before the model is built: an edited num_layers=10**6 or hidden_dim=6000 would
            # otherwise make millions of (meta) parameters, or allocate gigabytes, first
            check_weight_shapes(payload["state_dict"], config, vocabs)
            return cls(config, vocabs)

        model, _ = load_model(path, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, build, map_location)
        return model


def weight_shapes(config: TaggerConfig, vocabs: TaggerVocabs) -> dict[str, tuple[int, ...]]:
    """The name and shape of every weight of ``LSTMTagger(config, vocabs)``, by arithmetic
    alone (no model is built): what a checkpoint's weights are checked against on load."""
    shapes: dict[str, tuple[int, ...]] = {
        "word_embeddings.weight": (len(vocabs.words), config.word_dim)
    }
    features = config.word_dim
    if config.char_dim:
        shapes["char_embeddings.weight"] = (len(vocabs.chars), config.char_dim)
        shapes["char_conv.weight"] = (config.char_filters, config.char_dim, config.char_width)
        shapes["char_conv.bias"] = (config.char_filters,)
        features += config.char_filters
    gates = config.hidden_dim * {"lstm": 4, "gru": 3, "rnn": 1}[config.rnn]
    directions = 2 if config.bidirectional else 1
    for layer in range(config.num_layers):
        inputs = features if layer == 0 else config.hidden_dim * directions
        for suffix in ("", "_reverse")[:directions]:
            shapes[f"rnn.weight_ih_l{layer}{suffix}"] = (gates, inputs)
            shapes[f"rnn.weight_hh_l{layer}{suffix}"] = (gates, config.hidden_dim)
            shapes[f"rnn.bias_ih_l{layer}{suffix}"] = (gates,)
            shapes[f"rnn.bias_hh_l{layer}{suffix}"] = (gates,)
    shapes["hidden2tag.weight"] = (len(vocabs.tags), config.hidden_dim * directions)
    shapes["hidden2tag.bias"] = (len(vocabs.tags),)
    return shapes


def check_weight_shapes(weights: object, config: TaggerConfig, vocabs: TaggerVocabs) -> None:
    """A ``ValueError`` naming the first weight that ``config`` and ``vocabs`` do not
    explain, checked in a loop no longer than the weights themselves: a configuration
    edited to ask for a million layers is refused at once."""
    if not isinstance(weights, dict):
        raise TypeError(f"'state_dict' is a {type(weights).__name__}, not a dict of tensors")
    directions = 2 if config.bidirectional else 1
    layers = (len(weights) - 2 - 3 * bool(config.char_dim) - 1) // (4 * directions)
    if config.num_layers != layers:
        raise ValueError(
            f"the configuration says num_layers={config.num_layers}, but the file has "
            f"{len(weights)} weights, which make {max(layers, 0)} layers"
        )
    for name, shape in weight_shapes(config, vocabs).items():
        if name not in weights:
            raise ValueError(f"the weights have no {name!r}, which the configuration needs")
        got = tuple(getattr(weights[name], "shape", ()))
        if got != shape:
            raise ValueError(
                f"weight {name!r} has shape {got}, but the configuration and vocabularies "
                f"make it {shape}"
            )


def _check_words(sentence: Sequence[str], index: int) -> list[str]:
    if isinstance(sentence, str):
        raise TypeError(
            f"sentence {index} is a string; give a list of words, e.g. {sentence.split()[:4]}"
        )
    words = list(sentence)
    if not words:
        raise ValueError(f"sentence {index} is empty")
    if not all(isinstance(w, str) and w for w in words):
        raise TypeError(f"sentence {index}: every word must be a non-empty str")
    return words


if __name__ == "__main__":
    # ``python -m lstm_course.tagger ...``, as the README and lesson 4 show it: the program
    # itself is lstm_course.tagger_cli (the ``lstm-tagger`` command)
    from lstm_course.tagger_cli import main

    sys.exit(main(prog="python -m lstm_course.tagger"))
