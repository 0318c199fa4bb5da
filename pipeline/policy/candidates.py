"""Candidates: every trigger mention of a document, read in its sentence, before any decision.

The parse-based layer proposes; the trained model (`pipeline.policy.model`) decides. A candidate
carries what the decision needs: the mention (trigger, actor, arguments, the rules' own status and
direction), its sentence, the sentence's attribution, and whether the sentence is the headline.
Training (`pipeline.policy.training`) and detection read documents through this one function, so
the model is always scored on exactly the candidates it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from pipeline.policy.actors import DocActors
from pipeline.policy.attribution import Attribution, attribute
from pipeline.policy.mentions import Mention, MentionReader
from schemas import Entity


@dataclass
class SentenceReading:
    """One sentence of a document: its attribution and the candidates it holds."""

    index: int
    sent: Span
    attribution: Attribution
    headline: bool
    candidates: list[Candidate] = field(default_factory=list)


@dataclass
class Candidate:
    """One trigger mention in its sentence."""

    mention: Mention
    sentence: SentenceReading

    @property
    def span(self) -> tuple[int, int]:
        """Return the sentence's character offsets in the document text."""
        return self.sentence.sent.start_char, self.sentence.sent.end_char


@dataclass
class DocReading:
    """A document read for policy changes: its actors and its sentences with their candidates."""

    doc: Doc
    actors: DocActors
    sentences: list[SentenceReading]

    @property
    def candidates(self) -> list[Candidate]:
        """Return every candidate, in document order."""
        return [c for s in self.sentences for c in s.candidates]


def headline_end(doc: Doc) -> int:
    """Return where the headline ends: the first blank line, when the text starts with one line.

    A headline is a first paragraph of one line with no sentence-final punctuation after 20
    words, the way `title + "\\n\\n" + body` and most feeds present it; 0 when there is none.
    """
    text = doc.text
    cut = text.find("\n\n")
    if cut <= 0:
        return 0
    first = text[:cut].strip()
    if "\n" in first or len(first.split()) > 30:
        return 0
    return cut


def read_candidates(doc: Doc, entities: list[Entity]) -> DocReading:
    """Return `doc` read sentence by sentence: attribution, trigger mentions, headline flag."""
    actors = DocActors(doc, entities)
    reader = MentionReader(actors)
    title_end = headline_end(doc)
    sentences: list[SentenceReading] = []
    for index, sent in enumerate(doc.sents):
        attribution = attribute(sent, actors)
        reading = SentenceReading(index, sent, attribution, headline=sent.end_char <= title_end)
        reading.candidates = [
            Candidate(mention, reading) for mention in reader.read(sent, index, attribution)
        ]
        sentences.append(reading)
    return DocReading(doc, actors, sentences)
