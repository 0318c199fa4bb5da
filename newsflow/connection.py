"""The Kafka connection as one typed model that converts itself for aiokafka and for Faust."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, SecretStr

from newsflow.errors import OperatorError

if TYPE_CHECKING:
    import faust

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
DEFAULT_SASL_MECHANISM: SaslMechanism = "SCRAM-SHA-512"


class TlsFilesError(OperatorError):
    """A TLS file named in the settings is missing or unreadable."""


class AiokafkaOptions(TypedDict, total=False):
    """Connection keyword arguments of every aiokafka client (producer, consumer, admin)."""

    bootstrap_servers: str
    security_protocol: SecurityProtocol
    sasl_mechanism: SaslMechanism
    sasl_plain_username: str | None
    sasl_plain_password: str | None
    ssl_context: ssl.SSLContext


class KafkaConnection(BaseModel):
    """Where Kafka is and how to authenticate; built by `Settings.kafka_connection`, it never
    reads the environment itself."""

    model_config = ConfigDict(frozen=True)

    bootstrap_servers: str
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None

    @property
    def uses_sasl(self) -> bool:
        """Return whether the connection authenticates with SASL."""
        return self.security_protocol.startswith("SASL")

    @property
    def uses_tls(self) -> bool:
        """Return whether the connection is encrypted with TLS."""
        return self.security_protocol.endswith("SSL")

    def ssl_context(self) -> ssl.SSLContext | None:
        """Return a TLS context from the configured files (None without TLS); raise
        TlsFilesError naming the variable of a missing or unreadable file."""
        if not self.uses_tls:
            return None
        from aiokafka.helpers import create_ssl_context

        files = {
            "NEWSFLOW_KAFKA_SSL_CAFILE": self.ssl_cafile,
            "NEWSFLOW_KAFKA_SSL_CERTFILE": self.ssl_certfile,
            "NEWSFLOW_KAFKA_SSL_KEYFILE": self.ssl_keyfile,
        }
        for variable, path in files.items():
            if path is not None and not path.is_file():
                raise TlsFilesError(f"{variable}: no such file: {path}")
        try:
            context: ssl.SSLContext = create_ssl_context(
                cafile=str(self.ssl_cafile) if self.ssl_cafile else None,
                certfile=str(self.ssl_certfile) if self.ssl_certfile else None,
                keyfile=str(self.ssl_keyfile) if self.ssl_keyfile else None,
            )
        except (ssl.SSLError, OSError) as exc:
            named = ", ".join(f"{v}={p}" for v, p in files.items() if p is not None)
            raise TlsFilesError(
                f"cannot load the TLS files ({named}): {exc.strerror or exc}; they must be PEM "
                "files (the key unencrypted)"
            ) from exc
        return context

    def _password(self) -> str | None:
        return self.sasl_password.get_secret_value() if self.sasl_password else None

    def aiokafka_options(self) -> AiokafkaOptions:
        """Return the keyword arguments that connect an aiokafka client (security included)."""
        options = AiokafkaOptions(
            bootstrap_servers=self.bootstrap_servers, security_protocol=self.security_protocol
        )
        if self.uses_sasl:
            options["sasl_mechanism"] = self.sasl_mechanism or DEFAULT_SASL_MECHANISM
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self._password()
        context = self.ssl_context()
        if context is not None:
            options["ssl_context"] = context
        return options

    def faust_broker(self) -> list[str]:
        """Return the broker URLs of a `faust.App`."""
        return [f"kafka://{server.strip()}" for server in self.bootstrap_servers.split(",")]

    def faust_credentials(self) -> faust.auth.Credentials | None:
        """Return the `broker_credentials` of a `faust.App` (None for plaintext)."""
        import faust

        context = self.ssl_context()
        if self.uses_sasl:
            return faust.SASLCredentials(
                username=self.sasl_username or "",
                password=self._password() or "",
                mechanism=self.sasl_mechanism or DEFAULT_SASL_MECHANISM,
                ssl_context=context,
            )
        if context is not None:
            return faust.SSLCredentials(context)
        return None
