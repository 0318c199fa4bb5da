"""The entity dev set: honest splits, a frozen lockbox, and the stage's floor on the dev split."""

from __future__ import annotations

import json

from bench import entity_set

# Recorded in docs/benchmarks.md (section Entities); the floor sits a little below the measure.
DEV_F1_FLOOR = 0.80
DEV_TYPE_FLOOR = {"PER": 0.82, "ORG": 0.78, "LOC": 0.88, "MISC": 0.67}
LOCKBOX_SHA256 = "4b43a2bb5c211c7367236457282c0d909ef12e48f23040fa5faf76ec0baa5bee"
"""The lockbox file as frozen on 2026-12-02; it is scored, never edited or inspected for errors."""


def _rows(split: str) -> list[dict[str, object]]:
    path = entity_set.DATA / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_lockbox_is_frozen() -> None:
    assert entity_set.file_sha256("lockbox") == LOCKBOX_SHA256


def test_the_splits_are_disjoint_and_large_enough() -> None:
    ids = {split: {str(r["id"]) for r in _rows(split)} for split in entity_set.SPLITS}
    assert not ids["train"] & ids["dev"] and not ids["dev"] & ids["lockbox"]
    assert not ids["train"] & ids["lockbox"]
    from_pools = sum(
        len(r["mentions"])  # type: ignore[arg-type]
        for split in entity_set.SPLITS
        for r in _rows(split)
        if r["source"] in ("agnews", "allsides")
    )
    assert from_pools >= 1500
    assert sum(len(r["mentions"]) for r in _rows("lockbox")) >= 400  # type: ignore[arg-type]
    sources = {str(r["source"]) for split in entity_set.SPLITS for r in _rows(split)}
    assert {"agnews", "allsides", "policy-dev"} <= sources


def test_the_repository_holds_offsets_and_labels_only() -> None:
    for split in entity_set.SPLITS:
        for row in _rows(split):
            assert set(row) == {"id", "source", "start", "end", "sha256", "mentions"}
            for start, end, label in row["mentions"]:  # type: ignore[attr-defined]
                assert 0 <= start < end <= row["end"] - row["start"]  # type: ignore[operator]
                assert label in entity_set.TYPES


def test_every_split_joins_with_its_shared_text() -> None:
    for split in entity_set.SPLITS:
        for doc in entity_set.load_split(split):
            for start, end, _ in doc.mentions:
                assert doc.text[start:end].strip() == doc.text[start:end], doc.id


def test_the_stage_beats_spacy_and_stays_above_the_floor_on_dev() -> None:
    docs = entity_set.load_split("dev")
    alone = entity_set.evaluate(docs, "spacy")
    stage = entity_set.evaluate(docs, "newsflow")
    assert stage.overall[2] >= DEV_F1_FLOOR, stage.overall
    assert stage.overall[2] > alone.overall[2] + 0.05
    for kind, floor in DEV_TYPE_FLOOR.items():
        assert stage.by_type[kind][2] >= floor, (kind, stage.by_type[kind])
        assert stage.by_type[kind][2] >= alone.by_type[kind][2], kind


def test_scores_count_exact_spans_and_types() -> None:
    gold = [{(0, 5, "PER"), (10, 15, "ORG")}]
    scores = entity_set.score(gold, [{(0, 5, "PER"), (10, 15, "LOC")}])
    assert scores.overall == (0.5, 0.5, 0.5)
    assert scores.by_type["PER"] == (1.0, 1.0, 1.0)
    assert scores.by_type["ORG"][1] == 0.0 and scores.by_type["LOC"][0] == 0.0
