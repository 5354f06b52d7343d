"""newsdesk's own reading models: they load offline from the repo, reproduce their model cards, and read.

The hand-made cases here are written for the tests (not in the training set): a detail asked after a topic
sentence, two speakers in one article, near misses, one claim per error kind, and loose paraphrases.
"""

from __future__ import annotations

import json

import pytest

from core.errors import ConfigError
from core.settings import AnswerSettings, ReadingSettings, Settings
from core.settings_reading import bundled_reading_model
from core.types import Chunk, Passage
from qa.cite import CitationChecker, Draft
from qa.reading import AnswerReader, CitationVerifier

ARTICLE = (
    "Dunmore council approves harbour wall repairs after winter storms",
    [
        "DUNMORE, Feb. 6 - Dunmore's town council on Tuesday approved a plan to repair the harbour wall damaged by "
        "January's storms.",
        "The repairs will cost 2.4 million euros and are due to start in April, council engineer Niamh Calloway said.",
        "Councillors voted 9 to 3 in favour after a two-hour debate at the town hall.",
        "\u201cWe cannot leave the fishing fleet exposed for another winter,\u201d Mayor Brendan Toal said.",
        "Opposition councillor Ruth Aherne said the plan ignored the ferry terminal.",
        "\u201cThe terminal floods every spring and nobody has costed it,\u201d she said.",
    ],
)


@pytest.fixture(scope="module")
def reader() -> AnswerReader:
    return AnswerReader(bundled_reading_model("answer-reader"))


@pytest.fixture(scope="module")
def verifier() -> CitationVerifier:
    return CitationVerifier(bundled_reading_model("citation-verifier"))


def _rank(reader: AnswerReader, question: str) -> tuple[list[str], list[float]]:
    title, sentences = ARTICLE
    cands = [(s, sentences[i - 1] if i else "", title) for i, s in enumerate(sentences)]
    probs = reader.score(question, cands)
    order = sorted(range(len(sentences)), key=lambda i: -probs[i])
    return [sentences[i] for i in order], [float(probs[i]) for i in order]


@pytest.mark.parametrize(("question", "expected"), [
    ("How much will the harbour wall repairs cost?", "2.4 million euros"),
    ("When are the Dunmore harbour repairs due to start?", "start in April"),
    ("How did the Dunmore councillors vote on the harbour plan?", "9 to 3"),
])
def test_the_reader_ranks_the_detail_over_the_topic_sentence(reader, question, expected):
    ranked, probs = _rank(reader, question)
    assert expected in ranked[0], ranked[:2]
    assert probs[0] >= ReadingSettings().reader_threshold


# Known limits of the shipped reader and verifier, kept as strict xfails so that a better model shows here at once
# (an unexpected pass fails the run) and nobody mistakes them for met: see reader/models/answer-reader/README.md.
SPEAKER_LIMIT = pytest.mark.xfail(strict=True, reason="the shipped reader ranks the other speaker's sentence first "
                                  "when both name the story's subject")
NEAR_MISS_LIMIT = pytest.mark.xfail(strict=True, reason="the shipped reader is sure of the sentence that answers "
                                    "the neighbouring question (the wall's cost for the terminal's)")


@SPEAKER_LIMIT
def test_the_reader_picks_the_right_speakers_quote(reader):
    ranked, _ = _rank(reader, "What did Ruth Aherne say about the ferry terminal?")
    assert "Aherne" in ranked[0] or "terminal floods" in ranked[0], ranked[:2]
    ranked, _ = _rank(reader, "What did Mayor Toal say about the harbour plan?")
    assert "fishing fleet" in ranked[0], ranked[:2]


@pytest.mark.parametrize("question", [
    pytest.param("How much will the ferry terminal repairs cost?", marks=NEAR_MISS_LIMIT),
    pytest.param("When did the harbour wall repairs finish?", marks=NEAR_MISS_LIMIT),
    "What did Niamh Calloway say about the ferry terminal flooding?",
])
def test_near_miss_questions_clear_no_sentence(reader, question):
    _, probs = _rank(reader, question)
    assert probs[0] < ReadingSettings().reader_threshold, probs[0]


EVIDENCE = ("The repairs will cost 2.4 million euros and are due to start in April, council engineer Niamh "
            "Calloway said. Councillors voted 9 to 3 in favour after a two-hour debate at the town hall. "
            "\u201cWe cannot leave the fishing fleet exposed for another winter,\u201d Mayor Brendan Toal said.")


@pytest.mark.parametrize(("kind", "claim"), [
    ("negation", "Councillors voted against the harbour plan after a two-hour debate."),
    ("entity_swap", "Mayor Brendan Toal said the repairs will cost 2.4 million euros and start in April."),
    # A figure swapped with another of the same passage passes the figure rule, and the verifier misses it; the
    # binding rule (qa/figures.misbound_figures) does not.
    ("wrong_number", "The repairs will cost 9 million euros, according to the council engineer."),
    ("wrong_date", "The harbour wall repairs are due to start in June."),
    ("misattribution", "Niamh Calloway said the fishing fleet could not be left exposed for another winter."),
    ("unsupported_addition", "Councillors voted 9 to 3 in favour, and the work will be done by a Cork contractor."),
    ("fabricated_quote", "Mayor Toal said the council had \u201cno money left for the ferry terminal\u201d."),
])
def test_the_citation_check_flags_each_kind_of_error(embedder, verifier, kind, claim):
    # The check as answers get it: the quote and figure rules first, then the verifier on the closest sentences.
    checker = CitationChecker(embedder, AnswerSettings(), verifier=verifier, reading=ReadingSettings())
    passage = Passage(chunk=Chunk(id=Chunk.make_id("dunmore", 0), article_id="dunmore", position=0, text=EVIDENCE,
                                  title=ARTICLE[0], source="Wire", published="2025-02-06"), score=1.0)
    verdict = checker.verdicts([Draft(claim, [0])], [passage])[0]
    assert not verdict.supported, (kind, verdict)


def test_a_name_the_cited_article_never_uses_is_flagged_by_name(embedder, verifier):
    checker = CitationChecker(embedder, AnswerSettings(), verifier=verifier, reading=ReadingSettings())
    passage = Passage(chunk=Chunk(id=Chunk.make_id("dunmore", 0), article_id="dunmore", position=0, text=EVIDENCE,
                                  title=ARTICLE[0], source="Wire", published="2025-02-06"), score=1.0)
    swapped, faithful = checker.verdicts([
        Draft("The repairs will cost 2.4 million euros, council engineer Aoife Brennan said.", [0]),
        Draft("The repairs will cost 2.4 million euros, council engineer Niamh Calloway said.", [0])], [passage])
    assert not swapped.supported and "Aoife" in swapped.reason, swapped
    assert faithful.supported, faithful


@pytest.mark.parametrize("claim", [
    "According to the council's engineer, the work will begin in April and cost 2.4 million euros.",
    "The plan passed by nine votes to three following a debate of two hours.",
    "The mayor argued that the fleet could not be left unprotected through another winter.",
])
def test_the_verifier_accepts_loose_paraphrases(verifier, claim):
    prob, _ = verifier.support(claim, [EVIDENCE])
    assert prob >= ReadingSettings().verifier_threshold, prob


@pytest.mark.slow
def test_the_shipped_weights_reproduce_their_model_card_on_the_test_split():
    from reader.card import METRICS, MODELS, measure

    card = json.loads(METRICS.read_text(encoding="utf-8"))
    got = measure(MODELS, ReadingSettings(reader_threshold=card["reader_threshold"],
                                          verifier_threshold=card["verifier_threshold"]))
    for key in ("accuracy", "near_miss_refused", "false_refusals"):
        assert got["reader"][key] == pytest.approx(card["reader"][key], abs=0.01), key
    for part in ("written", "rule_made"):
        for key in ("faithful_kept", "unfaithful_flagged"):
            assert got["verifier"][part][key] == pytest.approx(card["verifier"][part][key], abs=0.01), (part, key)
    readme = (MODELS / "answer-reader" / "README.md").read_text(encoding="utf-8")
    assert f"{card['reader']['accuracy']:.2f}" in readme


def test_each_model_is_a_setting_and_can_be_off(tmp_path):
    off = Settings(reading=ReadingSettings(reader="off", verifier="off"))
    assert off.reading.resolved("reader") is None and off.reading.resolved("verifier") is None
    assert Settings().reading.resolved("reader").endswith("answer-reader")
    with pytest.raises(ConfigError, match=str(tmp_path / "nowhere")):
        AnswerReader(tmp_path / "nowhere")


def test_a_desk_with_reading_off_answers_as_the_heuristics_do(settings, handle):
    from qa.desk import Desk

    desk = Desk(settings.model_copy(update={"reading": ReadingSettings(reader="off", verifier="off")}),
                handle=handle)
    assert desk.reader is None and desk.verifier is None
    assert desk.answerer.reader is None and desk.checker.verifier is None


def test_the_onnx_backend_scores_as_torch_does(reader, verifier, tmp_path):
    from qa.cross_onnx import OnnxCrossEncoder

    title, sentences = ARTICLE
    cands = [(s, sentences[i - 1] if i else "", title) for i, s in enumerate(sentences)]
    question = "What did the opposition councillor say about the ferry terminal?"
    fast = AnswerReader(bundled_reading_model("answer-reader"), backend="onnx")
    assert fast.score(question, cands) == pytest.approx(reader.score(question, cands), abs=1e-4)
    pairs = [(sentences[1], "The repairs will cost about 2.4 million euros."), (sentences[3], "The mayor was silent.")]
    fast_verifier = CitationVerifier(bundled_reading_model("citation-verifier"), backend="onnx")
    assert fast_verifier.probabilities(pairs) == pytest.approx(verifier.probabilities(pairs), abs=1e-4)
    # Batches pad to their own length and come back in the order asked.
    exported = OnnxCrossEncoder(bundled_reading_model("answer-reader"), cache_dir=tmp_path / "onnx")
    texts = [(question, s) for s in sentences]
    one_by_one = [float(exported.logits([t])[0]) for t in texts]
    assert exported.logits(texts, batch_size=2) == pytest.approx(one_by_one, abs=1e-4)
    assert list((tmp_path / "onnx").glob("*/model.onnx"))
    with pytest.raises(ConfigError, match="NEWSDESK_READING_BACKEND=torch"):
        OnnxCrossEncoder(tmp_path)


def test_the_int8_graph_ranks_the_hand_made_details_as_float32_does(reader, verifier, tmp_path, monkeypatch):
    import shutil

    from qa import cross_onnx

    # Quantised once from the float32 export and cached beside it; on these clear cases decisions do not move.
    fast = AnswerReader(bundled_reading_model("answer-reader"), backend="onnx", precision="int8")
    fast.onnx = cross_onnx.OnnxCrossEncoder(fast.path, cache_dir=tmp_path / "onnx", int8=True)
    assert fast.onnx.graph.name == "model-int8.onnx" and (fast.onnx.graph.parent / "model.onnx").is_file()
    for question in ("How much will the harbour wall repairs cost?", "How did the Dunmore councillors vote on the "
                     "harbour plan?", "When are the Dunmore harbour repairs due to start?"):
        ranked, probs = _rank(fast, question)
        exact_ranked, exact_probs = _rank(reader, question)
        assert ranked[0] == exact_ranked[0], question
        assert probs[0] == pytest.approx(exact_probs[0], abs=0.2), question
        threshold = ReadingSettings().reader_threshold
        assert (probs[0] >= threshold) == (exact_probs[0] >= threshold), (question, probs[0], exact_probs[0])
    claims = ["The plan passed by nine votes to three following a debate of two hours.",
              "Councillors voted against the harbour plan after a two-hour debate.",
              "Mayor Brendan Toal said the repairs will cost 2.4 million euros and start in April."]
    fast_verifier = CitationVerifier(bundled_reading_model("citation-verifier"), backend="onnx", precision="int8")
    pairs = [(EVIDENCE, c) for c in claims]
    assert fast_verifier.probabilities(pairs) == pytest.approx(verifier.probabilities(pairs), abs=0.2)
    # An int8 graph that strays from float32 is refused with the setting that avoids it, and not cached.
    other = tmp_path / "other"
    shutil.copytree(tmp_path / "onnx", other)
    for graph in other.glob("*/model-int8.onnx"):
        graph.unlink()
    monkeypatch.setattr(cross_onnx, "_INT8_MAX_DIFF", -1.0)
    with pytest.raises(ConfigError, match="NEWSDESK_READING_PRECISION=float32"):
        cross_onnx.OnnxCrossEncoder(fast.path, cache_dir=other, int8=True)
    assert not list(other.glob("*/model-int8.onnx"))


def test_desks_read_with_the_onnx_backend_by_default(desk):
    assert desk.reader.backend == "onnx" and desk.verifier.backend == "onnx"
    # float32 by default: int8 moves scores enough to answer near misses float32 refuses (README, stop 24).
    assert desk.reader.precision == "float32" and desk.verifier.precision == "float32"


@pytest.mark.parametrize(("claim", "flagged"), [
    ("Children and people over 60 were the least affected, Dr. Osei said.", True),
    ("The union defended the strike at the depot, its secretary said.", True),
    # "Not certain" is no opposite of "uncertain", and the rule reads only what the claim adds.
    ("How many people were still missing was uncertain, the coastguard said.", False),
])
def test_a_sentence_saying_the_opposite_of_its_citation_is_flagged_with_the_words(embedder, verifier, claim, flagged):
    evidence = ("Outpatient visits for breathing problems rose 35 percent, with children and people over 60 the worst "
                "affected, Dr. Kwame Osei said. The union condemned the strike at the depot. The coastguard said it "
                "was not certain how many people were still missing.")
    checker = CitationChecker(embedder, AnswerSettings(), verifier=verifier, reading=ReadingSettings())
    passage = Passage(chunk=Chunk(id=Chunk.make_id("clinic", 0), article_id="clinic", position=0, text=evidence,
                                  title="Breathing problems up", source="Wire", published="2025-02-06"), score=1.0)
    verdict = checker.verdicts([Draft(claim, [0])], [passage])[0]
    assert ("say the opposite" in verdict.reason) is flagged, verdict
    if flagged:
        assert not verdict.supported
