"""SASL/SCRAM-SHA-512, over plain TCP and over TLS, through settings against dedicated real
brokers: the worker and the CLI authenticate and process, wrong credentials and an untrusted
certificate are refused with a clear one-line error, and the password never shows up in logs,
metrics or error messages."""

from __future__ import annotations

import contextlib
import json
import subprocess
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsflow.broker import LocalBroker, free_port
from newsflow.logs import REDACTED, secret_forms
from tests.broker_listeners import (
    mtls_listener_properties,
    sasl_listener_properties,
    scram_user_format_args,
)
from tests.conftest import LOOPBACK, NEWSFLOW, REPO, listening_addresses, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

USER = "newsflow-worker"
PASSWORD = f"Pw-{uuid.uuid4().hex}"


@contextlib.contextmanager
def dedicated_broker(
    home: Path,
    listener: Callable[[int, int, int], dict[str, str]],
    format_args: Sequence[str] = (),
) -> Iterator[str]:
    """Run a broker with the extra listener `listener(port, controller_port, listener_port)`
    describes; yield that listener's bootstrap servers."""
    port, controller, extra = free_port(), free_port(), free_port()
    broker = LocalBroker(
        home,
        port=port,
        controller_port=controller,
        cache_dir=REPO / ".cache" / "kafka",
        extra_properties=listener(port, controller, extra),
        format_args=format_args,
    )
    broker.start()
    try:
        yield f"127.0.0.1:{extra}"
    finally:
        broker.stop()


def sasl_broker(
    home: Path, pem_keystore: Path | None = None, mechanism: str = "SCRAM-SHA-512"
) -> contextlib.AbstractContextManager[str]:
    """Return a context running a broker whose SASL listener (SASL_SSL with a keystore, else
    SASL_PLAINTEXT) requires `mechanism` for USER; it yields that listener's bootstrap servers."""

    def listener(port: int, controller: int, sasl: int) -> dict[str, str]:
        return sasl_listener_properties(
            host="127.0.0.1",
            port=port,
            controller_port=controller,
            sasl_port=sasl,
            pem_keystore=pem_keystore,
            mechanism=mechanism,
            plain_users={USER: PASSWORD},
        )

    users = scram_user_format_args(USER, PASSWORD) if mechanism.startswith("SCRAM") else []
    return dedicated_broker(home, listener, users)


@pytest.fixture(scope="module")
def sasl_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap servers of a broker whose SASL_PLAINTEXT listener requires SCRAM-SHA-512."""
    with sasl_broker(tmp_path_factory.mktemp("kafka-sasl")) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="module")
def plain_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap servers of a broker whose SASL_PLAINTEXT listener requires PLAIN for USER."""
    with sasl_broker(tmp_path_factory.mktemp("kafka-plain"), mechanism="PLAIN") as bootstrap:
        yield bootstrap


def sasl_env(
    make_env,
    bootstrap: str,
    password: str = PASSWORD,
    cafile: Path | None = None,
    mechanism: str = "SCRAM-SHA-512",
    **overrides: str,
):
    return make_env(
        kafka_bootstrap_servers=bootstrap,
        kafka_security_protocol="SASL_SSL" if cafile else "SASL_PLAINTEXT",
        kafka_sasl_mechanism=mechanism,
        kafka_sasl_username=USER,
        kafka_sasl_password=password,
        **({"kafka_ssl_cafile": str(cafile)} if cafile else {}),
        **overrides,
    )


def feed_and_follow(env, worker, tmp_path: Path, count: int) -> list[str]:
    """Feed `count` articles through the CLI, follow them to `articles.enriched` with it, and
    return what both printed on stderr."""
    ids = [f"sec-{i}-{uuid.uuid4().hex[:6]}" for i in range(count)]
    articles = tmp_path / "articles.jsonl"
    articles.write_text(
        "".join(
            json.dumps({"id": i, "content": "Germany lifted the ban on Friday, officials said."})
            + "\n"
            for i in ids
        )
    )
    fed = cli(env, "feed", str(articles))
    assert fed.returncode == 0, fed.stderr
    followed = cli(
        env, "subscribe", "--topic", "enriched", "--from", "earliest", "--max", str(count),
        "--idle-timeout", "150", "--format", "json",
    )  # fmt: skip
    assert followed.returncode == 0, followed.stderr + worker.log_text()[-3000:]
    assert {json.loads(line)["id"] for line in followed.stdout.splitlines()} == set(ids)
    return [fed.stderr + fed.stdout, followed.stderr]


def cli(env, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NEWSFLOW, *args],
        env=env.process_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )


def test_worker_and_cli_authenticate_and_never_leak_the_password(
    sasl_bootstrap, make_env, start_worker, tmp_path
) -> None:
    env = sasl_env(make_env, sasl_bootstrap)
    settings = env.settings()
    created = cli(env, "topics", "create")
    assert created.returncode == 0, created.stderr
    worker = start_worker(env)

    said = feed_and_follow(env, worker, tmp_path, 3)

    url = f"http://127.0.0.1:{settings.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        metrics = response.read().decode()
    assert "newsflow_outcomes_total" in metrics
    # The metrics server binds to loopback by default (NEWSFLOW_METRICS_HOST unset), not everywhere.
    assert "NEWSFLOW_METRICS_HOST" not in env.vars
    assert listening_addresses(settings.metrics_port) == {LOOPBACK}

    assert worker.stop() == 0
    for where, text in {
        "worker log": worker.log_text(),
        "metrics": metrics,
        "cli output": created.stderr + created.stdout + "".join(said),
    }.items():
        assert PASSWORD not in text, where
        assert USER not in text or where != "metrics", where


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-512"])
def test_the_password_is_in_no_log_even_at_debug(
    mechanism, request, make_env, start_worker, tmp_path
) -> None:
    bootstrap = request.getfixturevalue(
        "plain_bootstrap" if mechanism == "PLAIN" else "sasl_bootstrap"
    )
    env = sasl_env(make_env, bootstrap, mechanism=mechanism, log_level="DEBUG")
    created = cli(env, "topics", "create")
    assert created.returncode == 0, created.stderr
    worker = start_worker(env)
    said = feed_and_follow(env, worker, tmp_path, 2)
    assert worker.stop() == 0
    log = worker.log_text()
    # The Kafka client's own debug output is there (it is what printed PLAIN's password).
    assert " DEBUG aiokafka" in log and "Request to" in log, log[-2000:]
    assert "Sasl" in log
    cli_output = created.stderr + "".join(said)
    assert " DEBUG aiokafka" in cli_output, cli_output[-2000:]
    for where, text in {"worker log": log, "cli output": cli_output}.items():
        for form in secret_forms(PASSWORD):
            assert form not in text, f"{mechanism}: the password is in the {where}"
    if mechanism == "PLAIN":  # the client printed PLAIN's authentication bytes: redacted
        assert REDACTED in log


def test_wrong_credentials_are_refused_with_a_clear_error(
    sasl_bootstrap, make_env, start_worker
) -> None:
    wrong = f"Wrong-{uuid.uuid4().hex}"
    env = sasl_env(make_env, sasl_bootstrap, password=wrong)
    refused = cli(env, "topics", "create")
    assert refused.returncode == 2
    assert "invalid credentials" in refused.stderr
    assert "authentication failed: check NEWSFLOW_KAFKA_SASL_USERNAME" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert wrong not in refused.stderr + refused.stdout

    fed = cli(env, "feed", "-", stdin="Germany lifted the ban.")
    assert fed.returncode != 0 and "Traceback" not in fed.stderr
    assert wrong not in fed.stderr + fed.stdout

    worker = start_worker(env)
    assert wait_for(lambda: worker.process.poll() is not None, 120), "worker kept running"
    log = worker.log_text()
    assert worker.process.returncode != 0
    assert "invalid credentials" in log or "security settings" in log, log[-2000:]
    assert log.count("Traceback") == 0, log[-3000:]
    assert wrong not in log


# -- SASL_SSL: SCRAM over TLS, as managed Kafka services (MSK, Confluent Cloud, Aiven) run it ------


@dataclass(frozen=True)
class Tls:
    ca: Path  # what clients trust
    keystore: Path  # the broker's key and certificate (for 127.0.0.1), signed by ca
    other_ca: Path  # a CA that did not sign the broker's certificate
    client_cert: Path  # a client certificate signed by ca, for mutual TLS
    client_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A test CA, a broker certificate for 127.0.0.1 signed by it, and an unrelated CA."""
    where = tmp_path_factory.mktemp("tls")
    for name in ("ca", "other-ca"):
        _openssl(
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN=newsflow-test-{name}", cwd=where,
        )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key", "-out", "broker.csr",
        "-subj", "/CN=127.0.0.1", cwd=where,
    )  # fmt: skip
    (where / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl(
        "x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "broker.pem", "-days", "2", "-extfile", "san.ext", cwd=where,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr",
        "-subj", "/CN=newsflow-worker", cwd=where,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "client.pem", "-days", "2", cwd=where,
    )  # fmt: skip
    keystore = where / "broker-keystore.pem"
    keystore.write_text((where / "broker.key").read_text() + (where / "broker.pem").read_text())
    return Tls(
        ca=where / "ca.pem",
        keystore=keystore,
        other_ca=where / "other-ca.pem",
        client_cert=where / "client.pem",
        client_key=where / "client.key",
    )


@pytest.fixture(scope="module")
def sasl_ssl_bootstrap(tmp_path_factory: pytest.TempPathFactory, tls: Tls) -> Iterator[str]:
    """Bootstrap servers of a broker whose SASL_SSL listener requires SCRAM-SHA-512 over TLS."""
    with sasl_broker(tmp_path_factory.mktemp("kafka-sasl-ssl"), tls.keystore) as bootstrap:
        yield bootstrap


def test_worker_and_cli_work_over_sasl_ssl(
    sasl_ssl_bootstrap, tls, make_env, start_worker, tmp_path
) -> None:
    env = sasl_env(make_env, sasl_ssl_bootstrap, cafile=tls.ca)
    created = cli(env, "topics", "create")
    assert created.returncode == 0, created.stderr
    worker = start_worker(env)
    said = feed_and_follow(env, worker, tmp_path, 2)
    assert worker.stop() == 0
    assert PASSWORD not in worker.log_text() + created.stderr + "".join(said)


def test_an_untrusted_broker_certificate_is_refused_with_a_clear_error(
    sasl_ssl_bootstrap, tls, make_env, start_worker
) -> None:
    env = sasl_env(make_env, sasl_ssl_bootstrap, cafile=tls.other_ca)
    refused = cli(env, "topics", "create")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "TLS certificate is not trusted" in refused.stderr, refused.stderr
    assert "NEWSFLOW_KAFKA_SSL_CAFILE" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert PASSWORD not in refused.stderr + refused.stdout

    worker = start_worker(env)
    assert wait_for(lambda: worker.process.poll() is not None, 120), "worker kept running"
    log = worker.log_text()
    assert worker.process.returncode == 2
    assert "TLS certificate is not trusted" in log, log[-2000:]
    assert "Traceback" not in log and PASSWORD not in log


# -- SSL with client certificates (mutual TLS, as e.g. Aiven runs Kafka) ---------------------------


@pytest.fixture(scope="module")
def mtls_bootstrap(tmp_path_factory: pytest.TempPathFactory, tls: Tls) -> Iterator[str]:
    """Bootstrap servers of a broker whose SSL listener requires a client certificate."""

    def listener(port: int, controller: int, tls_port: int) -> dict[str, str]:
        return mtls_listener_properties(
            host="127.0.0.1",
            port=port,
            controller_port=controller,
            tls_port=tls_port,
            pem_keystore=tls.keystore,
            pem_truststore=tls.ca,
        )

    with dedicated_broker(tmp_path_factory.mktemp("kafka-mtls"), listener) as bootstrap:
        yield bootstrap


def test_worker_and_cli_work_with_a_client_certificate(
    mtls_bootstrap, tls, make_env, start_worker, tmp_path
) -> None:
    env = make_env(
        kafka_bootstrap_servers=mtls_bootstrap,
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=str(tls.ca),
        kafka_ssl_certfile=str(tls.client_cert),
        kafka_ssl_keyfile=str(tls.client_key),
    )
    created = cli(env, "topics", "create")
    assert created.returncode == 0, created.stderr
    worker = start_worker(env)
    feed_and_follow(env, worker, tmp_path, 2)
    assert worker.stop() == 0

    # Without the client certificate the broker refuses the connection: one line, no traceback.
    anonymous = make_env(
        kafka_bootstrap_servers=mtls_bootstrap,
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=str(tls.ca),
    )
    refused = cli(anonymous, "topics", "create")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "the broker ended the TLS session" in refused.stderr, refused.stderr
    assert "NEWSFLOW_KAFKA_SSL_CERTFILE" in refused.stderr
    assert "Traceback" not in refused.stderr
