"""Cluster-consistent logical backups of sharded clusters, stored as mongodump folders with a manifest.

- ``format``: the mongodump directory layout and names, ``metadata.json``, streamed writers and readers of
  compressed (gzip/zstd) and optionally encrypted BSON objects;
- ``extjson``: canonical Extended JSON v2 printed byte for byte as mongodump prints it;
- ``encryption``: the key file, its fingerprint, and AES-256-GCM streamed frames;
- ``manifest``: the backup manifest (written last) and record (written first), and their storage;
- ``verify``: re-read every file of a backup and name each one that is missing or damaged;
- ``pitr``: continuous oplog slicing for point-in-time recovery (``slice_once``, ``run_slicer``);
  ``pitr_status``: what it achieved (lag, gaps, restorable windows); ``slices``: the slice index and the
  readers a restore uses (``slices_for``, ``replay_entries``).
"""
