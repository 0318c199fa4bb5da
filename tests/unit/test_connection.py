"""The typed Kafka connection: one model, converted for aiokafka and for Faust."""

from __future__ import annotations

import ssl

import faust
import pytest

from newsflow.connection import KafkaConnection, TlsFilesError
from newsflow.settings import Settings


def test_plaintext_connects_with_servers_only() -> None:
    connection = KafkaConnection(bootstrap_servers="a:9092, b:9092")
    assert connection.aiokafka_options() == {
        "bootstrap_servers": "a:9092, b:9092",
        "security_protocol": "PLAINTEXT",
    }
    assert connection.faust_broker() == ["kafka://a:9092", "kafka://b:9092"]
    assert connection.faust_credentials() is None and connection.ssl_context() is None


def test_sasl_over_tls_gives_aiokafka_and_faust_the_same_login(tmp_path) -> None:
    settings = Settings(
        kafka_bootstrap_servers="k:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="ingest",
        kafka_sasl_password="s3cret",
    )
    connection = settings.kafka_connection()
    options = connection.aiokafka_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("ingest", "s3cret")
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    credentials = connection.faust_credentials()
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.username, credentials.password) == ("ingest", "s3cret")
    assert credentials.ssl_context is not None
    assert "s3cret" not in repr(connection)


def test_tls_only_gives_faust_ssl_credentials_and_names_a_missing_file(tmp_path) -> None:
    connection = KafkaConnection(bootstrap_servers="k:9093", security_protocol="SSL")
    assert isinstance(connection.faust_credentials(), faust.SSLCredentials)
    missing = connection.model_copy(update={"ssl_cafile": tmp_path / "ca.pem"})
    with pytest.raises(TlsFilesError, match="NEWSFLOW_KAFKA_SSL_CAFILE: no such file"):
        missing.aiokafka_options()
