"""Errors raised by the clinical core; none of them is a KeyError or ValueError on purpose."""

from __future__ import annotations

from collections.abc import Mapping


class SurveysError(Exception):
    """Base class of every error raised by `surveys`."""


class UnknownInstrument(SurveysError):
    """No definition has this instrument code."""

    def __init__(self, code: object) -> None:
        self.code = code
        super().__init__(f"Unknown instrument {code!r}.")


class DefinitionError(SurveysError):
    """An instrument definition file is malformed; the message names the file and the field."""

    def __init__(self, path: str, field: str, problem: str) -> None:
        self.path = path
        self.field = field
        self.problem = problem
        super().__init__(f"{path}: {field or '(top level)'}: {problem}")


class AnswerError(SurveysError):
    """Answers that cannot be scored; `.errors` maps link_id (or "_schema") to messages."""

    def __init__(self, instrument: str, errors: Mapping[str, list[str]]) -> None:
        self.instrument = instrument
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in sorted(errors.items())}
        summary = "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())
        super().__init__(f"Invalid answers for {instrument}: {summary}")


class SettingsError(SurveysError):
    """Clinic rule settings with an unknown key or a value of the wrong kind."""
