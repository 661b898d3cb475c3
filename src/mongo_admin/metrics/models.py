"""The metrics time series in the platform database: one row per collection round of a cluster, and one row per
node, metric and round with the value read.

A node that could not be read in a round has a single ``up`` sample of 0 and nothing else for that round: the
series reader shows that as a gap. Retention (``metrics.store.prune``) deletes whole rounds, oldest first, by age
and by count per cluster, so the tables stay bounded whatever the number of nodes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mongo_admin.db.base import Base, UTCDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT for a table this busy.
_ID = BigInteger().with_variant(Integer(), "sqlite")


class MetricRound(Base):
    __tablename__ = "metric_rounds"
    __table_args__ = (Index("ix_metric_rounds_cluster_taken_at", "cluster", "taken_at"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    cluster: Mapped[str] = mapped_column(String(63))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_s: Mapped[float] = mapped_column(Float)
    nodes: Mapped[int] = mapped_column(Integer)
    gaps: Mapped[int] = mapped_column(Integer)


class MetricSample(Base):
    __tablename__ = "metric_samples"
    __table_args__ = (Index("ix_metric_samples_series", "cluster", "node", "metric", "taken_at"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("metric_rounds.id", ondelete="CASCADE"), index=True)
    cluster: Mapped[str] = mapped_column(String(63))
    node: Mapped[str] = mapped_column(String(128))
    metric: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    value: Mapped[float] = mapped_column(Float)
