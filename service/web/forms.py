"""Forms on the same rules as the API: the API's input models validate them, the services act
on them inside a savepoint, and every error lands next to its field.

A page that shows a form again with errors still ends in a successful response, so the request
session would commit; `attempt` therefore rolls back whatever the failed action flushed, which
keeps "a failed request leaves the database as it was" true for forms too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from service.core.errors import DomainError
from service.offers.service import conflicts_as_409

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass
class FormErrors:
    """What is wrong with a form: a message per field, and one for the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    summary: str | None = None
    # The service's error behind them, when a service refused (its status, its extensions).
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return bool(self.fields or self.summary)

    @property
    def status(self) -> int:
        """The status the page is shown again with: a conflict or a stale edit (412 in the API)
        is 409 to a person, who reloads and redoes it; 403 and 404 as raised; else 422."""
        raised = self.error.status if self.error is not None else 422
        if raised in (409, 412):
            return 409
        return raised if raised in (403, 404) else 422

    def get(self, name: str) -> str | None:
        return self.fields.get(name)


def _field_name(location: tuple[int | str, ...] | list[Any] | str) -> str:
    parts = location.split(".") if isinstance(location, str) else [str(p) for p in location]
    if parts and parts[0] in {"body", "query", "path"}:
        parts = parts[1:]
    return ".".join(parts)


def errors_of_validation(exc: ValidationError) -> FormErrors:
    errors = FormErrors()
    for error in exc.errors():
        name = _field_name(error["loc"])
        # A model's own check reads "Value error, <our message>": the person needs only ours.
        message = str(error["msg"]).removeprefix("Value error, ")
        errors.fields.setdefault(name or "form", message)
    errors.summary = "Please correct the fields marked below."
    return errors


def errors_of_domain(exc: DomainError) -> FormErrors:
    errors = FormErrors(summary=exc.detail, error=exc)
    for error in exc.errors or []:
        errors.fields.setdefault(_field_name(error.field), error.message)
    return errors


def validate(model: type[M], data: Mapping[str, Any]) -> tuple[M | None, FormErrors]:
    """The API's input model applied to a form's data."""
    try:
        return model.model_validate(data), FormErrors()
    except ValidationError as exc:
        return None, errors_of_validation(exc)


def attempt(session: Session, action: Callable[[], T]) -> tuple[T | None, FormErrors]:
    """Run a service call in a savepoint; on a domain error undo it and return the errors
    (`errors.status` is the status to show the form again with). A database conflict (a double
    booking, a deadlock) counts as a domain conflict, as it does for the API."""
    savepoint = session.begin_nested()
    try:
        with conflicts_as_409():
            result = action()
        savepoint.commit()
        return result, FormErrors()
    except DomainError as exc:
        savepoint.rollback()
        return None, errors_of_domain(exc)
    except ValidationError as exc:
        savepoint.rollback()
        return None, errors_of_validation(exc)


def form_values(form: FormData) -> dict[str, str]:
    """A form's single-valued fields, stripped; empty fields left out (the model's default)."""
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if key == "csrf_token" or not isinstance(value, str):
            continue
        value = value.strip()
        if value:
            values[key] = value
    return values
