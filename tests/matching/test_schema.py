from __future__ import annotations

import json

from matching import DEFAULT_POLICY
from matching.schema import SCHEMA_DIRECTORY, json_schemas, render


def test_committed_schemas_are_up_to_date() -> None:
    for name, schema in json_schemas().items():
        committed = (SCHEMA_DIRECTORY / name).read_text(encoding="utf-8")
        assert committed == render(schema), f"{name} is stale: run python -m matching.schema"


def test_policy_schema_forbids_unknown_fields() -> None:
    schema = json.loads((SCHEMA_DIRECTORY / "policy.schema.json").read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert set(DEFAULT_POLICY.model_dump()) <= set(schema["properties"])


def test_readme_example_instance_validates_and_solves() -> None:
    from pathlib import Path

    from matching import Instance, solve

    example = Path(__file__).parents[2] / "matching" / "examples" / "instance.json"
    result = solve(Instance.model_validate_json(example.read_text(encoding="utf-8")))
    assert {p.unit_id for p in result.proposals} == {"WC-0042", "NO-0007"}
