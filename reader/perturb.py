"""Rule-made unfaithful claims from faithful ones: one error each, the FactCC recipe (Kryscinski et al. 2020).

Each rule changes exactly one thing the evidence pins down: a negation, a name swapped for another name of the
same article, a figure swapped for another figure of the article (or nudged), a weekday, month or year swapped, a
speaker swapped. Written loose paraphrases stay faithful: rewording is not an error, which is why the rules only
ever touch these anchors.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

_NEGATE = [(r"\bwill\b", "will not"), (r"\bwould\b", "would not"), (r"\bhas\b", "has not"), (r"\bhave\b", "have not"),
           (r"\bhad\b", "had not"), (r"\bwas\b", "was not"), (r"\bwere\b", "were not"), (r"\bis\b", "is not"),
           (r"\bare\b", "are not"), (r"\bcan\b", "cannot"), (r"\bcould\b", "could not"), (r"\bshould\b", "should not")]
_UNNEGATE = [(r"\bwill not\b", "will"), (r"\bwon't\b", "will"), (r"\bdid not\b", "did"), (r"\bdidn't\b", "did"),
             (r"\bwas not\b", "was"), (r"\bwere not\b", "were"), (r"\bhas not\b", "has"), (r"\bis not\b", "is"),
             (r"\bnever\b", "always"), (r"\bno longer\b", "still"), (r"\bcannot\b", "can")]
_ANTONYMS = {"approved": "rejected", "rejected": "approved", "rose": "fell", "fell": "rose", "increased": "decreased",
             "decreased": "increased", "won": "lost", "lost": "won", "accepted": "declined", "declined": "accepted",
             "opened": "closed", "closed": "opened", "before": "after", "after": "before", "more": "fewer",
             "fewer": "more", "higher": "lower", "lower": "higher", "supported": "opposed", "opposed": "supported",
             "allowed": "banned", "banned": "allowed", "confirmed": "denied", "denied": "confirmed",
             "agreed": "refused", "refused": "agreed", "passed": "failed", "upheld": "overturned",
             "overturned": "upheld", "cut": "raised", "raised": "cut", "survived": "died", "guilty": "not guilty",
             "acquitted": "convicted", "convicted": "acquitted", "resigned": "stayed on", "welcomed": "criticised",
             "criticised": "welcomed", "praised": "criticised", "gained": "lost", "expanded": "shrank"}
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_FIGURE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
_NAME = re.compile(r"\b[A-Z][a-z'\u2019-]+(?:\s+[A-Z][a-z'\u2019-]+)+\b")


def _once(pattern: str, repl: str, text: str) -> str | None:
    out, n = re.subn(pattern, repl, text, count=1)
    return out if n else None


def _base(past: str) -> str:
    """'announced' -> 'announce', 'planned' -> 'plan', 'carried' -> 'carry', 'expected' -> 'expect'."""
    if past.endswith("ied"):
        return past[:-3] + "y"
    stem = past[:-2]
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    if stem[-1] in "cvzsu" or stem.endswith(("at", "ut", "dg", "ur", "ir", "ok", "it", "iz")):
        return stem + "e"
    return stem


def negate(claim: str, rng: random.Random) -> str | None:
    words = [w for w in re.findall(r"[a-z]+", claim) if w in _ANTONYMS]
    if words and rng.random() < 0.6:
        w = rng.choice(words)
        return _once(rf"\b{w}\b", _ANTONYMS[w], claim)
    for pattern, repl in rng.sample(_UNNEGATE, len(_UNNEGATE)):
        if (out := _once(pattern, repl, claim)) is not None:
            return out
    for pattern, repl in _NEGATE:
        if (out := _once(pattern, repl, claim)) is not None:
            return out
    if re.search(r"\b(said|says|told)\b", claim) is None and (m := re.search(r"\b([a-z]{3,}ed)\b", claim)):
        return claim[: m.start()] + "did not " + _base(m.group(1)) + claim[m.end():]
    return None


def people(names: list[str], text: str) -> list[str]:
    """Full names of the article's people ('Ana Ruiz (mayor, Harwick)' -> 'Ana Ruiz'), else its capitalised pairs."""
    found = [n.split("(")[0].strip() for n in names if n.strip()]
    return found or sorted(set(_NAME.findall(text)))


def swap_entity(claim: str, names: list[str], rng: random.Random) -> str | None:
    """Another person of the same article in the role (full name or surname, whichever the claim uses)."""
    inside = [n for n in names if n in claim] or [n for n in names if n.split()[-1] in claim]
    if not inside or len(names) < 2:
        return None
    old = rng.choice(inside)
    new = rng.choice([n for n in names if n != old and n.split()[-1] != old.split()[-1]] or [None])
    if new is None:
        return None
    if old in claim:
        return claim.replace(old, new, 1)
    return re.sub(rf"\b{re.escape(old.split()[-1])}\b", new.split()[-1], claim, count=1)


def wrong_number(claim: str, text: str, rng: random.Random) -> str | None:
    figures = [m for m in _FIGURE.finditer(claim) if not _YEAR.fullmatch(m.group())]
    if not figures:
        return None
    m = rng.choice(figures)
    others = sorted({f for f in _FIGURE.findall(text) if f != m.group() and not _YEAR.fullmatch(f)})
    if others and rng.random() < 0.6:
        new = rng.choice(others)
    else:
        value = float(m.group().replace(",", ""))
        bumped = value * rng.choice([0.5, 0.75, 1.5, 2, 3]) if value > 3 else value + rng.choice([1, 2, 3])
        new = f"{bumped:,.0f}" if "," in m.group() else (f"{bumped:g}" if "." in m.group() else str(int(bumped)))
    return claim[: m.start()] + new + claim[m.end():] if new != m.group() else None


def wrong_date(claim: str, text: str, rng: random.Random) -> str | None:
    for names in (_WEEKDAYS, _MONTHS):
        inside = [n for n in names if re.search(rf"\b{n}\b", claim)]
        if inside:
            old = rng.choice(inside)
            in_text = [n for n in names if n != old and n in text]
            new = rng.choice(in_text if in_text and rng.random() < 0.5 else [n for n in names if n != old])
            return re.sub(rf"\b{old}\b", new, claim, count=1)
    if m := _YEAR.search(claim):
        years = sorted({y for y in _YEAR.findall(text) if y != m.group()})
        new = rng.choice(years) if years and rng.random() < 0.5 else str(int(m.group()) + rng.choice([-2, -1, 1, 2]))
        return claim[: m.start()] + new + claim[m.end():]
    return None


def perturbations(claim: str, text: str, names: list[str], rng: random.Random,
                  most: int = 3) -> Iterator[tuple[str, str]]:
    """Up to `most` (kind, unfaithful claim) pairs, each of another kind."""
    cast = people(names, text)
    made = [("negation", negate(claim, rng)), ("entity_swap", swap_entity(claim, cast, rng)),
            ("wrong_number", wrong_number(claim, text, rng)), ("wrong_date", wrong_date(claim, text, rng))]
    made = [(k, v) for k, v in made if v and v != claim]
    rng.shuffle(made)
    yield from made[:most]


_SAID_AFTER = re.compile(r"^(?P<body>[^\u201c\u201d\"]+?),\s+(?P<who>(?:[A-Z][\w'\u2019-]+\s?){1,3}|(?:he|she|they))\s+"
                         r"(?P<verb>said|says|told reporters|added)\.$")
_PERCENT = re.compile(r"(\d)\s?(?:percent|per cent)\b")


def restate(sentence: str, rng: random.Random) -> str:
    """The sentence reworded without changing what it says (a faithful claim that is not a copy): the attribution
    moved to the front, "percent" as "%", or left as it is when no rule applies."""
    m = _SAID_AFTER.match(sentence.strip())
    if m and m.group("who")[0].isupper() and rng.random() < 0.7:
        body = m.group("body").strip()
        return f"According to {m.group('who').strip()}, {body[0].lower() + body[1:]}."
    if _PERCENT.search(sentence) and rng.random() < 0.5:
        return _PERCENT.sub(r"\1%", sentence)
    return sentence
