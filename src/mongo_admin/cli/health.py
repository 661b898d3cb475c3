"""``mongo-admin health-check``: OK / WARNING / CRITICAL with exit code 0 / 1 / 2 (monitoring-plugin convention)."""

from __future__ import annotations

import click

from mongo_admin.cli.app import Application, pass_app
from mongo_admin.cli.cluster import cluster_option, selected_cluster


@click.command("health-check")
@cluster_option
@click.option("--lag-warning", type=float, default=10.0, show_default=True, help="Replication lag (s) that warns.")
@click.option("--lag-critical", type=float, default=60.0, show_default=True,
              help="Replication lag (s) that is critical.")
@click.option("--oplog-warning", type=float, default=24.0, show_default=True,
              help="Oplog window (hours) below which a full oplog warns.")
@click.option("--oplog-critical", type=float, default=1.0, show_default=True,
              help="Oplog window (hours) below which a full oplog is critical.")
@click.option("--disk-warning", type=float, default=10.0, show_default=True, help="Free disk % that warns.")
@click.option("--disk-critical", type=float, default=5.0, show_default=True, help="Free disk % that is critical.")
@pass_app
@click.pass_context
def health_check(ctx: click.Context, app: Application, cluster_name: str | None, lag_warning: float,
                 lag_critical: float, oplog_warning: float, oplog_critical: float, disk_warning: float,
                 disk_critical: float) -> None:
    """Processes, primaries, replication lag, oplog window, balancer, disk space and connections.

    Exits 0 (OK), 1 (WARNING) or 2 (CRITICAL), so monitoring systems and cron jobs can act on it.
    """
    from mongo_admin.ops.health import HealthReport, Thresholds
    from mongo_admin.ops.health import health_check as run_check

    limits = Thresholds(lag_warning_s=lag_warning, lag_critical_s=lag_critical, oplog_warning_h=oplog_warning,
                        oplog_critical_h=oplog_critical, disk_warning_pct=disk_warning,
                        disk_critical_pct=disk_critical)
    name = selected_cluster(app, cluster_name)
    if app.api is not None:
        from mongo_admin.cli.api_client import segment

        query = {"lag_warning_s": lag_warning, "lag_critical_s": lag_critical, "oplog_warning_h": oplog_warning,
                 "oplog_critical_h": oplog_critical, "disk_warning_pct": disk_warning,
                 "disk_critical_pct": disk_critical}
        report = app.api.result(HealthReport, app.api.get(f"/deployments/{segment(name)}/health-check", query))
    else:
        report = run_check(name, app.home, limits)
    app.render(report)
    ctx.exit(report.exit_code)
