"""Two syncs of the same new unit at once, in real concurrent transactions."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from service.core.bulk import RowOutcome
from service.units import service
from service.units.schemas import UnitUpsert
from tests.factories import make_corporation, make_municipality
from tests.service.races import hold_then_follow
from tests.service.units.conftest import unit_body

MUNICIPALITY = "GM0998"
CORPORATION = "race-test"


@pytest.fixture
def committed_corporation(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A corporation committed for real (other sessions must see it), removed afterwards."""
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    with factory() as session:
        make_municipality(session, code=MUNICIPALITY, name="Racedorp")
        make_corporation(session, code=CORPORATION, name="Race", municipalities=[MUNICIPALITY])
        session.commit()
    try:
        yield factory
    finally:
        with engine.begin() as connection:
            corporation = "(SELECT id FROM corporations WHERE code = :code)"
            for statement in (
                f"DELETE FROM units WHERE corporation_id = {corporation}",
                f"DELETE FROM corporation_municipalities WHERE corporation_id = {corporation}",
                "DELETE FROM corporations WHERE code = :code",
            ):
                connection.execute(text(statement), {"code": CORPORATION})
            connection.execute(
                text("DELETE FROM municipalities WHERE code = :code"), {"code": MUNICIPALITY}
            )


def test_two_syncs_creating_one_reference_make_one_unit(
    committed_corporation: sessionmaker[Session],
) -> None:
    data = UnitUpsert.model_validate(unit_body(municipality=MUNICIPALITY))

    def sync(session: Session) -> RowOutcome:
        _, outcome = service.upsert_unit(
            session, corporation_code=CORPORATION, reference="SAME-1", data=data
        )
        return outcome

    # The second sync waits on the corporation's lock, not racing to the unique constraint.
    outcomes = hold_then_follow(committed_corporation, sync, sync)
    assert outcomes == ("created", "unchanged")
    with committed_corporation() as session:
        count = session.scalar(
            text(
                "SELECT count(*) FROM units JOIN corporations c ON c.id = units.corporation_id "
                "WHERE c.code = :code"
            ),
            {"code": CORPORATION},
        )
    assert count == 1
