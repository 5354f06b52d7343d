"""Compound questions ("Which actor plays the mayor, and which plays the councillor?") as the parts each needs.

An extractive answerer scores every sentence against the whole question, so the sentence that best answers one
half wins twice and the other half goes unanswered. Split into parts, each part is answered on its own: the
statement a question opens with ("Aoife Deasy was named captain in March. How many ...?") and the phrase its
first part opens with ("In the second series of 'Harbour Lights', which actor ...") are context of every part, and
a later part's pronouns ("... sentenced him") get the names of the parts before it.

With the reader, the shortlist and the reader see a part without the statement it opens with (`asked_part`): the
reader was trained on questions alone, and given "Aoife Deasy was named the ferry's first woman captain. How many
years at sea does she have?" it is surest of the sentence reporting the appointment, the statement's echo, over the
one giving the years (bench/calibrate.py --sets written-lead measures it).
"""

from __future__ import annotations

import re

from qa.followup import names
from qa.sentences import split_sentences

_WH = r"(?:which|what|who|whom|whose|when|where|why|how)"
_PREP = r"(?:on|in|at|by|for|from|to|with|of|under|during|since|until)"
# ", and which ...", " and on what date ...": a conjunction opening a new question, not a list of nouns.
_JOIN = re.compile(rf",?\s+(?:and|while|but)\s+(?=(?:{_PREP}\s+)?{_WH}\b)", re.IGNORECASE)
_OPENING = re.compile(rf"^(?P<lead>.*?,\s*)?(?=(?:{_PREP}\s+)?{_WH}\b)", re.IGNORECASE | re.DOTALL)
_POINTS_BACK = re.compile(r"\b(?:he|she|him|her|his|hers|they|them|their|it|its)\b", re.IGNORECASE)
_MIN_WORDS = 3


def _statement(question: str) -> tuple[str, str]:
    """(the statement a question opens with, or "", its last sentence: what it asks), spaces normalised."""
    text = " ".join(question.split())
    sentences = [text[a:b] for a, b in split_sentences(text)] or [text]
    return " ".join(sentences[:-1]), sentences[-1]


def split_compound(question: str) -> list[str]:
    """The standalone parts of a compound question, or `[question]` when it asks one thing."""
    preface, asked = _statement(question)
    pieces = [p.strip(" ,;?") for p in _JOIN.split(asked)]
    if len(pieces) < 2 or any(len(p.split()) < _MIN_WORDS for p in pieces):
        return [question]
    opening = _OPENING.match(pieces[0])
    lead = (opening.group("lead") or "").strip() if opening else ""
    parts: list[str] = []
    known: list[str] = names(preface) if preface else []
    for i, piece in enumerate(pieces):
        part = piece if i == 0 or not lead else f"{lead} {piece}"
        if preface:
            part = f"{preface} {part}"
        if i and _POINTS_BACK.search(piece):
            carried = [n for n in known if n.lower() not in part.lower()]
            part = " ".join([part, *carried[:3]])
        known += [n for n in names(piece) if n not in known]
        parts.append(part.rstrip(" ?") + "?")
    return parts


def asked_part(question: str, part: str) -> str:
    """A part as the shortlist and the reader see it: without the statement the user's question opens with (the
    near-miss checks keep it as context); a pronoun pointing back to it gets the statement's names instead."""
    preface, spaced = _statement(question)[0], " ".join(part.split())
    if not preface or not spaced.startswith(preface):
        return part
    asked = spaced[len(preface):].strip()
    if _POINTS_BACK.search(asked):
        carried = [n for n in names(preface) if n.lower() not in asked.lower()]
        asked = " ".join([asked.rstrip(" ?"), *carried[:2]]) + "?" if carried else asked
    return asked
