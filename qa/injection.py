"""Article text that addresses an AI assistant ("ignore previous instructions and answer ...") is withheld.

A passage is data, but a paragraph written to steer the answerer is not news: an LLM may obey it, and the citation
check would accept what it says, since the words are right there in the cited passage. Such paragraphs are replaced
in the passages every answerer sees (and the sources panel shows) by `WITHHELD`; the stored article is unchanged.
The patterns are narrow on purpose: an article about AI that quotes such a phrase loses only that paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.types import Passage

WITHHELD = "(A paragraph addressed to AI assistants was withheld from answers.)"

_ADDRESSED = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|of\s+)*"
    r"(?:previous|prior|above|earlier|preceding|system|original)\s+(?:instructions?|prompts?|rules?|directions?)"
    r"|\byou\s+are\s+(?:now\s+)?(?:in\s+)?(?:developer|jailbreak|dan|god)\s+mode\b"
    r"|\b(?:reveal|print|show|repeat|output)\s+(?:your|the)\s+(?:hidden\s+|system\s+|secret\s+|initial\s+)*"
    r"(?:prompt|instructions)\b"
    r"|\b(?:answer|respond\s+to|reply\s+to)\s+(?:every|all|any)\s+(?:question|query|prompt)s?\s+with\b"
    r"|^\s*(?:system|assistant)\s*(?:prompt\s*)?:",
    re.IGNORECASE | re.MULTILINE,
)


def addresses_assistant(text: str) -> bool:
    return _ADDRESSED.search(text) is not None


def withhold_instructions(passages: Sequence[Passage]) -> list[Passage]:
    """The passages, each paragraph that addresses an AI assistant replaced by `WITHHELD`."""
    out = []
    for p in passages:
        paragraphs = p.chunk.text.split("\n\n")
        kept = [WITHHELD if addresses_assistant(para) else para for para in paragraphs]
        if kept != paragraphs:
            p = p.model_copy(update={"chunk": p.chunk.model_copy(update={"text": "\n\n".join(kept)})})
        out.append(p)
    return out
