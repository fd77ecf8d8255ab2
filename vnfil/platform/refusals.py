"""Refusals in the person's language.

The code says why it refuses in English, with values in its sentences (``f"no evidence
yet for outcomes: {ids}"``); ``localize`` finds the sentence's template in
``refusals_pl.PL`` and says it in Polish, each value translated where it is a word of an
enumeration (a stage, a role, a kind of evidence) or itself a refusal. A sentence
without Polish words stays English (tests/test_refusals.py fails on any in the code).
"""

from __future__ import annotations

import re
from functools import cache

from vnfil.platform.i18n import ENUMS
from vnfil.platform.refusals_pl import PL, VALUES

_HOLE = "{}"


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each template with holes as a pattern, the most literal first (the most specific)."""
    out = []
    for english, polish in PL.items():
        if _HOLE not in english:
            continue
        parts = english.split(_HOLE)
        regex = "(.*?)".join(re.escape(p) for p in parts)
        out.append((re.compile(regex, re.S), polish))
    out.sort(key=lambda p: -len(p[0].pattern.replace("(.*?)", "")))
    return out


@cache
def _values() -> dict[str, str]:
    """Words that fill a template's holes: enumeration values and their English words."""
    words: dict[str, str] = {}
    for kind in ENUMS.values():
        for value, (english, polish) in kind.items():
            words.setdefault(value, polish)
            words.setdefault(english, polish)
    words.update(VALUES)
    return words


def _value(text: str, depth: int) -> str:
    """A value in a hole: a word, a list of words, or a refusal of its own."""
    said = _values().get(text)
    if said is not None:
        return said
    items = text.split(", ")
    if len(items) > 1 and all(item in _values() for item in items):
        return ", ".join(_values()[item] for item in items)
    if depth < 3 and " " in text:
        return _polish(text, depth + 1) or text
    return ", ".join(_values().get(item, item) for item in items)


def _polish(text: str, depth: int = 0) -> str | None:
    exact = PL.get(text) or VALUES.get(text)
    if exact is not None:
        return exact
    for pattern, polish in _patterns():
        match = pattern.fullmatch(text)
        if match:
            return polish.format(*(_value(v, depth) for v in match.groups()))
    if "; " in text and depth < 3:  # several reasons at once, each said on its own
        pieces = [_polish(p, depth + 1) for p in text.split("; ")]
        if all(p is not None for p in pieces):
            return "; ".join(p for p in pieces if p is not None)
    return None


def localize(lang: str, text: str) -> str:
    """``text`` (a refusal in English) in ``lang``; as it is if it has no words there."""
    if lang != "pl" or not text:
        return text
    return _polish(text) or text
