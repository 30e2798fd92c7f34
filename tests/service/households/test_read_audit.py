"""Reads of household records are audited: who read which household, when."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.auth.models import Role
from tests.factories import make_household, make_municipality
from tests.service.conftest import TokenFactory


def test_reading_a_household_leaves_an_audit_event(
    anonymous_client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    make_municipality(db_session, code="GM0363", name="Amsterdam")
    household = make_household(db_session)
    db_session.flush()
    token = make_token(Role.DESK, municipalities=["GM0363"], person="Mirjam Bakker")
    headers = {"Authorization": f"Bearer {token}"}

    assert (
        anonymous_client.get(f"/v1/households/{household.id}", headers=headers).status_code == 200
    )
    assert anonymous_client.get("/v1/households", headers=headers).status_code == 200

    events = db_session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity_id == str(household.id), AuditEvent.action == "household.read"
        )
    ).all()
    assert sorted(e.after["read"] for e in events if e.after) == ["list", "record"]
    assert {e.actor for e in events} == {"Mirjam Bakker (desk)"}
    assert all(e.request_id for e in events)
