"""The entity dev set: ids, offsets and labels in the repository, texts joined from ../shared.

    .venv/bin/python -m bench.entity_set [--split dev] [--off FAMILY ...] [--families]

`bench/data/entities/{train,dev,lockbox}.jsonl` hold one document a line: `id` (the pool item,
or a policy-changes dev snippet), `source` (`agnews`, `allsides` or `policy-dev`), `start`/`end`
(the window of the item's text that was annotated: a whole AG News snippet, the first paragraphs of
an AllSides article), `sha256` of that window (the join is checked), and `mentions`
(`[start, end, label]`, offsets into the window; CoNLL labels PER, ORG, LOC, MISC). The texts stay
in `../shared` (bench/data/README.md says how they were annotated).

Scores: each window is sent as one article with `"language": "en"` through the pipeline's
cleaning and entity stages (`pipeline.process.enrich`), as a feed would; mentions are mapped back
to the window's offsets and their types to CoNLL (PERSON -> PER, ORG -> ORG, GPE/LOC/FAC -> LOC,
NORP/EVENT/LAW/PRODUCT/WORK_OF_ART/LANGUAGE/WEAPON -> MISC). "spaCy alone" is `en_core_web_sm`'s
`doc.ents` on the same window, mapped the same way. Exact span and type match, micro-averaged,
per type and overall. Never run on the lockbox except to log a finished piece of work.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

from pipeline import entities, nlp
from pipeline.config import PipelineConfig
from pipeline.outcomes import Rejected
from pipeline.process import enrich
from schemas import RawArticle

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / "data" / "entities"
SHARED = Path(os.environ.get("NEWSFLOW_SHARED_DIR", REPO.parent / "shared"))
SPLITS = ("train", "dev", "lockbox")
TYPES = ("PER", "ORG", "LOC", "MISC")
CONLL: dict[str, str] = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    **dict.fromkeys(
        ["NORP", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART", "LANGUAGE", "WEAPON"], "MISC"
    ),
}
"""OntoNotes (and WEAPON) labels -> CoNLL-2003 types; numeric labels are not names."""

Mention = tuple[int, int, str]


@dataclass(frozen=True)
class Document:
    """One annotated window of a shared text."""

    id: str
    source: str
    text: str
    mentions: tuple[Mention, ...]


def _folded(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=1)
def shared_texts() -> dict[tuple[str, str], str]:
    """Return (source, id) -> text for every item of the pools and the policy-changes dev set."""
    texts: dict[tuple[str, str], str] = {}
    for source, name in (("agnews", "agnews-pool"), ("allsides", "allsides-pool")):
        with gzip.open(SHARED / "corpora" / f"{name}.jsonl.gz", "rt", encoding="utf-8") as rows:
            for line in rows:
                item = json.loads(line)
                texts[(source, item["id"])] = item["text"]
    dev = SHARED / "benchmarks" / "policy-changes" / "dev.jsonl"
    for line in dev.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            texts[("policy-dev", item["id"])] = _folded(item["text"])
    return texts


def sha256(text: str) -> str:
    """Return the hex sha256 of `text` (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_split(split: str, data: Path = DATA) -> list[Document]:
    """Return the split's documents with their texts joined from ../shared (sha256 checked)."""
    texts = shared_texts()
    docs = []
    for line in (data / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = texts[(row["source"], row["id"])][row["start"] : row["end"]]
        if sha256(text) != row["sha256"]:
            raise ValueError(f"{split}: the text of {row['id']} is not the one annotated")
        mentions = tuple((int(s), int(e), str(label)) for s, e, label in row["mentions"])
        docs.append(Document(row["id"], row["source"], text, mentions))
    return docs


def file_sha256(split: str, data: Path = DATA) -> str:
    """Return the sha256 of a split's file (the lockbox's is frozen in a test)."""
    return hashlib.sha256((data / f"{split}.jsonl").read_bytes()).hexdigest()


def conll(label: str) -> str | None:
    """Return the CoNLL type of an OntoNotes label, or None for numeric and temporal ones."""
    return CONLL.get(label)


def _offset_map(source: str, target: str) -> list[int | None]:
    """Return, per character offset of `target` (and its end), the offset in `source` or None."""
    where: list[int | None] = [None] * (len(target) + 1)
    matcher = difflib.SequenceMatcher(None, source, target, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size + 1):
            if b + k <= len(target):
                where[b + k] = a + k
    return where


def newsflow_mentions(text: str, config: PipelineConfig | None = None) -> set[Mention]:
    """Return the pipeline's mentions in `text` sent as one English article, as window offsets."""
    try:
        article = enrich(RawArticle(id="eval", content=text, language="en"), config)
    except Rejected:
        return set()
    clean = article.clean_text
    where = None if clean == text else _offset_map(text, clean)
    found: set[Mention] = set()
    for entity in article.entities:
        label = conll(entity.type.value)
        if label is None:
            continue
        for m in entity.mentions:
            start, end = (m.start, m.end) if where is None else (where[m.start], where[m.end])
            if start is not None and end is not None and text[start:end] == m.text:
                found.add((start, end, label))
    return found


def spacy_mentions(doc: Any) -> set[Mention]:
    """Return spaCy's own name mentions in `doc`, with CoNLL types."""
    return {
        (e.start_char, e.end_char, label)
        for e in doc.ents
        if (label := conll(e.label_)) is not None
    }


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 overall and per CoNLL type."""

    overall: tuple[float, float, float]
    by_type: dict[str, tuple[float, float, float]]
    gold: int
    predicted: int


def _prf(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score(gold: Sequence[Iterable[Mention]], predicted: Sequence[Iterable[Mention]]) -> Scores:
    """Return exact-match micro P/R/F1 of `predicted` against `gold`, overall and per type."""
    pairs = [(set(g), set(p)) for g, p in zip(gold, predicted, strict=True)]

    def of(kind: str | None) -> tuple[int, int, int]:
        tp = n_pred = n_gold = 0
        for all_gold, all_predicted in pairs:
            g = {m for m in all_gold if kind is None or m[2] == kind}
            p = {m for m in all_predicted if kind is None or m[2] == kind}
            tp, n_pred, n_gold = tp + len(g & p), n_pred + len(p), n_gold + len(g)
        return tp, n_pred, n_gold

    tp, n_pred, n_gold = of(None)
    return Scores(
        overall=_prf(tp, n_pred, n_gold),
        by_type={t: _prf(*of(t)) for t in TYPES},
        gold=n_gold,
        predicted=n_pred,
    )


def vanilla_model() -> Language:
    """Return spaCy's model alone, loaded as the pipeline loads it but without the rules."""
    return spacy.load(nlp.resolve_model_name("en_core_web_sm"), exclude=["senter"])


def set_families(families: Iterable[str]) -> None:
    """Switch the entity rules' families: only `families` run (in this process's shared model)."""
    component = nlp.load_nlp(PipelineConfig().spacy_model).get_pipe(entities.COMPONENT)
    component.families = frozenset(families)


def evaluate(docs: Sequence[Document], system: str) -> Scores:
    """Return the scores of `system` ("spacy" or "newsflow") on `docs`."""
    if system == "spacy":
        predicted = [spacy_mentions(d) for d in vanilla_model().pipe(x.text for x in docs)]
    else:
        predicted = [newsflow_mentions(d.text) for d in docs]
    return score([d.mentions for d in docs], predicted)


def row(name: str, s: Scores) -> str:
    """Return one Markdown table row: F1 overall, per type, P/R, counts."""
    per_type = " | ".join(f"{s.by_type[t][2]:.3f}" for t in TYPES)
    p, r, f = s.overall
    return f"| {name} | {f:.3f} | {per_type} | {p:.3f} | {r:.3f} | {s.gold} |"


HEADER = (
    "| system | F1 | PER | ORG | LOC | MISC | P | R | gold |\n|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> None:
    """Print spaCy alone vs Newsflow on a split, and optionally each rule family off."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="dev")
    parser.add_argument("--families", action="store_true", help="also each rule family off")
    args = parser.parse_args(argv)
    docs = load_split(args.split)
    print(
        f"Split {args.split}: {len(docs)} documents, {sum(len(d.mentions) for d in docs)} "
        "mentions\n"
    )
    print(HEADER)
    print(row("spaCy alone", evaluate(docs, "spacy")))
    print(row("Newsflow", evaluate(docs, "newsflow")))
    if args.families:
        for family in entities.RULE_FAMILIES:
            set_families(f for f in entities.RULE_FAMILIES if f != family)
            print(row(f"Newsflow without {family}", evaluate(docs, "newsflow")))
        set_families(entities.RULE_FAMILIES)


if __name__ == "__main__":
    main()
