"""The log guards: a repeated client error passes once per interval, with a count; secrets never
reach a log line."""

from __future__ import annotations

import json
import logging
import uuid

import pytest

from newsflow.logs import REDACTED, RepeatFilter, quiet_repeats, redact_secrets


def record(
    msg: str, level: int = logging.ERROR, name: str = "aiokafka.client"
) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, ("x",), None)


def test_repeats_pass_once_per_interval_then_say_how_many_were_held() -> None:
    now = [0.0]
    guard = RepeatFilter(interval=30, clock=lambda: now[0])
    assert guard.filter(record("Unable connect to node %s"))
    assert not any(guard.filter(record("Unable connect to node %s")) for _ in range(1000))
    assert guard.filter(record("Unable to update metadata from %s"))  # another message passes
    now[0] = 31.0
    again = record("Unable connect to node %s")
    assert guard.filter(again)
    assert "1000 similar messages held back" in again.getMessage()


def test_info_and_debug_are_never_held() -> None:
    guard = RepeatFilter()
    assert all(guard.filter(record("Joined group", logging.INFO)) for _ in range(5))


def test_quiet_repeats_guards_existing_client_loggers_once() -> None:
    import aiokafka.conn  # noqa: F401 - creates a module logger to guard

    for name in logging.root.manager.loggerDict:  # guards left by other tests' configure_logging
        if name.startswith("aiokafka"):
            logger = logging.getLogger(name)
            for old in [f for f in logger.filters if isinstance(f, RepeatFilter)]:
                logger.removeFilter(old)
    guard = quiet_repeats()
    assert guard in logging.getLogger("aiokafka").filters  # aiokafka.client logs here
    assert guard in logging.getLogger("aiokafka.conn").filters
    quiet_repeats()
    filters = logging.getLogger("aiokafka.conn").filters
    assert sum(isinstance(f, RepeatFilter) for f in filters) == 1


def test_secrets_are_redacted_from_every_record_whatever_the_logger_or_level(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "S3cr'et\\pw-" + uuid.uuid4().hex
    redact_secrets([secret])
    logger = logging.getLogger("aiokafka.conn")
    with caplog.at_level(logging.DEBUG, logger="aiokafka.conn"):
        # As aiokafka logs a SASL PLAIN request at DEBUG: the bytes repr of user\0password.
        logger.debug("Request to %s: %s", "broker", b"\x00user\x00" + secret.encode())
        logger.debug("config %r", {"sasl_plain_password": secret})
        logger.info("json %s", json.dumps({"password": secret}))
        try:
            raise ValueError(f"bad password {secret}")
        except ValueError:
            logger.exception("failed")
    text = caplog.text + "".join(logging.Formatter().format(r) for r in caplog.records)
    assert secret not in text and repr(secret)[1:-1] not in text
    assert repr(secret.encode())[2:-1] not in text and json.dumps(secret)[1:-1] not in text
    assert text.count(REDACTED) >= 5
    assert "Request to broker" in text and "bad password" in text


def test_known_noise_is_lowered_below_the_cli_level_and_counted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from newsflow.logs import NOISE_COUNTS, configure_logging

    configure_logging("INFO", [], cli=True)  # the CLI shows warnings and errors
    before = dict(NOISE_COUNTS)
    logging.getLogger("aiokafka").error('Unable connect to "%s:%s": %s', "h", 1, "refused")
    logging.getLogger("aiokafka.consumer.group_coordinator").error(
        "OffsetCommit failed for group %s due to group error (%s), will rejoin", "g", "E"
    )
    logging.getLogger("faust.transport.drivers.aiokafka").error(
        "[^--Consumer]: Aiokafka has not sent fetch request for %r since start (started %s)",
        "TP",
        "1 minute ago",
    )
    logging.getLogger("aiokafka").error("Something else broke")
    shown = capsys.readouterr().err
    assert "Unable connect" not in shown and "OffsetCommit" not in shown
    assert "WARNING faust.transport.drivers.aiokafka" in shown  # lowered from ERROR, still seen
    assert "ERROR aiokafka: Something else broke" in shown  # unknown errors stay errors
    for kind in ("connect_retry", "commit_rejoin", "fetch_not_started"):
        assert NOISE_COUNTS[kind] == before.get(kind, 0) + 1


def test_a_refused_login_is_not_noise(capsys: pytest.CaptureFixture[str]) -> None:
    from aiokafka.errors import SaslAuthenticationFailed

    from newsflow.logs import NOISE_COUNTS, configure_logging

    configure_logging("INFO", [], cli=True)
    before = NOISE_COUNTS["connect_retry"]
    refused = SaslAuthenticationFailed("Authentication failed due to invalid credentials")
    logging.getLogger("aiokafka").error('Unable connect to "%s:%s": %s', "h", 1, refused)
    shown = capsys.readouterr().err
    assert "ERROR aiokafka" in shown and "invalid credentials" in shown
    assert NOISE_COUNTS["connect_retry"] == before


def test_noise_is_served_as_a_metric() -> None:
    from prometheus_client import CollectorRegistry

    from agents.metrics import WorkerMetrics
    from newsflow.logs import NOISE_COUNTS

    registry = CollectorRegistry()
    WorkerMetrics(registry)
    NOISE_COUNTS["connect_retry"] += 2
    value = registry.get_sample_value("newsflow_log_noise_total", {"kind": "connect_retry"})
    assert value == NOISE_COUNTS["connect_retry"]


def test_redaction_still_works_behind_the_noise_lowerer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from newsflow.logs import configure_logging

    secret = f"pw-{uuid.uuid4().hex}"
    configure_logging("INFO", [secret], cli=True)
    logging.getLogger("aiokafka").error("login with %s failed", secret)
    shown = capsys.readouterr().err
    assert secret not in shown and REDACTED in shown
