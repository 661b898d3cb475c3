"""The cluster spec: defaults, shorthands, and every problem reported at once with its location and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mongo_admin.errors import MongoAdminError
from mongo_admin.spec.load import SpecError, format_location, load_spec, parse_spec


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(text, "spec.yaml")
    return [p.render("spec.yaml") for p in info.value.problems]


def test_a_name_is_a_whole_spec_with_secure_defaults() -> None:
    spec = parse_spec("name: sandbox\n")
    topology = spec.topology
    assert topology.config_set_name() == "cfg"
    assert [len(rs.members) for rs in (topology.config_servers, *topology.shards)] == [3, 3, 3]
    assert topology.shard_names() == ["shard0", "shard1"]
    assert len(topology.routers) == 2
    assert spec.security.auth and spec.security.keyfile and not spec.security.tls.enabled
    assert spec.provider.kind == "local"


def test_counts_are_shorthand_for_default_members_shards_and_routers() -> None:
    spec = parse_spec("name: x\ntopology:\n  shards: 3\n  routers: 1\n  config_servers: {members: 1}\n")
    assert spec.topology.shard_names() == ["shard0", "shard1", "shard2"]
    assert len(spec.topology.routers) == 1
    assert len(spec.topology.config_servers.members) == 1


def test_member_priority_follows_its_role() -> None:
    spec = parse_spec("name: x\ntopology:\n  shards:\n    - members:\n        - {priority: 5}\n"
                      "        - {hidden: true}\n        - {arbiter: true}\n        - {votes: 0}\n        - {}\n")
    members = spec.topology.shards[0].members
    assert [m.effective_priority for m in members] == [5, 0, 0, 0, 1]
    assert [m.electable for m in members] == [True, False, False, False, True]


def test_shape_errors_are_all_reported_with_lines() -> None:
    text = ("name: 'bad name!'\n"          # 1
            "topology:\n"                  # 2
            "  shards:\n"                  # 3
            "    - members:\n"             # 4
            "        - {port: 80}\n"       # 5
            "        - {votes: 2}\n"       # 6
            "        - {colour: red}\n"    # 7
            "  routers: 0\n"               # 8
            "storage: {cache_size_gb: 0.1}\n")  # 9
    found = problems(text)
    assert found[0].startswith("spec.yaml:1: name: String should match pattern")
    assert found[1] == "spec.yaml:5: topology.shards[0].members[0].port: Input should be greater than or equal to 1024"
    assert found[2].startswith("spec.yaml:6: topology.shards[0].members[1].votes: Input should be 0 or 1")
    assert found[3] == ("spec.yaml:7: topology.shards[0].members[2].colour: unknown field (check its spelling "
                        "against the sample spec)")
    assert found[4] == "spec.yaml:8: topology.routers: a sharded cluster needs at least 1 router"
    assert found[5].startswith("spec.yaml:9: storage.cache_size_gb: Input should be greater than or equal to 0.25")
    assert len(found) == 6


def test_replica_set_rules_are_checked_like_replset_initiate() -> None:
    text = ("name: x\n"
            "topology:\n"
            "  config_servers:\n"
            "    members: [{}, {arbiter: true}, {}]\n"                           # 4
            "  shards:\n"
            "    - members:\n"
            "        - {hidden: true, priority: 2}\n"                            # 7
            "        - {votes: 0, priority: 1}\n"                                # 8
            "        - {arbiter: true}\n"                                        # 9
            "        - {arbiter: true}\n"                                        # 10
            "    - members: [{votes: 1}, {}, {}, {}, {}, {}, {}, {}]\n")         # 11
    found = problems(text)
    assert "spec.yaml:4: topology.config_servers.members[1].arbiter: a config server replica set cannot have " \
           "arbiters; make this member a data-bearing member" in found
    assert any(p.startswith("spec.yaml:7: topology.shards[0].members[0].priority: a hidden member must have "
                            "priority 0") for p in found)
    assert any(p.startswith("spec.yaml:8: topology.shards[0].members[1].priority: a non-voting member") for p in found)
    assert any(p.startswith("spec.yaml:10: topology.shards[0].members[3].arbiter: MongoDB 8.0 allows one arbiter")
               for p in found)
    assert any("topology.shards[0].members: no member can become primary" in p for p in found)
    assert any(p.startswith("spec.yaml:11: topology.shards[1].members: 8 voting members; MongoDB allows at most 7")
               for p in found)


def test_names_and_ports_must_be_unique() -> None:
    text = ("name: x\n"
            "topology:\n"
            "  config_servers: {members: [{port: 27019}]}\n"                     # 3
            "  shards:\n"
            "    - {name: cfg}\n"                                                # 5
            "    - {name: a, members: [{port: 27019}, {host: other, port: 27019}]}\n"  # 6
            "    - {name: a}\n"                                                  # 7
            "  routers: [{port: 27020}, {port: 27020}]\n")                       # 8
    found = problems(text)
    assert found == [
        "spec.yaml:5: topology.shards[0].name: 'cfg' is the config server replica set's name; give the shard "
        "another name",
        "spec.yaml:6: topology.shards[1].members[0].port: port 27019 on localhost is used twice (also "
        "topology.config_servers.members[0].port)",
        "spec.yaml:7: topology.shards[2].name: shard name 'a' is used twice (also topology.shards[1].name)",
        "spec.yaml:8: topology.routers[1].port: port 27020 on localhost is used twice (also "
        "topology.routers[0].port)",
    ]


def test_keyfile_without_auth_is_refused() -> None:
    assert problems("name: x\nsecurity: {auth: false}\n") == [
        "spec.yaml:2: security.keyfile: a keyfile turns access control on in MongoDB, so it cannot be combined "
        "with auth: false; set keyfile: false as well to run without access control"]
    assert not parse_spec("name: x\nsecurity: {auth: false, keyfile: false}\n").security.auth


@pytest.mark.parametrize("text, expected", [
    ("name: [unclosed\n", "spec.yaml:2: not valid YAML: expected ',' or ']'"),
    ("- a list\n", "spec.yaml:1: the spec must be a mapping"),
    ("topology: {}\n", "spec.yaml:1: name: required field is missing"),
])
def test_unusable_documents_are_explained(text: str, expected: str) -> None:
    assert problems(text)[0].startswith(expected)


def test_error_message_lists_problems_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("name: x\ntopology: {routers: 0, shards: 0}\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    lines = info.value.message().splitlines()
    assert lines[0] == f"the cluster spec {path} is not valid (2 problems):"
    assert lines[-1] == f"  fix: correct each line above, then run 'mongo-admin cluster validate -f {path}'"


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MongoAdminError, match="cannot read the cluster spec"):
        load_spec(tmp_path / "nope.yaml")


def test_location_format() -> None:
    assert format_location(("topology", "shards", 1, "members", 0, "port")) == "topology.shards[1].members[0].port"


SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cluster.yaml"


def _fields(model: type, prefix: str = "") -> set[str]:
    from pydantic import BaseModel

    names: set[str] = set()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        names.add(prefix + name)
        for kind in (field.annotation, *getattr(field.annotation, "__args__", ())):
            inner = getattr(kind, "__args__", (kind,))
            for each in (kind, *inner):
                if isinstance(each, type) and issubclass(each, BaseModel):
                    names |= _fields(each, f"{prefix}{name}.")
    return names


def test_the_sample_spec_is_valid_and_shows_every_option() -> None:
    from mongo_admin.spec.model import ClusterSpec

    spec = load_spec(SAMPLE)
    # The sample spells out the defaults (shard names too, which default to shardN).
    dumped = spec.model_dump()
    assert [shard.pop("name") for shard in dumped["topology"]["shards"]] == ["shard0", "shard1"]
    unnamed = {"topology": {"shards": {0: {"name"}, 1: {"name"}}}}
    assert dumped == parse_spec("name: sandbox\n").model_dump(exclude=unnamed)
    text = SAMPLE.read_text()
    missing = [name for name in sorted(_fields(ClusterSpec)) if f"{name.rsplit('.', 1)[-1]}:" not in text]
    assert missing == []
