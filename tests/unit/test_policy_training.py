"""Training runs end to end on a small slice and writes a model the stage can load and use."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.train_policy import main as train_main
from pipeline.policy.model import load_model
from pipeline.process import enrich
from schemas import RawArticle
from tests.conftest import SHARED


@pytest.mark.skipif(not SHARED.exists(), reason="../shared not present")
def test_training_on_a_slice_gives_a_loadable_model(tmp_path: Path) -> None:
    out = tmp_path / "model.json.gz"
    assert train_main(["--limit", "80", "--out", str(out)]) == 0
    model = load_model(out)
    assert 0.0 <= model.threshold <= 1.0
    assert model.change.weights and model.status.classes and model.direction.classes
    assert model.meta["documents"] == 80
    again = tmp_path / "again.json.gz"
    assert train_main(["--limit", "80", "--out", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()  # deterministic
    from pipeline import policy
    from pipeline.nlp import load_nlp

    doc = load_nlp("en_core_web_sm")("Germany banned the sale of new diesel cars on Monday.")
    changes = policy.detect_policy_changes(doc, [], "t", model=model)
    assert all(c.decision is None or c.decision.model.startswith(model.name) for c in changes)
    assert enrich(RawArticle(id="t", content="Norway banned petrol cars.")).id == "t"
