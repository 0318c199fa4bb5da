"""An exact, faster stand-in for spaCy's `attribute_ruler`: same patterns, same annotations.

spaCy's AttributeRuler runs a `Matcher` over all its patterns on every Doc (en_core_web_sm has
179 and nearly every token matches one), sorts the matches by rule and applies each rule's
attributes with `set_token_attrs`. en_core_web_sm's patterns are fixed-length runs of token specs
(exact values, IN, NOT_IN and REGEX on TAG, LOWER, DEP and IS_SPACE), so the rules matching a
token depend only on its values of those attributes and, for the few two-token patterns, on its
neighbour's. `compile_rules` turns the patterns into tests, run once per distinct combination of
values and then remembered; `ExactAttributeRuler` sets the matched rules' attributes with
`set_token_attrs`, later rules winning as in spaCy. Patterns that use anything else (OP, other
attributes or predicates, callbacks) do not compile, and the stock component is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from spacy.attrs import DEP, IDS, LEMMA, MORPH, POS, TAG
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.pipeline.attributeruler import attribute_ruler_score
from spacy.strings import StringStore, get_string_id
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs
from spacy.vocab import Vocab

FACTORY = "newsflow_attribute_ruler"

# Attributes a pattern may test. The Matcher reads a token's value with the function
# `Doc.to_array` uses: string attributes as string ids, lexeme flags as 0 or 1.
_READABLE = frozenset(
    {"ORTH", "LOWER", "NORM", "TAG", "POS", "DEP", "LEMMA"}
    | {"IS_ALPHA", "IS_DIGIT", "IS_PUNCT", "IS_SPACE", "IS_STOP", "LIKE_NUM"}
)
# Attributes a rule may set. Each is a field of the token alone (set_token_attrs writes nothing to
# the shared lexeme for them), so rules on different tokens cannot affect each other, and rules
# applied to one token in order equal their attributes merged in that order and applied once.
_SETTABLE = frozenset({LEMMA, POS, TAG, MORPH, DEP})
# Distinct value combinations remembered (about 230 bytes each); a bound for long-running workers.
_MEMO_LIMIT = 100_000

Row = tuple[int, ...]
Attrs = dict[int, int]


@dataclass(frozen=True, slots=True)
class _Test:
    """A condition on a token's value in `column`: in (or not in) `values`, or matching `regex`."""

    column: int
    values: frozenset[int] = frozenset()
    inside: bool = True
    regex: re.Pattern[str] | None = None

    def passes(self, row: Row, strings: StringStore) -> bool:
        """Return whether the token with values `row` passes, as the Matcher decides it."""
        if self.regex is not None:
            return self.regex.search(strings[row[self.column]]) is not None
        # A missing value is 0 (the id of ""), tested like any other: NOT_IN [""] rejects it.
        return (row[self.column] in self.values) == self.inside


Spec = tuple[_Test, ...]
"""One token of a pattern: tests that must all pass."""


@dataclass(frozen=True, slots=True)
class _Pattern:
    """One alternative of rule `rule`: a spec id per token, and the token the rule sets."""

    rule: int
    specs: tuple[int, ...]
    target: int


@dataclass(frozen=True, slots=True)
class _TokenMatch:
    """What a token with given values matches: one-token rules, and specs of longer patterns."""

    rules: tuple[int, ...]
    attrs: Attrs = field(compare=False)  # the rules' attributes merged
    pieces: frozenset[int]
    starts: tuple[_Pattern, ...]


class CompiledRules:
    """An attribute ruler's patterns as per-token tests; `apply` sets their attributes."""

    def __init__(
        self,
        columns: Sequence[int],
        specs: Sequence[Spec],
        patterns: Sequence[_Pattern],
        attrs: Sequence[Attrs],
    ) -> None:
        self.columns: list[int | str] = [*columns]
        self._specs = list(specs)
        self._anchors, self._unanchored = _anchor(self._specs)
        self._attrs = list(attrs)
        self._rule_of = {p.specs[0]: p.rule for p in patterns if len(p.specs) == 1}
        longer = [p for p in patterns if len(p.specs) > 1]
        self._starts: dict[int, list[_Pattern]] = {}
        for pattern in longer:
            self._starts.setdefault(pattern.specs[0], []).append(pattern)
        self._pieces = frozenset(spec for p in longer for spec in p.specs)
        self._memo: dict[Row, _TokenMatch] = {}
        self._matches: dict[_TokenMatch, _TokenMatch] = {}
        self._merged: dict[tuple[int, ...], Attrs] = {}

    def apply(self, doc: Doc) -> Doc:
        """Return `doc` with every matching rule's attributes set, as the stock ruler sets them."""
        # Every match is found before any attribute is set, as the stock ruler does.
        memo, strings = self._memo, doc.vocab.strings
        matches = [memo.get(row) or self._match(row, strings) for row in self._rows(doc)]
        attrs = [match.attrs for match in matches]
        for i, rules in self._longer_matches(matches).items():
            attrs[i] = self._merge(tuple(sorted({*matches[i].rules, *rules})))
        for token, token_attrs in zip(doc, attrs, strict=True):
            if token_attrs:
                set_token_attrs(token, token_attrs)
        return doc

    def _rows(self, doc: Doc) -> list[Row]:
        if not self.columns:
            return [()] * len(doc)
        values = doc.to_array(self.columns).reshape(len(doc), len(self.columns))
        return list(map(tuple, cast(list[list[int]], values.tolist())))

    def _match(self, row: Row, strings: StringStore) -> _TokenMatch:
        candidates = list(self._unanchored)
        for column, by_value in self._anchors.items():
            candidates.extend(by_value.get(row[column], ()))
        passed = frozenset(
            i for i in candidates if all(test.passes(row, strings) for test in self._specs[i])
        )
        rules = tuple(sorted({self._rule_of[i] for i in passed if i in self._rule_of}))
        starts = tuple(p for i in sorted(passed & self._starts.keys()) for p in self._starts[i])
        match = _TokenMatch(rules, self._merge(rules), passed & self._pieces, starts)
        # Few distinct matches: sharing them keeps the memo small.
        match = self._matches.setdefault(match, match)
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[row] = match
        return match

    def _longer_matches(self, matches: list[_TokenMatch]) -> dict[int, set[int]]:
        """Return the rules of patterns longer than one token, by the token they set."""
        found: dict[int, set[int]] = {}
        for start in (i for i, match in enumerate(matches) if match.starts):
            for pattern in matches[start].starts:
                end = start + len(pattern.specs)
                if end <= len(matches) and all(
                    spec in matches[start + k].pieces for k, spec in enumerate(pattern.specs)
                ):
                    found.setdefault(start + pattern.target, set()).add(pattern.rule)
        return found

    def _merge(self, rules: tuple[int, ...]) -> Attrs:
        merged = self._merged.get(rules)
        if merged is None:
            # Later rules win, as when the stock ruler applies them one after another.
            merged = {}
            for rule in rules:
                merged.update(self._attrs[rule])
            self._merged[rules] = merged
        return merged


def _anchor(specs: Sequence[Spec]) -> tuple[dict[int, dict[int, list[int]]], list[int]]:
    """Return spec ids by column and required value, and the ids of specs requiring no value.

    A token with new values is then tested against a few candidates, not every spec: each spec is
    filed under one of its IN tests (an exact value is one), the one with the fewest values and,
    among those, on the column whose values tell specs apart best (LOWER before TAG).
    """
    spread: dict[int, set[int]] = {}
    for spec in specs:
        for test in spec:
            if test.inside and test.regex is None:
                spread.setdefault(test.column, set()).update(test.values)
    anchors: dict[int, dict[int, list[int]]] = {}
    unanchored: list[int] = []
    for i, spec in enumerate(specs):
        required = [test for test in spec if test.inside and test.regex is None]
        if not required:
            unanchored.append(i)
            continue
        anchor = min(required, key=lambda test: (len(test.values), -len(spread[test.column])))
        by_value = anchors.setdefault(anchor.column, {})
        for value in anchor.values:
            by_value.setdefault(value, []).append(i)
    return anchors, unanchored


def compile_rules(ruler: AttributeRuler) -> CompiledRules | None:
    """Return `ruler`'s patterns compiled, or None if any uses what only the Matcher handles."""
    matcher = ruler.matcher
    if len(matcher) != len(ruler.attrs):
        return None  # keys added to the Matcher directly, not through the ruler
    columns: dict[int, int] = {}
    specs: list[Spec] = []
    patterns: list[_Pattern] = []
    for rule, (attrs, index) in enumerate(zip(ruler.attrs, ruler.indices, strict=True)):
        key = str(rule)
        entry = matcher.get(key)
        if entry is None or not _settable(attrs) or not isinstance(index, int):
            return None
        on_match, alternatives = entry
        greedy = matcher._filter.get(get_string_id(key))  # type: ignore[attr-defined]
        if on_match is not None or greedy is not None:
            return None  # callbacks and greedy filters change which matches count
        for tokens in alternatives:
            target = index if index >= 0 else len(tokens) + index
            if not 0 <= target < len(tokens):
                return None  # the stock ruler raises on such a match
            ids = []
            for token in tokens:
                spec = _compile_spec(token, columns)
                if spec is None:
                    return None
                specs.append(spec)
                ids.append(len(specs) - 1)
            patterns.append(_Pattern(rule, tuple(ids), target))
    return CompiledRules(list(columns), specs, patterns, ruler.attrs)


def _settable(attrs: Mapping[Any, Any]) -> bool:
    return all(
        key in _SETTABLE and isinstance(value, int) and not isinstance(value, bool)
        for key, value in attrs.items()
    )


def _compile_spec(token: object, columns: dict[int, int]) -> Spec | None:
    """Return the tests of one token's pattern, or None if it uses anything unsupported."""
    if not isinstance(token, dict):
        return None
    tests: list[_Test] = []
    for key, value in token.items():
        if not isinstance(key, str):
            return None
        name = "ORTH" if key.upper() == "TEXT" else key.upper()
        if name not in _READABLE:
            return None
        column = columns.setdefault(IDS[name], len(columns))
        if isinstance(value, dict) and value:
            for operator, operand in value.items():
                test = _predicate(column, operator, operand)
                if test is None:
                    return None
                tests.append(test)
        elif isinstance(value, str | int):
            # As the Matcher takes exact values: strings as ids, booleans as 0/1, integers as is.
            expected = get_string_id(value) if isinstance(value, str) else int(value)
            tests.append(_Test(column, frozenset({expected})))
        else:
            return None
    return tuple(tests)


def _predicate(column: int, operator: object, operand: object) -> _Test | None:
    kind = operator.upper() if isinstance(operator, str) else None
    if kind in ("IN", "NOT_IN") and isinstance(operand, list | tuple):
        if not all(isinstance(value, str | int) for value in operand):
            return None
        return _Test(column, frozenset(get_string_id(v) for v in operand), inside=kind == "IN")
    if kind == "REGEX" and isinstance(operand, str):
        return _Test(column, regex=re.compile(operand))
    return None


class ExactAttributeRuler(AttributeRuler):
    """spaCy's AttributeRuler that matches with compiled tests whenever its patterns compile."""

    def __init__(
        self,
        vocab: Vocab,
        name: str = "attribute_ruler",
        *,
        validate: bool = False,
        scorer: Callable[..., dict[str, Any]] | None = attribute_ruler_score,
    ) -> None:
        super().__init__(vocab, name, validate=validate, scorer=scorer)
        self._rules: CompiledRules | None = None
        self._stale = True

    @property
    def rules(self) -> CompiledRules | None:
        """Return the compiled patterns, or None if the Matcher has to run them."""
        if self._stale:
            self._rules = compile_rules(self)
            self._stale = False
        return self._rules

    def add(self, patterns: Iterable[Any], attrs: dict[Any, Any], index: int = 0) -> None:
        """Add patterns as the stock ruler does; they are compiled again before the next Doc."""
        super().add(patterns, attrs, index)
        self._stale = True

    def clear(self) -> None:
        """Remove all patterns."""
        super().clear()
        self._stale = True

    def __call__(self, doc: Doc) -> Doc:
        """Return `doc` with the rules' attributes set (by the Matcher if they do not compile)."""
        rules = self.rules
        if rules is None:
            return super().__call__(doc)
        error_handler = self.get_error_handler()
        try:
            return rules.apply(doc)
        except Exception as e:
            return error_handler(self.name, self, [doc], e)


@Language.factory(
    FACTORY,
    default_config={
        "validate": False,
        "scorer": {"@scorers": "spacy.attribute_ruler_scorer.v1"},
    },
)
def make_exact_attribute_ruler(
    nlp: Language,
    name: str,
    validate: bool,
    scorer: Callable[..., dict[str, Any]] | None,
) -> ExactAttributeRuler:
    """Return an exact attribute ruler without patterns (added as to the stock one)."""
    return ExactAttributeRuler(nlp.vocab, name, validate=validate, scorer=scorer)


def replace_stock_rulers(nlp: Language) -> list[str]:
    """Return the names of the stock attribute rulers replaced in `nlp` (in place) by exact ones.

    A ruler is replaced only if all its patterns compile; the new one takes its name and position.
    """
    replaced = []
    for name, component in list(nlp.pipeline):
        if type(component) is not AttributeRuler or compile_rules(component) is None:
            continue
        exact = nlp.replace_pipe(name, FACTORY, config={"validate": component.validate})
        assert isinstance(exact, ExactAttributeRuler)
        exact.add_patterns(component.patterns)
        replaced.append(name)
    return replaced
