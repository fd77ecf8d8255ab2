"""Bounded, printable text: the only kinds of string a person may send.

Every text that enters a case, a workflow's history or a database column has a
maximum here, and none may carry control characters: a NUL byte is refused by
PostgreSQL (an activity would retry it forever), and the others only hide content.
Multi-line texts keep tab and newlines; one-line texts keep neither.

The limits are documented in ``docs/limits.md``; change them there too.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

# Maximum lengths, in characters.
ID_MAX = 64  # ids the server made (uuids, outcome ids, evidence ids)
NAME_MAX = 200  # a person's or an organisation's name (the column's size)
TITLE_MAX = 300  # a standard's title, a place
LINE_MAX = 500  # one line: a milestone, a grade, a filename, a note on an identity check
REASON_MAX = 2000  # a reason: withdrawal, appeal, extension, conflict, revocation
NOTE_MAX = 4000  # a comment, counselling notes, a description
RATIONALE_MAX = 800  # an assessor's rationale for one outcome (a decision on 60 fits a step)
STATEMENT_MAX = 1000  # an outcome's statement, a prerequisite
CRITERION_MAX = 500  # one assessment criterion
PLAN_MAX = 8000  # the identification plan

# Maximum lengths of lists a person sends.
IDS_MAX = 200  # ids in one step (a standard has at most LOS_MAX outcomes)
ITEMS_MAX = 50  # milestones, comments, prerequisites' answers
LOS_MAX = 60  # learning outcomes in one standard
CRITERIA_MAX = 8  # assessment criteria of one outcome

# A SHA-256 digest, as lowercase hex.
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


def _printable(value: str, *, multiline: bool) -> str:
    allowed = "\t\n\r" if multiline else ""
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cs"):
            raise ValueError(
                "control characters are not allowed"
                if ch != "\x00"
                else "a NUL byte (\\0) is not allowed"
            )
    return value


def printable_line(value: str) -> str:
    return _printable(value, multiline=False)


def printable_text(value: str) -> str:
    return _printable(value, multiline=True)


# The common shapes, named once.
Id = Annotated[
    str, StringConstraints(min_length=1, max_length=ID_MAX), AfterValidator(printable_line)
]
NonBlankLine = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=LINE_MAX),
    AfterValidator(printable_line),
]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX),
    AfterValidator(printable_text),
]
PlanText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=PLAN_MAX),
    AfterValidator(printable_text),
]
OptionalLine = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=LINE_MAX),
    AfterValidator(printable_line),
]
Rationale = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=RATIONALE_MAX),
    AfterValidator(printable_text),
]
Statement = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=STATEMENT_MAX),
    AfterValidator(printable_text),
]
Criterion = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=CRITERION_MAX),
    AfterValidator(printable_text),
]
Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_MAX),
    AfterValidator(printable_text),
]


def amount_text(amount: int, unit: str, lang: str = "en") -> str:
    """An amount in minor units as people read it: ``1,500.00 PLN`` (English),
    ``1 500,00 PLN`` (Polish); hours (kept in minutes) as ``12 h 30 min``."""
    if unit == "HOURS":
        hours, minutes = divmod(abs(amount), 60)
        sign = "-" if amount < 0 else ""
        return f"{sign}{hours} h" + (f" {minutes} min" if minutes else "")
    major, minor = divmod(abs(amount), 100)
    grouped = f"{major:,}".replace(",", "\u00a0" if lang == "pl" else ",")
    mark = "," if lang == "pl" else "."
    return f"{'-' if amount < 0 else ''}{grouped}{mark}{minor:02d}\u00a0{unit}"
