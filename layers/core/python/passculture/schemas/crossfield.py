"""Bodies with rules across fields, reported together with the per-field errors.

A pydantic ``after`` validator only runs once every field is valid, so a body
with a bad SIRET and a missing address would take two round trips to fix. Here
the cross-field rules run on the raw input whatever the fields gave, and all
the errors leave in one ``ValidationError`` (one 400 naming every field).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from passculture.schemas.base import CamelModel


def given(data: dict[str, Any], alias: str, name: str | None = None) -> Any:
    """The raw value under its JSON name (or its Python name), None when absent."""
    if alias in data:
        return data[alias]
    return data.get(name) if name else None


class CrossChecked(CamelModel):
    @classmethod
    def cross_errors(cls, data: dict[str, Any]) -> dict[str, str]:
        """``{JSON field name: message}`` for the rules that span fields; override."""
        return {}

    @model_validator(mode="wrap")
    @classmethod
    def _report_everything(cls, data: Any, handler: Any) -> Any:
        try:
            model, errors = handler(data), []
        except ValidationError as exc:
            model, errors = None, exc.errors()
        extra = cls.cross_errors(data) if isinstance(data, dict) else {}
        already = {str(e["loc"][0]) for e in errors if e.get("loc")}
        extra = {name: message for name, message in extra.items() if name not in already}
        if not errors and not extra:
            return model
        details: list[InitErrorDetails] = []
        for e in errors:
            detail = InitErrorDetails(type=e["type"], loc=e["loc"], input=e.get("input"))
            if e.get("ctx"):
                detail["ctx"] = e["ctx"]
            details.append(detail)
        details += [
            InitErrorDetails(type=PydanticCustomError("cross_field", message), loc=(name,), input=data)
            for name, message in extra.items()
        ]
        raise ValidationError.from_exception_data(cls.__name__, details)
