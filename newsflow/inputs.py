"""Reading articles from files and stdin: JSON/JSONL records, plain text and HTML pages."""

from __future__ import annotations

import gzip
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.intake import decode_json, validate_raw
from pipeline.outcomes import Rejected
from schemas import ContentType, RawArticle

JSON_LINES = {".jsonl", ".ndjson"}
HTML = {".html", ".htm", ".xhtml"}
TEXT = {".txt", ".text"}
SUPPORTED = sorted(JSON_LINES | HTML | TEXT | {".json"})


@dataclass(frozen=True)
class InputItem:
    """One article read from an input, or why it could not be read; `where` is file[:line]."""

    where: str
    article: RawArticle | None
    error: Rejected | None = None


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix.lower() == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def _from_json_document(where: str, text: str) -> InputItem:
    try:
        return InputItem(where, validate_raw(decode_json(text)))
    except Rejected as exc:  # the only error decode_json and validate_raw raise
        return InputItem(where, None, exc)


def _from_json_lines(name: str, text: str) -> Iterator[InputItem]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield _from_json_document(f"{name}:{number}", line)


def _validated(document: object) -> tuple[RawArticle | None, Rejected | None]:
    try:
        return validate_raw(document), None
    except Rejected as exc:
        return None, exc


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FIELD = re.compile(r"^([A-Za-z_]+)\s*:\s*(.*?)\s*$")
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_METADATA_FIELDS = {"id", "url", "source", "title", "published_at", "language"}


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Return the `key: value` metadata of a leading `---` block and the text after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields = {}
    for line in match.group(1).splitlines():
        field = _FIELD.match(line)
        if field and field.group(1).lower() in _METADATA_FIELDS:
            fields[field.group(1).lower()] = field.group(2).strip("\"'")
    return fields, text[match.end() :]


def _from_page(
    where: str, text: str, content_type: ContentType, name: str | None = None
) -> InputItem:
    metadata, body = split_front_matter(text)
    dated = _DATED_NAME.match(name or "")
    if dated and "published_at" not in metadata:
        metadata["published_at"] = dated.group(1)
    try:
        document = {**metadata, "content": body, "content_type": content_type}
        return InputItem(where, validate_raw(document))
    except Rejected as exc:
        return InputItem(where, None, exc)


def read_path(path: Path) -> Iterator[InputItem]:
    """Yield the articles in one file, by its extension (optionally .gz-compressed)."""
    kind = _suffix(path)
    text = _read_text(path)
    if kind in JSON_LINES:
        yield from _from_json_lines(str(path), text)
    elif kind == ".json":
        document = text.strip()
        if document.startswith("["):
            try:
                records = decode_json(document)
            except Rejected as exc:  # one bad array is one bad input: report it, go on
                yield InputItem(str(path), None, exc)
                return
            for number, item in enumerate(records, start=1):
                yield InputItem(f"{path}[{number}]", *_validated(item))
        else:
            yield _from_json_document(str(path), document)
    elif kind in HTML:
        yield _from_page(str(path), text, ContentType.TEXT_HTML, path.name)
    elif kind in TEXT:
        yield _from_page(str(path), text, ContentType.TEXT_PLAIN, path.name)
    else:
        raise ValueError(
            f"{path}: unsupported file type {kind or '(none)'}; use one of {', '.join(SUPPORTED)}"
        )


def read_stdin() -> Iterator[InputItem]:
    """Yield the articles on stdin: JSON lines if it starts with '{', else one text/HTML article."""
    text = sys.stdin.read()
    head = text.lstrip()[:200].lower()
    if head.startswith("{"):
        yield from _from_json_lines("<stdin>", text)
    elif head.startswith(("<!doctype html", "<html")):
        yield _from_page("<stdin>", text, ContentType.TEXT_HTML)
    else:
        yield _from_page("<stdin>", text, ContentType.TEXT_PLAIN)


def read_inputs(sources: list[str]) -> Iterator[InputItem]:
    """Yield the articles of every source, in order ('-' is stdin; directories are walked)."""
    for source in sources:
        if source == "-":
            yield from read_stdin()
            continue
        path = Path(source)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if _suffix(child) in SUPPORTED:
                    yield from read_path(child)
        elif path.exists():
            yield from read_path(path)
        else:
            raise FileNotFoundError(f"{source}: no such file or directory")
