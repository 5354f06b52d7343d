from core.types import Article
from index.chunking import chunk_article, embedding_text, sentence_spans


def _article(text: str, title: str = "A headline about budgets") -> Article:
    return Article(id="a1", title=title, text=text, source="Wire", published="2024-01-02", url="https://x.test/a")


def test_no_chunk_exceeds_the_model_limit(embedder):
    long_sentence = " ".join(f"word{i} and more" for i in range(600))  # one sentence far over budget
    paragraphs = [f"Paragraph {i} says the council met on Tuesday to discuss item {i}." for i in range(40)]
    text = "\n\n".join([*paragraphs[:20], long_sentence, *paragraphs[20:]])
    chunks = chunk_article(_article(text), 200, embedder.count_tokens_batch)
    assert len(chunks) > 3
    for c in chunks:
        n = embedder.count_tokens(embedding_text(c.title, c.text))
        assert n <= 200, (n, c.text[:80])
        assert n <= embedder.max_tokens


def test_chunks_keep_metadata_positions_and_all_words(embedder):
    text = "\n\n".join(f"Sentence number {i} is here. And another one follows it." for i in range(60))
    article = _article(text)
    chunks = chunk_article(article, 120, embedder.count_tokens_batch)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert all(c.id == f"a1:{c.position:04d}" for c in chunks)
    assert all((c.title, c.source, c.published, c.url) == ("A headline about budgets", "Wire", "2024-01-02",
                                                           "https://x.test/a") for c in chunks)
    assert " ".join(c.text for c in chunks).split() == text.split()


def test_paragraphs_are_not_merged_across_the_budget(embedder):
    text = "First short paragraph.\n\nSecond short paragraph."
    chunks = chunk_article(_article(text), 200, embedder.count_tokens_batch)
    assert len(chunks) == 1 and chunks[0].text == text


def test_sentence_spans_are_verbatim_slices():
    text = "Mr. Smith went to Washington. He said: “It is fine.”\n\nNew paragraph here."
    spans = sentence_spans(text)
    parts = [text[s:e] for s, e in spans]
    assert parts == ["Mr. Smith went to Washington.", "He said: “It is fine.”", "New paragraph here."]
