"""The negation rule of the citation check: an answer sentence that states, with no negation of its own, what its
cited sentences only ever negate ("the study had tested the fillets" where they say "this study did not test it").

The verifier reads a dropped "not" as the near paraphrase it is in words. A wider scope measured at stop 27 (any
word near a negator, either way round) flagged 13 more negations and cost 10 faithful paraphrases, which negate in
many ways ("declined to give a price" for "did not give a price"). So here the negated word is the first content
word after "not", "no", "never", "without" or an "n't", within three words and before any punctuation; it must
never appear un-negated in the cited sentences; and a sentence holding any negation of its own, explicit or
implied ("declined", "ruled out", "cannot", "only"), is not judged. Words are compared by their first five letters
(bm25's terms do not stem verbs: "tested", "test"). On the written test claims this flags 7 more negations in 92
and no faithful claim (bench/claims.py).
"""

from __future__ import annotations

import re

from index.bm25 import terms
from qa.opposites import NEGATORS

_NEGATES = re.compile(
    r"\b(?:not|no|never|nor|none|nobody|nothing|neither|without|declin\w*|refus\w*|fail\w*|deni\w*|den(?:y|ies)|"
    r"reject\w*|ruled?\s+out|unable|lack\w*|yet\s+to|instead|rather|barely|hardly|little|few|avoid\w*|stopp?\w*|"
    r"halt\w*|cancel\w*|abandon\w*|cannot|dismiss\w*|unless|only|except)\b|n't\b", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z']+|[^\sA-Za-z']")
_SCOPE = 3
_ROOT = 5


def _content(word: str) -> bool:
    return len(word) >= 4 and bool(terms(word))


def negated_words(text: str) -> set[str]:
    """Roots of the words the text negates and never states un-negated."""
    negated, stated = set(), set()
    ahead = 0
    for token in _TOKEN.findall(text.replace("\u2019", "'")):
        word = token.lower()
        if not word[0].isalpha() and word[0] != "'":
            ahead = 0  # punctuation ends a negation's reach
        elif word in NEGATORS or word.endswith("n't"):
            ahead = _SCOPE
        elif _content(word):
            (negated if ahead else stated).add(word[:_ROOT])
            ahead = 0
        elif ahead:
            ahead -= 1
    return negated - stated


def unnegated(claim: str, cited: str) -> str | None:
    """A word of the claim, which holds no negation, that the cited sentences only ever negate."""
    # A curly apostrophe ("didn’t") is the straight one of the patterns.
    if _NEGATES.search(claim.replace("\u2019", "'")):
        return None
    roots = negated_words(cited)
    return next((w for w in re.findall(r"[A-Za-z]+", claim) if _content(w.lower()) and w.lower()[:_ROOT] in roots),
                None)
