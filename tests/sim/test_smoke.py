"""The simplest end-to-end check: pymongo connects to a simulator process with default settings."""

from typing import Any

import pymongo


def test_pymongo_connects_and_pings(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    assert client.admin.command("ping") == {"ok": 1.0}
    hello = client.admin.command("hello")
    assert hello["isWritablePrimary"] is True
    assert hello["maxWireVersion"] == 25
