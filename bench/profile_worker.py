"""Profile a `newsflow worker` under load: CPU by process, and py-spy stacks of the worker tree.

Starts a local broker and one worker (pool of `cores` processes), warms it up, then feeds
`--articles` corpus articles at full speed while py-spy samples the worker and its pool children
(active samples only) and /proc gives every process's CPU time (worker, children, broker, this
feeder). Prints and writes a summary: CPU seconds per process and the
chosen frames' inclusive shares and the top frames by own time, for the parent and the
children.

    .venv/bin/python -m bench.profile_worker --articles 300 --out docs/profiles/worker.txt

py-spy is not a project dependency: `.venv/bin/pip install py-spy` first.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agents.procstat import cpu_seconds, tree
from bench import corpus, workers
from bench.throughput import CACHE, Stage, exchange

# Frames worth a line of their own, by process kind (inclusive time; substring match).
_CHILD_FRAMES = (
    "clean_many",
    "strip_furniture",
    "detect_language",
    "minhash_signature",
    "analyze_many",
    "Language.pipe",
    "Tok2Vec.predict",
    "Tagger.predict",
    "AttributeRuler.__call__",
    "Lemmatizer.__call__",
    "newline_sentences",
    "EntityRules.__call__",
    "_analyze_doc",
    "extract_entities",
    "detect_policy_changes",
    "model_dump",
)
_PARENT_FRAMES = (
    "process_articles",
    "parse_raw",
    "map_chunks",
    "plan_analysis",
    "check_and_add",
    "finish",
    "_publish",
    "model_dump_json",
    "LagMonitor",
    "Consumer",
)


def summarise(raw: Path, top: int = 15) -> list[str]:
    """Return, per process kind in `raw`, chosen frames' inclusive and the top self shares."""
    inclusive: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    own: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    totals: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, text = line.rpartition(" ")
        count = int(text)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        nested = len(frames) > 1 and frames[1].startswith("process ")
        kind = "parent"
        if nested:
            kind = "pool children" if "spawn_main" in frames[1] else "other children"
        frames = frames[2 if nested else 1 :]
        totals[kind] += count
        own[kind][frames[-1] if frames else "?"] += count
        for name in set(frames):
            inclusive[kind][name] += count
    lines = []
    for kind, total in totals.most_common():
        chosen = _PARENT_FRAMES if kind == "parent" else _CHILD_FRAMES
        lines.append(f"\n{kind}: {total} samples; chosen frames, inclusive")
        for marker in chosen:
            count = sum(n for name, n in inclusive[kind].items() if name.startswith(marker))
            if count:
                lines.append(f"  {100 * count / total:5.1f}%  {marker}")
        lines.append(f"{kind}: top frames by own time")
        for name, count in own[kind].most_common(top):
            lines.append(f"  {100 * count / total:5.1f}%  {name}")
    return lines


def main() -> None:
    """Profile one loaded worker and print the summary (also written to --out)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rate", type=int, default=50, help="py-spy samples per second")
    parser.add_argument("--out", type=Path, default=Path("profile.txt"), help="the summary")
    parser.add_argument("--stacks", type=Path, default=None, help="also keep py-spy's stacks")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    from newsflow.broker import LocalBroker, free_port

    cores = len(os.sched_getaffinity(0))
    articles = corpus.build(args.articles + 4)
    with tempfile.TemporaryDirectory(prefix="newsflow-profile-") as tmp:
        home = Path(tmp)
        broker = LocalBroker(
            home / "kafka", port=free_port(), controller_port=free_port(), cache_dir=CACHE / "kafka"
        )
        with broker:
            stage = Stage(broker.bootstrap_servers, home)
            with stage.workers(workers.NEWSFLOW_WORKER, 1, cores) as pids:
                exchange(stage, articles[:4], "warm-up", timeout=300)
                raw = home / "stacks.txt"
                command = [spy, "record", "--subprocesses", "--nonblocking", "-r", str(args.rate)]
                recorder = subprocess.Popen(
                    [*command, "-p", str(pids[0]), "-f", "raw", "-o", str(raw)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.STDOUT,
                )
                time.sleep(1)
                watched = {
                    **{pid: "worker" for pid in tree(pids[0])[:1]},
                    **{pid: "pool child / helper" for pid in tree(pids[0])[1:]},
                    broker.status().pid or 0: "kafka broker (java)",
                    os.getpid(): "feeder + reader (this script)",
                }
                before = {pid: cpu_seconds(pid) for pid in watched}
                run = exchange(stage, articles[4:], "load")
                used = {pid: cpu_seconds(pid) - before[pid] for pid in watched}
                recorder.send_signal(signal.SIGINT)
                recorder.wait(60)
                lines = [
                    f"{run.articles} articles in {run.seconds:.1f} s ({run.per_second:.2f}/s), "
                    f"{cores} cores = {cores * run.seconds:.1f} CPU-seconds available",
                    "",
                    "CPU seconds by process during the load:",
                ]
                for pid, name in watched.items():
                    share = used[pid] / (cores * run.seconds)
                    lines.append(f"  {used[pid]:7.1f} s  {100 * share:5.1f}%  {name} ({pid})")
                lines += summarise(raw)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text("\n".join(lines) + "\n")
                if args.stacks:
                    shutil.copy(raw, args.stacks)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
