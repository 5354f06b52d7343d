"""The names a question asks about, and whether the article an answer would come from mentions them at all.

A near miss often names someone or somewhere the articles never mention ("How much prize money did <the runner-up>
earn?" over a stage report naming only the winner; "How long did the shortage last in <another city>?"). The
reader, scoring one sentence at a time, is sure of the sentence about the same event; whether the asked-about name
occurs anywhere in the article is a plainer question, answered by looking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words that make a question a question but say nothing about its topic.
QUESTION_WORDS = {"what", "who", "whom", "whose", "which", "when", "where", "why", "how", "say", "tell", "did",
                  "does", "do", "many", "much", "according", "article", "news", "report"}
_NAME = re.compile(r"\b[A-Z][\w'\u2019.-]*(?:\s+(?:(?:de|da|del|von|van|der|le|la|bin|al|el)\s+)*[A-Z][\w'\u2019.-]*)*")
# Capitalised for other reasons than naming something the article must mention.
_NOT_NAMES = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "the", "in", "on",
    "at", "as", "of", "for", "and", "to", "from", "with", "by", "after", "before", "under", "over", "is", "are",
    "was", "were", "has", "have", "had", "will", "would", "can", "could", "should", "if", "but", "or",
} | QUESTION_WORDS
# "Ghanaian teachers" over an article saying "Ghana": a demonym is found by its country's first letters.
_DEMONYM = re.compile(r"(?:ian|ean|an|ish|ese|i|ic)$")
_STEM = 4
_WORD = re.compile(r"[\w\u00c0-\u024f-]+")


def question_names(question: str) -> list[str]:
    """Capitalised phrases of the question that name someone or something ("Le Drian", "NATO")."""
    names = []
    for match in _NAME.finditer(question):
        words = [w for w in match.group().split() if w.lower().strip("'\u2019") not in QUESTION_WORDS]
        phrase = " ".join(words).strip(" .?")
        if phrase and phrase.lower() not in {"i", "a", "the", "in", "on"}:
            names.append(phrase)
    return names


def _name_words(question: str) -> list[list[str]]:
    """Each name of the question as the words that could identify it: no possessive, no capital that only opens
    the question ("Where ...", "Has ..."), no month, no acronym (spelt many ways), none shorter than 3 letters."""
    out = []
    first = question.lstrip(" \"'\u201c\u2018").split(" ", 1)[0]
    for match in _NAME.finditer(question):
        words = match.group().split()
        if match.start() == question.find(first) and words and words[0] == first:
            words = words[1:]
        kept = []
        for w in words:
            w = re.sub(r"['\u2019]s$", "", w).strip("'\u2019\".,?!:;()")
            if len(w) >= 3 and not w.isupper() and w.lower() not in _NOT_NAMES:
                kept.append(w)
        if kept:
            out.append(kept)
    return out


def unmentioned(question: str, texts: Iterable[str]) -> list[str]:
    """The question's names of which no word occurs in `texts` (an article's title, source and passages)."""
    vocabulary = {w.lower() for t in texts for w in _WORD.findall(t)}
    stems = {w[:_STEM] for w in vocabulary if len(w) >= _STEM}
    missing = []
    for words in _name_words(question):
        if not any(w.lower() in vocabulary or (_DEMONYM.search(w.lower()) and len(w) > _STEM + 1
                                               and w.lower()[:_STEM] in stems) for w in words):
            missing.append(" ".join(words))
    return missing
