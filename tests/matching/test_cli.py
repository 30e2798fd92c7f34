from __future__ import annotations

import json
from pathlib import Path

import pytest

from matching.cli import main
from tests.matching.reference import random_instance


def test_match_writes_result_json_and_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance_file = tmp_path / "instance.json"
    instance_file.write_text(random_instance(11).model_dump_json())
    output = tmp_path / "result.json"
    assert (
        main(["match", str(instance_file), "--policy", "school-first", "--output", str(output)])
        == 0
    )
    result = json.loads(output.read_text())
    assert result["policy_name"] == "school-first"
    assert main(["match", str(instance_file), "--table"]) == 0
    assert "policy default v1" in capsys.readouterr().out


def test_match_rejects_bad_input_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance_file = tmp_path / "instance.json"
    instance_file.write_text(json.dumps({"households": [], "units": [], "speed": "max"}))
    assert main(["match", str(instance_file)]) == 2
    assert "Extra inputs are not permitted" in capsys.readouterr().err
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({"name": "x", "version": 1, "tiers": ["fit"]}))
    instance_file.write_text(json.dumps({"households": [], "units": []}))
    assert main(["match", str(instance_file), "--policy", str(policy_file)]) == 2
    assert "'placement' must come first" in capsys.readouterr().err


def test_bench_prints_every_method_and_the_engine_spread(tmp_path: Path) -> None:
    output = tmp_path / "bench.md"
    assert (
        main(
            [
                "bench",
                "--sizes",
                "60",
                "--caps-max",
                "60",
                "--engine-repeats",
                "1",
                "--output",
                str(output),
            ]
        )
        == 0
    )
    table = output.read_text(encoding="utf-8")
    methods = ("engine", "engine, caps", "bare flow", "scipy LSA", "greedy")
    for method in methods:
        assert f"| 60 | {method} |" in table
    assert "same optimum" in table
    # Each method's time against the bare flow's in the same run; the bare flow's own is 1.
    ratio = {
        cells[1]: cells[3]
        for line in table.splitlines()
        if (cells := line.split(" | "))[0] == "| 60" and cells[1] in methods
    }
    assert set(ratio) == set(methods)
    assert ratio["bare flow"] == "1.00×"
    assert all(value.endswith("×") for value in ratio.values())
    # The engine ran twice (two processes): min / median / max over 2 runs, same objectives.
    assert "(2) |" in table
    assert "DIFFERENT" not in table
    rows = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
    assert len(rows[0]["engine_repeats"]) == 1
