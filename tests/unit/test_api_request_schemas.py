"""Request bodies are as strict in the OpenAPI document as in the models that validate them: the rules between
fields (stated in JSON Schema next to the validators that check them) and JSON's own numbers and booleans. Each
body below is valid or not, for the document's schema and for the model alike."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from pydantic import BaseModel, ValidationError

from mongo_admin.api.app import openapi_document
from mongo_admin.api.cluster_schemas import ClusterCreate, DeploymentCreate
from mongo_admin.api.ops_schemas import BackupCreate, RestoreCreate, ScheduleCreate, ScheduleParams
from mongo_admin.api.schemas import ApiTokenCreate, UserUpdate

COMPONENTS = openapi_document()["components"]
URI = "mongodb://db1:27017,db2:27017/?tls=false"
SCHEDULE = {"name": "nightly", "kind": "backup", "cluster": "prod", "cron": "0 3 * * *"}

CASES: list[tuple[type[BaseModel], dict[str, Any], bool]] = [
    (ClusterCreate, {"name": "prod", "connection_string": URI}, True),
    (ClusterCreate, {"name": "prod", "connection_string": URI, "username": "ops", "password": "secret"}, True),
    (ClusterCreate, {"name": "prod", "connection_string": URI, "username": None, "password": None}, True),
    (ClusterCreate, {"name": "prod", "connection_string": "mongodb+srv://cluster0.example", "tls": True}, True),
    (ClusterCreate, {"deployed": "sandbox"}, True),
    (ClusterCreate, {"deployed": "sandbox", "name": "sandbox"}, True),
    (ClusterCreate, {}, False),
    (ClusterCreate, {"connection_string": URI}, False),
    (ClusterCreate, {"name": None, "connection_string": URI}, False),
    (ClusterCreate, {"name": "prod", "connection_string": URI, "deployed": "sandbox"}, False),
    (ClusterCreate, {"name": "prod", "connection_string": "mongodb://ops:secret@db1/"}, False),
    (ClusterCreate, {"name": "prod", "connection_string": "mongodb:///"}, False),
    (ClusterCreate, {"name": "prod", "connection_string": "http://db1"}, False),
    (ClusterCreate, {"name": "prod", "connection_string": URI, "username": "ops"}, False),
    (ClusterCreate, {"name": "prod", "connection_string": URI, "tls": "true"}, False),
    (ClusterCreate, {"deployed": "sandbox", "username": "ops", "password": "secret"}, False),
    (ClusterCreate, {"deployed": "a.b"}, False),
    (ClusterCreate, {"deployed": "sandbox", "replicas": 3}, False),
    (DeploymentCreate, {"spec": "name: x", "keep_on_failure": True}, True),
    (DeploymentCreate, {"spec": "name: x", "keep_on_failure": 1}, False),
    (BackupCreate, {}, True),
    (BackupCreate, {"type": "config", "shard": None, "parallel": 4.0}, True),
    (BackupCreate, {"type": "shard", "shard": "shard0"}, True),
    (BackupCreate, {"type": "shard"}, False),
    (BackupCreate, {"shard": "shard0"}, False),
    (BackupCreate, {"parallel": "4"}, False),
    (BackupCreate, {"rate_limit_mb_s": True}, False),
    (RestoreCreate, {"backup_id": "b1"}, True),
    (RestoreCreate, {"point_in_time": "2026-11-26T08:10:00Z", "kind": "config"}, True),
    (RestoreCreate, {"kind": "shard", "backup_id": "b1", "shard": "shard0", "from_shard": "shard1"}, True),
    (RestoreCreate, {"kind": "namespaces", "backup_id": "b1", "namespaces": ["app.items"],
                     "rename": {"app.items": "app.old"}}, True),
    (RestoreCreate, {}, False),
    (RestoreCreate, {"backup_id": None, "point_in_time": None}, False),
    (RestoreCreate, {"kind": "shard", "backup_id": "b1"}, False),
    (RestoreCreate, {"backup_id": "b1", "shard": "shard0"}, False),
    (RestoreCreate, {"kind": "namespaces", "backup_id": "b1"}, False),
    (RestoreCreate, {"backup_id": "b1", "namespaces": ["app.items"]}, False),
    (RestoreCreate, {"backup_id": "b1", "rename": {"app.items": "app.old"}}, False),
    (RestoreCreate, {"backup_id": "b1", "from_shard": "shard1"}, False),
    (RestoreCreate, {"backup_id": "b1", "by_position": 1}, False),
    (ScheduleParams, {"type": "shard", "shard": "shard0"}, True),
    (ScheduleParams, {"backup_id": "b1"}, True),
    (ScheduleParams, {"type": "shard"}, False),
    (ScheduleParams, {"shard": "shard0"}, False),
    (ScheduleCreate, {**SCHEDULE, "misfire_grace_s": 60, "paused": True}, True),
    (ScheduleCreate, {**SCHEDULE, "misfire_grace_s": "60"}, False),
    (ScheduleCreate, {**SCHEDULE, "paused": "yes"}, False),
    (ApiTokenCreate, {"name": "ci", "expires_in_days": 30.0}, True),
    (ApiTokenCreate, {"name": "ci", "expires_in_days": "30"}, False),
    (ApiTokenCreate, {"name": "ci", "expires_in_days": True}, False),
    (ApiTokenCreate, {"name": "ci", "scope": "all"}, False),
    (UserUpdate, {"disabled": False}, True),
    (UserUpdate, {"disabled": 0}, False),
]


def document_accepts(model: type[BaseModel], body: dict[str, Any]) -> bool:
    schema = {"$ref": f"#/components/schemas/{model.__name__}", "components": COMPONENTS}
    return bool(jsonschema_rs.validator_for(schema).is_valid(body))


def model_accepts(model: type[BaseModel], body: dict[str, Any]) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(("model", "body", "valid"), CASES, ids=lambda value: getattr(value, "__name__", None))
def test_the_document_and_the_model_agree(model: type[BaseModel], body: dict[str, Any], valid: bool) -> None:
    assert (document_accepts(model, body), model_accepts(model, body)) == (valid, valid)
