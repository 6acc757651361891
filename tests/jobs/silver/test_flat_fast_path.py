"""The JSON syntax check's fast path for flat lines (`parsing._FLAT`) changes no verdict.

Lines with no backslash, control character or inner brace / bracket skip four rules' regular
expressions. Over thousands of random near-JSON lines (flat records, their mutations and
token soup), the rule each line breaks is the same with the fast path as without it.
"""

from __future__ import annotations

import json
import random

from pyspark.sql import functions as F

from livelake.jobs.silver import parsing

DECLARED = ["event_id", "user_id", "dwell_seconds", "channel"]
TOKENS = [
    "{", "}", "[", "]", '"', "\\", "\\u", "d800", "dc00", "\\n", ":", ",", " ", "\t", "\x01",
    "'", "true", "True", "null", "1", "-2.5e3", "x", "é", *DECLARED, '"event_id"', '"USER_ID"',
]  # fmt: skip


def lines(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        record = {rng.choice(DECLARED): rng.choice(["a", 1, None, True, 2.5, "b c"]) for _ in "ab"}
        text = json.dumps(
            record,
            ensure_ascii=rng.random() < 0.5,
            separators=rng.choice([(",", ":"), (", ", ": ")]),
        )
        kind = rng.random()
        if kind < 0.5:  # mutate a record: insert, delete or replace a few characters
            chars = list(text)
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(chars) + 1)
                token = rng.choice(TOKENS)
                if rng.random() < 0.5 and chars:
                    chars[min(at, len(chars) - 1)] = token
                else:
                    chars.insert(at, token)
            text = "".join(chars)
        elif kind < 0.7:  # token soup inside braces
            text = "{" + "".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 12))) + "}"
        out.append(text)
    return out


def rule(text):
    """The first syntax rule a line breaks, as the parser builds it now (null: none)."""
    found = F.lit(None).cast("string")
    names, fields = F.json_object_keys(text), F.from_json(text, "map<string,string>")
    flat = text.rlike(parsing._FLAT)
    for broken, says in reversed(parsing._syntax_problems(text, names, fields, flat, DECLARED)):
        found = F.when(broken, says).otherwise(found)
    return found


def test_the_flat_fast_path_gives_every_line_the_rule_the_full_check_gives(spark, monkeypatch):
    texts = lines(random.Random(7), 3_000)
    fast = rule(F.col("raw"))
    monkeypatch.setattr(parsing, "_FLAT", "(?!)")  # matches nothing: every line fully checked
    full = rule(F.col("raw"))
    frame = spark.createDataFrame(list(enumerate(texts)), "i int, raw string")
    rows = frame.select("i", fast.alias("fast"), full.alias("full")).orderBy("i").collect()
    differing = [(texts[r["i"]], r["fast"], r["full"]) for r in rows if r["fast"] != r["full"]]
    assert not differing, differing[:5]
    # The corpus exercises both paths and both outcomes.
    flat = [t for t in texts if "\\" not in t and t.count("{") == 1 and "[" not in t]
    assert len(flat) > 500
    assert sum(r["full"] is None for r in rows) > 500
    assert sum(r["full"] is not None for r in rows) > 500
