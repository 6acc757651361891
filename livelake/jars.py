"""The Delta Spark jars, fetched from Maven Central at install time and pinned in `jars.lock`.

pyspark ships Spark's own jars; native Delta needs a few more. `make install` runs
`python -m livelake.jars install`: Maven downloads each locked jar, each is checked against its
sha256, and only a complete, verified set is moved into the venv, where `get_spark` puts it on
the classpath. Without Maven or the network it says so once and the delta-rs writer commits.
`python -m livelake.jars lock` re-resolves the lock for the installed pyspark.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

LOCK_FILE = Path(__file__).parent.parent / "jars.lock"
# Delta's release for Spark 4.2 (Delta publishes one artifact per Spark minor from 4.4 on).
DELTA_ARTIFACT = "io.delta:delta-spark_4.2_2.13:4.4.0"
FALLBACK = "the delta-rs writer will commit Delta tables (delta_writer=auto)"


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


def default_dir() -> Path:
    """Where the verified jars live: inside the venv, so every process of it finds them."""
    return Path(sys.prefix) / "share" / "livelake" / "jars"


def read_lock(path: Path = LOCK_FILE) -> list[LockedJar]:
    jars = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            coordinate, checksum = line.split()
            jars.append(LockedJar(coordinate, checksum.removeprefix("sha256=")))
    return jars


def installed(directory: Path | None = None) -> list[Path]:
    """The installed jars, or [] when none are (install moves only a verified set here)."""
    return sorted((directory or default_dir()).glob("*.jar"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_dependencies(coordinates: list[str], into: Path, transitive: bool) -> str | None:
    """Let Maven copy the jars of `coordinates` (and their runtime dependencies when
    `transitive`) into `into/out` in its repository layout; the error, if any."""
    dependencies = "".join(
        f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version></dependency>"
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


def install(lock: Path = LOCK_FILE, directory: Path | None = None) -> str:
    """Fetch and verify the locked jars into `directory`; returns what happened, in a line.

    Missing Maven or a failed download is not an error (delta-rs still works); a checksum
    mismatch is: the jar is not the one the lock pinned.
    """
    directory = directory or default_dir()
    jars = read_lock(lock)
    if sorted(p.name for p in installed(directory)) == sorted(j.file_name for j in jars):
        return f"Delta Spark jars: {len(jars)} already installed in {directory}"
    if shutil.which("mvn") is None:
        return (
            "Delta Spark jars not installed: Maven (mvn) is not on PATH "
            f"(Debian: apt-get install maven, then make install); {FALLBACK}"
        )
    directory.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory.parent) as tmp:
        error = _copy_dependencies([j.coordinate for j in jars], Path(tmp), transitive=False)
        if error:
            return (
                f"Delta Spark jars not installed: Maven could not fetch them ({error}); {FALLBACK}"
            )
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
    return f"Delta Spark jars: {len(jars)} verified and installed in {directory}"


def resolve(artifact: str = DELTA_ARTIFACT) -> dict[str, Path]:
    """The runtime jars of `artifact` that pyspark does not ship (in any version), by
    coordinate."""
    import pyspark

    shipped = {_artifact_id(p.name) for p in (Path(pyspark.__file__).parent / "jars").glob("*")}
    work = Path(tempfile.mkdtemp())
    error = _copy_dependencies([artifact], work, transitive=True)
    if error:
        raise JarsError(f"could not resolve {artifact}: {error}")
    jars = _coordinates(work / "out").items()
    return {c: jar for c, jar in jars if c.split(":")[1] not in shipped}


def _artifact_id(file_name: str) -> str:
    """`zstd-jni-1.5.7-7.jar` -> `zstd-jni`: the name before its first numeric part."""
    parts = file_name.removesuffix(".jar").split("-")
    digits = [i for i, part in enumerate(parts) if part[:1].isdigit()]
    return "-".join(parts[: digits[0] if digits else len(parts)])


def write_lock(lock: Path = LOCK_FILE, artifact: str = DELTA_ARTIFACT) -> None:
    """Pin the jars `resolve` finds, by Maven coordinate and sha256."""
    import pyspark

    lines = [
        f"# The Delta Spark jars for pyspark {pyspark.__version__}: {artifact} and its runtime",
        "# dependencies that pyspark does not ship. Written by `python -m livelake.jars lock`;",
        "# `make install` fetches and verifies them (livelake/jars.py).",
    ]
    lines += [f"{c} sha256={sha256(jar)}" for c, jar in resolve(artifact).items()]
    lock.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "install"
    if command == "lock":
        write_lock()
    else:
        print(install())
