"""silver/users: CSV by header, SCD2 versions, PII pseudonymised, schema drift kept."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from livelake.jobs.silver import users
from tests.jobs.silver.landed import HEADERS, bronze_frame, outcome
from tests.jobs.silver.transform_env import DAY, KEY

REG = "2025-12-01T00:00:00.000Z"


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def mac(value: str) -> str:
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_versions_of_one_delivery_form_a_history(spark, env):
    rows = [
        f"u1,Ann,13800000000,east,{REG},silver,ios,d1,2026-01-02T01:00:00.000Z",
        f"u1,Ann,13800000000,east,{REG},gold,ios,d1,2026-01-02T05:00:00.000Z",
        f"u2,Bob,,west,{REG},none,web,,2026-01-02T01:00:00.000Z",
        f"u2,Bob,,west,{REG},none,web,,2026-01-02T01:00:00.000Z",
        f",Eve,1,west,{REG},none,web,,2026-01-02T01:00:00.000Z",
        f"u3,Tom,1,west,{REG},diamond,web,,2026-01-02T01:00:00.000Z",
        "u4,Trunc,139",
    ]
    result = users.transform(bronze_frame(spark, "users", rows, DAY), env)

    silver, quarantine, duplicates = outcome(
        result, "user_id", "membership_level", "valid_from", "valid_to", "is_current"
    )
    five = ts("2026-01-02T05:00:00.000Z")
    assert silver == [
        ("u1", "gold", five, None, True),
        ("u1", "silver", ts("2026-01-02T01:00:00.000Z"), five, False),
        ("u2", "none", ts("2026-01-02T01:00:00.000Z"), None, True),
    ]
    assert quarantine == [(6, "null_key"), (7, "invalid_value"), (8, "malformed")]
    assert duplicates == [4]


def test_columns_are_found_by_header_and_undeclared_ones_kept_as_extra_fields(spark, env):
    header = "phone,user_id,updated_at,vip_note," + ",".join(
        c for c in HEADERS["users"].split(",") if c not in {"phone", "user_id", "updated_at"}
    )
    row = f'13800000000,u1,2026-01-02T01:00:00.000Z,"likes tea, a lot",Ann,east,{REG},gold,ios,d1'
    result = users.transform(bronze_frame(spark, "users", [row], DAY, header=header), env)

    out = result.silver.first()
    assert (out["user_id"], out["membership_level"]) == ("u1", "gold")
    assert json.loads(out["extra_fields"]) == {"vip_note_pseudonym": mac("likes tea, a lot")}
    assert out["phone_pseudonym"] is not None and "phone" not in result.silver.columns
    assert "user_name" not in result.silver.columns


def test_a_renamed_phone_column_is_still_pseudonymised_as_the_phone(spark, env):
    header = HEADERS["users"].replace("phone", "Mobile_Phone").replace("user_id", "USER_ID")
    row = f"u1,Ann,13800000000,east,{REG},gold,ios,d1,2026-01-02T01:00:00.000Z"
    out = users.transform(bronze_frame(spark, "users", [row], DAY, header=header), env)

    published = out.silver.first()
    assert (published["user_id"], published["phone_pseudonym"]) == ("u1", mac("13800000000"))
    assert published["extra_fields"] is None
    assert "13800000000" not in str(published.asDict())


def test_an_export_whose_header_lacks_a_declared_column_is_quarantined_naming_it(spark, env):
    header = HEADERS["users"].replace(",region", "")
    rows = [
        f"u1,Ann,13800000000,{REG},gold,ios,d1,2026-01-02T01:00:00.000Z",
        f"u2,Bob,13800000001,{REG},none,web,d2,2026-01-02T01:00:00.000Z",
    ]
    out = users.transform(bronze_frame(spark, "users", rows, DAY, header=header), env)

    assert out.silver.count() == 0
    assert {(r["reason"], r["rule"]) for r in out.quarantine.collect()} == {
        ("malformed", "the file's header lacks declared column(s) region")
    }
