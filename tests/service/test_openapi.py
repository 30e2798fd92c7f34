import json

from service.cli import OPENAPI_PATH, build_openapi


def test_committed_spec_equals_the_apps_spec() -> None:
    committed = json.loads(OPENAPI_PATH.read_text())
    assert committed == build_openapi(), (
        "openapi/openapi.json is stale: run `onderdak openapi` and commit the result."
    )


def test_operation_ids_are_stable_names() -> None:
    spec = build_openapi()
    operation_ids = [
        operation["operationId"]
        for path in spec["paths"].values()  # type: ignore[attr-defined]
        for operation in path.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))
    assert all(op.isidentifier() for op in operation_ids)
