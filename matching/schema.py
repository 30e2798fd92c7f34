"""JSON Schemas of the engine's input and output, generated from the pydantic models.

The committed files in `matching/schema/` are checked against this by a test; regenerate with
`python -m matching.schema`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from matching.instance import Instance
from matching.policies import Policy
from matching.result import MatchingResult

SCHEMA_DIRECTORY = Path(__file__).parent / "schema"


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema."""
    return {
        "instance.schema.json": Instance.model_json_schema(mode="validation"),
        "policy.schema.json": Policy.model_json_schema(mode="validation"),
        "result.schema.json": MatchingResult.model_json_schema(mode="serialization"),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path = SCHEMA_DIRECTORY) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in json_schemas().items():
        path = directory / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_schemas():
        print(path)
