"""The units pages: a desk reads the units available in its municipalities; a corporation lists,
adds, edits, withdraws and reinstates its own units and uploads them as CSV. The same service
calls and input models as the units API (`UnitCreate`, `UnitUpdate`, the bulk import)."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from service.auth.principal import Principal
from service.core.bulk import BulkReport, rows_of_csv
from service.core.concurrency import check_if_match, etag_of
from service.core.db import SessionDep
from service.core.geo import from_db
from service.offers import service as offers
from service.reference import service as reference
from service.reference.models import Corporation
from service.units import service as units
from service.units.models import Unit, UnitKind, UnitStatus
from service.units.schemas import UnitCreate, UnitSort, UnitUpdate
from service.web.dependencies import CorporationPage, DeskOrCorporationPage
from service.web.errors import WEB_PREFIX
from service.web.forms import FormErrors, attempt, form_values, validate
from service.web.templating import render

router = APIRouter(prefix=WEB_PREFIX, include_in_schema=False)

T = TypeVar("T")

PAGE_SIZE = 100
# An upload larger than this is refused before it is parsed (the API's limit is in rows).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
FLAGS = ("wheelchair_accessible", "ground_floor", "pets_allowed")
CSV_COLUMNS = (
    "reference,kind,street,house_number,postcode,city,municipality,lon,lat,bedrooms,"
    "max_occupants,wheelchair_accessible,ground_floor,pets_allowed,available_from,"
    "available_until,max_stay_days,rent_cents"
)


def _own_corporations(session: Session, principal: Principal) -> list[Corporation]:
    return [c for c in reference.list_corporations(session) if principal.sees_corporation(c.id)]


# --- list -------------------------------------------------------------------------------------


@router.get("/units")
def list_units(
    request: Request,
    session: SessionDep,
    user: DeskOrCorporationPage,
    status: str | None = None,
    cursor: str | None = None,
) -> Response:
    principal = user.principal
    is_corporation = principal.corporation_id is not None or principal.is_admin
    chosen_status: UnitStatus | None
    if is_corporation:
        chosen_status = UnitStatus(status) if status in set(UnitStatus) else None
    else:
        # A desk sees what it can offer: the available units in its municipalities.
        chosen_status = UnitStatus.AVAILABLE
    rows, next_cursor = units.list_units(
        session,
        status=chosen_status,
        sort=UnitSort.REFERENCE if is_corporation else UnitSort.AVAILABLE_FROM,
        cursor=cursor,
        limit=PAGE_SIZE,
        principal=principal,
    )
    names = {m.code: m.name for m in reference.list_municipalities(session)}
    return render(
        request,
        "units/list.html",
        nav="units",
        units=rows,
        corporation_view=is_corporation,
        status=chosen_status.value if chosen_status else "",
        statuses=[s.value for s in UnitStatus],
        municipality_names=names,
        next_cursor=next_cursor,
        notice=request.query_params.get("notice"),
    )


# --- add and edit -----------------------------------------------------------------------------


def _euro_cents(text: str | None) -> int | str | None:
    """'650', '650,50' or '1.250,00' euro → cents; the text back when it is no amount."""
    if text is None:
        return None
    cleaned = text.replace("€", "").replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return text
    return int((amount * 100).to_integral_value())


def unit_data(form: FormData) -> tuple[dict[str, Any], FormErrors]:
    """The form as the API's unit body: address nested, lat/lon as a GeoJSON point, euros as
    cents, ticked boxes as true. Errors here are the ones the model cannot name a field for."""
    values = form_values(form)
    errors = FormErrors()
    data: dict[str, Any] = {
        key: values[key]
        for key in (
            "corporation",
            "reference",
            "kind",
            "municipality",
            "bedrooms",
            "max_occupants",
            "available_from",
            "available_until",
            "max_stay_days",
        )
        if key in values
    }
    address = {
        part: values[f"address.{part}"]
        for part in ("street", "house_number", "postcode", "city")
        if f"address.{part}" in values
    }
    data["address"] = address
    for flag in FLAGS:
        data[flag] = flag in values
    latitude, longitude = values.get("latitude"), values.get("longitude")
    if latitude is None:
        errors.fields["latitude"] = "Fill in the latitude."
    if longitude is None:
        errors.fields["longitude"] = "Fill in the longitude."
    if latitude is not None and longitude is not None:
        data["location"] = {
            "type": "Point",
            "coordinates": [longitude.replace(",", "."), latitude.replace(",", ".")],
        }
    rent = _euro_cents(values.get("rent"))
    if isinstance(rent, str):
        errors.fields["rent"] = "Give the rent in euros, e.g. 650 or 650,50."
    elif rent is not None:
        data["rent_cents"] = rent
    return data, errors


def form_field(name: str) -> str:
    """The form field an API error belongs to (`location.geojson.coordinates.1` → latitude)."""
    if name.startswith("location"):
        return "longitude" if name.endswith("coordinates.0") else "latitude"
    if name == "rent_cents":
        return "rent"
    return name


# The API's pattern messages quote a regular expression; a person gets an example instead.
PATTERN_HINTS = {
    "address.postcode": "Give a Dutch postcode: four digits and two letters, e.g. 1012 AB.",
    "address.house_number": "Give a house number, with a letter or addition if any: 12, 12A.",
    "reference": "Use letters, digits and . _ : - only (no spaces), at most 60 characters.",
}


def _merge(into: FormErrors, errors: FormErrors) -> FormErrors:
    for name, message in errors.fields.items():
        if message.startswith("String should match pattern") and name in PATTERN_HINTS:
            message = PATTERN_HINTS[name]
        into.fields.setdefault(form_field(name), message)
    into.summary = into.summary or errors.summary
    if into.fields and not into.summary:
        into.summary = "Please correct the fields marked below."
    return into


def _values_of(unit: Unit) -> dict[str, Any]:
    """A stored unit as the form's fields."""
    point = from_db(unit.location)
    rent = Decimal(unit.rent_cents) / 100
    return {
        "corporation": unit.corporation.code,
        "reference": unit.reference,
        "kind": unit.kind,
        "address.street": unit.street,
        "address.house_number": unit.house_number,
        "address.postcode": unit.postcode,
        "address.city": unit.city,
        "municipality": unit.municipality_code,
        "latitude": f"{point.lat:.6f}",
        "longitude": f"{point.lon:.6f}",
        "bedrooms": unit.bedrooms,
        "max_occupants": unit.max_occupants,
        "wheelchair_accessible": unit.wheelchair_accessible,
        "ground_floor": unit.ground_floor,
        "pets_allowed": unit.pets_allowed,
        "available_from": unit.available_from.isoformat(),
        "available_until": unit.available_until.isoformat() if unit.available_until else "",
        "max_stay_days": unit.max_stay_days or "",
        "rent": f"{rent:.2f}".replace(".", ","),
    }


def _form_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    unit: Unit | None,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    version: str | None = None,
    status_code: int = 200,
) -> Response:
    corporations = _own_corporations(session, principal)
    chosen = next(
        (c for c in corporations if c.code == values.get("corporation")),
        corporations[0] if corporations else None,
    )
    served = sorted(m.code for m in chosen.municipalities) if chosen else []
    names = {m.code: m.name for m in reference.list_municipalities(session)}
    return render(
        request,
        "units/form.html",
        nav="units",
        status_code=status_code,
        unit=unit,
        values=values,
        errors=errors or FormErrors(),
        version=version,
        corporations=[(c.code, c.name) for c in corporations],
        municipalities=[(code, f"{names.get(code, code)} ({code})") for code in served],
        kinds=[(k.value, k.value) for k in UnitKind],
    )


@router.get("/units/new")
def new_unit(request: Request, session: SessionDep, user: CorporationPage) -> Response:
    return _form_page(request, session, user.principal, unit=None, values={})


@router.post("/units/new")
async def create_unit(request: Request, session: SessionDep, user: CorporationPage) -> Response:
    form = await request.form()
    values = form_values(form)
    data, errors = unit_data(form)
    corporations = _own_corporations(session, user.principal)
    if "corporation" not in data and len(corporations) == 1:
        data["corporation"] = corporations[0].code
    model, model_errors = validate(UnitCreate, data)
    errors = _merge(errors, model_errors)
    status_code = 422
    if model is not None and not errors:
        created, action_errors = attempt(
            session,
            lambda: units.create_unit(session, data=model, principal=user.principal),
        )
        if created is not None:
            return RedirectResponse(f"{WEB_PREFIX}/units?notice=added", status_code=303)
        status_code = action_errors.status
        errors = _merge(errors, action_errors)
    return _form_page(
        request,
        session,
        user.principal,
        unit=None,
        values={**values, **{flag: flag in values for flag in FLAGS}},
        errors=errors,
        status_code=status_code,
    )


@router.get("/units/{unit_id}/edit")
def edit_unit(
    request: Request, unit_id: uuid.UUID, session: SessionDep, user: CorporationPage
) -> Response:
    unit = units.get_own_unit(session, principal=user.principal, unit_id=unit_id)
    return _form_page(
        request, session, user.principal, unit=unit, values=_values_of(unit), version=etag_of(unit)
    )


@router.post("/units/{unit_id}/edit")
async def update_unit(
    request: Request, unit_id: uuid.UUID, session: SessionDep, user: CorporationPage
) -> Response:
    unit = units.get_own_unit(session, principal=user.principal, unit_id=unit_id)
    form = await request.form()
    values = form_values(form)
    data, errors = unit_data(form)
    data.pop("corporation", None)  # a unit never changes hands
    # A cleared optional field is a cleared value, as `null` is in the API.
    for optional in ("available_until", "max_stay_days"):
        data.setdefault(optional, None)
    model, model_errors = validate(UnitUpdate, data)
    errors = _merge(errors, model_errors)
    version = str(form.get("version") or "") or None
    status_code = 422
    if model is not None and not errors:

        def change() -> Unit:
            locked = units.get_own_unit(
                session, principal=user.principal, unit_id=unit_id, for_update=True
            )
            # The version the form was opened on: someone else's change in between is a conflict.
            check_if_match(version, locked)
            return units.update_unit(session, unit=locked, data=model)

        updated, action_errors = attempt(session, change)
        if updated is not None:
            return RedirectResponse(f"{WEB_PREFIX}/units?notice=saved", status_code=303)
        status_code = action_errors.status
        if action_errors.error is not None and action_errors.error.status == 412:
            action_errors.summary = (
                "Someone changed this unit after you opened the form; nothing was saved. "
                "Reload the form to see the current values and make your change again."
            )
        errors = _merge(errors, action_errors)
    return _form_page(
        request,
        session,
        user.principal,
        unit=unit,
        values={**values, **{flag: flag in values for flag in FLAGS}},
        errors=errors,
        version=version,
        status_code=status_code,
    )


# --- withdraw and reinstate -------------------------------------------------------------------


@router.post("/units/{unit_id}/withdraw")
def withdraw_unit(
    request: Request, unit_id: uuid.UUID, session: SessionDep, user: CorporationPage
) -> Response:
    units.get_own_unit(session, principal=user.principal, unit_id=unit_id)
    done, errors = attempt(
        session, lambda: offers.withdraw_unit(session, principal=user.principal, unit_id=unit_id)
    )
    if done is None:
        return _action_refused(request, errors)
    return RedirectResponse(f"{WEB_PREFIX}/units?notice=withdrawn", status_code=303)


@router.post("/units/{unit_id}/reinstate")
def reinstate_unit(
    request: Request, unit_id: uuid.UUID, session: SessionDep, user: CorporationPage
) -> Response:
    unit = units.get_own_unit(session, principal=user.principal, unit_id=unit_id, for_update=True)
    done, errors = attempt(session, lambda: units.reinstate_unit(session, unit=unit))
    if done is None:
        return _action_refused(request, errors)
    return RedirectResponse(f"{WEB_PREFIX}/units?notice=reinstated", status_code=303)


def _action_refused(request: Request, errors: FormErrors) -> Response:
    status = errors.error.status if errors.error is not None else 409
    return render(
        request,
        "error.html",
        status_code=status,
        title="Conflict" if status == 409 else "Invalid input",
        status=status,
        phrase="Conflict" if status == 409 else "Unprocessable Content",
        detail=errors.summary,
        request_id=None,
    )


# --- CSV upload -------------------------------------------------------------------------------


def _readable(report: BulkReport) -> BulkReport:
    """The report with the pattern messages a person cannot read replaced by examples."""
    for row in report.errors:
        hint = PATTERN_HINTS.get(f"address.{row.field}") or PATTERN_HINTS.get(row.field or "")
        if hint and row.message.startswith("String should match pattern"):
            row.message = hint
    return report


def _upload_page(
    request: Request,
    *,
    errors: FormErrors | None = None,
    report: BulkReport | None = None,
    partial: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "units/upload.html",
        nav="units",
        status_code=status_code,
        errors=errors or FormErrors(),
        report=report,
        partial=partial,
        columns=CSV_COLUMNS,
    )


@router.get("/units/upload")
def upload_form(request: Request, user: CorporationPage) -> Response:
    return _upload_page(request)


@router.post("/units/upload")
async def upload_units(request: Request, session: SessionDep, user: CorporationPage) -> Response:
    form = await request.form()
    partial = form.get("partial") is not None
    upload = form.get("file")
    errors = FormErrors()
    corporations = _own_corporations(session, user.principal)
    chosen = str(form.get("corporation") or "") or (corporations[0].code if corporations else "")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.fields["file"] = "Choose a CSV file."
    else:
        raw = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            errors.fields["file"] = "The file is larger than 5 MB; split it."
    if errors:
        errors.summary = "Please correct the fields marked below."
        return _upload_page(request, errors=errors, partial=partial, status_code=422)

    def store() -> BulkReport:
        corporation = units.get_own_corporation(session, principal=user.principal, code=chosen)
        return units.import_units(
            session, corporation=corporation, rows=rows_of_csv(raw), partial=partial
        )

    report, errors = attempt(session, store)
    if report is not None:
        return _upload_page(request, report=_readable(report), partial=partial)
    rejected = (errors.error.extensions or {}).get("report") if errors.error else None
    if rejected is not None:
        # All or nothing: the rows' errors, and nothing stored.
        return _upload_page(
            request,
            report=_readable(BulkReport.model_validate(rejected)),
            errors=errors,
            partial=partial,
            status_code=422,
        )
    errors.fields["file"] = errors.summary or "The file could not be read."
    return _upload_page(request, errors=errors, partial=partial, status_code=errors.status)
