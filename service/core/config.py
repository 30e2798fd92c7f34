"""Settings, read once from the environment (prefix-free, as twelve-factor apps expect)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.auth.oidc import OidcIssuer

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and production."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of an existing PostgreSQL + PostGIS database. "
        "Unset: a project-local embedded cluster is started and used.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    db_pool_size: int = Field(default=10, ge=1, le=200)
    max_request_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    embedded_db_root: Path = Field(
        default=Path("/var/lib/onderdak"),
        description="Where embedded clusters live (one per checkout); must be reachable "
        "by the postgres user, which a folder under /root is not.",
    )
    timezone: str = "Europe/Amsterdam"
    web_session_hours: float = Field(
        default=8, gt=0, le=24 * 7, description="How long a web sign-in lasts, in hours."
    )
    web_cookie_secure: bool = Field(
        default=False,
        description="Send the session cookie only over HTTPS; set it wherever TLS is in front.",
    )
    oidc_issuers: list[OidcIssuer] = Field(
        default_factory=list,
        description="Trusted single sign-on issuers, as a JSON list (see service/auth/oidc.py).",
    )

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if not value.startswith("postgresql"):
            raise ValueError("DATABASE_URL must be a PostgreSQL URL (postgresql://user:pw@host/db)")
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value


class SettingsError(RuntimeError):
    """Raised with a readable message when the environment holds invalid settings."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, validated on first use (start-up)."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(part) for part in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        ]
        raise SettingsError("Invalid configuration:\n" + "\n".join(lines)) from None
