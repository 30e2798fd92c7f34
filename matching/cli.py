"""Command line: `onderdak match` and `onderdak bench` (or `python -m matching.cli ...`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from matching.engine import solve
from matching.instance import Instance
from matching.policies import BUILTIN_POLICIES, Policy, get_builtin_policy
from matching.result import MatchingResult


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `match` and `bench` subcommands to an argparse-based CLI."""
    match = subparsers.add_parser(
        "match",
        help="match an instance JSON file and write the result as JSON",
        description="Read INSTANCE.json, solve it and write the result as JSON (see "
        "matching/README.md and matching/schema/ for the format).",
    )
    match.add_argument("instance", type=Path, help="instance JSON file")
    match.add_argument(
        "--policy",
        default="default",
        help="policy JSON file, or a built-in name: " + ", ".join(sorted(BUILTIN_POLICIES)),
    )
    match.add_argument("--table", action="store_true", help="print a readable table to stdout")
    match.add_argument("--output", type=Path, help="write the result JSON here (default stdout)")
    match.set_defaults(handler=run_match)

    bench = subparsers.add_parser(
        "bench",
        help="benchmark the engine against baselines on seeded synthetic instances",
    )
    bench.add_argument("--sizes", default="500,2000,10000", help="comma-separated household counts")
    bench.add_argument("--seed", type=int, default=1)
    bench.add_argument(
        "--scipy-max", type=int, default=2000, help="largest size to run SciPy's dense LSA on"
    )
    bench.add_argument(
        "--check-max", type=int, default=2000, help="largest size for the independent LP check"
    )
    bench.add_argument(
        "--caps-max", type=int, default=2000, help="largest size for the run with placement caps"
    )
    bench.add_argument(
        "--engine-repeats",
        type=int,
        default=2,
        help="run the engine alone this many more times per size (each in a fresh process)",
    )
    bench.add_argument("--output", type=Path, help="also write the markdown table here")
    bench.set_defaults(handler=run_bench)


def _load_policy(value: str) -> Policy:
    if value in BUILTIN_POLICIES:
        return get_builtin_policy(value)
    return Policy.model_validate_json(Path(value).read_text(encoding="utf-8"))


def run_match(args: argparse.Namespace) -> int:
    try:
        instance = Instance.model_validate_json(Path(args.instance).read_text(encoding="utf-8"))
        policy = _load_policy(args.policy)
    except (OSError, ValidationError, ValueError) as error:
        print(f"onderdak match: {error}", file=sys.stderr)
        return 2
    result = solve(instance, policy)
    payload = result.model_dump_json(indent=2)
    if args.output:
        Path(args.output).write_text(payload + "\n", encoding="utf-8")
    elif not args.table:
        print(payload)
    if args.table:
        print(render_table(result))
    return 0


def render_table(result: MatchingResult) -> str:
    """A readable summary: one line per proposal and per unmatched household."""
    lines = [
        f"policy {result.policy_name} v{result.policy_version} · solver {result.solver.status} · "
        + ", ".join(f"{t.tier} {t.objective}" for t in result.solver.tiers),
        "",
        f"{'household':<20} {'unit':<20} {'children':>8} {'max trip km':>11} {'days':>6} "
        f"{'spare':>5}  why",
    ]
    for p in result.proposals:
        trips = [t.school_trip_km for t in p.figures.child_trips if t.school_trip_km is not None]
        why = (
            "fixed offer" if p.fixed else (p.best_alternative.reason if p.best_alternative else "")
        )
        lines.append(
            f"{p.household_id:<20} {p.unit_id:<20} {p.figures.children_placed:>8} "
            f"{(max(trips) if trips else 0):>11.1f} {p.figures.days_in_temporary_housing:>6} "
            f"{p.figures.spare_bedrooms:>5}  {why}"
        )
    for u in result.unmatched:
        lines.append(f"{u.household_id:<20} {'— unmatched':<20} {'':>8} {'':>11} {'':>6} {'':>5}  "
                     f"{u.explanation}")  # fmt: skip
    s = result.summary
    lines += [
        "",
        f"placed {s.households_placed}/{s.households} households, "
        f"{s.families_with_children_placed} families with {s.children_placed} children; "
        f"solve {result.timings.total_s:.2f} s",
    ]
    return "\n".join(lines)


def run_bench(args: argparse.Namespace) -> int:
    from matching.bench import render_table as render_bench
    from matching.bench import run

    sizes = [int(size) for size in str(args.sizes).split(",") if size.strip()]
    rows = run(
        sizes=sizes,
        seed=args.seed,
        scipy_max=args.scipy_max,
        check_max=args.check_max,
        caps_max=args.caps_max,
        engine_repeats=args.engine_repeats,
    )
    table = render_bench(rows)
    print(table)
    if args.output:
        Path(args.output).write_text(table, encoding="utf-8")
        Path(args.output).with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matching.cli")
    subparsers = parser.add_subparsers(dest="command", required=True)
    register(subparsers)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
