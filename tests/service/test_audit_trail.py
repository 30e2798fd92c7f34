from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.audit.service import record_event
from service.auth.models import Role
from tests.service.conftest import TokenFactory


def test_admins_see_the_trail_auditors_see_it_redacted(
    client: TestClient, anonymous_client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    record_event(
        db_session,
        actor="Mirjam Bakker (desk)",
        action="household.updated",
        entity_type="household",
        entity_id="h-1",
        before={"status": "homeless", "case_reference": "2026-0001"},
        after={"status": "offered", "case_reference": "2026-0001"},
    )
    db_session.flush()
    full = client.get("/v1/audit-events", params={"entity_id": "h-1"}).json()["items"]
    assert full[0]["actor"] == "Mirjam Bakker (desk)"
    assert full[0]["after"]["case_reference"] == "2026-0001"

    auditor = {"Authorization": f"Bearer {make_token(Role.AUDITOR)}"}
    redacted = anonymous_client.get(
        "/v1/audit-events", params={"entity_id": "h-1"}, headers=auditor
    ).json()["items"]
    assert redacted[0]["actor"] == "(desk)"
    assert redacted[0]["before"] == {"status": "homeless"}
    assert redacted[0]["after"] == {"status": "offered"}
    assert redacted[0]["redacted"] is True
    assert "2026-0001" not in str(redacted)


def test_desks_and_corporations_do_not_read_the_trail(
    anonymous_client: TestClient, db_session: Session, make_token: TokenFactory
) -> None:
    from tests.factories import make_municipality

    make_municipality(db_session, code="GM0363", name="Amsterdam")
    desk = {"Authorization": f"Bearer {make_token(Role.DESK, municipalities=['GM0363'])}"}
    assert anonymous_client.get("/v1/audit-events", headers=desk).status_code == 403


def test_no_endpoint_changes_the_trail(client: TestClient) -> None:
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/v1/audit-events").status_code == 405
