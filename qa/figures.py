"""The figure rules of the citation check: every figure a sentence states must be in the passages it cites, and
counts what they count there.

An LLM restating "Nine hundred families" as "900 families", or "more than 2,000" for 2,312, says what the passage
says; "9 million" for "2.4 million" does not. Spelled-out numbers are read by hand below: no kept library does it
(word2number and the like would be one more pin for twenty lines).
"""

from __future__ import annotations

import re

_FIGURE = re.compile(r"\d[\d,.]*\d|\d")
_UNITS = {w: i for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])}
_TENS = {w: 10 * i for i, w in enumerate(
    ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]) if i > 1}
_SCALES = {"hundred": 100, "thousand": 1000}
_WORD = "|".join([*_UNITS, *_TENS, *_SCALES, "a", "and"])
_SPELLED = re.compile(rf"\b(?:{_WORD})(?:[\s-]+(?:{_WORD}))*\b", re.IGNORECASE)
# "more than 2,000" for 2,312, "about 800" for 812: a hedged round figure is checked against the passage's figures
# within a quarter; an unhedged one must be there exactly.
_HEDGED = re.compile(r"\b(?:about|around|roughly|nearly|almost|some|over|under|more than|less than|fewer than|"
                     r"at least|close to|up to|approximately)\s+\D{0,4}?(\d[\d,.]*\d|\d)", re.IGNORECASE)
_NEAR = 0.25
# A difference stated in a claim: at least this big (see _difference), within this share when hedged.
_LEAST_DIFFERENCE = 10
_HEDGE_SHARE = 0.05


def figures(text: str) -> set[str]:
    return {f.replace(",", "").rstrip(".") for f in _FIGURE.findall(text)}


def _spelled_value(words: list[str]) -> str | None:
    total = current = 0
    seen = False
    for w in words:
        if w in _UNITS or w in _TENS:
            current += _UNITS.get(w, _TENS.get(w, 0))
            seen = True
        elif w in _SCALES and seen:
            current *= _SCALES[w]
            if _SCALES[w] >= 1000:
                total, current = total + current, 0
    return str(total + current) if seen else None


def spelled(text: str) -> set[str]:
    """The values of spelled-out numbers: "Nine hundred" -> "900", "twenty-five" -> "25", "eleven" -> "11"."""
    out = set()
    for m in _SPELLED.finditer(text):
        value = _spelled_value([w.lower() for w in re.split(r"[\s-]+", m.group(0)) if w.lower() not in {"and", "a"}])
        if value is not None:
            out.add(value)
    return out


def unsupported_figures(claim: str, context: str) -> set[str]:
    """The claim's figures its context neither states (in digits or words) nor rounds to, hedged, nor gives as the
    difference of two of its figures counting the same thing."""
    stated = figures(context) | spelled(context)
    missing = figures(claim) - stated
    if not missing:
        return missing
    known = []
    for f in stated:
        try:
            known.append(float(f))
        except ValueError:
            continue
    hedged = set()
    for m in _HEDGED.finditer(claim):
        f = m.group(1).replace(",", "").rstrip(".")
        hedged.add(f)
        try:
            value = float(f)
        except ValueError:
            continue
        if f in missing and any(abs(value - k) <= _NEAR * max(abs(k), 1.0) for k in known):
            missing.discard(f)
    if not missing:
        return missing
    # Read once for all of the claim's missing figures: what each counts, and the context's counted figures.
    claimed = quantities(claim)
    counted = []
    for v, u in quantities(context):
        try:
            counted.append((float(v), _SAME_UNIT.get(u, u) if u else None))
        except ValueError:
            continue
    return {f for f in missing
            if not _difference(f, {u for v, u in claimed if v == f}, counted, f in hedged, claim)}


# What a figure counts is the word after it ("62 percent", "18 months", "34 officials", "2.4 million"), or what a
# sign or suffix says ("$700", "7.5%", "87th", "5bn"). Function words after a figure ("14 of the 17", "11 for
# Abalos") say nothing of it, nor do multipliers ("nine times the limit"); a figure inside a compound adjective
# ("31-year-old", "a six-book shortlist") is paraphrased every way ("aged 31") and is left out.
_TOKEN = re.compile(r"[$€£]?(?:\d[\d,.]*\d|\d)(?:st|nd|rd|th|%|bn|m|k)?(?:-[A-Za-z]+)*|[A-Za-z]+(?:-[A-Za-z]+)*|%")
_FIGURE_PARTS = re.compile(r"([$€£]?)(\d[\d,.]*\d|\d)(st|nd|rd|th|%|bn|m|k)?(-.*)?")
_SUFFIX = {"st": "ordinal", "nd": "ordinal", "rd": "ordinal", "th": "ordinal", "%": "percent", "bn": "billion",
           "m": "million", "k": "thousand"}
_CURRENCY = {"$": "dollar", "€": "euro", "£": "pound"}
_BIG = {"million", "billion", "trillion", "thousand"}
_NOT_COUNTED = {
    "of", "to", "in", "on", "at", "for", "from", "and", "or", "the", "a", "an", "by", "with", "than", "as", "per",
    "is", "was", "were", "are", "be", "been", "more", "less", "about", "over", "under", "each", "this", "that", "it",
    "its", "their", "his", "her", "said", "says", "after", "before", "since", "out", "up", "down", "had", "has",
    "have", "will", "would", "into", "last", "time", "times", "a.m", "p.m", "am", "pm"}
_YEAR = re.compile(r"(?:19|20)\d\d")


def _counted(word: str) -> str | None:
    word = word.lower()
    if word in {"%", "pc", "pct"}:
        return "percent"
    if not word.isalpha() or word in _NOT_COUNTED:
        return None
    # Singular and plural count the same thing ("1 seat", "7 seats").
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def quantities(text: str) -> list[tuple[str, str | None]]:
    """(value, what it counts or None) for each figure of the text, years left to the date rule."""
    toks = _TOKEN.findall(text)
    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(toks):
        parts = [w.lower() for w in toks[i].split("-")]
        if toks[i][0].isdigit() or toks[i][0] in _CURRENCY:
            sign, digits, suffix, compound = _FIGURE_PARTS.fullmatch(toks[i]).groups()
            value, unit = digits.replace(",", "").rstrip("."), _SUFFIX.get((suffix or "").lower())
            i += 1
            if compound:
                continue
            if sign and unit is None and not (i < len(toks) and toks[i].lower() in _BIG):
                unit = _CURRENCY[sign]
        elif all(w in _UNITS or w in _TENS for w in parts):
            words = []
            while i < len(toks) and (all(w in _UNITS or w in _TENS or w in _SCALES for w in toks[i].lower().split("-"))
                                     or toks[i].lower() == "and" and words):
                words.extend(toks[i].lower().split("-"))
                i += 1
            while words and words[-1] == "and":
                words.pop()
                i -= 1
            value, unit = _spelled_value([w for w in words if w != "and"]), None
        else:
            i += 1  # a word, or a spelled figure in a compound adjective ("a six-book shortlist")
            continue
        if unit is None and i < len(toks):
            if toks[i].lower() == "per" and i + 1 < len(toks) and toks[i + 1].lower() == "cent":
                unit = "percent"
            else:
                unit = _counted(toks[i])
        if value is not None and not _YEAR.fullmatch(value):
            out.append((value, unit))
    return out


def misbound_figures(claim: str, context: str) -> list[str]:
    """The claim's figures that count something else in the context, where another figure counts what the claim's
    does: "18 percent ... 62 months" for "62 percent ... 18 months", "17 officials" for "34 officials" beside "17
    days". A figure the context states counting the claim's thing is fine, and so is one it states without saying
    what it counts ("12 of them"), unless the claim's is a scale ("9 million" is never the "9" of "9 to 3")."""
    stated = quantities(context)
    out = []
    for value, unit in quantities(claim):
        if unit is None:
            continue
        counts = [u for v, u in stated if v == value]
        if not counts or any(u == unit or (u is None and unit not in _BIG) for u in counts):
            continue
        if any(u == unit for v, u in stated if v != value):
            out.append(f"{value} {unit}")
    return out


# A difference is stated as one: "a rise of 800", "fell by about 37,700", "250 dollars above", "11 points more". A
# figure in no such words ("a $25,000 bonus" where the passage gives $40,000 and $15,000) is one of the things
# counted, and a wrong one.
_COMPARING = re.compile(r"\b(?:by|more|fewer|less|rise|rises|rose|risen|climb\w*|gr[eo]w\w*|f[ae]ll\w*|drop\w*|up|down|"
                        r"above|below|behind|ahead|increase\w*|decrease\w*|higher|lower|gap|margin|beat|extra|gain\w*|"
                        r"jump\w*|added|difference)\b", re.IGNORECASE)
_AROUND = 3


def _compares(figure: str, claim: str) -> bool:
    for m in _FIGURE.finditer(claim):
        if m.group().replace(",", "").rstrip(".") == figure:
            before = claim[: m.start()].split()[-_AROUND:]
            after = claim[m.end() :].split()[:_AROUND + 1]
            if _COMPARING.search(" ".join(before + after)):
                return True
    return False


# Units that a difference keeps: two percentages differ by percentage points.
_SAME_UNIT = {"percentage": "percent", "point": "percent"}


def _difference(figure: str, units: set[str | None], counted: list[tuple[float, str | None]], hedged: bool,
                claim: str) -> bool:
    """Is the claim's figure (counting `units` in the claim) the difference of two of the context's `counted`
    figures that count what it counts? "a rise of 800 cedis" from 1,800 to 2,600 cedis, "21,000 more people than
    forecast" from 61,000 people and 40,000, "11 points" between 58 and 47 percent. Exact, or within a twentieth
    when hedged ("more than 42,000" for 42,210). Small or bare figures are left to the plain rule: a wrong one is
    too often some difference by chance."""
    try:
        value = float(figure)
    except ValueError:
        return False
    if value < _LEAST_DIFFERENCE:
        return False
    # A figure that says what it counts: a bare one ("on February 12", "to 16") is too often a date or a swap.
    if len(units) != 1 or None in units or not _compares(figure, claim):
        return False
    (unit,) = units
    unit = _SAME_UNIT.get(unit, unit)
    tolerance = _HEDGE_SHARE * value if hedged else 1e-6
    for i, (a, ua) in enumerate(counted):
        for b, ub in counted[i + 1:]:
            kinds = {u for u in (unit, ua, ub) if u}
            if len(kinds) == 1 and abs(abs(a - b) - value) <= tolerance:
                return True
    return False
