"""Human-readable explanations of detected policy changes (`newsflow process --explain`)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from schemas import EnrichedArticle, Evidence, EvidencePart, PolicyChange
from schemas.policy import HighlightKind

STYLES: dict[HighlightKind, str] = {
    HighlightKind.TRIGGER: "bold red",
    HighlightKind.ACTOR: "bold cyan",
    HighlightKind.BENEFICIARY: "bold green",
    HighlightKind.OBJECT: "yellow",
    HighlightKind.SCOPE: "magenta",
    HighlightKind.SOURCE: "blue",
}


def legend() -> Text:
    """Return the colour key of the highlights."""
    text = Text("key: ")
    for kind, style in STYLES.items():
        text.append(kind.value, style=style)
        text.append("  ")
    return text


def _header(index: int, change: PolicyChange) -> Text:
    actor = change.actor.name + (f" ({change.actor.person})" if change.actor.person else "")
    header = Text(f"#{index} ", style="bold")
    header.append(actor, style=STYLES[HighlightKind.ACTOR])
    header.append(f"  {change.action.value} / {change.direction.value} / {change.status.value}")
    header.append(f"  confidence {change.confidence:.2f}", style="dim")
    if change.decision is not None:
        verdict = "accepted" if change.decision.score >= change.decision.threshold else "below"
        header.append(
            f"  model {change.decision.score:.2f} ({verdict} {change.decision.threshold:.2f})",
            style="dim",
        )
    return header


def _details(change: PolicyChange) -> list[Text]:
    rows = [
        ("beneficiary", change.beneficiary),
        ("object", change.object),
        ("scope", change.scope),
        ("constraints", "; ".join(change.constraints) or None),
        ("sources", ", ".join(f"{s.name} ({s.kind.value})" for s in change.sources) or None),
        ("rules", ", ".join(change.rules) or None),
        ("id", change.id),
    ]
    return [Text(f"    {label}: ", style="dim") + Text(value) for label, value in rows if value]


def _sentence(change: PolicyChange, evidence: Evidence) -> Text:
    """Return one evidence sentence with the change's highlights that fall inside it styled."""
    start, end = evidence.start, evidence.end
    rendered = Text(evidence.text)
    for highlight in change.highlights:
        if highlight.part is evidence.part and start <= highlight.start and highlight.end <= end:
            rendered.stylize(STYLES[highlight.kind], highlight.start - start, highlight.end - start)
    prefix = "    > (headline) " if evidence.part is EvidencePart.TITLE else "    > "
    return Text(prefix) + rendered


def render_explanation(article: EnrichedArticle, console: Console) -> None:
    """Print each policy change of `article`: a summary line, its fields and its evidence sentences
    with triggers, actors, beneficiaries, objects and scopes highlighted. Returns nothing."""
    title = article.title or article.id
    console.print(Text(f"{title}: {len(article.policy_changes)} policy change(s)", style="bold"))
    if not article.policy_changes:
        return
    console.print(legend())
    for index, change in enumerate(article.policy_changes, start=1):
        console.print()
        console.print(_header(index, change))
        for line in _details(change):
            console.print(line)
        for evidence in change.evidence:
            console.print(_sentence(change, evidence))
