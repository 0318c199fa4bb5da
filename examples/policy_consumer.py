"""A downstream service in ten lines: print every loosening policy change as it is published.

Run next to a Newsflow deployment (NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS etc. as for the workers):

    python examples/policy_consumer.py
"""

import asyncio

from newsflow.subscribe import EventFilter, policy_changes


async def main() -> None:
    loosening = EventFilter(direction="loosen", min_confidence=0.5)
    async for change in policy_changes(start="earliest", group="example", filters=loosening):
        who = change.actor.person or change.actor.name
        print(f"{who}: {change.action} {change.object} for {change.beneficiary} ({change.status})")


if __name__ == "__main__":
    asyncio.run(main())
