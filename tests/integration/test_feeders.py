"""`newsflow feed` against the real broker: files, directories, stdin and RSS over HTTP."""

from __future__ import annotations

import hashlib
import http.server
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.broker import LocalBroker, free_port
from schemas import RawArticle, derive_article_id
from tests.conftest import NEWSFLOW, REPO
from tests.kafka_helpers import consume_until

pytestmark = pytest.mark.integration
WIRE = REPO / "tests" / "data" / "wire.rss"


def feed(env, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NEWSFLOW, "feed", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env.process_env,
        timeout=120,
    )


def raw_articles(env, count: int) -> list[RawArticle]:
    settings = env.settings()
    records = consume_until(settings, [settings.topic_raw], lambda rs: len(rs) >= count, timeout=30)
    articles = [RawArticle.model_validate_json(r.value) for r in records]
    for record, article in zip(records, articles, strict=True):
        assert record.key == article.id.encode()
    return articles


def test_jsonl_with_bad_lines_sends_the_good_ones_and_reports_the_rest(make_env, tmp_path) -> None:
    env = make_env()
    env.create_topics()
    source = tmp_path / "archive.jsonl"
    lines = [
        json.dumps({"id": "a1", "content": "The Bank of Japan raised rates."}),
        "{broken",
        json.dumps({"id": "a2", "content": "Germany lifted the ban.", "title": "Ban lifted"}),
        json.dumps({"id": "a3", "content": "   "}),
        json.dumps({"id": "a4", "content": "France approved the merger."}),
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = feed(env, str(source))
    assert result.returncode == 1, result.stderr
    assert "sent 3, skipped 2" in result.stderr
    assert "archive.jsonl:2" in result.stderr and "archive.jsonl:4" in result.stderr
    articles = raw_articles(env, 3)
    assert sorted(a.id for a in articles) == ["a1", "a2", "a4"]
    assert all(a.ingested_at is not None for a in articles)


def test_directory_of_pages_with_front_matter_and_stdin(make_env, tmp_path) -> None:
    env = make_env()
    env.create_topics()
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "2024-05-31-ukraine.txt").write_text(
        "---\ntitle: Germany permits strikes\nsource: AFP\n---\n"
        "Germany has agreed to permit Ukraine to use weapons it has delivered.\n",
        encoding="utf-8",
    )
    (folder / "page.html").write_text(
        "<html><head><title>T</title></head><body><article><p>The EU banned Russian oil "
        "imports on Monday.</p></article></body></html>",
        encoding="utf-8",
    )
    (folder / "notes.csv").write_text("ignored,file\n", encoding="utf-8")
    assert feed(env, str(folder)).returncode == 0
    assert feed(env, "-", stdin="Japan raised its tariffs on steel.\n").returncode == 0
    articles = {a.title or a.content[:5]: a for a in raw_articles(env, 3)}
    text = articles["Germany permits strikes"]
    assert text.source == "AFP" and text.published_at is not None
    assert text.published_at.date().isoformat() == "2024-05-31"
    assert text.content.startswith("Germany has agreed")
    assert any(a.content_type == "text/html" for a in articles.values())
    assert any(a.content.startswith("Japan raised") for a in articles.values())


class FeedServer(http.server.ThreadingHTTPServer):
    """Serves one RSS document with ETag / If-None-Match support, counting 304s."""

    body: bytes = b""
    not_modified = 0
    requests = 0


class FeedHandler(http.server.BaseHTTPRequestHandler):
    server: FeedServer

    def do_GET(self) -> None:
        self.server.requests += 1
        etag = '"' + hashlib.sha256(self.server.body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.server.not_modified += 1
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def rss_server() -> Iterator[FeedServer]:
    server = FeedServer(("127.0.0.1", 0), FeedHandler)
    server.body = WIRE.read_bytes()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_rss_polling_uses_conditional_get_and_remembers_what_it_sent(
    make_env, rss_server: FeedServer, tmp_path: Path
) -> None:
    env = make_env()
    env.create_topics()
    url = f"http://127.0.0.1:{rss_server.server_address[1]}/wire.rss"
    state = tmp_path / "rss-state.json"
    first = feed(env, "--rss", url, "--once", "--state-file", str(state))
    assert first.returncode == 0, first.stderr
    assert "sent 5, skipped 0" in first.stderr
    articles = raw_articles(env, 5)
    by_title = {a.title: a for a in articles}
    trade = by_title["Beijing tariff demands may expand US-China trade deal"]
    assert trade.source == "Newsflow test wire"
    assert trade.id == derive_article_id(trade.url, "")
    assert trade.published_at is not None and trade.content_type == "text/html"

    again = feed(env, "--rss", url, "--once", "--state-file", str(state))
    assert "sent 0, skipped 0" in again.stderr
    assert rss_server.not_modified == 1

    # A new item changes the ETag; only the new entry goes out, even across restarts.
    extra = (
        "<item><title>Japan lifts beef import ban</title>"
        "<link>https://example.org/japan-beef</link>"
        "<description>Japan lifted its ban on beef imports on Tuesday.</description></item>"
    )
    rss_server.body = rss_server.body.replace(b"</channel>", extra.encode() + b"</channel>")
    third = feed(env, "--rss", url, "--once", "--state-file", str(state))
    assert "sent 1, skipped 0" in third.stderr, third.stderr
    newest = raw_articles(env, 6)
    assert sum(a.url == "https://example.org/japan-beef" for a in newest) == 1
    assert len({a.id for a in newest}) == 6


def test_feed_without_inputs_is_a_helpful_error(make_env) -> None:
    result = feed(make_env())
    assert result.returncode == 2 and "--rss" in result.stderr


def test_feed_during_an_outage_retries_then_stops_with_one_line_and_a_summary(
    make_env, tmp_path
) -> None:
    broker = LocalBroker(
        tmp_path / "kafka",
        port=free_port(),
        controller_port=free_port(),
        cache_dir=REPO / ".cache/kafka",
    )
    broker.start()
    try:
        env = make_env(kafka_bootstrap_servers=broker.bootstrap_servers, feed_retry_seconds="10")
        env.create_topics()
        articles = tmp_path / "articles.jsonl"
        lines = [
            json.dumps({"id": f"out-{i}", "content": f"Germany lifted ban {i}."})
            for i in range(300)
        ]
        lines[2] = '{"id": "bad", "content": ' + "1" * 5000 + "}"
        articles.write_text("\n".join(lines) + "\n")
        feeder = subprocess.Popen(
            [*NEWSFLOW, "feed", str(articles), "--rate", "30"],
            env=env.process_env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        time.sleep(4)
        broker.stop()
        _, said = feeder.communicate(timeout=240)
    finally:
        broker.stop()
    assert feeder.returncode == 2, said[-3000:]
    assert "Traceback" not in said
    assert f"skipped {articles}:3" in said  # the bad line, by number; the lines after it went on
    (error,) = [line for line in said.splitlines() if line.startswith("error:")]
    assert "Kafka did not acknowledge" in error and "acknowledged " in error
    assert f"Feed again from {articles}:" in error
    assert len(said.splitlines()) < 100, said[-3000:]  # client errors held back, not a storm
