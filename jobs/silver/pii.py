"""Keyed pseudonyms for PII: HMAC-SHA256 computed by Spark itself, no Python UDF.

HMAC(K, m) = SHA256((K' xor opad) || SHA256((K' xor ipad) || m)) with K' the key padded to
the 64-byte SHA-256 block (hashed first if longer). The two padded keys depend only on the
key, so the driver computes them once and ships them as literals; executors run only the
built-in `sha2`, `concat`, `unhex` and `encode`. The result equals Python's
`hmac.new(key, value, sha256).hexdigest()` (tests/jobs/silver/test_pii.py checks it), so the
same person gets the same pseudonym in every table and every run, and nobody without the key
can recompute it from a phone number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column

BLOCK_BYTES = 64


class MissingPiiKeyError(ValueError):
    """Silver cannot run without a pseudonymisation key."""


@dataclass(frozen=True)
class PiiKey:
    """The HMAC key as the two padded blocks Spark needs (hex literals)."""

    ipad_hex: str
    opad_hex: str

    @classmethod
    def from_secret(cls, secret: str | None) -> PiiKey:
        if not secret:
            raise MissingPiiKeyError(
                "no PII key configured: set LIVELAKE_PII_KEY (or pii_key in livelake.toml, "
                "`livelake init` writes one); silver refuses to publish un-pseudonymised PII"
            )
        key = secret.encode("utf-8")
        if len(key) > BLOCK_BYTES:
            key = hashlib.sha256(key).digest()
        key = key.ljust(BLOCK_BYTES, b"\0")
        return cls(
            ipad_hex=bytes(b ^ 0x36 for b in key).hex(),
            opad_hex=bytes(b ^ 0x5C for b in key).hex(),
        )


def pseudonym(value: Column, key: PiiKey) -> Column:
    """Hex HMAC-SHA256 of the UTF-8 bytes of `value`; null stays null."""
    from pyspark.sql import functions as F

    inner = F.sha2(F.concat(F.unhex(F.lit(key.ipad_hex)), F.encode(value, "UTF-8")), 256)
    return F.sha2(F.concat(F.unhex(F.lit(key.opad_hex)), F.unhex(inner)), 256)
