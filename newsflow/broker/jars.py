"""The Kafka broker's jars: fetched once from Maven Central with Maven (kafka/pom.xml)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from newsflow.broker.common import BrokerError, file_lock, tail

KAFKA_DIR = Path(__file__).resolve().parents[2] / "kafka"
POM_FILE = KAFKA_DIR / "pom.xml"
LOG4J2_CONFIG = KAFKA_DIR / "log4j2.properties"
_MARKER = ".newsflow-jars.json"


def kafka_version(pom: Path = POM_FILE) -> str:
    """Return the Kafka version the pom fetches (its ``kafka.version`` property)."""
    match = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", pom.read_text())
    if match is None:
        raise BrokerError(f"{pom} has no <kafka.version> property")
    return match.group(1)


def require_java() -> str:
    """Return the path of `java`, or raise BrokerError saying how to install it."""
    java = shutil.which("java")
    if java is None:
        raise BrokerError(
            "java not found on PATH: the local Kafka broker needs Java 17+ "
            "(e.g. apt-get install openjdk-17-jre-headless)"
        )
    return java


def ensure_jars(cache_dir: Path, *, quiet: bool = False) -> Path:
    """Return the folder of Kafka broker jars, fetching them with Maven into cache_dir/libs once."""
    cache_dir = Path(cache_dir).resolve()
    libs = cache_dir / "libs"
    if not POM_FILE.is_file():
        raise BrokerError(f"{POM_FILE} is missing: it lists the Kafka jars to fetch")
    version = kafka_version()
    wanted = {
        "kafka_version": version,
        "pom_sha256": hashlib.sha256(POM_FILE.read_bytes()).hexdigest(),
    }

    def fresh() -> bool:
        try:
            return bool(json.loads((libs / _MARKER).read_text()) == wanted)
        except (OSError, ValueError):
            return False

    if fresh():
        return libs
    # Concurrent callers (parallel test sessions) wait here instead of fetching twice.
    with file_lock(cache_dir / ".fetch.lock"):
        if fresh():
            return libs
        require_java()
        mvn = shutil.which("mvn")
        if mvn is None:
            raise BrokerError(
                "mvn not found on PATH: it fetches the Kafka jars from Maven Central "
                "(e.g. apt-get install maven)"
            )
        if not quiet:
            print(
                f"Fetching Apache Kafka {version} jars from Maven Central (once) into {libs} …",
                file=sys.stderr,
                flush=True,
            )
        started = time.monotonic()
        # Fetch into a scratch folder and swap it in, so an interrupted fetch never looks done.
        staging = cache_dir / f"libs.partial-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        cmd = [
            mvn,
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(POM_FILE),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ]
        try:
            try:
                proc = subprocess.run(
                    cmd,
                    check=False,
                    cwd=cache_dir,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=900,
                )
            except subprocess.TimeoutExpired as exc:
                raise BrokerError(
                    f"mvn did not finish fetching the Kafka jars in {exc.timeout}s"
                ) from exc
            if proc.returncode != 0 or not (staging / f"kafka_2.13-{version}.jar").is_file():
                output = tail(proc.stdout + "\n" + proc.stderr) or "(no output)"
                raise BrokerError(
                    f"fetching Kafka {version} jars with Maven failed "
                    f"(exit code {proc.returncode}): {' '.join(cmd)}\n{output}"
                )
            (staging / _MARKER).write_text(json.dumps(wanted))
            shutil.rmtree(libs, ignore_errors=True)
            staging.rename(libs)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if not quiet:
            count = sum(1 for _ in libs.glob("*.jar"))
            print(
                f"Fetched {count} jars in {time.monotonic() - started:.1f}s.",
                file=sys.stderr,
                flush=True,
            )
    return libs
