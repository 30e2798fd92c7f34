"""Offers into one capped building at once (two by hand, or a run's commit and one by hand),
in real concurrent transactions: the building's cap holds."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from service.auth.principal import SYSTEM
from service.core.db import make_engine
from service.core.errors import Conflict, Invalid
from service.core.migrations import upgrade_to_head
from service.offers import service as offers
from service.offers.models import Offer
from service.offers.schemas import HandOfferCreate
from service.policies import service as policies
from service.policies.schemas import PolicyCreate
from service.runs import service as runs
from tests.factories import AMSTERDAM, make_municipality, make_unit
from tests.service.conftest import ScratchDatabases
from tests.service.races import hold_then_follow
from tests.service.runs.scenario import homeless_family


@pytest.fixture
def scratch_factory(scratch_databases: ScratchDatabases) -> Iterator[sessionmaker[Session]]:
    engine: Engine = make_engine(scratch_databases.create("cap_race"), pool_size=2)
    upgrade_to_head(engine)
    yield sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    engine.dispose()


def _setup_capped_building(session: Session) -> None:
    """Amsterdam, and a default policy that places at most one household per building."""
    make_municipality(session, code=AMSTERDAM, name="Amsterdam")
    policies.create_policy_version(
        session,
        data=PolicyCreate(
            name="default",
            parameters={"placement_caps": [{"scope": "building", "max_households": 1}]},
        ),
        actor="test",
    )


def test_two_hand_offers_into_a_building_with_room_for_one_make_one_offer(
    scratch_factory: sessionmaker[Session],
) -> None:
    with scratch_factory() as session:
        _setup_capped_building(session)
        # Two families, two free units of one building (Damrak 1, 1012 AB).
        offers_to_make = {
            name: HandOfferCreate(
                household_id=homeless_family(session, case_reference=name).id,
                unit_id=make_unit(
                    session, reference=f"U-{name}", available_from=date(2025, 1, 1)
                ).id,
                reason="urgent",
            )
            for name in ("first", "second")
        }
        session.commit()

    def offer(name: str) -> Callable[[Session], str]:
        def make(session: Session) -> str:
            try:
                offers.make_hand_offer(session, principal=SYSTEM, data=offers_to_make[name])
            except Invalid as refused:
                session.rollback()
                return ",".join(refused.extensions["broken_rules"])
            return "made"

        return make

    outcomes = hold_then_follow(scratch_factory, offer("first"), offer("second"))
    assert outcomes == ("made", "placement_cap")
    _assert_one_offer(scratch_factory)


def test_a_run_committed_while_a_hand_offer_fills_the_building_is_refused(
    scratch_factory: sessionmaker[Session],
) -> None:
    # Two households without children, two units of one building with room for one. The
    # preview proposes one household there; meanwhile a desk offers the other unit by hand.
    with scratch_factory() as session:
        _setup_capped_building(session)
        singles = [
            homeless_family(session, case_reference=name, children=0).id for name in ("A", "B")
        ]
        unit_ids = [
            make_unit(session, reference=f"U-{n}", available_from=date(2025, 1, 1)).id
            for n in (1, 2)
        ]
        session.commit()
        run = runs.preview_run(session, principal=SYSTEM, municipalities=[AMSTERDAM])
        session.commit()
        (proposal,) = [p for p in runs.replay(run).proposals if not p.fixed]
        proposed_unit = uuid.UUID(proposal.unit_id)
        by_hand = HandOfferCreate(
            household_id=next(h for h in singles if str(h) != proposal.household_id),
            unit_id=next(u for u in unit_ids if u != proposed_unit),
            reason="urgent",
        )

    def hand_offer(session: Session) -> str:
        offers.make_hand_offer(session, principal=SYSTEM, data=by_hand)
        return "made"

    def commit(session: Session) -> str:
        try:
            runs.commit_run(session, principal=SYSTEM, run_id=run.id, exclusions=[])
        except Conflict:
            session.rollback()
            return "conflict"
        return "committed"

    outcomes = hold_then_follow(scratch_factory, hand_offer, commit)
    assert outcomes == ("made", "conflict")
    _assert_one_offer(scratch_factory)


def _assert_one_offer(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        assert len(session.scalars(select(Offer)).all()) == 1
