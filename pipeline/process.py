"""The stages composed: raw articles -> EnrichedArticle events (or Rejected outcomes).

A batch runs in two phases so that duplicate detection, whose state lives with the caller, sits
between cleaning and the NLP stages:

    clean_many(raws) -> plan_analysis(..., dedupe) -> analyze_many(plan.requests) -> finish(...)

`clean_many` and `analyze_many` take and return plain data so a worker can run them in a process
pool; `enrich_batch` runs the same phases in-process for the CLI and tests. A clean text longer
than `config.nlp_max_chars` is analysed on a prefix (`analysis_prefix`), and its event says so in
`processing.analysed_chars`.
"""

from __future__ import annotations

import dataclasses
import re
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipeline import cleaning, entities, nlp, policy
from pipeline.config import PipelineConfig
from pipeline.dedupe import DuplicateIndex
from pipeline.outcomes import Rejected
from schemas import (
    DeadLetterReason,
    EnrichedArticle,
    Entity,
    EvidencePart,
    ModelInfo,
    Origin,
    PolicyChange,
    Processing,
    RawArticle,
    Stage,
)
from schemas.stages import TOTAL

HEADLINE_BREAK = "\n\n"  # between a separately given headline and the body, as the NLP reads it

# Where a long text may be cut, best first: a paragraph break, a sentence end, any whitespace.
# Group 1 is the cut: the prefix ends before it.
_CUT_POINTS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(\n)"),
    re.compile(r"[.!?][\"'”’)\]]*(\s)"),
    re.compile(r"(\s)"),
)


def _rejected(exc: Exception, stage: Stage) -> Rejected:
    if isinstance(exc, Rejected):
        return exc
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
    return Rejected(
        DeadLetterReason.STAGE_ERROR,
        f"{stage} stage failed: {type(exc).__name__}: {exc}{at}",
        stage=stage,
        error_type=type(exc).__name__,
    )


def clean_many(raws: list[dict[str, Any]], config: PipelineConfig) -> list[dict[str, Any]]:
    """Return, per raw article dict, {"cleaned": ..., "seconds": ...} or {"rejected": ...}."""
    results: list[dict[str, Any]] = []
    for data in raws:
        started = time.perf_counter()
        try:
            cleaned = cleaning.clean(RawArticle.model_validate(data), config)
        except Exception as exc:
            results.append({"rejected": _rejected(exc, cleaning.STAGE).as_dict()})
            continue
        results.append(
            {"cleaned": dataclasses.asdict(cleaned), "seconds": time.perf_counter() - started}
        )
    return results


def analysis_prefix(text: str, max_chars: int) -> str:
    """Return `text` if it has at most `max_chars` characters, else the prefix the NLP reads.

    The prefix ends at the last paragraph break within the cap, else the last sentence end, else
    the last whitespace (looking only at the second half of the allowance; a hard cut at the cap
    when none is there), and starts at 0 so entity offsets stay offsets into `text`.
    """
    if len(text) <= max_chars:
        return text
    # A break in the first half would throw away more than half the allowance: cut later instead.
    floor = max_chars // 2
    for pattern in _CUT_POINTS:
        last = deque(pattern.finditer(text, floor, max_chars + 1), maxlen=1)
        if last:
            return text[: last[0].start(1)].rstrip()
    return text[:max_chars]


def headline_prefix(title: str | None, text: str) -> str:
    """Return what to put before `text` so the NLP reads the headline too ("" when it need not).

    A title given apart from the body (feeds, RSS items, front matter) is read as the text's
    first paragraph, unless the body already starts with it.
    """
    if not title or not title.strip():
        return ""
    squash = " ".join(title.split()).casefold()
    if " ".join(text[: len(title) + 16].split()).casefold().startswith(squash):
        return ""
    return " ".join(title.split()) + HEADLINE_BREAK


def _body_only(found: list[Entity], shift: int) -> list[Entity]:
    """Return the entities with mention offsets into the body (headline mentions dropped)."""
    if not shift:
        return found
    kept = []
    for entity in found:
        mentions = [
            m.model_copy(update={"start": m.start - shift, "end": m.end - shift})
            for m in entity.mentions
            if m.start >= shift
        ]
        if mentions:
            kept.append(entity.model_copy(update={"mentions": mentions}))
    return kept


def _in_parts(change: PolicyChange, shift: int) -> PolicyChange:
    """Return `change` with evidence and highlights as offsets into the title or the body."""
    if not shift:
        return change

    def place(item: Any) -> Any:
        if item.start < shift:
            return item.model_copy(update={"part": EvidencePart.TITLE})
        return item.model_copy(update={"start": item.start - shift, "end": item.end - shift})

    return change.model_copy(
        update={
            "evidence": [place(e) for e in change.evidence],
            "highlights": [place(h) for h in change.highlights],
        }
    )


def _analyze_doc(
    doc: Any, article_id: str, config: PipelineConfig, headline_chars: int = 0
) -> dict[str, Any]:
    timings: dict[str, float] = {}
    found: list[Entity] = []
    changes: list[PolicyChange] = []
    if config.runs(entities.STAGE):
        started = time.perf_counter()
        found = entities.extract_entities(doc)
        timings[entities.STAGE] = time.perf_counter() - started
    if config.runs(policy.STAGE):
        started = time.perf_counter()
        changes = policy.detect_policy_changes(doc, found, article_id)
        timings[policy.STAGE] = time.perf_counter() - started
    return {
        "policy_model": policy.model_info().model_dump() if config.runs(policy.STAGE) else None,
        "entities": [e.model_dump(mode="json") for e in _body_only(found, headline_chars)],
        "policy_changes": [_in_parts(c, headline_chars).model_dump(mode="json") for c in changes],
        "timings": timings,
    }


def analyze_many(requests: list[dict[str, str]], config: PipelineConfig) -> list[dict[str, Any]]:
    """Return, per {"article_id", "text"} request, the entities and policy changes found."""
    if not requests:
        return []
    model = nlp.load_nlp(config.spacy_model)
    info = nlp.model_info(model).model_dump()
    texts = [r.get("headline", "") + r["text"] for r in requests]
    started = time.perf_counter()
    try:
        docs: list[Any] = list(model.pipe(texts, batch_size=config.nlp_batch_size))
    except Exception:
        # One bad text must not sink its batch: parse one by one to isolate it.
        docs = []
        for text in texts:
            try:
                docs.append(model(text))
            except Exception as exc:
                docs.append(_rejected(exc, Stage.NLP))
    parse_seconds = time.perf_counter() - started
    total_chars = sum(len(t) for t in texts) or 1
    results: list[dict[str, Any]] = []
    for request, doc in zip(requests, docs, strict=True):
        if isinstance(doc, Rejected):
            results.append({"rejected": doc.as_dict()})
            continue
        try:
            headline = len(request.get("headline", ""))
            result = _analyze_doc(doc, request["article_id"], config, headline)
        except Exception as exc:
            results.append({"rejected": _rejected(exc, Stage.ANALYSIS).as_dict()})
            continue
        # The model parses a batch at once; charge each article its share by length.
        result["timings"][Stage.NLP] = parse_seconds * len(request["text"]) / total_chars
        result["model"] = info
        results.append(result)
    return results


@dataclass
class Plan:
    """A batch between its two phases: what cleaning gave and what the NLP phase must do."""

    raws: list[RawArticle]
    cleaned: list[cleaning.CleanedArticle | Rejected]
    clean_seconds: list[float]
    duplicate_of: list[str | None]
    skipped: list[dict[str, str]]
    requests: list[dict[str, str]] = field(default_factory=list)
    request_index: list[int] = field(default_factory=list)
    analysed_chars: dict[int, int] = field(default_factory=dict)
    """Input index -> length of the prefix requested, for texts cut to `nlp_max_chars`."""


def _nlp_skip_reason(
    cleaned: cleaning.CleanedArticle, duplicate_of: str | None, config: PipelineConfig
) -> str | None:
    if duplicate_of is not None:
        return f"duplicate of {duplicate_of}"
    if not (config.runs(entities.STAGE) or config.runs(policy.STAGE)):
        return "not requested"
    if cleaned.language is not None and cleaned.language not in config.nlp_languages:
        return f"language {cleaned.language!r} is not analysed"
    return None


def plan_analysis(
    raws: list[RawArticle],
    clean_results: list[dict[str, Any]],
    config: PipelineConfig,
    dedupe: DuplicateIndex | None = None,
) -> Plan:
    """Return the plan for a cleaned batch: duplicates marked, NLP requests for the rest.

    A request's text is the clean text, or its `analysis_prefix` when longer than the cap. An
    article that fails here is rejected (stage `dedupe`) without affecting the others.
    """
    plan = Plan(raws=raws, cleaned=[], clean_seconds=[], duplicate_of=[], skipped=[])
    for index, (raw, result) in enumerate(zip(raws, clean_results, strict=True)):
        try:
            _plan_one(plan, index, raw, result, config, dedupe)
        except Exception as exc:
            plan.cleaned.append(_rejected(exc, Stage.DEDUPE))
            plan.clean_seconds.append(0.0)
            plan.duplicate_of.append(None)
            plan.skipped.append({})
    return plan


def _plan_one(
    plan: Plan,
    index: int,
    raw: RawArticle,
    result: dict[str, Any],
    config: PipelineConfig,
    dedupe: DuplicateIndex | None,
) -> None:
    """Add one article to `plan`: every list grows by one entry, or (on error) none does."""
    if "rejected" in result:
        plan.cleaned.append(Rejected.from_dict(result["rejected"]))
        plan.clean_seconds.append(0.0)
        plan.duplicate_of.append(None)
        plan.skipped.append({})
        return
    cleaned = cleaning.CleanedArticle(**result["cleaned"])
    seconds = float(result["seconds"])
    first = (
        dedupe.check_and_add(raw.id, cleaned.content_hash, cleaned.text, cleaned.minhash or None)
        if dedupe is not None
        else None
    )
    reason = _nlp_skip_reason(cleaned, first, config)
    skipped = {}
    if reason is not None:
        skipped = {s.value: reason for s in (entities.STAGE, policy.STAGE) if config.runs(s)}
    request = None
    if reason is None:
        request = {
            "article_id": raw.id,
            "text": analysis_prefix(cleaned.text, config.nlp_max_chars),
            "headline": headline_prefix(cleaned.title, cleaned.text),
        }
    plan.cleaned.append(cleaned)
    plan.clean_seconds.append(seconds)
    plan.duplicate_of.append(first)
    plan.skipped.append(skipped)
    if request is not None:
        if len(request["text"]) < len(cleaned.text):
            plan.analysed_chars[index] = len(request["text"])
        plan.requests.append(request)
        plan.request_index.append(index)


def finish(
    plan: Plan,
    analysis_results: list[dict[str, Any]],
    config: PipelineConfig,
    origins: list[Origin | None] | None = None,
) -> list[EnrichedArticle | Rejected]:
    """Return the batch's outcomes in input order: an EnrichedArticle or a Rejected each.

    An article whose event cannot be built is rejected (stage `output`), the others are not.
    """
    by_index = dict(zip(plan.request_index, analysis_results, strict=True))
    outcomes: list[EnrichedArticle | Rejected] = []
    for index, (raw, cleaned) in enumerate(zip(plan.raws, plan.cleaned, strict=True)):
        if isinstance(cleaned, Rejected):
            outcomes.append(cleaned)
            continue
        analysis = by_index.get(index, {})
        if "rejected" in analysis:
            outcomes.append(Rejected.from_dict(analysis["rejected"]))
            continue
        try:
            outcomes.append(
                _event(
                    plan, index, raw, cleaned, analysis, config, origins[index] if origins else None
                )
            )
        except Exception as exc:
            outcomes.append(_rejected(exc, Stage.OUTPUT))
    return outcomes


def parsed_documents(contents: list[str], config: PipelineConfig) -> list[tuple[Any, list[Entity]]]:
    """Return (spaCy Doc, entities) per content, cleaned and parsed as the stages do.

    For training and inspection: the language is not checked and nothing is published. Content
    that cleaning rejects is parsed as given.
    """
    texts = []
    for content in contents:
        try:
            texts.append(cleaning.clean(RawArticle(content=content), config).text)
        except Exception:
            texts.append(content)
    model = nlp.load_nlp(config.spacy_model)
    docs = model.pipe(texts, batch_size=config.nlp_batch_size)
    return [(doc, entities.extract_entities(doc)) for doc in docs]


def _event(
    plan: Plan,
    index: int,
    raw: RawArticle,
    cleaned: cleaning.CleanedArticle,
    analysis: dict[str, Any],
    config: PipelineConfig,
    origin: Origin | None,
) -> EnrichedArticle:
    stages = {cleaning.STAGE: plan.clean_seconds[index], **analysis.get("timings", {})}
    stages[TOTAL] = sum(stages.values())
    model = analysis.get("model")
    return EnrichedArticle(
        id=raw.id,
        url=cleaned.url,
        source=cleaned.source,
        title=cleaned.title,
        author=cleaned.author,
        published_at=cleaned.published_at,
        language=cleaned.language,
        language_source=cleaned.cleaning_report().language_source,
        clean_text=cleaned.text,
        content_hash=cleaned.content_hash,
        duplicate_of=plan.duplicate_of[index],
        entities=analysis.get("entities", []),
        policy_changes=analysis.get("policy_changes", []),
        processing=Processing(
            pipeline_version=config.pipeline_version,
            model=ModelInfo.model_validate(model) if model else None,
            policy_model=ModelInfo.model_validate(analysis["policy_model"])
            if analysis.get("policy_model")
            else None,
            stages=stages,
            skipped=plan.skipped[index],
            analysed_chars=plan.analysed_chars.get(index),
            cleaning=cleaned.cleaning_report(),
            origin=origin,
            ingested_at=raw.ingested_at,
            processed_at=datetime.now(UTC),
        ),
    )


def enrich_batch(
    raws: list[RawArticle],
    config: PipelineConfig,
    dedupe: DuplicateIndex | None = None,
    origins: list[Origin | None] | None = None,
) -> list[EnrichedArticle | Rejected]:
    """Return the outcome of each raw article, in order, running every phase in this process."""
    clean_results = clean_many([r.model_dump(mode="json") for r in raws], config)
    plan = plan_analysis(raws, clean_results, config, dedupe)
    return finish(plan, analyze_many(plan.requests, config), config, origins)


def enrich(
    raw: RawArticle, config: PipelineConfig | None = None, dedupe: DuplicateIndex | None = None
) -> EnrichedArticle:
    """Return the enriched article for `raw`, or raise Rejected saying why it cannot be one."""
    (outcome,) = enrich_batch([raw], config or PipelineConfig(), dedupe)
    if isinstance(outcome, Rejected):
        raise outcome
    return outcome
