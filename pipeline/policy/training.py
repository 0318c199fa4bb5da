"""Training the policy model from labelled news: documents -> candidates -> three classifiers.

Labels are per document (does it report a decided change; its status and direction) with the
evidence sentences of its changes. A candidate is a positive example of `change` when its document
is positive and its sentence is one of the evidence sentences, a negative example otherwise
(positive documents without evidence give no `change` examples); `direction` learns from the
candidates of every evidence sentence, `status` from those of the first (main) one. The
classifiers are
scikit-learn's logistic regression (deterministic for the same data), exported as the plain
weights `pipeline.policy.model` reads. scikit-learn is needed here only, not to run the model.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.policy.candidates import DocReading
from pipeline.policy.features import candidate_features, document_words
from pipeline.policy.model import Decision, LinearClassifier, PolicyModel

POSITIVE_STATUSES = ("enacted", "announced", "reported", "reversed")
DIRECTIONS = ("loosen", "tighten", "new", "repeal", "mixed")
_WORD = re.compile(r"\w+")


@dataclass
class LabelledDoc:
    """One labelled document: its content, its labels and its evidence sentences (as text)."""

    id: str
    content: str
    positive: bool
    status: str
    direction: str
    evidence: list[str] = field(default_factory=list)
    group: str = ""


@dataclass
class Example:
    """One candidate of a labelled document, with the labels it can teach."""

    doc_id: str
    features: list[str]
    change: int | None  # 1 / 0, None when unknown
    status: str | None  # for main-evidence candidates of positive documents
    direction: str | None


@dataclass
class TrainingSettings:
    """The knobs of one training run (the defaults are what the shipped model used)."""

    c_change: float = 0.5
    c_status: float = 1.0
    c_direction: float = 1.0
    min_count: int = 2
    threshold: float | None = None  # None: chosen by cross-validation on documents
    prevalence: float | None = 0.5  # the positive share the threshold is chosen for
    folds: int = 5
    seed: int = 20261201


_STOP = frozenset(
    re.findall(
        r"\w+",
        """a an the of to in on at by for from with and or but as is are was were be been has have
        had it its that this which who said says""",
    )
)


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)} - _STOP


def matches_evidence(sentence: str, evidence: str) -> bool:
    """Return whether a parsed sentence is (most of) a labelled evidence sentence, or inside it.

    Parsers and labellers cut sentences differently ("X said. Y" vs one sentence), and cleaning
    normalises whitespace, so the test is word overlap: most of the shorter one's words.
    """
    mine, theirs = _words(sentence), _words(evidence)
    if not mine or not theirs:
        return False
    shared = len(mine & theirs)
    return shared >= 0.6 * min(len(mine), len(theirs)) and shared >= min(3, len(mine))


def examples_of(doc: LabelledDoc, reading: DocReading) -> list[Example]:
    """Return the training examples of one labelled document read by `read_candidates`."""
    examples = []
    words = document_words(reading.doc)
    for candidate in reading.candidates:
        text = candidate.sentence.sent.text
        change: int | None
        status = direction = None
        if not doc.positive:
            change = 0
        elif not doc.evidence:
            change = None
        else:
            change = int(any(matches_evidence(text, e) for e in doc.evidence))
            if change:  # a document's evidence sentences tell one change, mostly
                direction = doc.direction if doc.direction in DIRECTIONS else None
            if change and matches_evidence(text, doc.evidence[0]):
                status = doc.status if doc.status in POSITIVE_STATUSES else None
        features = candidate_features(candidate, words)
        examples.append(Example(doc.id, features, change, status, direction))
    return examples


def _fit(
    rows: Sequence[tuple[list[str], str]], c: float, min_count: int, balanced: bool
) -> LinearClassifier:
    from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    counts = Counter(name for features, _ in rows for name in set(features))
    kept = [[f for f in features if counts[f] >= min_count] for features, _ in rows]
    vectorizer = DictVectorizer(sparse=True)
    matrix = vectorizer.fit_transform([dict.fromkeys(f, 1.0) for f in kept])
    labels = [label for _, label in rows]
    model = LogisticRegression(
        C=c, max_iter=5000, class_weight="balanced" if balanced else None, solver="lbfgs"
    )
    model.fit(matrix, labels)
    names = vectorizer.get_feature_names_out()
    coef = model.coef_
    weights: dict[str, tuple[float, ...]] = {}
    for j, name in enumerate(names):
        row = tuple(round(float(coef[k, j]), 5) for k in range(coef.shape[0]))
        if any(abs(w) >= 1e-4 for w in row):
            weights[str(name)] = row
    return LinearClassifier(
        classes=tuple(str(c) for c in model.classes_),
        intercepts=tuple(round(float(b), 5) for b in model.intercept_),
        weights=weights,
    )


def fit_classifiers(
    examples: Sequence[Example], settings: TrainingSettings
) -> tuple[LinearClassifier, LinearClassifier, LinearClassifier]:
    """Return the change, status and direction classifiers fitted on `examples`."""
    change_rows = [(e.features, str(e.change)) for e in examples if e.change is not None]
    status_rows = [(e.features, e.status) for e in examples if e.status is not None]
    direction_rows = [(e.features, e.direction) for e in examples if e.direction is not None]
    return (
        _fit(change_rows, settings.c_change, settings.min_count, balanced=True),
        _fit(status_rows, settings.c_status, settings.min_count, balanced=False),
        _fit(direction_rows, settings.c_direction, settings.min_count, balanced=False),
    )


def doc_scores(
    model: PolicyModel, examples: Sequence[Example]
) -> dict[str, list[tuple[Decision, Example]]]:
    """Return each document's candidates with the model's decision on them."""
    by_doc: dict[str, list[tuple[Decision, Example]]] = {}
    for example in examples:
        by_doc.setdefault(example.doc_id, []).append((model.decide(example.features), example))
    return by_doc


def best_threshold(
    scored: Iterable[tuple[float, bool]],
    prevalence: float | None = 0.5,
    targets: tuple[float, float] = (0.85, 0.75),
) -> float:
    """Return the document threshold (on the best candidate's probability) nearest both targets.

    Precision is computed as if positives made up `prevalence` of the documents (negatives
    reweighted: the share in the sets the detector is judged on; None keeps the documents' own
    share). The threshold maximises min(precision / target P, recall / target R): the cut that
    goes furthest towards both targets at once, rather than trading one for the other.
    """
    pairs = sorted(scored, key=lambda p: -p[0])
    positives = sum(1 for _, gold in pairs if gold)
    negatives = len(pairs) - positives
    weight = 1.0
    if prevalence is not None and positives and negatives:
        weight = positives * (1 - prevalence) / (prevalence * negatives)
    target_p, target_r = targets
    best, best_value, tp, fp = 0.5, -1.0, 0.0, 0.0
    for k, (score, gold) in enumerate(pairs):
        tp += 1.0 if gold else 0.0
        fp += 0.0 if gold else weight
        if k + 1 < len(pairs) and pairs[k + 1][0] == score:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / positives if positives else 0.0
        value = min(precision / target_p, recall / target_r)
        if value > best_value:
            nxt = pairs[k + 1][0] if k + 1 < len(pairs) else 0.0
            best, best_value = (score + nxt) / 2, value
    return round(best, 4)


def train(
    docs: Sequence[LabelledDoc],
    read: Callable[[Sequence[LabelledDoc]], list[DocReading]],
    settings: TrainingSettings | None = None,
    name: str = "newsflow-policy",
    version: str = "0",
    meta: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[PolicyModel, list[Example]]:
    """Return the model trained on `docs` (read by `read`) and the examples it was fitted on.

    The document threshold comes from `settings.threshold`, else from out-of-fold
    probabilities: `settings.folds` folds of documents, each scored by a model fitted on the
    others, and the F1-best cut on each document's best candidate.
    """
    settings = settings or TrainingSettings()
    say = progress or (lambda _: None)
    say(f"reading {len(docs)} documents")
    readings = read(docs)
    examples = [e for doc, r in zip(docs, readings, strict=True) for e in examples_of(doc, r)]
    say(f"{len(examples)} candidates")
    threshold = settings.threshold
    if threshold is None:
        scored = cross_validated(docs, readings, examples, settings, say)
        threshold = best_threshold(
            ((score, gold) for _, score, gold in scored), settings.prevalence
        )
    change, status, direction = fit_classifiers(examples, settings)
    info = dict(meta or {})
    info.update(
        {
            "documents": len(docs),
            "candidates": len(examples),
            "settings": settings.__dict__,
        }
    )
    model = PolicyModel(name, version, threshold, change, status, direction, info)
    return model, examples


def fold_of(doc_id: str, folds: int, seed: int) -> int:
    """Return the cross-validation fold of a document: a stable hash of its id and the seed."""
    import hashlib

    digest = hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % folds


def cross_validated(
    docs: Sequence[LabelledDoc],
    readings: Sequence[DocReading],
    examples: Sequence[Example],
    settings: TrainingSettings,
    say: Callable[[str], None] | None = None,
) -> list[tuple[str, float, bool]]:
    """Return (document id, out-of-fold document score, gold) per document.

    Each fold's documents are scored by a model fitted on the other folds, through the same
    decision path as detection (`pipeline.policy.document_score`).
    """
    from pipeline.policy import document_score

    scored: list[tuple[str, float, bool]] = []
    for fold in range(settings.folds):
        if say is not None:
            say(f"cross-validation fold {fold + 1}/{settings.folds}")
        held = {d.id for d in docs if fold_of(d.id, settings.folds, settings.seed) == fold}
        fitted = fit_classifiers([e for e in examples if e.doc_id not in held], settings)
        model = PolicyModel("cv", str(fold), 0.5, *fitted, meta={})
        for doc, reading in sorted(zip(docs, readings, strict=True), key=lambda p: p[0].id):
            if doc.id in held:
                scored.append((doc.id, document_score(reading, model), doc.positive))
    return scored
