"""Fault injection (issue #23, item 6): kill -9 at each stage boundary and inside a commit, two
writers at once, a corrupt delivered file, and the PII scan, each on a small generated day.

Every scenario starts from the same lake (day 1 run in full: day 2 has history) and runs day
2 with `livelake run` in child processes. A table's state is its content hash without the
columns that name the run or the moment (`faults.RUN_COLUMNS`). After every fault each data
table is at its state before the run or the clean run's, never a third one; readers with the
default consistent reads see whole stages; `livelake audit` names what went wrong; and a
rerun ends at exactly the clean run's hashes.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from livelake.generator import GeneratorConfig, generate
from livelake.jobs.gold.experiments import STAGE as EXPERIMENTS_STAGE
from livelake.jobs.runner import DAILY_STAGES
from livelake.lake.read import read_table
from livelake.model.score import STAGE as SCORE_STAGE
from tests.integration.faults import (
    Child,
    Killed,
    child_env,
    ledger,
    report,
    stage_runs,
    table_hashes,
    third_states,
)
from tests.pii_scan import pii_hits

D1, D2 = date(2026, 1, 1), date(2026, 1, 2)
PII_KEY = "fault-suite-pii-key-not-secret"
# Every daily stage but score and experiments: with no accepted model and no experiment in
# this world they publish nothing, so there is no publication to kill them after.
STAGES = tuple(s.name for s in DAILY_STAGES if s.name not in (SCORE_STAGE, EXPERIMENTS_STAGE))
# Scenarios whose fault is in bronze or silver run those two stages only (the gold stages cost
# most of a day's run and have their own kill points above); gold then stays as before.
LANDING_STAGES = ("--stage", "bronze", "--stage", "silver")

# PII planted in day 2's delivery, besides the phones, names, devices, IPs and addresses the
# generator writes: under declared names, other cases, an alias, and undeclared names.
PLANTED_VIEW = {  # one views line: undeclared fields, and device_id in another case
    "phone": "13700001111",
    "Mobile_Phone": "13700002222",
    "EMAIL": "planted.viewer@example.com",
    "Device_ID": "dev-planted-0007",
}
PLANTED_ORDER = {  # one orders line: the declared PII fields with a phone and an email
    "receiver_phone": "13900003333",
    "receiver_address": "planted.buyer@example.com, Road 99",
}
PLANTED_USER = {"user_name": "Planted Fault Name", "mobile_phone": "13600004444"}  # alias


def mac(value: str) -> str:
    return hmac.new(PII_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


@dataclass
class World:
    root: Path
    landing: Path
    base: Path  # day 1 run in full: the state every day-2 scenario starts from
    clean: Path  # base + day 2 run in full, once, without faults
    before: dict[str, str]  # table -> hash in base (consistent reads)
    after: dict[str, str]  # table -> hash in clean
    stage_of: dict[str, str]  # table -> the stage that publishes it
    ingested: list[str]  # day 2's files the clean run ingested (each once)
    planted: set[str]
    planted_event: str

    def env(self, lake: Path) -> dict[str, str]:
        return child_env(lake, self.landing, PII_KEY)

    def copy_of_base(self, name: str) -> Path:
        lake = self.root / name
        shutil.copytree(self.base, lake, symlinks=True)
        return lake

    def livelake(
        self, lake: Path, log: str, *args: str, kill_at: str | None = None, hold: bool = False
    ) -> Child:
        return Child(list(args), self.env(lake), self.root / f"{log}.log", kill_at, hold)

    def run_day(self, lake: Path, log: str, *args: str) -> str:
        """`livelake run --day D2 ARGS` to the end; its output. It must exit 0."""
        done = self.livelake(lake, log, "run", "--day", D2.isoformat(), *args).wait()
        assert done.returncode == 0, done.output[-4000:]
        return done.output

    def kill_day(self, lake: Path, log: str, point: str, *args: str) -> Killed:
        child = self.livelake(lake, log, "run", "--day", D2.isoformat(), *args, kill_at=point)
        return child.kill_when_reached()

    def audit(self, lake: Path, log: str) -> tuple[int, dict]:
        done = self.livelake(lake, log, "audit", "--day", D2.isoformat(), "--json").wait(300)
        start = done.output.find("{")
        assert start >= 0, done.output[-2000:]
        return done.returncode, json.loads(done.output[start:])


def plant_pii(landing: Path) -> tuple[set[str], str]:
    """Write the planted values into day 2's delivery; return them and the views event."""
    day = landing / "platform" / f"dt={D2.isoformat()}"
    views = sorted((day / "events/views").glob("*.jsonl.gz"))[0]
    lines = gzip.decompress(views.read_bytes()).decode().splitlines()
    event = json.loads(lines[0])
    event.pop("device_id")
    event |= PLANTED_VIEW
    lines[0] = json.dumps(event)
    views.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))

    orders = sorted((day / "events/orders").glob("*.jsonl.gz"))[0]
    lines = gzip.decompress(orders.read_bytes()).decode().splitlines()
    lines[0] = json.dumps(json.loads(lines[0]) | PLANTED_ORDER)
    orders.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))

    # Day 2 delivers no users export: one user's update, the phone column under its alias.
    d1_users = (landing / "platform" / f"dt={D1.isoformat()}/exports/users.csv").read_text()
    header, first = d1_users.splitlines()[:2]
    row = dict(zip(header.split(","), first.split(","), strict=True))
    row |= {"user_name": PLANTED_USER["user_name"], "phone": PLANTED_USER["mobile_phone"]}
    row["updated_at"] = "2026-01-02T08:00:00.000Z"
    (day / "exports/users.csv").write_text(
        header.replace(",phone,", ",mobile_phone,") + "\n" + ",".join(row.values()) + "\n"
    )
    planted = {*PLANTED_VIEW.values(), *PLANTED_ORDER.values(), *PLANTED_USER.values()}
    return planted, event["event_id"]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("faults")
    landing = root / "landing"
    generate(GeneratorConfig(start=D1, days=2, users=150, events_per_day=1_500, seed=11), landing)
    planted, event_id = plant_pii(landing)
    made = World(root, landing, root / "base", root / "clean", {}, {}, {}, [], planted, event_id)
    done = made.livelake(made.base, "base-d1", "run", "--day", D1.isoformat()).wait()
    assert done.returncode == 0, done.output[-4000:]
    shutil.copytree(made.base, made.clean, symlinks=True)
    made.run_day(made.clean, "clean-d2")
    made.before = table_hashes(made.base)
    made.after = table_hashes(made.clean)
    assert table_hashes(made.base, consistent=False) == made.before
    assert table_hashes(made.clean, consistent=False) == made.after
    published = read_table("audit/published_runs", lake_root=str(made.clean))
    published = published.filter(pl.col("day") == D2)
    made.stage_of = dict(published.select("table_name", "stage").unique().iter_rows())
    made.stage_of |= {t: "bronze" for t in made.after if t.startswith("bronze/")}
    # Every delivered file is ingested once, but for a file whose bytes day 1 delivered too
    # (the generator's empty hourly file): the ledger skips a checksum it already holds.
    made.ingested = ingested(made.clean)
    delivered = {
        p.relative_to(landing).as_posix()
        for p in (landing / "platform" / f"dt={D2.isoformat()}").rglob("*")
        if p.is_file() and not p.name.startswith("_")
    }
    seen_on_day_one = {r["file_sha256"] for r in ledger(made.base, D1)}
    skipped = {
        r["source_file"] for r in ledger(made.clean, D2) if r["file_sha256"] in seen_on_day_one
    }
    assert sorted(delivered - skipped) == made.ingested
    return made


def changed_by_day_two(world: World) -> set[str]:
    return {t for t in world.after if world.after[t] != world.before[t]}


def assert_states(
    world: World, lake: Path, title: str, at_clean: set[str], modes=(True, False)
) -> None:
    """Each data table at its clean-run state if it is in `at_clean`, else at its state
    before day 2, with consistent reads (the default) and at the latest commits alike."""
    for consistent in modes:
        now = table_hashes(lake, consistent=consistent)
        expected = {t: world.after[t] if t in at_clean else world.before[t] for t in now}
        shown = report(
            f"{title} (consistent={consistent})",
            {"before": world.before, "now": now, "clean": world.after, "expected": expected},
        )
        assert third_states(now, world.before, world.after) == {}, shown
        assert now == expected, shown


def assert_audit_names_the_kills(world: World, lake: Path, log: str, killed: dict[str, str]):
    """`livelake audit` fails the day, naming each stage's run that was killed (stage ->
    run id) and has not run again since."""
    code, audit = world.audit(lake, log)
    assert code == 1, audit
    named = {r["stage"]: r["run_id"] for r in audit["interrupted"]}
    assert named == killed and len(audit["interrupted"]) == len(killed), audit["interrupted"]


def ingested(lake: Path, day: date = D2) -> list[str]:
    """The files the ledger holds as ingested for `day`, with repeats."""
    return sorted(r["source_file"] for r in ledger(lake, day) if r["outcome"] == "ingested")


def assert_each_file_ingested_once(world: World, lake: Path) -> None:
    assert ingested(lake) == world.ingested


@pytest.mark.faults
@pytest.mark.timeout(2400)
def test_rerunning_a_day_changes_no_table(world):
    assert {"bronze/views", "silver/views", "silver/users", "gold/agg_user_daily"} <= (
        changed_by_day_two(world)
    ), "day 2 must change the spine, or before/after cannot be told apart"
    lake = world.root / "rerun"
    shutil.copytree(world.clean, lake, symlinks=True)

    world.run_day(lake, "rerun-d2")

    now = table_hashes(lake)
    assert now == world.after, report("rerun", {"clean": world.after, "rerun": now})
    assert table_hashes(lake, consistent=False) == world.after
    assert_each_file_ingested_once(world, lake)
    code, audit = world.audit(lake, "rerun-audit")
    assert (code, audit["interrupted"], audit["rejected_files"]) == (0, [], [])


@pytest.mark.faults
@pytest.mark.timeout(2400)
def test_a_kill_after_each_stage_publishes_leaves_whole_stages_and_the_rerun_converges(
    world,
):
    """kill -9 at every stage boundary (its publication recorded, its outcome not), each
    attempt resuming where the last was killed (`--stage` the rest), then the whole day run
    again: it changes no table, and the audit passes."""
    lake = world.copy_of_base("boundaries")
    done: set[str] = set()
    killed: dict[str, str] = {}
    for index, stage in enumerate(STAGES):
        rest = [arg for s in STAGES[index:] for arg in ("--stage", s)]
        point = f"published:{stage}"
        killed[stage] = world.kill_day(lake, f"boundary-{stage}", point, *rest).run_id
        done |= {t for t, s in world.stage_of.items() if s == stage}
        assert_states(world, lake, f"killed after {stage} published", done)
        # Each killed stage stays interrupted in the audit until it runs again.
        assert_audit_names_the_kills(world, lake, f"boundary-{stage}-audit", killed)

    world.run_day(lake, "boundaries-rerun")

    assert_states(world, lake, "rerun after the boundary kills", set(world.after))
    assert_each_file_ingested_once(world, lake)
    code, audit = world.audit(lake, "boundaries-rerun-audit")
    assert (code, audit["interrupted"]) == (0, [])


@pytest.mark.faults
@pytest.mark.timeout(2400)
def test_a_kill_inside_a_commit_publishes_nothing_readers_see_and_the_rerun_converges(world):
    lake = world.copy_of_base("commits")
    bronze_changed = {t for t in changed_by_day_two(world) if t.startswith("bronze/")}

    # Inside bronze's commit of bronze/orders: its Parquet files are in the table folder,
    # its log entry is not; the tables before it are committed, the ledger is not.
    killed = world.kill_day(lake, "commit-bronze", "commit:bronze/orders:before")
    orphans = lake / "bronze" / "orders" / f"delivery_date={D2.isoformat()}"
    assert list(orphans.glob("*.parquet")), "the commit was killed before it moved its files"
    committed = {t for t in bronze_changed if t < "bronze/orders"}
    assert "bronze/views" not in committed and "bronze/interactions" in committed
    assert_states(world, lake, "killed inside bronze's commits", committed)
    assert [r for r in ledger(lake, D2) if r["outcome"] == "ingested"] == []
    assert_audit_names_the_kills(world, lake, "commit-bronze-audit", {"bronze": killed.run_id})

    # Inside silver's publication: silver/views committed, later tables and the
    # publication record not. Readers still see the silver of before.
    killed = world.kill_day(lake, "commit-silver", "commit:silver/views:after")
    assert_states(world, lake, "killed inside silver's commits", bronze_changed, (True,))
    latest = table_hashes(lake, consistent=False)
    assert latest["silver/views"] == world.after["silver/views"] != world.before["silver/views"]
    assert latest["silver/social"] == world.before["silver/social"] != world.after["silver/social"]
    assert third_states(latest, world.before, world.after) == {}, report(
        "latest commits", {"before": world.before, "latest": latest, "clean": world.after}
    )
    assert_audit_names_the_kills(world, lake, "commit-silver-audit", {"silver": killed.run_id})

    world.run_day(lake, "commits-rerun")

    assert_states(world, lake, "rerun after the commit kills", set(world.after))
    assert_each_file_ingested_once(world, lake)
    code, audit = world.audit(lake, "commits-rerun-audit")
    assert (code, audit["interrupted"]) == (0, [])


@pytest.mark.faults
@pytest.mark.timeout(2400)
def test_two_writers_of_a_day_one_wins_each_stage_the_other_exits_75_having_written_nothing(
    world,
):
    """The first writer is held inside silver's first commit (its lock taken, half its tables
    staged) while the second runs the same day: the second must lose silver in words."""
    lake = world.copy_of_base("writers")
    day = ("run", "--day", D2.isoformat(), *LANDING_STAGES)
    first = world.livelake(lake, "writer-1", *day, kill_at="commit:silver/views:before", hold=True)
    first.reached()
    loser = world.livelake(lake, "writer-2", *day).wait()
    first.release()
    winner = first.wait()

    assert (winner.returncode, loser.returncode) == (0, 75), [
        o.output[-3000:] for o in (winner, loser)
    ]
    ran = ("bronze", "silver")
    said = " ".join(loser.output.split())
    assert f"another run of {D2} is running silver" in said, said[-3000:]
    assert "nothing of this run was published" in said, said[-3000:]
    assert all(f"{D2} {s}" in winner.output for s in ran)
    runs = stage_runs(lake, D2)
    ok = {}
    for row in runs:
        if row["status"] == "ok":
            ok.setdefault(row["run_id"], []).append(row["stage"])
    (winning_run,) = [run for run, stages in ok.items() if sorted(stages) == sorted(ran)]
    # The loser finished bronze (the winner had ingested every file) and never started silver.
    losing = sorted((r["stage"], r["status"]) for r in runs if r["run_id"] != winning_run)
    assert losing == [("bronze", "ok"), ("bronze", "started")], losing
    landed = {t for t, s in world.stage_of.items() if s in ran}
    assert_states(world, lake, "two writers", landed)
    assert_each_file_ingested_once(world, lake)


@pytest.mark.faults
@pytest.mark.timeout(2400)
def test_a_truncated_file_stops_bronze_naming_it_and_the_rerun_after_redelivery_equals_clean(
    world,
):
    lake = world.copy_of_base("corrupt")
    views = world.landing / "platform" / f"dt={D2.isoformat()}" / "events" / "views"
    bad = max(views.glob("*.jsonl.gz"), key=lambda p: p.stat().st_size)
    name = bad.relative_to(world.landing).as_posix()
    good = bad.read_bytes()
    try:
        bad.write_bytes(good[: len(good) // 2])
        refused = world.livelake(lake, "corrupt-d2", "run", "--day", D2.isoformat()).wait()

        assert refused.returncode == 1, refused.output[-3000:]
        flat = " ".join(refused.output.split())
        assert f"{name}: corrupt or truncated gzip" in flat, refused.output[-3000:]
        assert f"Nothing of bronze for {D2} was committed" in flat
        assert_states(world, lake, "bronze refused a truncated file", set())
        rows = ledger(lake, D2)
        assert [(r["source_file"], r["outcome"]) for r in rows] == [(name, "rejected")]
        assert "truncated" in rows[0]["reason"]
        code, audit = world.audit(lake, "corrupt-audit")
        assert code == 1
        assert [r["source_file"] for r in audit["rejected_files"]] == [name]
    finally:
        bad.write_bytes(good)

    world.run_day(lake, "corrupt-rerun", *LANDING_STAGES)

    landed = {t for t, s in world.stage_of.items() if s in ("bronze", "silver")}
    assert_states(world, lake, "rerun after redelivery", landed)
    assert_each_file_ingested_once(world, lake)
    code, audit = world.audit(lake, "corrupt-rerun-audit")
    assert (code, audit["rejected_files"], audit["interrupted"]) == (0, [], [])


@pytest.mark.faults
@pytest.mark.timeout(2400)
def test_no_planted_or_generated_pii_reaches_any_silver_gold_or_audit_file_or_delta_log(world):
    lake = world.clean
    day = world.landing / "platform" / f"dt={D2.isoformat()}"
    # The generator's own PII: every phone, device id and IP of day 2's views and orders.
    generated: set[str] = set()
    for stream, fields in (("views", ("device_id", "ip")), ("orders", ("receiver_phone",))):
        for path in (day / "events" / stream).glob("*.jsonl.gz"):
            for line in gzip.decompress(path.read_bytes()).decode().splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # the generator's malformed lines
                generated |= {event[f] for f in fields if isinstance(event.get(f), str)}
    assert len(generated) > 100
    all_pii = world.planted | generated

    # The scan finds raw values where they are allowed to be: bronze holds every line.
    assert {v for _, v in pii_hits(lake / "bronze", world.planted)} == world.planted
    hits = [hit for layer in ("silver", "gold", "audit") for hit in pii_hits(lake / layer, all_pii)]
    assert hits == [], "\n".join(f"{path}: {value}" for path, value in hits[:20])

    # The planted values reached silver as pseudonyms, so the scan had something to miss.
    views = read_table("silver/views", lake_root=str(lake)).filter(
        pl.col("event_id") == world.planted_event
    )
    assert views["device_pseudonym"].to_list() == [mac(PLANTED_VIEW["Device_ID"])]
    assert [json.loads(v) for v in views["extra_fields"].to_list()] == [
        # undeclared fields are published by their lowercased name
        {f"{k.lower()}_pseudonym": mac(v) for k, v in PLANTED_VIEW.items() if k != "Device_ID"}
    ]
    users = read_table("silver/users", lake_root=str(lake)).filter(pl.col("is_current"))
    planted_user = users.filter(pl.col("phone_pseudonym") == mac(PLANTED_USER["mobile_phone"]))
    assert planted_user["user_name_pseudonym"].to_list() == [mac(PLANTED_USER["user_name"])]
