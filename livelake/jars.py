"""The Delta Spark jars, fetched from Maven Central at install time and pinned in `jars.lock`.

pyspark ships Spark's own jars; native Delta needs a few more. `make install` runs
`python -m livelake.jars install`: Maven downloads each locked jar, each is checked against its
sha256, and only a complete, verified set is moved into the venv, where `get_spark` puts it on
the classpath. Without Maven or the network it says so once and the delta-rs writer commits.
`python -m livelake.jars lock` re-resolves the lock for the installed pyspark.

The lock has a second group, `object-store`: Hadoop's S3A filesystem (`hadoop-aws` at the
Hadoop version pyspark ships) and the AWS SDK v2 modules it uses, for a lake on S3. Only a
local session whose lake is on an object store needs them, so `make install` leaves them out;
`python -m livelake.jars install --with object-store` (run by `make test-integration`) adds
them.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LOCK_FILE = Path(__file__).parent.parent / "jars.lock"
# Delta's release for Spark 4.2 (Delta publishes one artifact per Spark minor from 4.4 on).
DELTA_ARTIFACT = "io.delta:delta-spark_4.2_2.13:4.4.0"
FALLBACK = "the delta-rs writer will commit Delta tables (delta_writer=auto)"

DELTA = "delta"
OBJECT_STORE = "object-store"
GROUPS = (DELTA, OBJECT_STORE)
# hadoop-aws's pom asks for software.amazon.awssdk:bundle, every AWS SDK v2 client shaded in
# one jar of hundreds of MB. S3A uses the S3 client, its transfer manager, STS (assumed-role
# credentials) and the Apache HTTP client; these modules at the bundle's version are a
# dozen MB. The version is the one hadoop-aws (below) pins; `lock` refuses another Hadoop.
HADOOP_VERSION = "3.5.0"
HADOOP_AWS = f"org.apache.hadoop:hadoop-aws:{HADOOP_VERSION}"
AWS_SDK_VERSION = "2.35.4"
AWS_SDK_MODULES = ("s3", "s3-transfer-manager", "sts", "apache-client")
AWS_SDK_BUNDLE = "software.amazon.awssdk:bundle"


class JarsError(RuntimeError):
    """A jar did not match its lock: never put it on the classpath."""


@dataclass(frozen=True)
class LockedJar:
    coordinate: str  # group:artifact:version
    sha256: str

    @property
    def file_name(self) -> str:
        _, artifact, version = self.coordinate.split(":")
        return f"{artifact}-{version}.jar"


def default_dir(group: str = DELTA) -> Path:
    """Where the verified jars of `group` live: inside the venv, so every process of it
    finds them (the Delta jars in `jars/`, the object-store ones in `object-store-jars/`)."""
    base = Path(sys.prefix) / "share" / "livelake"
    return base / "jars" if group == DELTA else base / f"{group}-jars"


def read_lock(path: Path = LOCK_FILE, group: str = DELTA) -> list[LockedJar]:
    """The jars of `group`: the lines before the first `[group]` header are the Delta jars."""
    jars, current = [], DELTA
    for line in path.read_text().splitlines():
        if line.startswith("[") and line.rstrip().endswith("]"):
            current = line.strip()[1:-1]
        elif line.strip() and not line.startswith("#") and current == group:
            coordinate, checksum = line.split()
            jars.append(LockedJar(coordinate, checksum.removeprefix("sha256=")))
    return jars


def installed(directory: Path | None = None) -> list[Path]:
    """The installed jars, or [] when none are (install moves only a verified set here)."""
    return sorted((directory or default_dir()).glob("*.jar"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_dependencies(
    coordinates: list[str], into: Path, transitive: bool, excluded: Sequence[str] = ()
) -> str | None:
    """Let Maven copy the jars of `coordinates` (and their runtime dependencies when
    `transitive`, but none of the `group:artifact`s `excluded`) into `into/out` in its
    repository layout; the error, if any."""
    exclusions = "".join(
        f"<exclusion><groupId>{g}</groupId><artifactId>{a}</artifactId></exclusion>"
        for g, a in (e.split(":") for e in excluded)
    )
    dependencies = "".join(
        f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version><exclusions>{exclusions}</exclusions></dependency>"
        for g, a, v in (c.split(":") for c in coordinates)
    )
    (into / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>livelake</groupId><artifactId>jars</artifactId><version>0</version>"
        f"<dependencies>{dependencies}</dependencies></project>"
    )
    command = ["mvn", "-q", "-B", "dependency:copy-dependencies", "-DoutputDirectory=out"]
    command += ["-DincludeScope=runtime", "-Dmdep.useRepositoryLayout=true"]
    command += [f"-DexcludeTransitive={str(not transitive).lower()}"]
    done = subprocess.run(command, cwd=into, capture_output=True, text=True)
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines()
        return next((line for line in lines if "ERROR" in line), lines[-1] if lines else "")
    return None


def _coordinates(out: Path) -> dict[str, Path]:
    """`out/<group path>/<artifact>/<version>/<file>.jar`, by `group:artifact:version`."""
    jars = {}
    for jar in out.rglob("*.jar"):
        version, artifact, *group = reversed(jar.parent.relative_to(out).parts)
        jars[f"{'.'.join(reversed(group))}:{artifact}:{version}"] = jar
    return dict(sorted(jars.items()))


def install(lock: Path = LOCK_FILE, directory: Path | None = None, group: str = DELTA) -> str:
    """Fetch and verify the locked jars of `group` into `directory`; returns what happened,
    in a line.

    Missing Maven or a failed download is not an error (delta-rs still works); a checksum
    mismatch is: the jar is not the one the lock pinned.
    """
    directory = directory or default_dir(group)
    jars = read_lock(lock, group)
    what = "Delta Spark jars" if group == DELTA else f"{group} jars (S3A)"
    fallback = FALLBACK if group == DELTA else "Spark cannot reach a lake on S3 (s3a://)"
    if sorted(p.name for p in installed(directory)) == sorted(j.file_name for j in jars):
        return f"{what}: {len(jars)} already installed in {directory}"
    if shutil.which("mvn") is None:
        return (
            f"{what} not installed: Maven (mvn) is not on PATH "
            f"(Debian: apt-get install maven, then make install); {fallback}"
        )
    directory.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory.parent) as tmp:
        error = _copy_dependencies([j.coordinate for j in jars], Path(tmp), transitive=False)
        if error:
            return f"{what} not installed: Maven could not fetch them ({error}); {fallback}"
        fetched = Path(tmp) / "jars"
        fetched.mkdir()
        for path in (Path(tmp) / "out").rglob("*.jar"):
            path.rename(fetched / path.name)
        for jar in jars:
            if not (fetched / jar.file_name).exists():
                raise JarsError(f"{jar.coordinate}: Maven did not deliver {jar.file_name}")
            actual = sha256(fetched / jar.file_name)
            if actual != jar.sha256:
                raise JarsError(
                    f"{jar.coordinate}: sha256 {actual} is not the {jar.sha256} in {lock}; "
                    "the download was altered or the lock is wrong (python -m livelake.jars lock)"
                )
        shutil.rmtree(directory, ignore_errors=True)
        fetched.rename(directory)
    return f"{what}: {len(jars)} verified and installed in {directory}"


def _shipped_hadoop_version() -> str:
    """The Hadoop client version in pyspark's jars (`hadoop-client-api-3.5.0.jar`)."""
    import pyspark

    api = next((Path(pyspark.__file__).parent / "jars").glob("hadoop-client-api-*.jar"))
    return api.name.removeprefix("hadoop-client-api-").removesuffix(".jar")


def resolve(
    artifacts: Sequence[str] = (DELTA_ARTIFACT,),
    excluded: Sequence[str] = (),
    beside: Sequence[str] = (),
) -> dict[str, Path]:
    """The runtime jars of `artifacts` that pyspark does not ship (in any version), nor the
    jars of artifact ids `beside` (another group's), by coordinate."""
    import pyspark

    shipped = {_artifact_id(p.name) for p in (Path(pyspark.__file__).parent / "jars").glob("*")}
    shipped |= set(beside)
    work = Path(tempfile.mkdtemp())
    error = _copy_dependencies(list(artifacts), work, transitive=True, excluded=excluded)
    if error:
        raise JarsError(f"could not resolve {', '.join(artifacts)}: {error}")
    jars = _coordinates(work / "out").items()
    return {c: jar for c, jar in jars if c.split(":")[1] not in shipped}


def object_store_artifacts() -> list[str]:
    """hadoop-aws for pyspark's Hadoop client and the AWS SDK modules S3A uses."""
    shipped = _shipped_hadoop_version()
    if shipped != HADOOP_VERSION:
        raise JarsError(
            f"pyspark ships Hadoop {shipped}, but livelake.jars pins hadoop-aws {HADOOP_VERSION} "
            f"and AWS SDK {AWS_SDK_VERSION}: set both to what hadoop-aws {shipped}'s pom names "
            f"({AWS_SDK_BUNDLE}'s version) and lock again"
        )
    sdk = [f"software.amazon.awssdk:{m}:{AWS_SDK_VERSION}" for m in AWS_SDK_MODULES]
    return [HADOOP_AWS, *sdk]


def _artifact_id(file_name: str) -> str:
    """`zstd-jni-1.5.7-7.jar` -> `zstd-jni`: the name before its first numeric part."""
    parts = file_name.removesuffix(".jar").split("-")
    digits = [i for i, part in enumerate(parts) if part[:1].isdigit()]
    return "-".join(parts[: digits[0] if digits else len(parts)])


def write_lock(lock: Path = LOCK_FILE, artifact: str = DELTA_ARTIFACT) -> None:
    """Pin the jars `resolve` finds, by Maven coordinate and sha256: the Delta group, then
    the object-store group under its `[object-store]` header."""
    import pyspark

    delta = resolve([artifact])
    lines = [
        f"# The Delta Spark jars for pyspark {pyspark.__version__}: {artifact} and its runtime",
        "# dependencies that pyspark does not ship. Written by `python -m livelake.jars lock`;",
        "# `make install` fetches and verifies them (livelake/jars.py).",
    ]
    lines += [f"{c} sha256={sha256(jar)}" for c, jar in delta.items()]
    store = object_store_artifacts()
    lines += [
        f"[{OBJECT_STORE}]",
        f"# S3A for a lake on S3: {store[0]} (pyspark's Hadoop client)",
        f"# with the AWS SDK modules {', '.join(AWS_SDK_MODULES)} at {AWS_SDK_VERSION}",
        f"# instead of {AWS_SDK_BUNDLE}, and their runtime dependencies that",
        "# pyspark and the Delta group do not ship. `python -m livelake.jars install",
        f"# --with {OBJECT_STORE}` (make test-integration) fetches and verifies them.",
    ]
    beside = [c.split(":")[1] for c in delta]
    found = resolve(store, excluded=[AWS_SDK_BUNDLE], beside=beside)
    lines += [f"{c} sha256={sha256(jar)}" for c, jar in found.items()]
    lock.write_text("\n".join(lines) + "\n")


def main(argv: Sequence[str]) -> None:
    """`lock`, or `install [--with object-store]` (the Delta jars, and the named groups)."""
    if argv[:1] == ["lock"]:
        write_lock()
        return
    groups = [DELTA]
    for i, arg in enumerate(argv):
        if arg == "--with" and i + 1 < len(argv):
            if argv[i + 1] not in GROUPS:
                sys.exit(f"unknown jar group {argv[i + 1]!r}: expected one of {', '.join(GROUPS)}")
            groups.append(argv[i + 1])
    for group in groups:
        print(install(group=group))


if __name__ == "__main__":
    main(sys.argv[1:])
