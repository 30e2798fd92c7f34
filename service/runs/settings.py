"""Settings of match runs, read from the environment like the service's own settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RunSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    match_run_sync_max_households: int = Field(
        default=500,
        ge=0,
        description="Runs over more households than this answer 202 and solve in the background.",
    )
    # Test-only: kills the server process right after a commit's first flush, to prove that a
    # crash mid-commit leaves no trace. Never set in production.
    onderdak_test_crash_after_commit_flush: bool = False


@lru_cache(maxsize=1)
def get_run_settings() -> RunSettings:
    return RunSettings()
