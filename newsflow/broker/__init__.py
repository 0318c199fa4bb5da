"""A real single-node Apache Kafka broker (KRaft) run locally from Maven Central jars.

Used by the integration tests and the demo: no Docker, no Apache download site. The jars are
fetched once with Maven (``kafka/pom.xml``) into a cache folder (`jars`), the broker runs as a
plain ``java`` process whose id is kept in a pid file under its home folder (`process`), ready
once a Metadata round trip through aiokafka's protocol classes answers (`readiness`); `ports`
and `listeners` serve both.
"""

from newsflow.broker.common import BrokerError
from newsflow.broker.jars import KAFKA_DIR, LOG4J2_CONFIG, POM_FILE, ensure_jars, kafka_version
from newsflow.broker.ports import (
    DEFAULT_LOCAL_PORT,
    _port_in_use,
    ephemeral_ports,
    free_port,
    port_holder,
)
from newsflow.broker.process import BrokerStatus, LocalBroker, local_broker, new_cluster_id
from newsflow.broker.readiness import wait_until_ready

__all__ = [
    "DEFAULT_LOCAL_PORT",
    "KAFKA_DIR",
    "LOG4J2_CONFIG",
    "POM_FILE",
    "BrokerError",
    "BrokerStatus",
    "LocalBroker",
    "_port_in_use",
    "ensure_jars",
    "ephemeral_ports",
    "free_port",
    "kafka_version",
    "local_broker",
    "new_cluster_id",
    "port_holder",
    "wait_until_ready",
]
