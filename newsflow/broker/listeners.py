"""Broker listener properties: escaping and the building blocks of extra (SASL, TLS) listeners."""

from __future__ import annotations

from pathlib import Path


def escape_property(value: str) -> str:
    """Return `value` written for a java.util.Properties file."""
    # java.util.Properties treats a backslash as an escape character.
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def extra_listener_properties(
    host: str, port: int, controller_port: int, protocol: str, extra_port: int
) -> dict[str, str]:
    """Return the listener properties for PLAINTEXT, CONTROLLER and one `protocol` listener."""
    return {
        "listeners": (
            f"PLAINTEXT://{host}:{port},{protocol}://{host}:{extra_port},"
            f"CONTROLLER://{host}:{controller_port}"
        ),
        "advertised.listeners": f"PLAINTEXT://{host}:{port},{protocol}://{host}:{extra_port}",
        "listener.security.protocol.map": (
            f"CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,{protocol}:{protocol}"
        ),
    }


def pem_keystore_properties(listener: str, pem_keystore: Path) -> dict[str, str]:
    """Return the properties giving `listener` a PEM keystore (unencrypted key + chain)."""
    return {
        f"listener.name.{listener}.ssl.keystore.type": "PEM",
        f"listener.name.{listener}.ssl.keystore.location": str(pem_keystore),
    }
