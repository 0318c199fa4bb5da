"""Test-only broker listeners: SASL (SCRAM, PLAIN) and mutual-TLS listeners for LocalBroker."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from newsflow.broker.listeners import extra_listener_properties, pem_keystore_properties


def sasl_listener_properties(
    *,
    host: str,
    port: int,
    controller_port: int,
    sasl_port: int,
    mechanism: str = "SCRAM-SHA-512",
    pem_keystore: Path | None = None,
    plain_users: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Return extra_properties adding a SASL listener on sasl_port: SASL_SSL when a PEM keystore
    (unencrypted private key + certificate chain) is given, else SASL_PLAINTEXT.

    `mechanism` SCRAM-SHA-256/512 authenticates users from `scram_user_format_args`; PLAIN
    authenticates `plain_users` (name -> password, kept in the broker's JAAS configuration).
    The PLAINTEXT listener stays for the readiness probe and inter-broker traffic; clients that
    connect to sasl_port must authenticate.
    """
    protocol = "SASL_SSL" if pem_keystore else "SASL_PLAINTEXT"
    listener = protocol.lower()
    if mechanism == "PLAIN":
        users = " ".join(f'user_{name}="{pw}"' for name, pw in (plain_users or {}).items())
        module = f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};"
    else:
        module = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    properties = extra_listener_properties(host, port, controller_port, protocol, sasl_port) | {
        "sasl.enabled.mechanisms": mechanism,
        f"listener.name.{listener}.{mechanism.lower()}.sasl.jaas.config": module,
    }
    if pem_keystore:
        properties |= pem_keystore_properties(listener, pem_keystore)
    return properties


def mtls_listener_properties(
    *,
    host: str,
    port: int,
    controller_port: int,
    tls_port: int,
    pem_keystore: Path,
    pem_truststore: Path,
) -> dict[str, str]:
    """Return extra_properties adding an SSL listener on tls_port that requires a client
    certificate signed by a CA in `pem_truststore` (mutual TLS, as e.g. Aiven runs Kafka).

    `pem_keystore` holds the broker's unencrypted private key and certificate chain. The PLAINTEXT
    listener stays for the readiness probe and inter-broker traffic.
    """
    return (
        extra_listener_properties(host, port, controller_port, "SSL", tls_port)
        | pem_keystore_properties("ssl", pem_keystore)
        | {
            "listener.name.ssl.ssl.truststore.type": "PEM",
            "listener.name.ssl.ssl.truststore.location": str(pem_truststore),
            "listener.name.ssl.ssl.client.auth": "required",
        }
    )


def scram_user_format_args(
    username: str, password: str, mechanism: str = "SCRAM-SHA-512"
) -> list[str]:
    """Return StorageTool format arguments creating a SCRAM user (for LocalBroker format_args)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", username + password):
        raise ValueError("SCRAM test users need [A-Za-z0-9_.-] names and passwords")
    return ["--add-scram", f"{mechanism}=[name={username},password={password}]"]
