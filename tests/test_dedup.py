"""Near-duplicate collapse: syndicated copies of one wire story become one indexed article listing every source."""

from __future__ import annotations

import json

import pytest

from core.settings import Settings
from index.dedup import DedupIndex, signature, similarity
from index.handle import IndexHandle
from index.remove import remove
from qa.desk import Desk

WIRE = [
    "WASHINGTON (AP) \u2014 The Federal Aviation Administration on Wednesday ordered airlines to inspect the door "
    "plugs of 171 Boeing 737 Max 9 jets after a panel blew out of an Alaska Airlines flight shortly after takeoff "
    "from Portland, Oregon, forcing an emergency landing.",
    "The agency said the planes would stay grounded until each had been inspected and cleared, a process that "
    "airlines expect to take several days. United Airlines, which flies 79 of the affected jets, said it had "
    "already found loose bolts on some of them during preliminary checks.",
    "No one was seriously hurt on the Alaska flight, which had 171 passengers and six crew members on board. "
    "The National Transportation Safety Board is investigating and said a teacher in Portland had found the "
    "missing panel in his back yard on Sunday evening.",
    "Boeing said in a statement that safety was its top priority and that it fully supported the decision of the "
    "regulator and its customers. Shares of the company fell 8 percent in trading on Monday.",
    "The Max has a troubled history: two crashes in 2018 and 2019 killed 346 people and led to a worldwide "
    "grounding of the model that lasted nearly two years.",
]
OTHER = (
    "Alaska Airlines said on Thursday it had cancelled 200 flights because of the grounding, and offered refunds "
    "to passengers whose trips were affected through the weekend. The airline expects to restore its full "
    "schedule once inspections of its 65 Max 9 jets are complete, a spokesperson said, adding that staff were "
    "working around the clock to rebook travellers on other aircraft."
)


def copy(headline: str, byline: str, footer: str) -> dict:
    return {"title": headline, "text": "\n\n".join([byline, *WIRE, footer])}


COPIES = [
    {"id": "ap", "source": "AP", "url": "https://apnews.example/faa-737", "published": "2024-01-10",
     **copy("FAA orders inspections of 171 Boeing jets", "By Jane Doe, Associated Press",
            "Copyright 2024 The Associated Press. All rights reserved.")},
    {"id": "usat", "source": "USA Today", "url": "https://usatoday.example/boeing", "published": "2024-01-10",
     **copy("Boeing 737 Max 9 jets grounded after panel blows out", "USA TODAY staff and wire reports",
            "Contributing: Kim Park, USA TODAY")},
    {"id": "local", "source": "Portland Daily", "url": "https://pdx.example/door", "published": "2024-01-11",
     **copy("Door plug found in Portland back yard; FAA grounds jets", "From wire reports",
            "This story has been updated with new information.")},
]


def jsonl(path, records: list[dict]):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_signatures_tell_copies_from_other_stories():
    sigs = [signature(c["text"]) for c in COPIES]
    other = signature(OTHER)
    assert min(similarity(a, b) for a in sigs for b in sigs) >= 0.8
    assert max(similarity(s, other) for s in sigs) < 0.2
    assert signature(COPIES[0]["text"].upper()).tolist() == sigs[0].tolist()  # case and quotes do not matter
    index = DedupIndex(0.8)
    index.add("b", sigs[1])
    index.add("a", sigs[1])
    assert index.match(sigs[1]) == ("a", 1.0)  # ties go to the smaller id: the same answer every run
    assert index.match(other) is None
    with pytest.raises(ValueError, match="got 1.5"):
        DedupIndex(1.5)


def test_copies_collapse_into_one_article_that_lists_every_source(tmp_path, desk):
    records = [*COPIES, {"id": "other", "source": "AP", "title": "Alaska cancels flights", "text": OTHER}]
    report = desk.ingest([jsonl(tmp_path / "wire.jsonl", records)])
    assert report.added == ["ap", "other"]
    assert report.duplicates == [("usat", "ap"), ("local", "ap")]
    handle = desk.handle
    assert handle.manifest.duplicates() == {"usat": "ap", "local": "ap"}
    assert set(handle.manifest.done()) == {"ap", "other"}
    metas = [m for _, m in handle.store.article_metadata()["ap"]]
    for meta in metas:
        # The indexed article's own first, then its copies' by id (the same order whatever order they came in).
        assert meta["sources"] == ["AP", "Portland Daily", "USA Today"]
        assert meta["urls"] == [COPIES[0]["url"], COPIES[2]["url"], COPIES[1]["url"]]
        assert meta["duplicate_ids"] == ["local", "usat"]
    assert all("sources" in m and "duplicate_ids" not in m for _, m in handle.store.article_metadata()["other"])

    answer = desk.ask("How many Boeing 737 Max 9 jets did the FAA order airlines to inspect?")
    assert not answer.refused and "171" in answer.answer
    cited = {c.article_id for c in answer.citations}
    assert "ap" in cited and not cited & {"usat", "local"}  # the copies are never cited, only the article kept
    texts = [p.chunk.text for p in answer.passages]
    assert len(texts) == len(set(texts))  # one passage, not three copies of it

    again = desk.ingest([tmp_path / "wire.jsonl"])
    assert len(again.unchanged) == 4 and again.duplicates == [] and again.chunks == 0


def test_a_copy_arriving_in_a_later_ingest_collapses_too(tmp_path, settings, embedder):
    first = IndexHandle(settings, embedder=embedder)
    Desk(settings, handle=first).ingest([jsonl(tmp_path / "day1.jsonl", COPIES[:1])])
    count = first.store.count()
    first.close()

    later = IndexHandle(settings, embedder=embedder)  # a new process, as far as the index is concerned
    report = Desk(settings, handle=later).ingest([jsonl(tmp_path / "day2.jsonl", COPIES[1:])])
    assert report.added == [] and report.duplicates == [("usat", "ap"), ("local", "ap")] and report.chunks == 0
    assert later.store.count() == count
    sources = {tuple(m["sources"]) for _, m in later.store.article_metadata()["ap"]}
    assert sources == {("AP", "Portland Daily", "USA Today")}
    later.close()


def test_removing_the_indexed_copy_promotes_another(tmp_path, desk):
    desk.ingest([jsonl(tmp_path / "wire.jsonl", COPIES)])
    report = remove(desk.handle, ids=["ap"])
    assert report.removed == ["ap"] and report.promoted == ["local"]
    handle = desk.handle
    assert set(handle.manifest.done()) == {"local"} and handle.manifest.duplicates() == {"usat": "local"}
    metas = [m for _, m in handle.store.article_metadata()["local"]]
    assert metas and all(m["sources"] == ["Portland Daily", "USA Today"] for m in metas)
    assert {c.article_id for c in handle.store.iter_chunks()} == {"local"}
    assert len(handle.lexical()) == handle.store.count()

    # Removing a near-duplicate only takes its source off the indexed copy.
    assert remove(desk.handle, ids=["usat"]).promoted == []
    assert all(m["sources"] == ["Portland Daily"] and "duplicate_ids" not in m
               for _, m in handle.store.article_metadata()["local"])


def test_a_changed_copy_that_no_longer_matches_is_indexed(tmp_path, desk):
    desk.ingest([jsonl(tmp_path / "wire.jsonl", COPIES[:2])])
    rewritten = dict(COPIES[1], text=OTHER)
    report = desk.ingest([jsonl(tmp_path / "wire2.jsonl", [rewritten])])
    assert report.updated == ["usat"] and report.duplicates == []
    assert set(desk.handle.manifest.done()) == {"ap", "usat"}
    assert all(m["sources"] == ["AP"] for _, m in desk.handle.store.article_metadata()["ap"])


def test_dedup_can_be_switched_off(tmp_path, embedder):
    settings = Settings(home=tmp_path / "home", dedup={"enabled": False})
    handle = IndexHandle(settings, embedder=embedder)
    report = Desk(settings, handle=handle).ingest([jsonl(tmp_path / "wire.jsonl", COPIES)])
    assert report.added == ["ap", "usat", "local"] and report.duplicates == []
    handle.close()


def test_the_stored_lookup_finds_what_the_in_memory_one_finds(tmp_path):
    """The manifest's LSH buckets (index/dedup_store.py) against datasketch's in-memory index, over near and far
    signatures, and again after the threshold (so the banding) changes."""
    import numpy as np

    from core.types import Article
    from index.dedup import to_bytes
    from index.dedup_store import StoredDedupIndex
    from index.manifest import Manifest

    rng = np.random.default_rng(3)
    base = [rng.integers(0, 2**32, 128, dtype=np.uint64).astype("<u4") for _ in range(40)]
    sigs = {f"a{i:02d}": s for i, s in enumerate(base)}
    for i in range(0, 40, 4):  # near copies: a share of the hash values changed
        near = base[i].copy()
        near[rng.choice(128, size=int(128 * (0.05 + 0.02 * (i % 12))), replace=False)] += 1
        sigs[f"n{i:02d}"] = near
    manifest = Manifest(tmp_path / "manifest.sqlite")
    indexed = sorted(sigs)[::2]
    manifest.begin_many([(Article(id=i, title=i, text="x"), "h", to_bytes(sigs[i]), None) for i in indexed])
    manifest.finish(indexed, [1] * len(indexed))
    for threshold in (0.8, 0.6):
        stored = StoredDedupIndex(threshold, manifest)
        memory = DedupIndex.build(threshold, manifest.signatures())
        found = [stored.match(s, exclude=i) for i, s in sorted(sigs.items())]
        assert found == [memory.match(s, exclude=i) for i, s in sorted(sigs.items())]
        assert any(found) and not all(found)
        stored.remove(indexed[0])  # this run's own changes, on top of the stored buckets
        assert stored.match(sigs[indexed[0]]) in (None, memory.match(sigs[indexed[0]], exclude=indexed[0]))
    manifest.close()
