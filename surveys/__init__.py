"""Waypoint's clinical core: instrument definitions, scoring, trends, alert rules, FHIR.

Pure: no Flask, no database. The API, the worker, the benchmarks and (through the JSON
definitions) the patient app share these functions and data files.
"""

from surveys.definitions import (
    all_definitions,
    build_definition,
    get_definition,
    load_definition_file,
)
from surveys.errors import (
    AnswerError,
    DefinitionError,
    SettingsError,
    SurveysError,
    UnknownInstrument,
)
from surveys.model import SAFETY_LEVELS, Band, Definition, Item, Option
from surveys.rules import (
    PRIORITY_ORDER,
    CheckinFacts,
    RuleHit,
    RuleSettings,
    asq_result,
    evaluate_checkin,
    is_pressing,
    missed_checkin,
    priority_rank,
    safety_hits,
    signal_hits,
)
from surveys.scoring import (
    SCHEMA_KEY,
    Safety,
    Score,
    evaluate_safety,
    score,
    validate_answers,
    validate_partial,
)
from surveys.translations import DEFAULT_LANGUAGE, LANGUAGES, languages_of, translated
from surveys.trend import (
    BASELINE_KINDS,
    STATUSES,
    WORSENING_STATUSES,
    Trend,
    TrendPoint,
    compute_trend,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "languages_of",
    "translated",
    "BASELINE_KINDS",
    "WORSENING_STATUSES",
    "PRIORITY_ORDER",
    "SAFETY_LEVELS",
    "SCHEMA_KEY",
    "STATUSES",
    "AnswerError",
    "Band",
    "CheckinFacts",
    "Definition",
    "DefinitionError",
    "Item",
    "Option",
    "RuleHit",
    "RuleSettings",
    "Safety",
    "Score",
    "SettingsError",
    "SurveysError",
    "Trend",
    "TrendPoint",
    "UnknownInstrument",
    "all_definitions",
    "asq_result",
    "build_definition",
    "compute_trend",
    "evaluate_checkin",
    "evaluate_safety",
    "get_definition",
    "is_pressing",
    "load_definition_file",
    "missed_checkin",
    "priority_rank",
    "safety_hits",
    "score",
    "signal_hits",
    "validate_answers",
    "validate_partial",
]
