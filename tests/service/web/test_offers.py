"""Offers and placements pages: a desk answers its households' offers and ends stays; a
corporation sees those on its own units in its restricted view, never a child's details."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.principal import SYSTEM
from service.core.time import today_amsterdam, utc_now
from service.offers import service as offers
from service.offers.models import Offer
from service.offers.schemas import HandOfferCreate
from service.schools import repository as schools
from tests.factories import (
    make_corporation,
    make_household,
    make_municipality,
    make_school,
    make_unit,
)
from tests.service.conftest import TokenFactory
from tests.service.web.conftest import PageClient, PageClientFactory

AMSTERDAM, UTRECHT = "GM0363", "GM0344"


def _offer(db_session: Session, *, case_reference: str = "CASE-1", unit: str = "U-OF-1") -> Offer:
    make_municipality(db_session, code=AMSTERDAM, name="Amsterdam")
    if schools.get_by_brin(db_session, "00AB01") is None:
        make_school(db_session, brin_code="00AB01", name="De Regenboog")
    household = make_household(
        db_session,
        case_reference=case_reference,
        homeless_since=date(2026, 10, 1),
        children=[{"birth_year": 2014, "school": "00AB01"}],
    )
    made = make_unit(db_session, corporation="ymere", reference=unit)
    return offers.make_hand_offer(
        db_session,
        principal=SYSTEM,
        data=HandOfferCreate(household_id=household.id, unit_id=made.id, reason="urgent"),
    )


def _desk(make_token: TokenFactory, page_client: PageClientFactory) -> PageClient:
    client = page_client()
    client.sign_in(make_token(Role.DESK, municipalities=[AMSTERDAM]), language="en")
    return client


def test_a_desk_sees_an_offer_that_expires_soon_and_accepts_it(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    offer = _offer(db_session)
    offer.expires_at = utc_now() + timedelta(hours=5, minutes=30)
    later = _offer(db_session, case_reference="CASE-2", unit="U-OF-2")
    db_session.flush()
    client = _desk(make_token, page_client)

    page = client.get("/app/offers")
    assert page.status_code == 200
    open_offers = re.search(r'data-testid="open-offers">(.*?)</ul>', page.text, re.S)
    assert open_offers
    # The one expiring soonest comes first, marked in words.
    assert open_offers.group(1).index("CASE-1") < open_offers.group(1).index("CASE-2")
    soon = re.findall(r'data-testid="expires-soon">(.*?)</p>', page.text, re.S)
    assert len(soon) == 1 and "Expires soon" in soon[0] and "within 5 hours" in soon[0]
    assert "U-OF-1 (Damrak 1, Amsterdam)" in page.text
    assert "The household refused" in page.text  # the reason codes, readable

    too_early = client.submit(f"/app/offers/{offer.id}/accept", {"move_in_on": "2020-01-01"})
    assert too_early.status_code == 422
    assert "The stay cannot start before the offer was made." in too_early.text
    assert 'data-testid="error-move_in_on"' in too_early.text
    assert offer.status == "open"

    accepted = client.submit(f"/app/offers/{offer.id}/accept", {})
    assert accepted.status_code == 303
    assert "The offer has been accepted" in client.get(accepted.headers["location"]).text
    db_session.refresh(offer)
    assert offer.status == "accepted"
    again = client.submit(f"/app/offers/{offer.id}/accept", {})
    assert again.status_code == 409
    placements = client.get("/app/placements")
    assert "CASE-1" in placements.text and "U-OF-1" in placements.text
    assert "Running" in placements.text
    assert later.status == "open"


def test_a_desk_declines_with_a_reason_code_and_other_needs_an_explanation(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    offer = _offer(db_session)
    client = _desk(make_token, page_client)
    missing = client.submit(f"/app/offers/{offer.id}/decline", {})
    assert missing.status_code == 422
    assert 'data-testid="error-reason"' in missing.text
    other = client.submit(f"/app/offers/{offer.id}/decline", {"reason": "other"})
    assert other.status_code == 422
    assert "text is required when the reason is `other`" in other.text
    declined = client.submit(
        f"/app/offers/{offer.id}/decline", {"reason": "unit_unsuitable", "text": "stairs"}
    )
    assert declined.status_code == 303
    page = client.get("/app/offers")
    earlier = re.search(r'data-testid="earlier-offers">(.*?)</table>', page.text, re.S)
    assert earlier and "Declined" in earlier.group(1)
    assert "The unit is unsuitable: stairs" in earlier.group(1)
    assert 'data-testid="no-open-offers"' in page.text


def test_a_desk_ends_a_stay_with_the_date_and_reason_the_api_requires(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    offer = _offer(db_session)
    client = _desk(make_token, page_client)
    assert client.submit(f"/app/offers/{offer.id}/accept", {}).status_code == 303
    placement = offers.list_placements(
        db_session, principal=SYSTEM, status=None, cursor=None, limit=5
    )[0][0]
    path = f"/app/placements/{placement.id}/end"
    empty = client.submit(path, {})
    assert empty.status_code == 422
    assert 'data-testid="error-end_date"' in empty.text
    before = client.submit(path, {"end_date": "2020-01-01", "reason": "moved_elsewhere"})
    assert before.status_code == 422
    assert "before the start date" in before.text
    ended = client.submit(
        path, {"end_date": today_amsterdam().isoformat(), "reason": "moved_elsewhere"}
    )
    assert ended.status_code == 303
    page = client.get("/app/placements?status=ended")
    assert "Moved elsewhere" in page.text and "Ended" in page.text
    assert 'data-testid="end-' not in page.text
    assert 'data-testid="no-placements"' in client.get("/app/placements?status=active").text


def test_a_corporation_sees_its_offers_and_placements_without_childrens_details(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    offer = _offer(db_session)
    accepted = _offer(db_session, case_reference="CASE-9", unit="U-OF-9")
    make_corporation(db_session, code="eigen-haard", name="Eigen Haard")
    desk = _desk(make_token, page_client)
    assert desk.submit(f"/app/offers/{accepted.id}/accept", {}).status_code == 303

    corporation = page_client()
    corporation.sign_in(make_token(Role.CORPORATION, corporation_code="ymere"), language="en")
    pages = [corporation.get("/app/offers"), corporation.get("/app/placements")]
    assert all(p.status_code == 200 for p in pages)
    assert "U-OF-1" in pages[0].text and "U-OF-9" in pages[1].text
    assert "Household size" in pages[0].text
    for page in pages:
        for secret in (
            "CASE-1",
            "CASE-9",
            "De Regenboog",
            "00AB01",
            "2014",
            str(offer.household_id),
        ):
            assert secret not in page.text, secret
        assert "/app/households/" not in page.text
        assert "accept" not in page.text.lower().replace("accepted", "")
    # It cannot answer an offer, and another corporation sees nothing of these.
    assert corporation.submit(f"/app/offers/{offer.id}/accept", {}).status_code == 403
    other = page_client()
    other.sign_in(make_token(Role.CORPORATION, corporation_code="eigen-haard"), language="en")
    assert "U-OF-1" not in other.get("/app/offers").text
    assert "U-OF-9" not in other.get("/app/placements").text


def test_another_desk_cannot_answer_an_offer_it_does_not_see(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    offer = _offer(db_session)
    make_municipality(db_session, code=UTRECHT, name="Utrecht")
    client = page_client()
    client.sign_in(make_token(Role.DESK, municipalities=[UTRECHT]), language="en")
    assert "CASE-1" not in client.get("/app/offers").text
    refused = client.submit(f"/app/offers/{offer.id}/decline", {"reason": "no_show"})
    assert refused.status_code == 404
    assert offer.status == "open"


def test_the_households_detail_page_marks_an_offer_that_expires_soon(
    db_session: Session, make_token: TokenFactory, page_client: PageClientFactory
) -> None:
    offer = _offer(db_session)
    offer.expires_at = utc_now() + timedelta(hours=2)
    db_session.flush()
    page = _desk(make_token, page_client).get(f"/app/households/{offer.household_id}")
    offers_table = re.search(r'<table data-testid="offers">(.*?)</table>', page.text, re.S)
    assert offers_table and "Expires soon" in offers_table.group(1)
    assert "U-OF-1 (Damrak 1, Amsterdam)" in offers_table.group(1)
