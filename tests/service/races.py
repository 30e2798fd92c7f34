"""Two real transactions racing for the same rows: the first holds its locks while the second
starts, so the second meets them (instead of running before or after by chance)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

Outcome = TypeVar("Outcome")

# How long the first transaction keeps its locks after its work, before it commits.
HOLD_S = 0.5


def hold_then_follow(
    factory: sessionmaker[Session],
    first: Callable[[Session], Outcome],
    second: Callable[[Session], Outcome],
) -> tuple[Outcome, Outcome]:
    """Run `first` in one transaction and, while it still holds its locks, `second` in
    another; each commits after its work. Their outcomes, or the first exception either raised.

    A step that expects a refusal catches it, rolls its session back and returns an outcome.
    """
    first_done = threading.Event()
    outcomes: dict[str, Outcome] = {}
    failures: list[BaseException] = []

    def run(name: str, work: Callable[[Session], Outcome]) -> None:
        try:
            with factory() as session:
                if name == "second":
                    first_done.wait(timeout=10)
                outcomes[name] = work(session)
                if name == "first":
                    first_done.set()
                    # The second transaction now waits on our locks, if it takes the same.
                    threading.Event().wait(HOLD_S)
                session.commit()
        except BaseException as exc:  # pragma: no cover - raised below
            failures.append(exc)
        finally:
            first_done.set()

    threads = [
        threading.Thread(target=run, args=("first", first)),
        threading.Thread(target=run, args=("second", second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a transaction hung"
    if failures:
        raise failures[0]
    return outcomes["first"], outcomes["second"]
