"""The baseline a tagging expert asks for first: a lookup table with fallbacks.

No network, no training loop: counts. For each word, the tag it had most often in training.
For a word training never saw, the fallbacks, in this order:

1. a capital first letter: ``PROPN`` (most unseen capitalised words are names);
2. the same word lower-cased, if training saw it ("Unlike" -> "unlike");
3. a digit in it: ``NUM``;
4. the tag most often seen with the same last three letters ("-ing", "-ion", "-ly"),
   counted over training words of the same shape (capitalised or not, with a digit or not);
5. the most common tag of all.

Rules 1 and 3 are the shape guesses of lesson 4's first table; 2, 4 and 5 are what a tagging
expert adds. On EWT this order scored best of the orders and suffix tables tried while
writing lessons 4 and 5 (putting the lower-cased word before the capital rule loses about a
point on dev): a first capital in English text says "name" more often than the lower-cased
word's tag is right.

Lessons 4 and 5 put it beside every network: what a tagger adds beyond it is what context
(the words around) and a learned reading of word shapes add. Ties among a key's tags go to
the tag seen first in training (:class:`collections.Counter` keeps insertion order), so the
table is the same on every machine.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lstm_course.data import TaggedSentence


@dataclass(frozen=True)
class LookupScores:
    """Accuracy of a lookup table: on all words, on words seen in training, on unseen ones."""

    all: float
    seen: float
    unseen: float


class LookupTagger:
    """Exact word -> capital: PROPN -> lower-cased word -> digit: NUM -> last
    ``suffix_length`` letters -> most common tag (the module's docstring says why)."""

    def __init__(self, sentences: Iterable[TaggedSentence], suffix_length: int = 3) -> None:
        if isinstance(suffix_length, bool) or not isinstance(suffix_length, int):
            raise TypeError(f"suffix_length must be an int, got {type(suffix_length).__name__}")
        if suffix_length < 1:
            raise ValueError(f"suffix_length must be at least 1, got {suffix_length}")
        self.suffix_length = suffix_length
        exact: defaultdict[str, Counter[str]] = defaultdict(Counter)
        lower: defaultdict[str, Counter[str]] = defaultdict(Counter)
        suffix: defaultdict[tuple[bool, bool, str], Counter[str]] = defaultdict(Counter)
        overall: Counter[str] = Counter()
        for sentence in sentences:
            if not isinstance(sentence, TaggedSentence):
                raise TypeError(
                    f"give TaggedSentence objects (words and tags), got {type(sentence).__name__}"
                )
            for word, tag in zip(sentence.words, sentence.tags, strict=True):
                exact[word][tag] += 1
                lower[word.lower()][tag] += 1
                suffix[self._suffix(word)][tag] += 1
                overall[tag] += 1
        if not overall:
            raise ValueError("a lookup table needs at least one tagged word to learn from")

        def best(table: dict) -> dict:
            return {key: counts.most_common(1)[0][0] for key, counts in table.items()}

        self.by_word, self.by_lower, self.by_suffix = best(exact), best(lower), best(suffix)
        self.most_common_tag = overall.most_common(1)[0][0]

    def _suffix(self, word: str) -> tuple[bool, bool, str]:
        """The fallback key: the word's shape (capitalised, with a digit) and last letters."""
        shape = (word[:1].isupper(), any(ch.isdigit() for ch in word))
        return (*shape, word.lower()[-self.suffix_length :])

    def tag(self, word: str) -> str:
        """The tag of one word: its own most frequent tag, else the first fallback that applies."""
        if not isinstance(word, str):
            raise TypeError(f"a word is a str, got {type(word).__name__}")
        if word in self.by_word:
            return self.by_word[word]
        if word[:1].isupper():
            return "PROPN"
        if word.lower() in self.by_lower:
            return self.by_lower[word.lower()]
        if any(ch.isdigit() for ch in word):
            return "NUM"
        return self.by_suffix.get(self._suffix(word), self.most_common_tag)

    def tag_sentence(self, words: Sequence[str]) -> list[str]:
        """A tag for every word; each on its own (a lookup table reads no context)."""
        return [self.tag(word) for word in words]

    def score(self, sentences: Iterable[TaggedSentence]) -> LookupScores:
        """Accuracy on tagged sentences: all words, and those seen / unseen (as written) in
        training. A group without words scores NaN."""
        right = {"all": [0, 0], "seen": [0, 0], "unseen": [0, 0]}
        for sentence in sentences:
            for word, gold in zip(sentence.words, sentence.tags, strict=True):
                hit = self.tag(word) == gold
                for key in ("all", "seen" if word in self.by_word else "unseen"):
                    right[key][0] += hit
                    right[key][1] += 1
        share = {key: c / n if n else float("nan") for key, (c, n) in right.items()}
        return LookupScores(**share)
