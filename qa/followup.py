"""Follow-up questions: "When did he resign?" becomes a standalone query using the previous turn.

Without an LLM the previous turn's question and the names in its answer are carried into the retrieval query when
the new question leans on it (a pronoun or "that", very few words of its own, or no name of its own); the answerer
scores sentences against the question plus the carried names only, so it still answers the new question. With an
LLM the REWRITE prompt writes the standalone query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from core.types import Passage
from index.bm25 import terms
from qa.cite import normalise
from qa.prompts import REWRITE_SYSTEM, REWRITE_USER
from qa.sentences import split_sentences

_LEANING = {"he", "she", "him", "her", "his", "hers", "they", "them", "their", "theirs", "it", "its", "this", "that",
            "these", "those", "there", "then", "former", "latter", "same", "also", "else", "other"}
# Words that stand for someone or something of the last turn: only then do its names belong in the focus.
_POINTING = {"he", "she", "him", "her", "his", "hers", "they", "them", "their", "theirs", "it", "its", "this", "that",
             "these", "those"}
_OPENERS = ("and ", "but ", "so ", "what about", "how about", "what else", "why", "anything else", "more on")
_QUESTION = {"what", "who", "whom", "whose", "which", "when", "where", "why", "how", "did", "does", "do", "is",
             "are", "was", "were", "will", "would", "can", "could", "has", "have", "had", "many", "much", "say",
             "said", "tell"}
_CALENDAR = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
             "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
             "yes", "no", "i", "as", "in", "on", "at", "after", "before", "under", "according"}
_WORD = re.compile(r"[A-Za-z][\w'\u2019-]*")
_CAPITALISED = re.compile(r"(?<![\w'\u2019])[A-Z][\w\u2019'.-]*(?:\s+(?:of|the|de|da|von|van|le|la|al|bin)?\s*"
                          r"[A-Z][\w\u2019'.-]*)*")
_QUOTED = re.compile(r"[\u2018\u201c\"'][^\u2018\u2019\u201c\u201d\"]{1,40}[\u2019\u201d\"']")
_MARKERS = re.compile(r"\[\d+\]")
_SHORT = 5
# Fewer words than this ("in 2019") are found in too many articles to tell the story.
_STORY_WORDS = 3


class Rewrite(BaseModel):
    """`query` goes to retrieval; `focus` is what answer sentences are scored against."""

    query: str
    focus: str
    carried: bool = False


def names(text: str) -> list[str]:
    """Capitalised phrases that name someone or something, the first word of a sentence only if it is a name."""
    text = _MARKERS.sub(" ", text)
    out: list[str] = []
    for m in _CAPITALISED.finditer(text):
        # One capitalised word opening a sentence ("Whether", "To-go") is grammar, not a name.
        if " " not in m.group() and (m.start() == 0 or text[: m.start()].rstrip().endswith((".", "?", "!"))):
            continue
        words = [w for w in m.group().split() if w.lower().strip(".'\u2019") not in _QUESTION | _CALENDAR]
        phrase = " ".join(words).strip(" .,'\u2019")
        if len(phrase) > 1 and phrase not in out and terms(phrase):
            out.append(phrase)
    return out


def leans_on_history(question: str) -> bool:
    """Does the question need the previous turn to be understood?"""
    if question.lower().strip().startswith(_OPENERS):
        return True
    # A question with no name of its own ("how far ahead was the 'No' side?") is about the last topic.
    if not names(_QUOTED.sub(" ", question[1:])):
        return True
    # One that names something leans only if it is short and points back ("What did she say about it?").
    words = {w.lower().strip("'\u2019") for w in _WORD.findall(question)}
    content = [t for t in terms(question) if t not in _QUESTION]
    return bool(words & _LEANING) and len(content) <= _SHORT


def carry_context(question: str, history: Sequence[Any]) -> Rewrite:
    """Rule-based rewrite over `history` (turns with `question`, `answer` and optionally `query`)."""
    if not history or not leans_on_history(question):
        return Rewrite(query=question, focus=question)
    last = history[-1]
    before = getattr(last, "query", "") or last.question
    answered = names(last.answer)
    # The answer names what "he", "her" or "it" now stands for; without one, the last question's names do.
    carried = [n for n in (answered or names(before)) if n.lower() not in question.lower()]
    query = " ".join(x for x in (question, before, " ".join(answered)) if x)
    # A follow-up with a subject of its own ("And what did the UN secretary-general say?") is about that subject:
    # the last answer's names (its speaker) would pull the answer back to them. Retrieval still gets the context.
    words = {w.lower().strip("'\u2019") for w in _WORD.findall(question)}
    focus = " ".join([question, *carried[:3]]) if words & _POINTING else question
    # "And the traders' leader?" after "What did Nyambura say after the vote?" asks the same of someone else.
    focus = about_another(question, last.question) or focus
    return Rewrite(query=query, focus=focus, carried=True)


# "And the uncle?", "What about the patient group?": a subject and nothing else.
_ELLIPTIC = re.compile(r"^\s*(?:and|but|so|what\s+about|how\s+about)\s+(?P<subject>[^?]{2,60}?)\s*\??\s*$",
                       re.IGNORECASE)
# The subject of the last question: between its auxiliary and its verb ("What did <the union leader> tell ...",
# "How did <local residents> react ...").
_FRAME = re.compile(r"^\s*(?:and\s+)?(?P<head>(?:what|how|why|when|where|who)\s+(?:did|does|do|has|have|had|will|would)"
                    r"\s+)(?P<subject>.+?)(?P<rest>\s+(?:say|said|tell|told|react|respond|think|feel|describe|call|"
                    r"make|do|want|plan|propose|announce|warn|expect|write|reply|answer|explain|argue|claim|"
                    r"see|view|comment|predict|promise|admit|mean|decide|offer|ask|demand)\b)", re.IGNORECASE)
# A verb in the follow-up makes it a question of its own ("And what did the baker say?"); a time, a place, a
# reason or a pronoun ("And in 2024?", "And yesterday?", "And why?", "What about it?") is no one to ask.
_NO_ONE = {"did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could",
           "say", "said", "think", "in", "on", "at", "for", "from", "by", "with", "after", "before", "during", "since",
           "about", "to", "over", "under", "until", "last", "next", "this", "that", "these", "those", "it", "them",
           "him", "her", "they", "he", "she", "then", "now", "yesterday", "today", "tomorrow", "why", "how", "when",
           "where", "what", "who", "year", "years", "month", "months", "week", "weeks", "day", "days", "season",
           "time", "else", "more"}


def about_another(question: str, last: str) -> str | None:
    """The last question asked of the follow-up's subject: "And the traders' leader?" after "What did Nyambura say
    after the vote?" is "What did the traders' leader say?". The answerer then reads it for the
    kind of answer the last one asked (someone's words), and about them, not the last turn's speaker."""
    m = _ELLIPTIC.match(question)
    frame = _FRAME.match(last)
    if not m or not frame or {w.lower() for w in _WORD.findall(m.group("subject"))} & _NO_ONE:
        return None
    head = frame.group("head")
    # Only the last question's verb: what it asked about ("about the price", "after the vote") was the last
    # person's topic, and the other person is quoted on their own.
    return f"{head[:1].upper()}{head[1:]}{m.group('subject').strip()}{frame.group('rest')}?"


def story_of(answer: str, passages: Sequence[Passage]) -> list[str]:
    """The articles among `passages` that hold a sentence of `answer`, in their order. A turn given as plain text
    (`ask --history`, the API, an evaluation set) names no cited articles; the article holding its answer is the
    story the conversation is about."""
    text = _MARKERS.sub(" ", answer)
    wanted = [normalise(text[a:b]).strip(" .,;:!?\"'") for a, b in split_sentences(text)]
    wanted = [w for w in wanted if len(w.split()) >= _STORY_WORDS]
    out: list[str] = []
    for p in passages if wanted else ():
        if p.chunk.article_id in out:
            continue
        body = normalise(p.chunk.text)
        if any(w in body for w in wanted):
            out.append(p.chunk.article_id)
    return out


def format_history(history: Sequence[Any], turns: int = 3) -> str:
    lines = []
    for turn in history[-turns:]:
        lines.append(f"User: {turn.question}")
        if turn.answer:
            lines.append(f"Assistant: {_MARKERS.sub('', turn.answer).strip()[:600]}")
    return "\n".join(lines)


class LLMRewriter:
    """The REWRITE prompt on a LangChain chat model; falls back to the rules when the model gives nothing usable."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, question: str, history: Sequence[Any]) -> Rewrite:
        if not history:
            return Rewrite(query=question, focus=question)
        from langchain_core.messages import HumanMessage, SystemMessage

        messages = [SystemMessage(REWRITE_SYSTEM),
                    HumanMessage(REWRITE_USER.format(history=format_history(history), question=question))]
        reply = self.model.invoke(messages)
        text = str(getattr(reply, "content", reply)).strip().strip('"').splitlines()
        query = text[0].strip() if text else ""
        if not query or len(query) > 400:
            return carry_context(question, history)
        return Rewrite(query=query, focus=query, carried=True)
