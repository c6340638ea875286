"""The `csenet` command: generate a demo delivery, run the pipeline, summarise the output.

    csenet generate --out DIR [--people N] [--seed S] [--delivery-id ID] [--world-days 90]
    csenet generate --out DIR --later [--days 30] [--follow-on DELIVERY_DIR]
    csenet run [--delivery-id ID]
    csenet summary

`csenet run` materialises every asset of the `csenet_refresh` job in this
process, printing one line per finished step (stage, asset, seconds, rows),
then the summary of the published analyst.duckdb. It exits 0 on success and
1 when the run fails, naming the failing step and its error (a blocking check
that fails names the check and its failed rules; the previous analyst.duckdb
is then left untouched, with the exports and dossiers published beside it: a run's
files are staged in its own folder and switched in together, see docs/operations.md).
Output holds ids and counts only, never person values.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

# Dagster (and every stage) is imported only by the commands that need it, so
# `csenet --help` and `csenet summary` answer at once.
from csenet_dagster import files, settings
from csenet_dagster.redact import mask_values

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_USAGE = 2

# Asset key prefix -> pipeline stage, for the progress lines.
STAGE_OF_PREFIX = {"raw": "ingest", "prev": "prev", "er": "resolve", "net": "network", "harm": "harm", "pub": "publish", "publish": "publish"}

# Database and dataframe libraries quote the value they choked on (e.g. a failed
# cast), so quoted values are masked (csenet_dagster.redact: project names such as
# columns and tables stay readable) in every error except the ones the project and
# Dagster word themselves (they name files, rows, rules and checks, never values).
_WORDED_BY_US = ("Failure", "DagsterAssetCheckFailedError")


def _error_text(error) -> str:
    """The most specific message of a Dagster error chain, first lines only."""
    chain = []
    while error is not None:
        chain.append(error)
        error = error.cause
    # The user-code exception (the last cause) says what actually went wrong.
    innermost = chain[-1]
    message = (innermost.message or "").strip()
    if (innermost.cls_name or "").rsplit(".", 1)[-1] not in _WORDED_BY_US:
        message = mask_values(message)
    # "dagster._core.definitions.events.Failure: ..." -> "Failure: ..."
    cls_name = innermost.cls_name or ""
    qualified = re.match(rf"[\w.]*\.{re.escape(cls_name)}: ", message) if cls_name else None
    if qualified:
        message = f"{cls_name}: {message[qualified.end():]}"
    text = "\n      ".join([line for line in message.splitlines() if line.strip()][:6])
    name = innermost.cls_name or ""
    return text if not name or name in text.split(":", 1)[0] else f"{name}: {text}"


@dataclass
class Progress:
    """Prints one line per finished asset as the run's events arrive (an instance event listener).

    Steps that only run asset checks print nothing while they pass (ingest alone
    has dozens); a failed check prints at once, and the totals come at the end.
    """

    out: TextIO
    started: float = field(default_factory=time.monotonic)
    rows: dict[str, int] = field(default_factory=dict)
    materialized: set[str] = field(default_factory=set)
    done: list[str] = field(default_factory=list)
    checks_passed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    failed_checks: list[tuple[str, str]] = field(default_factory=list)
    check_warnings: list[tuple[str, str]] = field(default_factory=list)

    def checks_text(self) -> str:
        return (f"{self.checks_passed} checks passed, {len(self.check_warnings)} warnings, "
                f"{len(self.failed_checks)} failed")

    @staticmethod
    def asset_name(step_key: str) -> str:
        return step_key.replace("__", "/")

    def __call__(self, entry) -> None:
        import dagster as dg

        event = entry.dagster_event
        if event is None:
            return
        kind = event.event_type
        step = event.step_key or ""
        if kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            self.materialized.add(step)
            row_count = event.event_specific_data.materialization.metadata.get("dagster/row_count")
            if row_count is not None:
                self.rows[step] = int(row_count.value)
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            where = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            if evaluation.passed:
                self.checks_passed += 1
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                # A warning is reported but does not stop the run.
                self.check_warnings.append((where, evaluation.description or ""))
                self._print(f"  {'':<8} {'check warning ' + where:<40} {evaluation.description or ''}")
            else:
                self.failed_checks.append((where, evaluation.description or ""))
                label = "CHECK FAILED (blocking) " if evaluation.blocking else "CHECK FAILED "
                self._print(f"  {'':<8} {label + where:<40} {evaluation.description or ''}")
        elif kind == dg.DagsterEventType.STEP_SUCCESS:
            self.done.append(step)
            if step in self.materialized:
                seconds = event.event_specific_data.duration_ms / 1000.0
                rows = self.rows.get(step)
                row_text = f"{rows:>12,} {'row' if rows == 1 else 'rows'}" if rows is not None else ""
                self._print(f"  {self._stage(step):<8} {self.asset_name(step):<40} {seconds:7.1f}s {row_text}")
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            message = _error_text(event.event_specific_data.error)
            self.failures.append((self.asset_name(step), message))
            self._print(f"  {self._stage(step):<8} {self.asset_name(step):<40} FAILED")

    def _stage(self, step_key: str) -> str:
        return STAGE_OF_PREFIX.get(step_key.split("__", 1)[0], "other")

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def _instance():
    """The persistent instance of DAGSTER_HOME when set (runs show in the UI), else ephemeral."""
    import dagster as dg

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    Path(home).mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)  # run storage holds event logs of runs over person data
    return dg.DagsterInstance.get()


def _complete_deliveries(landing: Path) -> list[str]:
    if not landing.is_dir():
        return []
    return sorted(p.name for p in landing.iterdir() if (p / "manifest.json").is_file())


DEFAULT_DELIVERY_ID = "2026-11-29T0600"
DEFAULT_EXTRACTED_AT = "2026-11-29T06:00:00Z"
DEFAULT_PEOPLE, DEFAULT_SEED = 3000, 7


class GenerateError(ValueError):
    """A `csenet generate` request that cannot be met (said on stderr, exit 2)."""


def _moment(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    except ValueError as exc:
        raise GenerateError(f"not an ISO timestamp such as 2026-11-29T06:00:00Z: {text}") from exc


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _previous_delivery(out: Path, follow_on: str | None) -> tuple[Path, dict, dict]:
    """The delivery a later one follows (``--follow-on DIR``, else the newest complete one under
    ``out/landing``): its folder, manifest and generator parameters (``truth/.../params.json``)."""
    if follow_on:
        folder = Path(follow_on)
    else:
        complete = _complete_deliveries(out / "landing")
        if not complete:
            raise GenerateError(f"--later: no complete delivery in {out / 'landing'} to follow; "
                                "generate the first one without --later")
        folder = out / "landing" / complete[-1]
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise GenerateError(f"--later: {folder} is not a complete delivery (no manifest.json)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    truth_root = folder.parent.parent / "truth"
    for candidate in (truth_root / folder.name / "params.json", truth_root / "params.json"):
        if candidate.is_file():
            params = json.loads(candidate.read_text(encoding="utf-8"))
            if params.get("delivery_id") == folder.name:
                return folder, manifest, params
    raise GenerateError(f"--later: {folder.name} was not written by `csenet generate` "
                        f"(no generator parameters for it under {truth_root})")


def generate_request(args: argparse.Namespace) -> dict:
    """The arguments of ``generator.generate`` for this command line.

    A first delivery is a snapshot, at ``--extracted-at``, of a world that runs ``--world-days``
    further, so that ``--later`` can deliver the same world again: same people and person
    references, the same record values (dates of birth included), a later ``extracted_at`` and
    the events since.
    """
    if not (args.later or args.follow_on):
        if args.world_days < 0:
            raise GenerateError("--world-days must be 0 or more")
        extracted = _moment(args.extracted_at or DEFAULT_EXTRACTED_AT)
        return dict(people=args.people or DEFAULT_PEOPLE, seed=DEFAULT_SEED if args.seed is None else args.seed,
                    delivery_id=args.delivery_id or DEFAULT_DELIVERY_ID, extracted_at=_iso(extracted),
                    world_until=_iso(extracted + dt.timedelta(days=args.world_days)))
    if args.days <= 0:
        raise GenerateError("--days must be at least 1")
    folder, manifest, previous = _previous_delivery(Path(args.out), args.follow_on)
    for name in ("people", "seed"):
        given = getattr(args, name)
        if given is not None and given != previous[name]:
            raise GenerateError(f"--later keeps the world of {folder.name}: --{name} {given} differs from its {previous[name]}")
    extracted = _moment(manifest["extracted_at"]) + dt.timedelta(days=args.days)
    world_until = _moment(previous["world_until"])
    if extracted > world_until:
        left = (world_until - _moment(manifest["extracted_at"])).days
        raise GenerateError(
            f"--later: the world of {folder.name} ends at {_iso(world_until)}, {left} days after its extract; "
            f"ask for --days {left} or fewer, or start a new world with a larger --world-days")
    delivery_id = args.delivery_id or extracted.strftime("%Y-%m-%dT%H%M")
    if (folder.parent / delivery_id / "manifest.json").exists() or delivery_id == folder.name:
        raise GenerateError(f"--later: delivery {delivery_id} already exists in {folder.parent}")
    return dict(people=previous["people"], seed=previous["seed"], delivery_id=delivery_id,
                extracted_at=_iso(extracted), world_until=previous["world_until"])


def cmd_generate(args: argparse.Namespace) -> int:
    from csenet_dagster.generator import generate

    out = Path(args.out)
    try:
        request = generate_request(args)
        delivery = generate(out, **request)
    except ValueError as exc:
        print(f"csenet generate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    same_end = _moment(request["world_until"]) == _moment(request["extracted_at"])
    truth = out / "truth" if same_end else out / "truth" / request["delivery_id"]
    what = "Later delivery" if args.later or args.follow_on else "Synthetic delivery"
    print(f"{what} {delivery.name} ({request['people']:,} people, seed {request['seed']}, "
          f"extracted {request['extracted_at']}) written to {delivery}")
    if not same_end:
        print(f"The world runs until {request['world_until']}: `csenet generate --out {args.out} --later "
              f"[--days 30]` delivers it again later (same people and refs, new events).")
    print(f"Ground truth (never part of a delivery) in {truth}")
    landing = settings.paths().landing_dir
    if delivery.parent.resolve() != landing.resolve():
        print(f"Note: CSENET_LANDING_DIR is {landing}; `csenet run` reads deliveries from there.")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from csenet_dagster.pipeline import run_pipeline
    from csenet_dagster.publish.audit import TRIGGER_TAG
    from csenet_dagster.publish.summary import analyst_summary

    paths = settings.paths()
    deliveries = _complete_deliveries(paths.landing_dir)
    if not deliveries:
        print(
            f"csenet run: no complete delivery (a folder with manifest.json) in {paths.landing_dir}. "
            "Copy one there or create a demo one with `csenet generate --out data`.",
            file=sys.stderr,
        )
        return EXIT_RUN_FAILED
    chosen = args.delivery_id or deliveries[-1]
    which = "requested" if args.delivery_id else "newest complete"
    print(f"csenet run: {which} delivery {chosen} in {paths.landing_dir}; warehouse {paths.warehouse_dir}", flush=True)

    os.environ["CSENET_CLI"] = "1"  # the run tells this terminal when it waits for another run
    instance = _instance()
    # Chosen here so the progress listener is subscribed before the run's first event.
    run_id = str(uuid.uuid4())
    progress = Progress(out=sys.stdout)
    instance.add_event_listener(run_id, progress)
    result = run_pipeline(
        args.delivery_id,
        instance=instance,
        raise_on_error=False,
        tags={TRIGGER_TAG: "cli"},
        run_id=run_id,
        console_log_level=None if args.verbose else "CRITICAL",
    )
    elapsed = time.monotonic() - progress.started
    if not result.success:
        print(f"\nRun {run_id} FAILED after {elapsed:.0f}s ({progress.checks_text()}).", file=sys.stderr)
        for step, message in progress.failures:
            print(f"  failed step {step}: {message}", file=sys.stderr)
        for where, description in progress.failed_checks:
            print(f"  failed check {where}: {description}", file=sys.stderr)
        not_run = _not_run(result, progress)
        if not_run:
            print(f"  {len(not_run)} later steps not run: {', '.join(not_run[:8])}"
                  + (" ..." if len(not_run) > 8 else ""), file=sys.stderr)
        print(f"  analyst.duckdb was not replaced ({paths.analyst_db}); the previous run's exports and "
              "dossiers stay published with it.", file=sys.stderr)
        return EXIT_RUN_FAILED
    print(f"\nRun {run_id} succeeded in {elapsed:.0f}s: {len(progress.materialized)} assets; "
          f"{progress.checks_text()}.")
    for line in analyst_summary(paths.analyst_db):
        print(line)
    return EXIT_OK


def _not_run(result, progress: Progress) -> list[str]:
    finished = set(progress.done) | {step.replace("/", "__") for step, _ in progress.failures}
    keys = sorted(result.job_def.asset_layer.executable_asset_keys, key=lambda k: k.to_user_string())
    return [k.to_user_string() for k in keys if "__".join(k.path) not in finished]


def cmd_summary(args: argparse.Namespace) -> int:
    from csenet_dagster.publish.summary import analyst_summary

    path = settings.paths().analyst_db
    for line in analyst_summary(path):
        print(line)
    return EXIT_OK if path.exists() else EXIT_RUN_FAILED


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="csenet",
        description="Find and prioritise CSE networks from police force extracts (Dagster + DuckDB).",
        epilog="Folders come from CSENET_LANDING_DIR, CSENET_WAREHOUSE_DIR, CSENET_CORRECTIONS_DIR "
        "(defaults data/landing, data/warehouse, data/corrections); settings overrides from CSENET_SETTINGS_FILE.",
    )
    commands = top.add_subparsers(dest="command", required=True)

    gen = commands.add_parser(
        "generate", help="write a synthetic delivery (and its ground truth) for demos and tests",
        description="Write a synthetic delivery. With --later, a later delivery of the same world: same people "
        "and person references, a later extracted_at and the events since.")
    gen.add_argument("--out", default="data", help="folder to write landing/<delivery_id>/ and truth/ into (default: data)")
    gen.add_argument("--people", type=int, default=None, help=f"number of people in the synthetic world (default: {DEFAULT_PEOPLE})")
    gen.add_argument("--seed", type=int, default=None, help=f"random seed: same seed, same files (default: {DEFAULT_SEED})")
    gen.add_argument("--delivery-id", default=None,
                     help=f"delivery folder name (default: {DEFAULT_DELIVERY_ID}; with --later, from the new extracted_at)")
    gen.add_argument("--extracted-at", default=None, help=f"as-of time of the delivery (ISO, UTC; default {DEFAULT_EXTRACTED_AT})")
    gen.add_argument("--world-days", type=int, default=90,
                     help="days the world runs on after this delivery, for later deliveries (default: 90; 0 = none)")
    gen.add_argument("--later", action="store_true",
                     help="a later delivery of the world of the newest delivery in OUT/landing (or --follow-on)")
    gen.add_argument("--days", type=int, default=30, help="with --later: days after the previous extract (default: 30)")
    gen.add_argument("--follow-on", default=None, metavar="DELIVERY_DIR",
                     help="with --later: the previous delivery's folder (default: the newest in OUT/landing)")
    gen.set_defaults(handler=cmd_generate)

    run = commands.add_parser("run", help="run every stage for the newest complete delivery and publish analyst.duckdb")
    run.add_argument("--delivery-id", default=None, help="process this delivery instead of the newest complete one")
    run.add_argument("--verbose", action="store_true", help="also print Dagster's own (debug) log on stderr")
    run.set_defaults(handler=cmd_run)

    summary = commands.add_parser("summary", help="summarise the published analyst.duckdb")
    summary.set_defaults(handler=cmd_summary)
    return top


def main(argv: list[str] | None = None) -> int:
    # Owner-only from the first byte for everything this process writes (working
    # database, delivery copies, exports, Dagster's storage under DAGSTER_HOME).
    files.private_umask()
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
