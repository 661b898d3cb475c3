"""The cluster spec: what a cluster should be, written in YAML by its operator.

- ``model``: the typed model, every field with its default and allowed range;
- ``checks``: rules that tie fields together (MongoDB's replica set rules, unique names and ports);
- ``load``: YAML in, a ``ClusterSpec`` or a ``SpecError`` listing every problem with its location and line.
"""
