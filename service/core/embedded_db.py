"""The project-local PostgreSQL 15 + PostGIS 3 cluster used when no DATABASE_URL is given.

One cluster per checkout: its folder name carries a hash of the checkout's path, and its port is
chosen free when the cluster is created and recorded beside it, so a developer's checkout and a
CI clone on the same machine never share or collide. PostgreSQL refuses to run as root, so as root
the cluster belongs to the `postgres` user and lives where that user can reach it (not under a
0700 home such as /root).
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from service.core.config import PROJECT_ROOT, Settings

PG_VERSION = "15"
PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
POSTGIS_CONTROL = Path(f"/usr/share/postgresql/{PG_VERSION}/extension/postgis.control")
DATABASE_NAME = "onderdak"
SUPERUSER = "postgres"

INSTALL_HINT = (
    "PostgreSQL 15 with PostGIS 3 is needed. On Debian, as root:\n"
    f"  apt-get update && apt-get install -y postgresql-{PG_VERSION} "
    f"postgresql-{PG_VERSION}-postgis-3\n"
    "Or use Docker: `docker compose up -d db` and set\n"
    "  DATABASE_URL=postgresql://onderdak:onderdak@127.0.0.1:5432/onderdak"
)


class EmbeddedDatabaseError(RuntimeError):
    """The embedded cluster cannot be created or started; the message says what to do."""


@dataclass(frozen=True)
class EmbeddedCluster:
    home: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def psql_command(self, database: str = DATABASE_NAME) -> str:
        return f"psql -h 127.0.0.1 -p {self.port} -U {SUPERUSER} {database}"


def _running_as_root() -> bool:
    return os.geteuid() == 0


def cluster_home(settings: Settings) -> Path:
    """Where this checkout's cluster lives (whether or not it exists yet)."""
    checkout = PROJECT_ROOT.resolve()
    digest = hashlib.sha256(str(checkout).encode()).hexdigest()[:12]
    if _running_as_root():
        return settings.embedded_db_root / f"{checkout.name}-{digest}"
    # A normal user owns its own cluster, so it can live inside the checkout.
    return PROJECT_ROOT / "var" / "pg"


def _state_file(home: Path) -> Path:
    return home / "cluster.json"


def load_cluster(settings: Settings) -> EmbeddedCluster | None:
    home = cluster_home(settings)
    state = _state_file(home)
    if not state.exists():
        return None
    return EmbeddedCluster(home=home, port=int(json.loads(state.read_text())["port"]))


def _as_cluster_owner(args: list[str]) -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--", *args] if _running_as_root() else args


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_as_cluster_owner(args), capture_output=True, text=True, check=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _check_binaries() -> None:
    if not (PG_BIN / "postgres").exists() or not POSTGIS_CONTROL.exists():
        missing = "PostgreSQL 15 server" if not (PG_BIN / "postgres").exists() else "PostGIS 3"
        raise EmbeddedDatabaseError(f"{missing} is not installed.\n{INSTALL_HINT}")


def _create(home: Path) -> EmbeddedCluster:
    cluster = EmbeddedCluster(home=home, port=_free_port())
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home.parent, 0o755)
    owner = pwd.getpwnam(SUPERUSER) if _running_as_root() else pwd.getpwuid(os.geteuid())
    os.chown(home, owner.pw_uid, owner.pw_gid)
    result = _run(
        [
            str(PG_BIN / "initdb"),
            "-D",
            str(cluster.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ]
    )
    if result.returncode != 0:
        raise EmbeddedDatabaseError(f"initdb failed in {cluster.data_dir}:\n{result.stderr}")
    # Loopback only, trust auth: a developer's private cluster, never a production server.
    # Durability is traded for speed (fsync off): the data here is demo and test data.
    settings_lines = [
        f"port = {cluster.port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{home}'",
        "max_connections = 200",
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "timezone = 'UTC'",
    ]
    config = cluster.data_dir / "conf.d-onderdak.conf"
    config.write_text("\n".join(settings_lines) + "\n")
    with (cluster.data_dir / "postgresql.conf").open("a") as main_config:
        main_config.write(f"include = '{config.name}'\n")
    if _running_as_root():
        os.chown(config, owner.pw_uid, owner.pw_gid)
    state = {"port": cluster.port, "checkout": str(PROJECT_ROOT.resolve())}
    _state_file(home).write_text(json.dumps(state, indent=2) + "\n")
    return cluster


def is_running(cluster: EmbeddedCluster) -> bool:
    if not cluster.data_dir.exists():
        return False
    return _run([str(PG_BIN / "pg_ctl"), "status", "-D", str(cluster.data_dir)]).returncode == 0


def _ensure_database(cluster: EmbeddedCluster) -> None:
    with psycopg.connect(
        host="127.0.0.1", port=cluster.port, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def start(settings: Settings) -> EmbeddedCluster:
    """Create this checkout's cluster if needed, start it if stopped; return it."""
    _check_binaries()
    home = cluster_home(settings)
    cluster = load_cluster(settings)
    if cluster is None or not cluster.data_dir.exists():
        if home.exists():
            shutil.rmtree(home)
        cluster = _create(home)
    if not is_running(cluster):
        result = _run(
            [
                str(PG_BIN / "pg_ctl"),
                "start",
                "-D",
                str(cluster.data_dir),
                "-l",
                str(cluster.log_file),
                "-w",
                "-t",
                "60",
            ]
        )
        if result.returncode != 0:
            log_tail = cluster.log_file.read_text()[-2000:] if cluster.log_file.exists() else ""
            raise EmbeddedDatabaseError(
                f"The embedded PostgreSQL in {cluster.data_dir} did not start "
                f"(port {cluster.port}).\n{result.stderr}\n{log_tail}"
            )
    _wait_until_accepting(cluster)
    _ensure_database(cluster)
    return cluster


def _wait_until_accepting(cluster: EmbeddedCluster, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            psycopg.connect(
                host="127.0.0.1", port=cluster.port, user=SUPERUSER, dbname="postgres"
            ).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop(settings: Settings) -> str:
    cluster = load_cluster(settings)
    if cluster is None or not is_running(cluster):
        return "The embedded database is not running."
    result = _run([str(PG_BIN / "pg_ctl"), "stop", "-D", str(cluster.data_dir), "-m", "fast"])
    if result.returncode != 0:
        raise EmbeddedDatabaseError(f"pg_ctl stop failed:\n{result.stderr}")
    return f"Stopped the embedded database in {cluster.data_dir}."


def status(settings: Settings) -> str:
    if settings.database_url:
        return "DATABASE_URL is set: Onderdak uses that server and never starts its own."
    cluster = load_cluster(settings)
    if cluster is None:
        return (
            f"No embedded database yet for this checkout (it would live in "
            f"{cluster_home(settings)}). Start it with `onderdak db up`."
        )
    state = "running" if is_running(cluster) else "stopped"
    return "\n".join(
        [
            f"Embedded PostgreSQL 15 + PostGIS: {state}",
            f"  data directory: {cluster.data_dir}",
            f"  port:           {cluster.port} (127.0.0.1)",
            f"  URL:            {cluster.url()}",
            f"  connect:        {cluster.psql_command()}",
            f"  log:            {cluster.log_file}",
        ]
    )


def database_url(settings: Settings) -> str:
    """DATABASE_URL when given, else this checkout's cluster (started if need be)."""
    if settings.database_url:
        return settings.database_url
    return start(settings).url()
