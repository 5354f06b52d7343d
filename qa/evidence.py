"""Cheap evidence features of a sentence for a question: what kind of answer is asked for, and whether the
sentence holds one, and whether it says anything beyond the question's own words.

A sentence that only repeats the question ("Tesla Q2 2020 revenue.") is similar to it in every way a bi-encoder
measures, yet answers nothing; a "when" question is answered by a sentence with a date, a "who" question by one
with a name the question does not already contain.
"""

from __future__ import annotations

import re

from index.bm25 import terms

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
# A follow-up opens with a conjunction ("And what did the councillor say?") and asks for the same kinds.
_LEAD = r"^\s*(?:(?:and|but|so|then)\s+)?"
_KIND_QUOTE = re.compile(
    _LEAD + r"(?:how|what)\s+(?:did|does|do|has|have|had|will|would)\b.*\b(?:say|said|warn|describe|react|respond|"
    r"sum\s+up|characteri[sz]e|call|tell|told|argue|claim|predict|promise|admit|explain|joke|quip|write|put\s+it|"
    r"make)\b|" + _LEAD + r"according\s+to\b|\bwhat\s+(?:\w+\s+)?(?:point|joke|quip|words|warning|message|"
    r"argument|promise|advice)\s+did\b|\bin\s+(?:his|her|their)\s+(?:own\s+)?words\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\u201c\u201d\"]|\b(?:said|says|told|tells|added|adds|warned|wrote|argued|explained|noted|"
                     r"according\s+to)\b", re.IGNORECASE)
_KIND_DATE = re.compile(_LEAD + r"when\b|\b(?:what|which)\s+(?:date|year|day|month|time)\b|\b(?:release|premiere|"
                        r"launch|air|opening)\s+date\b|\bon\s+what\s+date\b|\bin\s+what\s+year\b", re.IGNORECASE)
_KIND_NUMBER = re.compile(r"\bhow\s+(?:many|much|long|old|far|big|tall|large)\b|\bwhat\s+(?:percentage|percent|share|"
                          r"number|amount|score|price|proportion|fraction|margin|revenue|total)\b|\bwhat\s+was\s+"
                          r"the\s+(?:final\s+)?(?:score|margin|revenue|toll|tally|total)\b|\bby\s+how\s+much\b|"
                          + _LEAD + r"what\b.*\b(?:revenue|percentage|population|salary|price|cost|death\s+toll)\b",
                          re.IGNORECASE)
_KIND_NAME = re.compile(r"\blocation\b|" + _LEAD + r"(?:who|whom|whose|where)\b|\bwhich\s+(?!date|year|day|month|"
                        r"time)\w+|\bwhat\s+(?:is|was)\s+the\s+name\b|\bwho\s+(?:is|was|were|will)\b|\bwhere\b",
                        re.IGNORECASE)
# "What time did the sitting end?" is answered by a time of day.
_CLOCK = (r"\b\d{1,2}(?:[:.]\d\d)?\s*(?:a\.m\.?|p\.m\.?|am\b|pm\b|o'clock|in\s+the\s+(?:morning|afternoon|evening))|"
          r"\b(?:midnight|noon|midday|dawn|dusk)\b")
_DATE = re.compile(rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b|\b(?:19|20)\d\d\b|"
                   rf"\b{_MONTH}\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today)\b|"
                   r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|" + _CLOCK, re.IGNORECASE)
_NUMBER = re.compile(r"\d[\d,.]*%?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                     r"forty|fifty|hundred|thousand|million|billion|dozen|half|twice|once|first|second|third|fourth|fifth|sixth|"
                     r"seventh|eighth|ninth|tenth)\b", re.IGNORECASE)
_CAPITAL = re.compile(r"\b[A-Z][\w'\u2019.-]*[A-Za-z0-9]|\b[A-Z]\b")
_COMMON_START = {"the", "a", "an", "in", "on", "at", "it", "this", "that", "he", "she", "they", "we", "i", "but", "and",
                 "after", "before", "when", "while", "as", "for", "with", "from", "by", "his", "her", "their", "its",
                 "there", "what", "who", "how", "if", "so", "yes", "no", "also", "meanwhile", "however"}

_CALENDAR = re.compile(rf"{_MONTH}|(?:mon|tues|wednes|thurs|fri|satur|sun)day", re.IGNORECASE)

# Words of a question that pin down which event or thing it is about: a year, an ordinal ("93rd"), a quarter ("Q2")
# or a numbered name ("Pixel 6", "Season 11"). A passage about the same topic without them is about a neighbour.
_PINS = re.compile(
    r"\b(?:19|20)\d\d\b|\b\d+(?:st|nd|rd|th)\b|\bQ[1-4]\b|(?:\b[A-Z][\w'\u2019-]* \d{1,3}[a-z]?|\b(?:[Ss]eason|"
    r"[Ee]pisode|[Pp]art|[Cc]hapter|[Gg]ame|[Ww]eek|[Ss]tage|[Rr]ound|[Vv]olume|[Pp]hase|[Ss]eries|[Bb]ook) "
    r"(?:\d{1,3}[a-z]?|[IVX]{1,4}))\b(?![-\u2013/:%]|[.,]\d|\s*percent)")

_QUARTERS = {"q1": "first quarter", "q2": "second quarter", "q3": "third quarter", "q4": "fourth quarter"}

KINDS = ("date", "number", "quote", "name")


def answer_kind(question: str) -> str | None:
    """The kind of answer the question asks for: 'date', 'number', 'quote' (someone's words), 'name', or None."""
    if _KIND_DATE.search(question):
        return "date"
    if _KIND_NUMBER.search(question):
        return "number"
    if _KIND_QUOTE.search(question):
        return "quote"
    if _KIND_NAME.search(question):
        return "name"
    return None


def _tokens(pattern: re.Pattern[str], text: str) -> set[str]:
    return {m.group().lower().rstrip(".,") for m in pattern.finditer(text)}


def holds_kind(kind: str | None, sentence: str, question: str) -> bool:
    """Does the sentence hold an answer of that kind which the question does not already contain?"""
    if kind is None:
        return True
    if kind == "date":
        return bool(_tokens(_DATE, sentence) - _tokens(_DATE, question))
    if kind == "number":
        return bool(_tokens(_NUMBER, sentence) - _tokens(_NUMBER, question))
    if kind == "quote":
        return bool(_QUOTED.search(sentence))
    asked = {w.lower().strip("'\u2019.") for w in re.findall(r"[\w'\u2019.]+", question)}
    for m in _CAPITAL.finditer(sentence):
        word = m.group().lower().strip("'\u2019.")
        if (m.start() == 0 and word in _COMMON_START) or _CALENDAR.fullmatch(word):
            continue
        if word not in asked and word.rstrip("s").rstrip("'\u2019") not in asked:
            return True
    return False


def new_terms(sentence: str, question: str) -> int:
    """Content words of the sentence that the question does not use."""
    return len(set(terms(sentence)) - set(terms(question)))


def answer_tokens(kind: str | None, sentence: str, question: str) -> set[str]:
    """The would-be answers in a sentence: names, dates or figures (by the kind asked for) the question lacks."""
    out: set[str] = set()
    if kind in (None, "name"):
        asked = {w.lower().strip("'\u2019.") for w in re.findall(r"[\w'\u2019.]+", question)}
        for m in _CAPITAL.finditer(sentence):
            word = m.group().lower().strip("'\u2019.")
            if len(word) > 2 and word not in asked and not (m.start() == 0 and word in _COMMON_START):
                out.add(word)
    if kind in (None, "date"):
        out |= _tokens(_DATE, sentence) - _tokens(_DATE, question)
    if kind in (None, "number"):
        out |= {x for x in _tokens(_NUMBER, sentence) - _tokens(_NUMBER, question) if any(ch.isdigit() for ch in x)}
    return out


def corroboration(tokens: set[str], own_article: str, articles: dict[str, str]) -> int:
    """How many other retrieved articles (lower-cased text by id) mention one of the sentence's would-be answers."""
    return max((sum(t in text for aid, text in articles.items() if aid != own_article) for t in tokens), default=0)



def pins(question: str) -> set[str]:
    """The year, ordinal, quarter and numbered-name tokens a question is pinned to."""
    return {m.group().lower() for m in _PINS.finditer(question)}


def pinned(tokens: set[str], context: str) -> float:
    """Share of the question's pins found, as whole tokens, in a passage (its title, text and date)."""
    if not tokens:
        return 1.0
    low = " ".join(context.lower().replace(".", " ").split())

    def found(pin: str) -> bool:
        spelled = _QUARTERS.get(pin, pin)
        return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", low) for p in {pin, spelled})

    return sum(found(" ".join(t.replace(".", " ").split())) for t in tokens) / len(tokens)


def is_question(sentence: str) -> bool:
    """A sentence that asks (a headline "Who directed Titanic?") answers nothing."""
    return sentence.rstrip(" \u201d\"'\u2019)").endswith("?")


# A question about what happened ("Who was charged?", "How many seats did the party win?", "Did the dig find the
# skull?") and a sentence that speaks of it only as to come ("will resume", "is due to begin", "hopes to find"):
# the article reports the event, not its outcome, the commonest near miss of news questions.
_PAST_ASKED = re.compile(r"\b(?:did|was|were|had|won|lost|got|made|gave|took|came|went|became|began|sold|paid|"
                         r"found|held|chose|ended|finished)\b", re.IGNORECASE)
# Lower case only: "May" is the month.
_FUTURE = re.compile(r"\b(?:will|would|shall|could|might|may|(?:is|are|was|were)\s+(?:due|expected|set|scheduled|"
                     r"likely|unlikely|yet)\s+to|(?:plans?|planned|hopes?|hoped|aims?|intends?|intended|wants?|"
                     r"seeks?|expects?)\s+to|yet\s+to|unless)\b")
_AHEAD = 5
# Words compared by their first five letters: terms() does not stem verbs ("resumed", "resume").
_ROOT = 5


def prospective(sentence: str, question: str) -> bool:
    """Does the sentence speak of what the past-tense question asks about only as still to come: a word of the
    question within a few words after "will", "is due to", "hopes to", "unless" and the like? A question about a
    plan ("did they want to", "was it expected to") is answered by one."""
    # "When did the union want the talks to end?" asks about the plan itself.
    if not _PAST_ASKED.search(question) or _FUTURE.search(question.lower()):
        return False
    asked = {t[:_ROOT] for t in terms(question) if len(t) >= 4 and not t.isdigit()}
    for m in _FUTURE.finditer(sentence):
        ahead = terms(" ".join(sentence[m.end():].split()[:_AHEAD]))
        if any(t[:_ROOT] in asked for t in ahead):
            return True
    return False
