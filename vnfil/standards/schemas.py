"""Contracts of standards: the standard document as published, and what a case
carries of it (its snapshot).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from vnfil.platform.text import (
    CRITERIA_MAX,
    LOS_MAX,
    TITLE_MAX,
    Criterion,
    NonBlankLine,
    Note,
    Statement,
    printable_line,
)


class SupervisionLevel(StrEnum):
    """The four values of the EU 2022 optional element."""

    unsupervised_no_id = "unsupervised-no-identity-verification"
    supervised_no_id = "supervised-no-identity-verification"
    supervised_online_id = "supervised-online-identity-verification"
    onsite_id = "onsite-identity-verification"


class LOType(StrEnum):
    knowledge = "knowledge"
    skill = "skill"
    responsibility_autonomy = "responsibility-autonomy"


class AssessmentMethod(StrEnum):
    portfolio_review = "portfolio-review"
    interview = "interview"
    observation = "observation"
    practical_test = "practical-test"
    written_test = "written-test"
    simulation = "simulation"


class LearningOutcome(BaseModel):
    """One learning outcome: a knowledge, skill or responsibility-and-autonomy statement."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,40}$")]
    set: NonBlankLine = Field(description="the set (unit) of learning outcomes it belongs to")
    type: LOType
    statement: Statement
    criteria: list[Criterion] = Field(
        min_length=1, max_length=CRITERIA_MAX, description="assessment criteria"
    )
    methods: list[AssessmentMethod] = Field(
        min_length=1, description="methods allowed to assess it"
    )

    @field_validator("methods", mode="before")
    @classmethod
    def _spaced_methods(cls, v: object) -> object:
        # "practical test" and "practical-test" are the same method.
        if isinstance(v, list):
            return [m.strip().lower().replace(" ", "-") if isinstance(m, str) else m for m in v]
        return v


class StageDeadlines(BaseModel):
    """Days each stage may take before reminders and, in the end, expiry."""

    model_config = ConfigDict(extra="forbid")
    identification: int = Field(default=30, ge=1, le=3650)
    documentation: int = Field(default=60, ge=1, le=3650)
    assessment: int = Field(default=45, ge=1, le=3650)
    certification: int = Field(default=14, ge=1, le=3650)


# Numbers in a standard: what their columns hold (``version`` is an INTEGER) and what a
# signed credential can carry (JCS numbers); 2**70 is a 422, never a 500.
INT_MAX = 2**31 - 1


WORKLOAD_HOURS_MAX = 100_000  # a full doctorate is some 10,000 hours


ECTS_MAX = 1000


# A BCP 47 language tag ("en", "pl", "pt-BR").
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$")]


# A standard's code: lower-case letters, digits and hyphens (what its awarding body owns).
CODE_PATTERN = r"[a-z0-9][a-z0-9-]{1,99}"
StandardCodeText = Annotated[str, StringConstraints(pattern=f"^{CODE_PATTERN}$")]


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX),
    AfterValidator(printable_line),
]
OutcomeId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,40}$")]
TRANSLATIONS_MAX = 24  # the EU's official languages
WITH_TRANSLATIONS_MAX_BYTES = 1024 * 1024  # as a standard file (api/routes/standards.py)


class OutcomeWords(BaseModel):
    """A learning outcome in another language: its statement and its criteria (as many,
    in the same order)."""

    model_config = ConfigDict(extra="forbid")
    statement: Statement
    criteria: list[Criterion] = Field(min_length=1, max_length=CRITERIA_MAX)


UNITS_MAX = 50
UnitId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,40}$")]


class StandardWords(BaseModel):
    """Everything a person reads of a standard, in another language than its own: the
    title, description, prerequisites, every learning outcome with its criteria and every
    unit's title. The credential is issued in the standard's own language."""

    model_config = ConfigDict(extra="forbid")
    title: Title
    description: Note
    prerequisites: list[Statement] = Field(default=[], max_length=CRITERIA_MAX)
    learning_outcomes: dict[OutcomeId, OutcomeWords] = Field(min_length=1, max_length=LOS_MAX)
    units: dict[UnitId, Title] = Field(default={}, max_length=UNITS_MAX)


class Unit(BaseModel):
    """A unit of the qualification: a set of its learning outcomes that, when
    ``credential`` is true, is a credential of its own (a micro-credential that stacks
    towards the full one)."""

    model_config = ConfigDict(extra="forbid")
    id: UnitId
    title: Title
    outcomes: list[OutcomeId] = Field(min_length=1, max_length=LOS_MAX)
    credential: bool = True
    # Its own notional workload (a mandatory Annex I element of its credential).
    workload_hours: int = Field(ge=1, le=WORKLOAD_HOURS_MAX)
    ects: float | None = Field(default=None, ge=0, le=ECTS_MAX, allow_inf_nan=False)


class UnitClaims(BaseModel):
    """How the full credential is claimed from unit credentials the learner holds: the
    versions of the standard whose unit credentials count (its own always does), and how
    old a unit credential may be on the day of the claim."""

    model_config = ConfigDict(extra="forbid")
    accepted_versions: list[int] = Field(default=[], max_length=100)
    max_age_years: int | None = Field(default=None, ge=1, le=50)

    @field_validator("accepted_versions")
    @classmethod
    def _versions(cls, v: list[int]) -> list[int]:
        if any(not 1 <= x <= INT_MAX for x in v):
            raise ValueError(f"versions are 1 to {INT_MAX}")
        return sorted(set(v))


class StandardDocument(BaseModel):
    """A standard version as published by its awarding body (see docs/standards.md)."""

    model_config = ConfigDict(extra="forbid")
    code: StandardCodeText
    version: int = Field(ge=1, le=INT_MAX)
    title: Title
    description: Note
    language: LanguageTag = "en"
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    national_level: NonBlankLine | None = None
    workload_hours: int = Field(ge=1, le=WORKLOAD_HOURS_MAX)
    ects: float | None = Field(default=None, ge=0, le=ECTS_MAX, allow_inf_nan=False)
    prerequisites: list[Statement] = Field(default=[], max_length=CRITERIA_MAX)
    assessment_type: Note
    form_of_participation: Literal["online", "onsite", "blended"]
    quality_assurance: Note
    supervision: SupervisionLevel
    min_panel_size: int = Field(default=2, ge=1, le=15)
    deadlines: StageDeadlines = StageDeadlines()
    appeal_window_days: int = Field(default=14, ge=0, le=365)
    partial_allowed: bool = True
    # Cases for this standard are funded before assessment starts (whatever the centre).
    funding_required: bool = False
    stackability: Note = "stand-alone"
    # Years a credential stays valid (its validUntil); none means it does not expire.
    validity_years: int | None = Field(default=None, ge=1, le=50)
    learning_outcomes: list[LearningOutcome] = Field(min_length=1, max_length=LOS_MAX)
    # Units that are credentials of their own; when given, every outcome is in exactly one.
    units: list[Unit] = Field(default=[], max_length=UNITS_MAX)
    # Claiming the full credential from unit credentials (with units only).
    unit_claims: UnitClaims | None = None
    # The same standard in other languages, by language tag ({"pl": {"title": …}}).
    translations: dict[LanguageTag, StandardWords] = Field(default={}, max_length=TRANSLATIONS_MAX)

    @model_validator(mode="after")
    def _translations_fit(self) -> StandardDocument:
        if self.translations:
            # A case carries its standard in its history: with its translations, no more
            # than a standard file may hold (a case's budget, tests/test_limits.py).
            size = len(self.model_dump_json().encode())
            if size > WITH_TRANSLATIONS_MAX_BYTES:
                raise ValueError(
                    f"with its translations the standard is {size // 1024} KiB; "
                    f"at most {WITH_TRANSLATIONS_MAX_BYTES // 1024} KiB"
                )
        known = {lo.id: lo for lo in self.learning_outcomes}
        for lang, words in self.translations.items():
            where = f"translations.{lang}"
            if lang == self.language:
                raise ValueError(f"{where}: that is the standard's own language")
            unknown = sorted(set(words.learning_outcomes) - set(known))
            missing = [i for i in known if i not in words.learning_outcomes]
            if unknown or missing:
                raise ValueError(
                    f"{where}: give every learning outcome of the standard, and only those"
                    f" (unknown: {', '.join(unknown) or '-'}; missing: {', '.join(missing) or '-'})"
                )
            for lo_id, lo in words.learning_outcomes.items():
                if len(lo.criteria) != len(known[lo_id].criteria):
                    raise ValueError(
                        f"{where}.learning_outcomes.{lo_id}: give its "
                        f"{len(known[lo_id].criteria)} criteria, in order"
                    )
            unit_ids = {u.id for u in self.units}
            if set(words.units) - unit_ids or (words.units and set(words.units) != unit_ids):
                raise ValueError(f"{where}.units: give the title of every unit, and only those")
            if len(words.prerequisites) != len(self.prerequisites):
                raise ValueError(
                    f"{where}: give its {len(self.prerequisites)} prerequisites, in order"
                )
        return self

    @model_validator(mode="after")
    def _units_partition(self) -> StandardDocument:
        if not self.units:
            if self.unit_claims is not None:
                raise ValueError("unit_claims: the standard declares no units")
            return self
        ids = [u.id for u in self.units]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"units: duplicate unit ids: {', '.join(dupes)}")
        known = [lo.id for lo in self.learning_outcomes]
        seen: dict[str, str] = {}
        for unit in self.units:
            unknown = sorted(set(unit.outcomes) - set(known))
            if unknown:
                raise ValueError(
                    f"units.{unit.id}: no such learning outcomes: {', '.join(unknown)}"
                )
            for lo_id in unit.outcomes:
                if lo_id in seen:
                    raise ValueError(
                        f"units.{unit.id}: {lo_id} is already in unit {seen[lo_id]}"
                        " (an outcome belongs to one unit)"
                    )
                seen[lo_id] = unit.id
        if self.unit_claims is not None:
            own = [u.id for u in self.units if not u.credential]
            if own:
                raise ValueError(
                    "unit_claims: the full credential is claimed from a credential of every "
                    f"unit; these are not credentials of their own: {', '.join(own)}"
                )
        left = [i for i in known if i not in seen]
        if left:
            raise ValueError(
                f"units: every learning outcome belongs to a unit; not in any: {', '.join(left)}"
            )
        return self

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def in_language(self, lang: str) -> StandardDocument:
        """The standard as a person reading ``lang`` sees it: in that language where the
        awarding body gave it (``language`` then says so), else as it is."""
        words = self.translations.get(lang)
        if words is None:
            return self
        return self.model_copy(
            update={
                "title": words.title,
                "description": words.description,
                "prerequisites": words.prerequisites,
                "language": lang,
                "units": [
                    u.model_copy(update={"title": words.units.get(u.id, u.title)})
                    for u in self.units
                ],
                "learning_outcomes": [
                    lo.model_copy(
                        update={
                            "statement": words.learning_outcomes[lo.id].statement,
                            "criteria": words.learning_outcomes[lo.id].criteria,
                        }
                    )
                    for lo in self.learning_outcomes
                ],
            }
        )

    @field_validator("learning_outcomes")
    @classmethod
    def _unique_ids(cls, los: list[LearningOutcome]) -> list[LearningOutcome]:
        ids = [lo.id for lo in los]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate learning outcome ids: {', '.join(dupes)}")
        return los

    @property
    def requires_identity_check(self) -> bool:
        return self.supervision in (
            SupervisionLevel.supervised_online_id,
            SupervisionLevel.onsite_id,
        )


class Issuer(BaseModel):
    id: str
    name: str
    country: str
    url: str | None = None


class StandardSnapshot(BaseModel):
    """What a case carries of its standard: the exact version it started on."""

    standard_id: str
    issuer: Issuer
    document: StandardDocument


class StandardRead(BaseModel):
    id: str
    code: str
    version: int
    title: str
    awarding_body_id: str
    document: StandardDocument
