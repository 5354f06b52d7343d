"""The fast sentence splitter and the per-sentence embedding cache shared by answerer and checker."""

import numpy as np

from core.types import Chunk
from qa.sentences import SentenceCache, split_sentences


def _split(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_splits_sentences_verbatim_and_keeps_quotes_whole():
    text = ("Finance minister Maria Lopez said the budget \u201cwill be balanced by 2026.\u201d The vote passed.\n"
            "\u201cWe will not raise taxes,\u201d she said. Is it final? Yes!")
    assert _split(text) == [
        "Finance minister Maria Lopez said the budget \u201cwill be balanced by 2026.\u201d",
        "The vote passed.",
        "\u201cWe will not raise taxes,\u201d she said.",
        "Is it final?",
        "Yes!",
    ]


def test_titles_initials_months_and_numbers_do_not_split():
    assert _split("Col. Joseph Bloch met K. Doyle on Dec. 7 at 9 a.m. Monday. He is ranked No. 1 again.") == [
        "Col. Joseph Bloch met K. Doyle on Dec. 7 at 9 a.m. Monday.", "He is ranked No. 1 again."]
    assert _split("He said no. Then he left the U.S. Capitol.") == ["He said no.", "Then he left the U.S. Capitol."]
    assert _split("  \n\n ") == []


def test_a_leading_dateline_stays_with_the_sentence_it_dates():
    # Search snippets and wire copy open with their date; "When was it announced?" needs it in the sentence.
    assert _split("Oct 19, 2021 ... Google has announced the Pixel 6. It costs $599.") == [
        "Oct 19, 2021 ... Google has announced the Pixel 6.", "It costs $599."]
    assert _split("19 October 2021 \u2026 Google did it.")[0] == "19 October 2021 \u2026 Google did it."
    # Only at the start of a line: a date ending a sentence elsewhere still closes it.
    assert _split("The launch. Oct 19, 2021 ... Next.") == ["The launch.", "Oct 19, 2021 ...", "Next."]


class Counting:
    """The real model, counting the sentences it is asked to embed."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.calls: list[int] = []

    def encode(self, texts):
        self.calls.append(len(texts))
        return self.embedder.encode(texts)


def test_sentence_vectors_are_embedded_once(embedder):
    counting = Counting(embedder)
    cache = SentenceCache(counting)
    chunk = Chunk(id="a:0000", article_id="a", position=0, text="One sentence here. Another one there. A third.")
    first = cache.sentence_vectors([(chunk, 0), (chunk, 2)])
    again = cache.chunk_vectors(chunk)
    assert counting.calls == [2, 1]  # the second call embeds only the sentence it had not seen
    assert np.allclose(first[0], again[0]) and np.allclose(first[1], again[2])
    assert np.isclose(float(again[1] @ again[1]), 1.0, atol=1e-4)
    changed = chunk.model_copy(update={"text": "Different text now. Entirely."})
    assert len(cache.chunk_vectors(changed)) == 2 and counting.calls[-1] == 2  # new text, new key
