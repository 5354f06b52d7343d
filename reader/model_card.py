"""The model cards (README.md) beside the trained weights: data, training, test-split metrics, use and limits.

Written from the figures `reader.card` measured (metrics.json) and the run `reader.train` recorded (training.json),
so a card never states a number the shipped weights do not reproduce (tests/test_reading_models.py checks).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from reader.dataset import WRITTEN, load_articles, split_of

_COMMON = """## Training data

Written by the newsdesk team for this purpose only (`reader/data/written/`, checked by `python -m reader.check`):
{articles} fictional but realistic news articles in {n_beats} beats ({beats}), {stories} stories followed over
several articles, {questions} questions ({near} near-miss unanswerables) and {claims} claims for the verifier. No
text of any real article, of `../shared` (newsdesk's evaluation data) or of any other corpus. The test split is a
fixed ~15% of stories (`reader.dataset.split_of`: {test_articles} articles), never trained on.{since}

## Training

Fine-tuned from {base} with sentence-transformers' `CrossEncoderTrainer`: one logit, {loss}, {epochs} epochs,
learning rate {learning_rate}, batch {batch_size}, max length {max_length} tokens, seed {seed}, on {pairs} pairs
({positives} positive), {minutes} minutes on 2 CPU cores.{stage} Weights stored in {dtype} (loaded as
float32).
Reproduce with `make train` (`python -m reader.check && python -m reader.train && python -m reader.card --write`).
"""

READER = """# newsdesk answer reader

A cross-encoder scoring (question, candidate sentence) pairs: the probability that the sentence answers the
question. The candidate is shown as `sentence || title previous-sentence` (`qa.reading.reader_text`), because who
speaks is often named in the sentence before and what the article is about in its title.

newsdesk's extractive answerer reads the shortlisted sentences of the retrieved passages with it, answers with
the best one or two (one per part of a compound question), and refuses when none reaches the calibrated threshold
({threshold}, `NEWSDESK_READING_READER_THRESHOLD`).

{common}
## Metrics on the test split

At threshold {threshold}, every sentence of the question's article(s) scored:

| | |
|---|---|
| answerable read right (an answer first, above the threshold) | **{accuracy:.2f}** ({answerable} questions) |
| near-miss questions refused (no sentence above the threshold) | **{near_miss_refused:.2f}** ({near_miss} questions) |
| answerable questions refused | {false_refusals:.2f} |

By kind: {by_kind}.

## Intended use and limits

- For short news passages in English; questions as users type them (chat, quiz-style or search-box).
- It reads one sentence (with its title and previous sentence): an answer spread over two sentences far apart,
  or one that needs arithmetic across the article, is out of its reach.
- Trained on fictional news written by one team: its notion of a near miss (another year, another person, an
  outcome not reported, a figure not given) is what that data shows; other kinds of unanswerable questions may
  still get an answer.
- Headlines and captions are taught to answer nothing; tables, lists and transcripts were not in the data.
"""

VERIFIER = """# newsdesk citation verifier

A cross-encoder scoring (evidence, claim) pairs: the probability that the evidence (one to three sentences of
the cited passage) says what the claim says. newsdesk's citation check judges each non-verbatim answer sentence
with it against the cited passages' closest sentences, after the hard rules (a quotation or figure absent from
the cited passage, a date absent from its closest sentences, a figure counting something else there, a name the
cited articles never use, a word whose opposite they use or that they only negate: each fails outright), and
flags the sentence below the calibrated threshold ({threshold},
`NEWSDESK_READING_VERIFIER_THRESHOLD`).

{common}
Besides the written claims (faithful close and loose paraphrases; unfaithful ones with exactly one error each:
negation, entity swap, wrong number, wrong date, misattribution, unsupported addition, fabricated quote), training
adds rule-made errors of the faithful claims (`reader/perturb.py`, the FactCC recipe: negation, entity, number
and date swaps), faithful claims shown with another article's evidence (wrong citation), and sentences copied
verbatim from their passage (faithful).

## Metrics on the test split

At threshold {threshold}:

| claims | pairs | faithful kept | unfaithful flagged |
|---|---|---|---|
| written | {w_pairs} | **{w_kept:.2f}** | **{w_flagged:.2f}** |
| rule-made | {r_pairs} | {r_kept:.2f} | {r_flagged:.2f} |

Written claims judged right, by kind: {by_kind}.

## Intended use and limits

- Judges one claim against a short window of evidence; a claim that needs two passages at once is judged against
  each window apart and can be flagged although the two together support it.
- Trained on fictional news written by one team: subtle errors of kinds not in the data (a wrong comparison,
  a changed modality such as "may" for "will") are less likely to be caught.
- Not a fact-checker: it says whether the cited passage supports the claim, never whether the passage is true.
"""


def data_stats() -> dict:
    """The written set as it stands: what a training run records it was trained on (training.json's `data`)."""
    articles = load_articles()
    questions = [json.loads(x) for p in sorted(WRITTEN.glob("*.questions.jsonl"))
                 for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
    claims = sum(1 for p in WRITTEN.glob("*.claims.jsonl") for x in p.read_text(encoding="utf-8").splitlines()
                 if x.strip())
    beats = sorted({p.name.split(".")[0] for p in WRITTEN.glob("*.articles.jsonl")})
    stories = Counter(a.story for a in articles.values())
    return {"articles": len(articles), "beats": ", ".join(beats), "n_beats": len(beats),
            "stories": sum(1 for n in stories.values() if n > 1),
            "questions": len(questions), "near": sum(q["kind"] == "near_miss" for q in questions), "claims": claims,
            "test_articles": sum(split_of(a) == "test" for a in articles.values())}


def _kinds(rows: dict) -> str:
    return ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v['right']:.2f} (n={v['n']})"
                     for k, v in rows.items())


def write_cards(models: Path, figures: dict) -> None:
    now = data_stats()
    for name, template in (("answer-reader", READER), ("citation-verifier", VERIFIER)):
        training = json.loads((models / name / "training.json").read_text(encoding="utf-8"))
        # The card describes the data the weights were trained on; the metrics are always today's test split.
        trained = training.pop("data", None) or now
        since = ""
        if trained["articles"] != now["articles"]:
            since = (f"\n\nThe written set has since grown to {now['articles']} articles in {now['n_beats']} beats "
                     f"({now['beats']}); these weights were not retrained on it. The split is by story and "
                     "stable, so the metrics below, measured on today's test split, are on articles never trained "
                     "on.")
        stage = training.pop("stage", "")
        stage = f" That was the {stage}." if stage else ""
        common = _COMMON.format(**(trained | {"test_articles": now["test_articles"], "since": since, "stage": stage}),
                                **training)
        if name == "answer-reader":
            r = figures["reader"]
            text = template.format(common=common, threshold=figures["reader_threshold"],
                                   by_kind=_kinds(r["accuracy_by_kind"]), **{k: v for k, v in r.items()
                                                                             if k != "accuracy_by_kind"})
        else:
            w, rm = figures["verifier"]["written"], figures["verifier"]["rule_made"]
            text = template.format(common=common, threshold=figures["verifier_threshold"], w_pairs=w["pairs"],
                                   w_kept=w["faithful_kept"], w_flagged=w["unfaithful_flagged"], r_pairs=rm["pairs"],
                                   r_kept=rm["faithful_kept"], r_flagged=rm["unfaithful_flagged"],
                                   by_kind=_kinds(w["by_kind"]))
        (models / name / "README.md").write_text(text, encoding="utf-8")
