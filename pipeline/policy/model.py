"""The trained decision: for each candidate, is a rule change reported, its status and direction.

The model is three linear classifiers over `features.candidate_features` (trained with
scikit-learn by `pipeline.policy.training`, `make train-policy`): `change` (binary: the candidate
reports a decided, current change), `status` (enacted / announced / reported / reversed, for
changes) and `direction` (loosen / tighten / new / repeal / mixed). It is stored as plain JSON
(feature -> weight), so loading it needs neither scikit-learn nor pickle, and it is read once per
process (`shipped_model`).
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.policy.features import FEATURE_VERSION

MODEL_PATH = Path(__file__).resolve().parent / "data" / "policy-model.json.gz"


@dataclass(frozen=True)
class LinearClassifier:
    """One linear classifier: per-class intercepts and per-feature weights (one per class)."""

    classes: tuple[str, ...]
    intercepts: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]

    def scores(self, features: list[str]) -> list[float]:
        """Return the class scores (log-odds) of a feature set."""
        total = list(self.intercepts)
        for name in features:
            row = self.weights.get(name)
            if row is not None:
                for k, weight in enumerate(row):
                    total[k] += weight
        return total

    def probabilities(self, features: list[str]) -> dict[str, float]:
        """Return class -> probability (sigmoid for two classes, softmax otherwise)."""
        scores = self.scores(features)
        if len(self.classes) == 2:  # scikit-learn's binary form: one score for classes[1]
            positive = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, scores[0]))))
            return {self.classes[0]: 1.0 - positive, self.classes[1]: positive}
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        norm = sum(exps)
        return {c: e / norm for c, e in zip(self.classes, exps, strict=True)}

    def best(self, features: list[str]) -> tuple[str, float]:
        """Return the most probable class and its probability."""
        probs = self.probabilities(features)
        name = max(probs, key=lambda c: probs[c])
        return name, probs[name]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearClassifier:
        """Return the classifier stored as `data` (the form `to_json` writes)."""
        return cls(
            classes=tuple(data["classes"]),
            intercepts=tuple(float(x) for x in data["intercepts"]),
            weights={k: tuple(float(x) for x in v) for k, v in data["weights"].items()},
        )

    def to_json(self) -> dict[str, Any]:
        """Return the classifier as JSON-ready data."""
        return {
            "classes": list(self.classes),
            "intercepts": list(self.intercepts),
            "weights": {k: list(v) for k, v in sorted(self.weights.items())},
        }


@dataclass(frozen=True)
class Decision:
    """What the model says about one candidate."""

    change: float  # probability that the candidate reports a decided, current rule change
    accepted: bool
    status: str
    direction: str


@dataclass(frozen=True)
class PolicyModel:
    """The three classifiers, the acceptance threshold and where they came from."""

    name: str
    version: str
    threshold: float
    change: LinearClassifier
    status: LinearClassifier
    direction: LinearClassifier
    meta: dict[str, Any]
    floor: float = 0.02  # a mention scored at least this counts as evidence of a decided change

    def decide(self, features: list[str]) -> Decision:
        """Return the decision for one candidate's features."""
        p = self.change.probabilities(features)[self.change.classes[-1]]
        status, _ = self.status.best(features)
        direction, _ = self.direction.best(features)
        return Decision(p, p >= self.threshold, status, direction)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PolicyModel:
        """Return the model stored as `data`; refuses features of another version."""
        if data.get("feature_version") != FEATURE_VERSION:
            raise ValueError(
                f"policy model {data.get('name')} {data.get('version')} was trained on feature "
                f"version {data.get('feature_version')}, this code makes {FEATURE_VERSION}: "
                "retrain it with `make train-policy`"
            )
        return cls(
            name=str(data["name"]),
            version=str(data["version"]),
            threshold=float(data["threshold"]),
            change=LinearClassifier.from_json(data["change"]),
            status=LinearClassifier.from_json(data["status"]),
            direction=LinearClassifier.from_json(data["direction"]),
            meta=dict(data.get("meta", {})),
            floor=float(data.get("floor", 0.02)),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the model as JSON-ready data."""
        return {
            "name": self.name,
            "version": self.version,
            "feature_version": FEATURE_VERSION,
            "threshold": self.threshold,
            "floor": self.floor,
            "meta": self.meta,
            "change": self.change.to_json(),
            "status": self.status.to_json(),
            "direction": self.direction.to_json(),
        }

    def save(self, path: Path) -> None:
        """Write the model as gzip JSON (deterministic bytes for the same model)."""
        raw = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(raw, mtime=0))


def load_model(path: Path) -> PolicyModel:
    """Return the model stored at `path` (gzip JSON)."""
    return PolicyModel.from_json(json.loads(gzip.decompress(path.read_bytes())))


@lru_cache(maxsize=1)
def shipped_model() -> PolicyModel:
    """Return the model shipped with the package, loaded once per process."""
    return load_model(MODEL_PATH)
