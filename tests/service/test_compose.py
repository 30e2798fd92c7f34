"""docker-compose.yml stays valid (checked without a Docker engine)."""

import shutil
import subprocess

from service.core.config import PROJECT_ROOT


def test_compose_file_is_valid() -> None:
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose is missing: scripts/test installs it (apt docker-compose)"
    result = subprocess.run(
        [compose, "-f", str(PROJECT_ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
