"""Long operations as jobs: persisted records with a state machine, a runner with per-cluster operation locks
and heartbeats, and a cron scheduler (see docs/api.md, "Jobs and schedules")."""
