"""The figure rule of the citation check: every figure a sentence states must be in the passages it cites.

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


def figures(text: str) -> set[str]:
    return {f.replace(",", "").rstrip(".") for f in _FIGURE.findall(text)}


def spelled(text: str) -> set[str]:
    """The values of spelled-out numbers: "Nine hundred" -> "900", "twenty-five" -> "25", "eleven" -> "11"."""
    out = set()
    for m in _SPELLED.finditer(text):
        words = [w.lower() for w in re.split(r"[\s-]+", m.group(0)) if w.lower() not in {"and", "a"}]
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
        if seen:
            out.add(str(total + current))
    return out


def unsupported_figures(claim: str, context: str) -> set[str]:
    """The claim's figures its context neither states (in digits or words) nor rounds to, hedged."""
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
    for m in _HEDGED.finditer(claim):
        f = m.group(1).replace(",", "").rstrip(".")
        try:
            value = float(f)
        except ValueError:
            continue
        if f in missing and any(abs(value - k) <= _NEAR * max(abs(k), 1.0) for k in known):
            missing.discard(f)
    return missing
