"""The names rule of the citation check: a name an answer sentence uses must be in the articles it cites.

An LLM that swaps a name for another ("the hospital in Santiago" where the article's is in Puerto Varela, "Slovenia's
Matej Kranjc" for "Norway's Sindre Haugland") writes a sentence the verifier reads as close to its evidence: the
rest of the words are the article's. A name that none of the cited articles' retrieved passages (title, source,
text) ever uses is not from them. Words are compared, not capitalisation: "the prime minister" supports "Prime
Minister". On the written test claims this flags 4 more entity swaps and 3 more unsupported additions in 70 and
77, and no faithful claim (bench/claims.py).
"""

from __future__ import annotations

import re

# A capitalised word (any script's capitals), with its possessive or hyphenated parts ("Mi-kyung", "Zieliński").
_CAPITALISED = re.compile(r"(?<!\w)[^\W\d_a-zß-ÿ][^\W\d_]+(?:['’-][^\W\d_]+)*")
_WORD = re.compile(r"[^\W\d_]+")
_NAME_FOLLOWS = re.compile(r" (?:[^\W\d_a-zß-ÿ]|(?:said|says|told|tells|added|warned|argued|wrote)\b)")
_DETERMINERS = {"the", "a", "an", "its", "his", "her", "their", "our", "this", "that", "one"}
# "Chinese shoppers", "a German buyer": a people's adjective, often the LLM's from the article's places.
_DEMONYM = re.compile(r"(?:ish|ese|ian|an|ch|ic)$")
# Honorifics the articles may not use while an LLM writes them ("Mrs Foley" for "Bridget Foley"), and units
# written capitalised ("6 degrees Celsius" for "6C").
_NOT_NAMES = {"mrs", "miss", "mister", "madam", "prof", "professor", "sir", "dame", "messrs", "celsius", "fahrenheit"}


def claim_names(claim: str) -> list[str]:
    """The names a sentence uses, runs of capitalised words kept together ("Matej Kranjc"): not its first word,
    acronyms ("the EU" for "the European Union") and honorifics aside, nor a lone capitalised word qualifying the
    word after it ("the French club" of an article that only names the club's city, "Chinese shoppers")."""
    first = re.match(r"\W*\w+", claim)
    runs: list[list[str]] = []
    end = -1
    for m in _CAPITALISED.finditer(claim):
        possessive = re.search(r"['’]s$", m.group(0)) is not None
        name = re.sub(r"['’]s$", "", m.group(0))
        # The first word is capitalised whatever it is; it is a name when a capitalised word or a verb of speech
        # follows ("Matej Kranjc abandoned", "Kranjc said").
        opening = first is not None and m.start() < first.end() and not _NAME_FOLLOWS.match(claim[m.end() :])
        skip = opening or len(name) < 3 or name.isupper() or name.lower() in _NOT_NAMES
        before = claim[: m.start()].split()
        prev = before[-1].strip("\"“‘'(").lower() if before else ""
        qualifies = prev in _DETERMINERS or _DEMONYM.search(name) is not None
        if qualifies and re.match(r" [a-z]", claim[m.end() :]) and not _CAPITALISED.match(before[-1] if before else ""):
            skip = True
        if not skip:
            if runs and claim[end : m.start()] == " ":
                runs[-1].append(name)
            else:
                runs.append([name])
        # "Slovenia's Matej Kranjc": a possessive ends a run.
        end = -1 if possessive or skip else m.end()
    return [" ".join(r) for r in runs]


def unknown_names(claim: str, context: str) -> list[str]:
    """The claim's names whose last word (a surname, "Therapeutics", a place) is nowhere in the context; a first
    name the passages leave out ("Jens" of a later paragraph's "Stoltenberg") is not held against it. A word and
    one of its forms count as one ("Africans" and "African", "Asian" and "Asia", "Senegal" and "Senegalese"):
    a context word that begins the other, at least four letters, three letters apart at most."""
    words = set(_WORD.findall(context.lower()))
    starts = words | {w[:n] for w in words for n in range(max(4, len(w) - 3), len(w) + 1)}
    out = []
    for name in claim_names(claim):
        head = _WORD.findall(name.lower())[-1]
        if head not in starts and not any(head[:n] in words for n in range(max(4, len(head) - 3), len(head))):
            out.append(name)
    return out
