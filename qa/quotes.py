"""Where a speaker's words begin and end across sentences, from quotation marks and speech verbs.

News quotes run over several sentences and name their speaker once, usually at the end of the first sentence or
of the last: “The lists are not growing because hospitals are doing less. They are doing more than ever,” said
the chief executive. Split into sentences, the attributed one is what the reader picks, and the words before it
would be lost (or, after it, the rest of the quote): an answer then opens in the middle of a quotation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_OPEN_QUOTE = ("\u201c", '"', "\u2018", "'")
_OPENS_QUOTE = ("\u201c", '"')  # double marks only: a single one may be an apostrophe ("'90s")
_SPEECH = r"(?:said|says|added|adds|told|tells|continued|noted|wrote|explained|argued|insisted|stressed|warned)"
_ATTRIBUTED_TO_PRONOUN = re.compile(
    rf"[,.!?\u2026][\u201d\"\u2019']?\s+(?:he|she|they)\s+(?:also\s+)?{_SPEECH}\b|^(?:He|She|They)\s+(?:also\s+)?{_SPEECH}\b"
)
# "She called the floods “unprecedented”", "He described ...": whoever the sentence before named speaking.
_PRONOUN_LED = re.compile(r"(?:He|She|They)\s+(?:also\s+)?[a-z]+(?:ed|s)\b")
_SPEAKS = re.compile(rf"[\u201c\u201d\"]|\b(?:{_SPEECH}|saying|according to)\b", re.IGNORECASE)
# A straight double mark right after a sentence's punctuation closes a quotation ("... than we do," she said).
_CLOSING_STRAIGHT = re.compile(r'[,.!?\u2026]"')
_MARKS = ('"', "\u201c", "\u201d")
# How far back a quotation's opening is looked for: news quotes rarely run past three sentences before the
# attribution, and a longer run is more likely two quotations than one.
QUOTE_REACH = 3


def continues_quote(previous: str, sentence: str) -> bool:
    """Does `sentence` carry on the words of the speaker of `previous` ("...," he said)?"""
    if not _SPEAKS.search(previous):
        return False
    return bool(_ATTRIBUTED_TO_PRONOUN.search(sentence)) and (
        sentence.startswith(_OPEN_QUOTE) or sentence[:3].lower() in {"he ", "she", "the"}
    )


def carries_words(previous: str, sentence: str, kind: str | None) -> bool:
    """With the reader, an answer grows only by the rest of its speaker's words: a quote that runs on, or, asked for
    someone's words, the quotation that opens right after the sentence naming them (news introduces a speaker,
    then quotes: "... worries aid workers like Ines Maro, a lecturer. “This is a stopgap,” she said")."""
    return continues_quote(previous, sentence) or (kind == "quote" and sentence.lstrip().startswith(_OPENS_QUOTE))


def _first_straight_closes(text: str) -> bool:
    return bool(_CLOSING_STRAIGHT.search(text[: text.index('"') + 1]))


def opens_quote(text: str) -> bool:
    """Does the sentence open a quotation that it does not close?"""
    if text.count("\u201c") != text.count("\u201d"):
        return text.count("\u201c") > text.count("\u201d")
    return text.count('"') % 2 == 1 and not _first_straight_closes(text)


def closes_earlier_quote(text: str) -> bool:
    """Does the sentence close a quotation opened in a sentence before it?"""
    if text.count("\u201c") != text.count("\u201d"):
        return text.count("\u201d") > text.count("\u201c")
    return text.count('"') % 2 == 1 and _first_straight_closes(text)


def quote_opening(sentence: str, before: Sequence[str]) -> int:
    """How many of the sentences `before` (nearest first) belong to the quotation `sentence` closes: up to and
    including the one that opens it; 0 when it closes no earlier quotation or the opening is not found within
    `before` (a chunk that starts mid-quote, or marks that do not pair up)."""
    if not closes_earlier_quote(sentence):
        return 0
    for k, previous in enumerate(before[:QUOTE_REACH], start=1):
        if opens_quote(previous):
            return k
        if any(m in previous for m in _MARKS):
            return 0
    return 0


# A speaker named next to the verb of speech: "Mayor Brendan Toal said", "said Dr. Niamh Kearney", "Siobhan
# Kehoe, the union's general secretary, said", "Guterres on Tuesday warned", "according to Placer.ai". A role
# alone ("the minister said") names nobody and is left unknown.
_NAME = r"(?:[A-Z][\w.'\u2019-]*\s+){0,4}[A-Z][\w'\u2019-]+"
_VERB = rf"(?:{_SPEECH}|told|tells)"
_NAMED_BEFORE = re.compile(rf"({_NAME})(?:\s+of\s+(?:the\s+)?{_NAME})?(?:,[^,\u201c\u201d\"]{{1,80}},)?"
                           rf"(?:\s+(?:on|last|this)\s+\w+)?\s+(?:also\s+)?{_VERB}\b")
# After the verb, "told" names who listened ("he told Terra Review"), not who spoke.
_NAMED_AFTER = re.compile(rf"\b(?!told\b|tells\b)(?:{_SPEECH}|according to)\s+({_NAME})")
_TITLES = {"mr", "mrs", "ms", "dr", "prof", "mayor", "minister", "president", "chief", "sir", "dame", "judge"}
_NOT_NAMES = {"i", "we", "you", "he", "she", "it", "they", "this", "that", "these", "those", "monday", "tuesday",
              "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday"}


def _surname(name: str) -> str:
    return name.split()[-1].strip(".'\u2019").lower()


def named_speaker(sentence: str) -> str | None:
    """The surname of the person the sentence says is speaking, when it names one next to a verb of speech."""
    for pattern in (_NAMED_BEFORE, _NAMED_AFTER):
        for m in pattern.finditer(sentence):
            words = [w for w in m.group(1).split() if w.lower().strip(".") not in _TITLES | _NOT_NAMES]
            # A sentence's or quotation's first word is capitalised anyway ("Officials said", "“They told
            # us"): one such word names nobody.
            opening = not sentence[: m.start(1)].strip(" " + "".join(_OPEN_QUOTE))
            if words and not (len(words) == 1 and opening):
                return _surname(" ".join(words))
    return None


def speaker(sentence: str, previous: str = "") -> str | None:
    """Who speaks in `sentence`: named in it, or, for a quotation or a "she said", named in the sentence before."""
    named = named_speaker(sentence)
    if named or not previous:
        return named
    if (_ATTRIBUTED_TO_PRONOUN.search(sentence) or sentence.lstrip().startswith(_OPENS_QUOTE)
            or _PRONOUN_LED.match(sentence.lstrip())):
        return named_speaker(previous)
    return None


def named_in(surname: str, question: str) -> bool:
    return re.search(rf"\b{re.escape(surname)}\b", question.lower()) is not None
