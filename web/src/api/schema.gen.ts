// Generated from docs/api/openapi.json by `npm run generate-client` (web/scripts/generate-client.mjs).
// Do not edit: change the API, regenerate the document, then run the script.

export type paths = {
    "/api/v1/auth/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Log in: exchange a username and password for an access token */
        post: operations["login_api_v1_auth_token_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The calling browser session, with its CSRF token */
        get: operations["get_session_api_v1_auth_session_get"];
        put?: never;
        /** Log in the dashboard: a session cookie (HttpOnly, SameSite=Strict) and its CSRF token */
        post: operations["create_session_api_v1_auth_session_post"];
        /** Log out of the dashboard: end the calling session and clear its cookie */
        delete: operations["delete_session_api_v1_auth_session_delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The calling user */
        get: operations["me_api_v1_auth_me_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The calling user's API tokens (never the tokens themselves) */
        get: operations["list_tokens_api_v1_tokens_get"];
        put?: never;
        /** Create an API token (the response is the only time it is shown) */
        post: operations["create_token_api_v1_tokens_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{token_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API token (your own; an admin may revoke anyone's) */
        delete: operations["revoke_token_api_v1_tokens__token_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List platform users */
        get: operations["list_users_api_v1_users_get"];
        put?: never;
        /** Create a user */
        post: operations["create_user_api_v1_users_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/me/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Change your own password */
        put: operations["change_own_password_api_v1_users_me_password_put"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a user and their tokens */
        delete: operations["delete_user_api_v1_users__user_id__delete"];
        options?: never;
        head?: never;
        /** Change a user's role, or disable/enable them */
        patch: operations["update_user_api_v1_users__user_id__patch"];
        trace?: never;
    };
    "/api/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Query the audit trail */
        get: operations["list_audit_events_api_v1_audit_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Is the API up and its database usable? */
        get: operations["health_api_v1_health_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List registered clusters */
        get: operations["list_clusters_api_v1_clusters_get"];
        put?: never;
        /** Register a cluster (connection string and credentials, or deployed on this machine) */
        post: operations["register_cluster_api_v1_clusters_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A cluster with its topology and health (its poller's latest snapshot, or read live) */
        get: operations["get_cluster_api_v1_clusters__name__get"];
        put?: never;
        post?: never;
        /** Unregister a cluster (a deployed one keeps running; its files stay) */
        delete: operations["unregister_cluster_api_v1_clusters__name__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/distribution": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Where the cluster's data lives, read now through its routers: per shard, per sharded collection and per collection on each shard, with totals and the balancer's state */
        get: operations["data_distribution_api_v1_clusters__name__distribution_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Clusters deployed on this machine */
        get: operations["list_deployments_api_v1_deployments_get"];
        put?: never;
        /** Deploy (or converge) a cluster from its spec, as a job */
        post: operations["deploy_cluster_api_v1_deployments_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{name}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop a deployed cluster (routers, shards, config servers), as a job */
        post: operations["stop_cluster_api_v1_deployments__name__stop_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{name}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a deployed cluster (config servers, shards, routers), as a job */
        post: operations["start_cluster_api_v1_deployments__name__start_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{name}/restart": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rolling restart of a deployed cluster, as a job */
        post: operations["restart_cluster_api_v1_deployments__name__restart_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{name}/destroy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop a deployed cluster and remove its files, as a job (admin) */
        post: operations["destroy_cluster_api_v1_deployments__name__destroy_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{name}/nodes/{node}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop one member or router of a deployed cluster (a primary is stepped down first when another member can take over), as a job */
        post: operations["stop_node_api_v1_deployments__name__nodes__node__stop_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{name}/nodes/{node}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start one member or router of a deployed cluster, as a job */
        post: operations["start_node_api_v1_deployments__name__nodes__node__start_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/plan": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** What deploying a spec would do: its steps and every process (as `cluster deploy --dry-run`; nothing is changed) */
        post: operations["plan_deployment_api_v1_deployments_plan_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{name}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A deployed cluster's live status: replica sets, members, routers, balancer (as `cluster status`) */
        get: operations["deployment_status_api_v1_deployments__name__status_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{name}/health-check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The checks of `health-check` on a deployed cluster, each OK, WARNING or CRITICAL */
        get: operations["deployment_health_api_v1_deployments__name__health_check_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List jobs, newest first */
        get: operations["list_jobs_api_v1_jobs_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{job_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A job with its progress, log lines and result */
        get: operations["get_job_api_v1_jobs__job_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{job_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a job (a running one stops at its next safe point) */
        post: operations["cancel_job_api_v1_jobs__job_id__cancel_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{job_id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live events of a job (Server-Sent Events) */
        get: operations["job_events_api_v1_jobs__job_id__events_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/backups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The cluster's backups and restorable windows */
        get: operations["list_backups_api_v1_clusters__name__backups_get"];
        put?: never;
        /** Take a backup (a job) */
        post: operations["create_backup_api_v1_clusters__name__backups_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/backups/prune": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Apply the retention policy */
        post: operations["prune_backups_api_v1_clusters__name__backups_prune_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/backups/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What backup or restore runs on the cluster now (as `backup status`); releases the lock of a run that died, marks its backup failed and puts the balancer back */
        get: operations["backup_status_api_v1_clusters__name__backups_status_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/backups/{backup_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One backup: record and manifest */
        get: operations["show_backup_api_v1_clusters__name__backups__backup_id__get"];
        put?: never;
        post?: never;
        /** Delete a backup */
        delete: operations["delete_backup_api_v1_clusters__name__backups__backup_id__delete"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/backups/{backup_id}/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Verify a backup's files; with restore=true, run a restore drill (a job) */
        post: operations["verify_backup_api_v1_clusters__name__backups__backup_id__verify_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/backups/{backup_id}/runbook": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The restore runbook (Markdown; with Accept: application/json, the runbook object) */
        get: operations["backup_runbook_api_v1_clusters__name__backups__backup_id__runbook_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/pitr": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Point-in-time recovery: slicer, slices and windows */
        get: operations["point_in_time_status_api_v1_clusters__name__pitr_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/restores": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The cluster's restores, oldest first */
        get: operations["get_restores_api_v1_clusters__name__restores_get"];
        put?: never;
        /** Restore (a job) */
        post: operations["create_restore_api_v1_clusters__name__restores_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/restores/preflight": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Check a restore without running it: every preflight check (backup, topology, key, files, primaries, namespaces, space, oplog slices, lock) and what it would restore */
        post: operations["check_restore_api_v1_clusters__name__restores_preflight_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List schedules */
        get: operations["list_schedules_api_v1_schedules_get"];
        put?: never;
        /** Create a schedule */
        post: operations["create_schedule_api_v1_schedules_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The next run times of a cron expression in a time zone, changing nothing */
        post: operations["preview_schedule_api_v1_schedules_preview_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{schedule_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One schedule and its next run times */
        get: operations["get_schedule_api_v1_schedules__schedule_id__get"];
        put?: never;
        post?: never;
        /** Delete a schedule */
        delete: operations["delete_schedule_api_v1_schedules__schedule_id__delete"];
        options?: never;
        head?: never;
        /** Change a schedule */
        patch: operations["update_schedule_api_v1_schedules__schedule_id__patch"];
        trace?: never;
    };
    "/api/v1/schedules/{schedule_id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a schedule (no next run) */
        post: operations["pause_schedule_api_v1_schedules__schedule_id__pause_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{schedule_id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a schedule (from now: what was missed while paused does not run) */
        post: operations["resume_schedule_api_v1_schedules__schedule_id__resume_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/metrics/latest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The latest collected values, per node */
        get: operations["latest_metrics_api_v1_clusters__name__metrics_latest_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/metrics/series": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One metric of one node on a regular grid; counters as rates per second, gaps explicit */
        get: operations["metric_series_api_v1_clusters__name__metrics_series_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clusters/{name}/metrics/series/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Several metrics of several nodes on one grid, read at once (a chart of every node) */
        get: operations["metric_series_set_api_v1_clusters__name__metrics_series_batch_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus exposition of every cluster's latest round */
        get: operations["prometheus_metrics_api_v1_metrics_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
};
export type webhooks = Record<string, never>;
export type components = {
    schemas: {
        /** AccessToken */
        AccessToken: {
            /** Access Token */
            access_token: string;
            /**
             * Token Type
             * @default bearer
             */
            token_type: string;
            /**
             * Expires In
             * @description Seconds the access token is valid for.
             */
            expires_in: number;
        };
        /** ApiTokenCreate */
        ApiTokenCreate: {
            /** Name */
            name: string;
            /**
             * Expires In Days
             * @description Omit for a token that lasts until revoked.
             */
            expires_in_days?: number | null;
        };
        /** ApiTokenCreated */
        ApiTokenCreated: {
            /** Id */
            id: number;
            /** Name */
            name: string;
            /** Prefix */
            prefix: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Expires At */
            expires_at: string | null;
            /** Last Used At */
            last_used_at: string | null;
            /** Revoked At */
            revoked_at: string | null;
            /**
             * Token
             * @description The token itself: shown this once, never again.
             */
            token: string;
        };
        /** ApiTokenPublic */
        ApiTokenPublic: {
            /** Id */
            id: number;
            /** Name */
            name: string;
            /** Prefix */
            prefix: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Expires At */
            expires_at: string | null;
            /** Last Used At */
            last_used_at: string | null;
            /** Revoked At */
            revoked_at: string | null;
        };
        /** ApiTokensPublic */
        ApiTokensPublic: {
            /** Data */
            data: components["schemas"]["ApiTokenPublic"][];
            /** Count */
            count: number;
        };
        /** AuditEventPublic */
        AuditEventPublic: {
            /** Id */
            id: number;
            /**
             * At
             * Format: date-time
             */
            at: string;
            /** Actor */
            actor: string;
            /** Actor Kind */
            actor_kind: string;
            /** Method */
            method: string;
            /** Path */
            path: string;
            /** Target */
            target: string | null;
            /** Status */
            status: number;
            /** Client */
            client: string | null;
            /**
             * Detail
             * @description What happened, for events the request line does not describe (system events such as audit retention).
             */
            detail: string | null;
        };
        /** AuditEventsPublic */
        AuditEventsPublic: {
            /** Data */
            data: components["schemas"]["AuditEventPublic"][];
            /**
             * Count
             * @description How many events match the filters (data holds at most limit of them).
             */
            count: number;
        };
        /** BackupCreate */
        BackupCreate: {
            /**
             * Type
             * @default full
             * @enum {string}
             */
            type: "full" | "config" | "shard";
            /**
             * Shard
             * @description The shard of a shard backup.
             */
            shard?: string | null;
            /** Compression */
            compression?: ("gzip" | "zstd" | "none") | null;
            /**
             * Parallel
             * @description Collections dumped at once per replica set.
             */
            parallel?: number | null;
            /**
             * Rate Limit Mb S
             * @description Read at most this many megabytes of documents per second.
             */
            rate_limit_mb_s?: number | null;
        } & ({
            /** @constant */
            type: "shard";
            shard: string;
        } | {
            type?: unknown;
            shard?: null;
        });
        /** BackupDeleted */
        BackupDeleted: {
            /** Message */
            message: string;
            /** Backup Id */
            backup_id: string;
            /** Objects Removed */
            objects_removed: number;
        };
        /** BackupDetailsPublic */
        BackupDetailsPublic: {
            /** Message */
            message: string;
            backup: components["schemas"]["BackupEntryPublic"];
            /** Record */
            record: {
                [key: string]: unknown;
            } | null;
            /** Manifest */
            manifest: {
                [key: string]: unknown;
            } | null;
        };
        /** BackupEntryPublic */
        BackupEntryPublic: {
            /** Backup Id */
            backup_id: string;
            /** Type */
            type: string;
            /** State */
            state: string;
            /** Cluster Consistent */
            cluster_consistent: boolean | null;
            /** Restore To Time */
            restore_to_time: string | null;
            /** Size Bytes */
            size_bytes: number | null;
            /** Documents */
            documents: number | null;
            /** Started At */
            started_at: string;
            /** Failed Step */
            failed_step: string | null;
            /** Error */
            error: string | null;
        };
        /** BackupStatusPublic */
        BackupStatusPublic: {
            /** Message */
            message: string;
            /** Cluster */
            cluster: string;
            /** Storage */
            storage: string;
            /**
             * Running
             * @description The backup or restore holding the cluster's lock, if any.
             */
            running: string | null;
            /** Heartbeat Age S */
            heartbeat_age_s: number | null;
            /**
             * Recovered
             * @description What was repaired after a run that died, if anything.
             */
            recovered: string | null;
            /** Balancer */
            balancer: string;
            last_backup: components["schemas"]["BackupEntryPublic"] | null;
        };
        /** BackupsPublic */
        BackupsPublic: {
            /** Message */
            message: string;
            /** Cluster */
            cluster: string;
            /** Storage */
            storage: string;
            /**
             * Restorable
             * @description Times the cluster can be restored to, oldest first.
             */
            restorable: components["schemas"]["WindowPublic"][];
            /** Backups */
            backups: components["schemas"]["BackupEntryPublic"][];
            /** Count */
            count: number;
        };
        /** BalancerStatePublic */
        BalancerStatePublic: {
            /**
             * Mode
             * @description balancerStatus mode: full or off
             */
            mode: string;
            /** Enabled */
            enabled: boolean;
            /**
             * Running
             * @description A balancing round is under way (inBalancerRound).
             */
            running: boolean;
            /**
             * Rounds
             * @description numBalancerRounds
             */
            rounds: number | null;
        };
        /**
         * BalancerStatusPublic
         * @description balancerStatus as a router answered it (the server's field names).
         */
        BalancerStatusPublic: {
            /**
             * Mode
             * @description full or off
             */
            mode: string | null;
            /** Inbalancerround */
            inBalancerRound: boolean | null;
            /** Numbalancerrounds */
            numBalancerRounds: number | null;
        };
        /** Body_login_api_v1_auth_token_post */
        Body_login_api_v1_auth_token_post: {
            /** Grant Type */
            grant_type?: string | null;
            /** Username */
            username: string;
            /**
             * Password
             * Format: password
             */
            password: string;
            /**
             * Scope
             * @default
             */
            scope: string;
            /** Client Id */
            client_id?: string | null;
            /**
             * Client Secret
             * Format: password
             */
            client_secret?: string | null;
        };
        /**
         * ClusterCreate
         * @description Register a cluster: by connection string (and credentials), or one deployed on this machine by
         *     ``mongo-admin cluster deploy`` (``{"deployed": "NAME"}``).
         */
        ClusterCreate: {
            /**
             * Name
             * @description Required with connection_string; a deployed cluster keeps its own name.
             */
            name?: string | null;
            /**
             * Connection String
             * @description mongodb:// URI of the routers, without credentials.
             */
            connection_string?: string | null;
            /** Username */
            username?: string | null;
            /**
             * Password
             * @description Stored encrypted; never returned.
             */
            password?: string | null;
            /**
             * Auth Source
             * @default admin
             */
            auth_source: string;
            /**
             * Tls
             * @default false
             */
            tls: boolean;
            /**
             * Deployed
             * @description Name of a cluster deployed on this machine.
             */
            deployed?: string | null;
        } & (({
            name: string;
            deployed?: null;
            connection_string: string;
        } | {
            username: string;
            password: string;
        } | {
            username?: null;
            password?: null;
        }) | {
            deployed: string;
            connection_string?: null;
            username?: null;
            password?: null;
        });
        /** ClusterDetailPublic */
        ClusterDetailPublic: {
            /** Id */
            id: number;
            /** Name */
            name: string;
            /**
             * Source
             * @description registered (by connection string) or deployed (on this machine)
             */
            source: string;
            /** Connection String */
            connection_string: string;
            /** Tls */
            tls: boolean;
            /** Has Credentials */
            has_credentials: boolean;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Status
             * @description healthy, degraded, down, or unreachable (no answer at all)
             */
            status: string;
            /**
             * Topology
             * @description Deployed (source deployed): replica sets, members, routers and balancer (as `cluster status`). Registered (source registered): read through the connection string: listShards and every shard's members (replSetGetStatus), the config servers and routers; or a replica set's members. null when the cluster could not be read.
             */
            topology: (components["schemas"]["DeployedTopologyPublic"] | components["schemas"]["RegisteredTopologyPublic"]) | null;
            /** @description Deployed clusters: the checks of `health-check`. */
            health: components["schemas"]["HealthReportPublic"] | null;
            /**
             * Error
             * @description Why the cluster could not be read, when it could not.
             */
            error?: string | null;
            /**
             * Observed At
             * @description When topology and health were read (null: no reading finished in time).
             */
            observed_at?: string | null;
            /**
             * Age S
             * @description Seconds between observed_at and this answer.
             */
            age_s?: number | null;
            /**
             * Stale
             * @description true: served from the snapshot the cluster's poller keeps (refreshed every round); false: read for this request (refresh=true, or no recent snapshot).
             * @default false
             */
            stale: boolean;
        };
        /** ClusterPublic */
        ClusterPublic: {
            /** Id */
            id: number;
            /** Name */
            name: string;
            /**
             * Source
             * @description registered (by connection string) or deployed (on this machine)
             */
            source: string;
            /** Connection String */
            connection_string: string;
            /** Tls */
            tls: boolean;
            /** Has Credentials */
            has_credentials: boolean;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
        };
        /**
         * ClusterStatusPublic
         * @description A deployed cluster's live status, as `cluster status` shows it.
         */
        ClusterStatusPublic: {
            /** Message */
            message: string;
            /** Cluster */
            cluster: string;
            /**
             * Server
             * @description MongoDB, or sandbox (mongosim): says plainly when it is the simulator
             */
            server: string;
            /**
             * Version
             * @description Version of the deployed binaries (the MongoDB version mongosim stands for).
             */
            version: string;
            /**
             * Simulator
             * @description true: the cluster runs the mongosim simulator, not MongoDB
             */
            simulator: boolean;
            /**
             * Health
             * @description healthy, degraded or down
             */
            health: string;
            /** Deployed State */
            deployed_state: string;
            /** @description null when no router answered balancerStatus */
            balancer: components["schemas"]["BalancerStatusPublic"] | null;
            /** Replica Sets */
            replica_sets: components["schemas"]["ReplicaSetStatusPublic"][];
            /** Members */
            members: components["schemas"]["MemberStatusPublic"][];
            /** Routers */
            routers: components["schemas"]["RouterStatusPublic"][];
        };
        /** ClustersPublic */
        ClustersPublic: {
            /** Data */
            data: components["schemas"]["ClusterPublic"][];
            /** Count */
            count: number;
        };
        /** CollectionDistributionPublic */
        CollectionDistributionPublic: {
            /** Namespace */
            namespace: string;
            /**
             * Shard Key
             * @description As config.collections has it, e.g. {"uid": 1} or {"region": 1, "_id": "hashed"}.
             */
            shard_key: {
                [key: string]: unknown;
            };
            /** Chunks */
            chunks: number;
            /**
             * Documents
             * @description Documents the shards own (orphans apart).
             */
            documents: number;
            /** Orphaned Documents */
            orphaned_documents: number;
            /**
             * Size Bytes
             * @description Size of the documents the shards own.
             */
            size_bytes: number;
        };
        /**
         * CollectionOnShardPublic
         * @description One sharded collection on one shard ($shardedDataDistribution and config.chunks).
         */
        CollectionOnShardPublic: {
            /** Namespace */
            namespace: string;
            /** Shard */
            shard: string;
            /** Chunks */
            chunks: number;
            /** Documents */
            documents: number;
            /** Orphaned Documents */
            orphaned_documents: number;
            /** Size Bytes */
            size_bytes: number;
        };
        /**
         * DataDistributionPublic
         * @description Where a sharded cluster's data lives, as `cluster distribution` shows it.
         */
        DataDistributionPublic: {
            /** Message */
            message: string;
            /** Cluster */
            cluster: string;
            /**
             * Server
             * @description MongoDB, or sandbox (mongosim X)
             */
            server: string;
            /** Shards */
            shards: components["schemas"]["ShardDistributionPublic"][];
            /** Collections */
            collections: components["schemas"]["CollectionDistributionPublic"][];
            /** Collection Shards */
            collection_shards: components["schemas"]["CollectionOnShardPublic"][];
            totals: components["schemas"]["DistributionTotalsPublic"];
            /** @description null when the user may not read balancerStatus. */
            balancer: components["schemas"]["BalancerStatePublic"] | null;
        };
        /**
         * DeployPlanPublic
         * @description What a deploy of the spec would do (as `cluster deploy --dry-run`): its steps and every process.
         */
        DeployPlanPublic: {
            /** Message */
            message: string;
            /** Cluster */
            cluster: string;
            /** Server */
            server: string;
            /** Steps */
            steps: {
                [key: string]: string;
            }[];
            /** Nodes */
            nodes: components["schemas"]["PlannedNodePublic"][];
        };
        /**
         * DeployedTopologyPublic
         * @description The topology of a cluster deployed on this machine: `cluster status`.
         */
        DeployedTopologyPublic: {
            /** Message */
            message: string;
            /** Cluster */
            cluster: string;
            /**
             * Server
             * @description MongoDB, or sandbox (mongosim): says plainly when it is the simulator
             */
            server: string;
            /**
             * Version
             * @description Version of the deployed binaries (the MongoDB version mongosim stands for).
             */
            version: string;
            /**
             * Simulator
             * @description true: the cluster runs the mongosim simulator, not MongoDB
             */
            simulator: boolean;
            /**
             * Health
             * @description healthy, degraded or down
             */
            health: string;
            /** Deployed State */
            deployed_state: string;
            /** @description null when no router answered balancerStatus */
            balancer: components["schemas"]["BalancerStatusPublic"] | null;
            /** Replica Sets */
            replica_sets: components["schemas"]["ReplicaSetStatusPublic"][];
            /** Members */
            members: components["schemas"]["MemberStatusPublic"][];
            /** Routers */
            routers: components["schemas"]["RouterStatusPublic"][];
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            source: "deployed";
        };
        /** DeploymentCreate */
        DeploymentCreate: {
            /**
             * Spec
             * @description The cluster spec, as YAML text.
             */
            spec: string;
            /**
             * Version
             * @description Overrides the spec's binaries.version.
             */
            version?: string | null;
            /**
             * Keep On Failure
             * @default false
             */
            keep_on_failure: boolean;
        };
        /** DeploymentPublic */
        DeploymentPublic: {
            /** Name */
            name: string;
            /** State */
            state: string;
            /** Server */
            server: string;
            /** Processes */
            processes: number;
            /** Running */
            running: number;
            /** Routers */
            routers: string;
        };
        /** DeploymentsPublic */
        DeploymentsPublic: {
            /** Data */
            data: components["schemas"]["DeploymentPublic"][];
            /** Count */
            count: number;
        };
        /** DistributionTotalsPublic */
        DistributionTotalsPublic: {
            /** Shards */
            shards: number;
            /** Sharded Collections */
            sharded_collections: number;
            /** Chunks */
            chunks: number;
            /** Documents */
            documents: number;
            /** Orphaned Documents */
            orphaned_documents: number;
            /** Data Size Bytes */
            data_size_bytes: number;
            /** Storage Size Bytes */
            storage_size_bytes: number | null;
        };
        /**
         * ErrorBody
         * @description The body of every error response.
         */
        ErrorBody: {
            /**
             * Detail
             * @description What went wrong, in one line: what, why, and how to fix it when that is not obvious. Never a secret, never the value of a field.
             */
            detail: string;
        };
        /** HealthCheckPublic */
        HealthCheckPublic: {
            /** Check */
            check: string;
            /** Target */
            target: string;
            /**
             * Level
             * @description OK, WARNING or CRITICAL
             */
            level: string;
            /** Detail */
            detail: string;
        };
        /** HealthPublic */
        HealthPublic: {
            /**
             * Status
             * @description ok when the API and its database are usable.
             */
            status: string;
            /** Version */
            version: string;
            /**
             * Database
             * @description reachable or unreachable
             */
            database: string;
            /** Schema Revision */
            schema_revision: string | null;
            /** Schema Head */
            schema_head: string;
            /**
             * Admin Exists
             * @description Whether an enabled user with the admin role exists. False on a fresh install: create the first one on the API's machine with `mongo-admin api create-admin --username NAME`.
             */
            admin_exists: boolean;
        };
        /**
         * HealthReportPublic
         * @description The checks of `health-check`; ``exit_code`` is the monitoring-plugin code (0 OK, 1 WARNING, 2 CRITICAL).
         */
        HealthReportPublic: {
            /** Message */
            message: string;
            /** Cluster */
            cluster: string;
            /** Server */
            server: string;
            /** Level */
            level: string;
            /** Exit Code */
            exit_code: number;
            /** Checks */
            checks: components["schemas"]["HealthCheckPublic"][];
        };
        /** JobAccepted */
        JobAccepted: {
            /** Job Id */
            job_id: string;
            /** Kind */
            kind: string;
            /** Cluster */
            cluster: string;
            /** State */
            state: string;
            /**
             * Url
             * @description Where to follow the job (GET; its events at .../events).
             */
            url: string;
        };
        /** JobDetailPublic */
        JobDetailPublic: {
            /** Id */
            id: string;
            /** Kind */
            kind: string;
            /** Cluster */
            cluster: string;
            /** Operation Class */
            operation_class: string | null;
            /** State */
            state: string;
            /** Progress */
            progress: number;
            /** Step */
            step: string | null;
            /** Params */
            params: {
                [key: string]: unknown;
            };
            /** Result */
            result?: unknown;
            /** Error */
            error: string | null;
            /** Failed Step */
            failed_step: string | null;
            /** Cancel Requested */
            cancel_requested: boolean;
            /** Requested By */
            requested_by: string | null;
            /** Schedule Id */
            schedule_id: string | null;
            /** Reference */
            reference: string | null;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Started At */
            started_at: string | null;
            /** Finished At */
            finished_at: string | null;
            /** Logs */
            logs: components["schemas"]["JobLogLine"][];
        };
        /** JobLogLine */
        JobLogLine: {
            /** Id */
            id: number;
            /**
             * At
             * Format: date-time
             */
            at: string;
            /** Line */
            line: string;
        };
        /** JobPublic */
        JobPublic: {
            /** Id */
            id: string;
            /** Kind */
            kind: string;
            /** Cluster */
            cluster: string;
            /** Operation Class */
            operation_class: string | null;
            /** State */
            state: string;
            /** Progress */
            progress: number;
            /** Step */
            step: string | null;
            /** Params */
            params: {
                [key: string]: unknown;
            };
            /** Result */
            result?: unknown;
            /** Error */
            error: string | null;
            /** Failed Step */
            failed_step: string | null;
            /** Cancel Requested */
            cancel_requested: boolean;
            /** Requested By */
            requested_by: string | null;
            /** Schedule Id */
            schedule_id: string | null;
            /** Reference */
            reference: string | null;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Started At */
            started_at: string | null;
            /** Finished At */
            finished_at: string | null;
        };
        /** JobsPublic */
        JobsPublic: {
            /** Data */
            data: components["schemas"]["JobPublic"][];
            /**
             * Count
             * @description How many jobs match the filters (data holds at most limit of them).
             */
            count: number;
        };
        /** MemberStatusPublic */
        MemberStatusPublic: {
            /** Replica Set */
            replica_set: string;
            /** Node */
            node: string;
            /** Address */
            address: string;
            /**
             * State
             * @description stateStr from replSetGetStatus, or DOWN
             */
            state: string;
            /** Health */
            health: number;
            /** Lag S */
            lag_s: number | null;
            /** Uptime S */
            uptime_s: number | null;
            /** Pid */
            pid: number | null;
            /** Message */
            message: string;
        };
        /** MetricsLatestPublic */
        MetricsLatestPublic: {
            /** Cluster */
            cluster: string;
            /**
             * Taken At
             * @description When the latest round was collected; None before the first.
             */
            taken_at: string | null;
            /**
             * Age S
             * @description Seconds from taken_at to this answer, on the API's clock (a browser with a skewed clock still tells how old the round is).
             */
            age_s: number | null;
            /** Duration S */
            duration_s: number | null;
            /**
             * Gaps
             * @description Nodes that could not be read in that round.
             */
            gaps: number;
            /**
             * Interval S
             * @description Seconds between the collection rounds this API is configured for (MONGO_ADMIN_METRICS_INTERVAL_S); None when collection is off.
             */
            interval_s: number | null;
            /** Nodes */
            nodes: components["schemas"]["NodeLatest"][];
        };
        /** NodeLatest */
        NodeLatest: {
            /**
             * Node
             * @description A node id, or a shard name for the shard.* figures.
             */
            node: string;
            /**
             * Up
             * @description Whether the node answered in the latest round (None for a shard).
             */
            up: boolean | null;
            /** Values */
            values: {
                [key: string]: number;
            };
        };
        /** OplogTimePublic */
        OplogTimePublic: {
            /** T */
            t: number;
            /** I */
            i: number;
            /**
             * Time
             * Format: date-time
             */
            time: string;
        };
        /** PasswordChange */
        PasswordChange: {
            /** Current Password */
            current_password: string;
            /** New Password */
            new_password: string;
        };
        /** PitrGapPublic */
        PitrGapPublic: {
            /** Set Name */
            set_name: string;
            after: components["schemas"]["OplogTimePublic"];
            resumed_at: components["schemas"]["OplogTimePublic"] | null;
            /** Resumed From Backup */
            resumed_from_backup: string | null;
            oldest_available: components["schemas"]["OplogTimePublic"];
            /**
             * Detected At
             * Format: date-time
             */
            detected_at: string;
            /** Reason */
            reason: string;
        };
        /** PitrPublic */
        PitrPublic: {
            /** Message */
            message: string;
            /** Cluster */
            cluster: string;
            /** Enabled */
            enabled: boolean;
            /** Slice Seconds */
            slice_seconds: number;
            /** Storage */
            storage: string;
            /** Slicer */
            slicer: string | null;
            /** Replica Sets */
            replica_sets: components["schemas"]["PitrSetPublic"][];
            /** Windows */
            windows: components["schemas"]["PitrWindowPublic"][];
            restorable_from: components["schemas"]["OplogTimePublic"] | null;
            restorable_to: components["schemas"]["OplogTimePublic"] | null;
            recovery_point: components["schemas"]["OplogTimePublic"] | null;
            /** Open Gaps */
            open_gaps: number;
        };
        /** PitrSetPublic */
        PitrSetPublic: {
            /** Set Name */
            set_name: string;
            /** Slices */
            slices: number;
            first_start: components["schemas"]["OplogTimePublic"] | null;
            last_end: components["schemas"]["OplogTimePublic"] | null;
            majority: components["schemas"]["OplogTimePublic"] | null;
            /** Lag S */
            lag_s: number | null;
            /** Gaps */
            gaps: components["schemas"]["PitrGapPublic"][];
        };
        /** PitrWindowPublic */
        PitrWindowPublic: {
            /** Base Backup */
            base_backup: string;
            start: components["schemas"]["OplogTimePublic"];
            end: components["schemas"]["OplogTimePublic"];
            /** Backups */
            backups: string[];
        };
        /** PlannedNamespacePublic */
        PlannedNamespacePublic: {
            /**
             * Namespace
             * @description As the backup holds it.
             */
            namespace: string;
            /** Restored As */
            restored_as: string;
            /**
             * Documents
             * @description Documents in the backup (before any oplog is replayed).
             */
            documents: number;
        };
        /** PlannedNodePublic */
        PlannedNodePublic: {
            /** Node */
            node: string;
            /** Role */
            role: string;
            /** Replica Set */
            replica_set: string | null;
            /** Address */
            address: string;
            /** Dbpath */
            dbpath: string | null;
            /** Log */
            log: string;
        };
        /** PreflightCheckPublic */
        PreflightCheckPublic: {
            /**
             * Name
             * @description base backup, backup, topology, key, files, primaries, namespaces, space, point in time or lock.
             */
            name: string;
            /** Ok */
            ok: boolean;
            /**
             * Detail
             * @description What the check found, or why it refused.
             */
            detail: string;
            /**
             * Fix
             * @description How to fix a refusal (empty when the check passed).
             */
            fix: string;
        };
        /** PruneEntryPublic */
        PruneEntryPublic: {
            /** Backup Id */
            backup_id: string;
            /** Type */
            type: string;
            /** State */
            state: string;
            /**
             * Action
             * @description keep, delete (dry run) or deleted
             */
            action: string;
            /** Reasons */
            reasons: string[];
        };
        /** PrunePublic */
        PrunePublic: {
            /** Message */
            message: string;
            /** Cluster */
            cluster: string;
            /** Dry Run */
            dry_run: boolean;
            /** Kept */
            kept: number;
            /** Deleted */
            deleted: number;
            /** Slices Deleted */
            slices_deleted: number;
            /** Backups */
            backups: components["schemas"]["PruneEntryPublic"][];
        };
        /**
         * RegisteredTopologyPublic
         * @description The topology of a cluster registered by connection string, as its servers describe themselves.
         */
        RegisteredTopologyPublic: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            source: "registered";
            /** Message */
            message: string;
            /**
             * Kind
             * @description sharded (through a router), replica set, or standalone
             */
            kind: string;
            /**
             * Health
             * @description healthy, degraded or down
             */
            health: string;
            /**
             * Version
             * @description buildInfo version; null when buildInfo could not be read
             */
            version: string | null;
            /**
             * Server
             * @description MongoDB, or sandbox (mongosim X); null when buildInfo could not be read
             */
            server: string | null;
            /**
             * Simulator
             * @description true: buildInfo names mongosim; null when it could not be read
             */
            simulator: boolean | null;
            /**
             * Set Name
             * @description The replica set's name (kind replica set)
             */
            set_name: string | null;
            /** Shards */
            shards: components["schemas"]["RemoteShardPublic"][];
            /**
             * Members
             * @description A replica set's members, or the standalone server
             */
            members: components["schemas"]["RemoteMemberPublic"][];
            config_servers: components["schemas"]["RemoteShardPublic"] | null;
            /** Routers */
            routers: components["schemas"]["RemoteRouterPublic"][];
        };
        /** RemoteMemberPublic */
        RemoteMemberPublic: {
            /**
             * Name
             * @description host:port, as the replica set's configuration names it
             */
            name: string;
            /**
             * State
             * @description stateStr from replSetGetStatus; UNKNOWN when no member of the set answered
             */
            state: string;
            /** Health */
            health: number;
            /** Member Id */
            member_id: number | null;
            /**
             * Lag S
             * @description Seconds behind the primary (null for the primary, or unknown).
             */
            lag_s: number | null;
            /** Uptime S */
            uptime_s: number | null;
            /** Message */
            message: string;
        };
        /** RemoteRouterPublic */
        RemoteRouterPublic: {
            /** Address */
            address: string;
            /**
             * State
             * @description UP or DOWN
             */
            state: string;
            /** Error */
            error: string | null;
        };
        /**
         * RemoteShardPublic
         * @description A shard, or the config server replica set, with its members as the member that answered sees them.
         */
        RemoteShardPublic: {
            /** Id */
            id: string;
            /**
             * Host
             * @description set/host:port,... as listShards (or getShardMap) gives it
             */
            host: string;
            /** State */
            state: number | null;
            /** Draining */
            draining: boolean;
            /** Members */
            members: components["schemas"]["RemoteMemberPublic"][];
            /**
             * Error
             * @description Why no member answered (the members are then the last seen, UNKNOWN).
             */
            error: string | null;
        };
        /** ReplicaSetStatusPublic */
        ReplicaSetStatusPublic: {
            /** Name */
            name: string;
            /**
             * Role
             * @description configsvr or shardsvr
             */
            role: string;
            /** Primary */
            primary: string | null;
            /** Members Healthy */
            members_healthy: number;
            /** Members */
            members: number;
        };
        /** RestoreCreate */
        RestoreCreate: {
            /**
             * Kind
             * @default cluster
             * @enum {string}
             */
            kind: "cluster" | "shard" | "namespaces" | "config";
            /**
             * Backup Id
             * @description The backup to restore; with point_in_time alone, the newest full backup before that moment.
             */
            backup_id?: string | null;
            /**
             * Point In Time
             * @description Restore to this moment (ISO 8601 with its offset or Z; a time without one is refused).
             */
            point_in_time?: string | null;
            /**
             * Source Cluster
             * @description The cluster the backup belongs to (default: this one).
             */
            source_cluster?: string | null;
            /**
             * Shard
             * @description The shard a shard restore replaces.
             */
            shard?: string | null;
            /**
             * Namespaces
             * @description db.coll or db.* (namespaces restore).
             */
            namespaces?: string[];
            /**
             * Rename
             * @description Restore a namespace under another name.
             */
            rename?: {
                [key: string]: string;
            };
            /**
             * Shard Map
             * @description Backup shard -> target shard.
             */
            shard_map?: {
                [key: string]: string;
            };
            /**
             * By Position
             * @description Pair the backup's shards with the target's in order.
             * @default false
             */
            by_position: boolean;
            /**
             * From Shard
             * @description The backup's shard a shard restore reads (default: the shard of the same name).
             */
            from_shard?: string | null;
        } & (({
            backup_id: string;
        } | {
            point_in_time: string;
        }) & ({
            /** @constant */
            kind: "shard";
            shard: string;
            namespaces?: unknown;
            rename?: unknown;
        } | {
            /** @constant */
            kind: "namespaces";
            shard?: null;
            namespaces: unknown;
            from_shard?: null;
        } | {
            /** @enum {unknown} */
            kind?: "cluster" | "config";
            shard?: null;
            namespaces?: unknown;
            rename?: unknown;
            from_shard?: null;
        }));
        /** RestorePreflightPublic */
        RestorePreflightPublic: {
            /** Message */
            message: string;
            /**
             * Ok
             * @description Every check passed: the restore can start now.
             */
            ok: boolean;
            /** Cluster */
            cluster: string;
            /** Source Cluster */
            source_cluster: string;
            /**
             * Kind
             * @description The restore engine's kind: full (a whole-cluster restore), shard, namespaces or config.
             */
            kind: string;
            /**
             * Backup Id
             * @description The backup restored (the base chosen for a point in time).
             */
            backup_id: string | null;
            /** Point In Time */
            point_in_time: string | null;
            /**
             * Restore To Time
             * @description The moment the cluster would be restored to.
             */
            restore_to_time: string | null;
            /**
             * Shard Map
             * @description Backup replica set -> target replica set.
             */
            shard_map: {
                [key: string]: string;
            };
            /**
             * Namespaces
             * @description What would be dropped and written again.
             */
            namespaces: components["schemas"]["PlannedNamespacePublic"][];
            /** Documents */
            documents: number;
            /**
             * Bytes
             * @description Uncompressed size of the backup's files the restore reads.
             */
            bytes: number;
            /** Files Checked */
            files_checked: number;
            /**
             * Checks
             * @description Every check that ran, in order; they stop at the first refusal.
             */
            checks: components["schemas"]["PreflightCheckPublic"][];
        };
        /** RestorePublic */
        RestorePublic: {
            /** Restore Id */
            restore_id: string;
            /** Backup Id */
            backup_id: string;
            /** Source Cluster */
            source_cluster: string;
            /** Cluster */
            cluster: string;
            /** Kind */
            kind: string;
            /** State */
            state: string;
            /** Current Step */
            current_step: string | null;
            /** Failed Step */
            failed_step: string | null;
            /** Error */
            error: string | null;
            /** Shard Map */
            shard_map: {
                [key: string]: string;
            };
            /** Restore To Time */
            restore_to_time: string | null;
            /** Progress */
            progress: number;
            /**
             * Started At
             * Format: date-time
             */
            started_at: string;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /** RestoresPublic */
        RestoresPublic: {
            /** Data */
            data: components["schemas"]["RestorePublic"][];
            /** Count */
            count: number;
        };
        /**
         * Role
         * @description Platform roles, each including the ones before it: viewer < operator < admin.
         * @enum {string}
         */
        Role: "viewer" | "operator" | "admin";
        /** RouterStatusPublic */
        RouterStatusPublic: {
            /** Node */
            node: string;
            /** Address */
            address: string;
            /**
             * State
             * @description UP or DOWN
             */
            state: string;
            /** Pid */
            pid: number | null;
            /** Uptime S */
            uptime_s: number | null;
        };
        /** RunbookBlockPublic */
        RunbookBlockPublic: {
            /**
             * Kind
             * @description text: a paragraph (inline `code` in backticks); commands: shell lines to run as written.
             * @enum {string}
             */
            kind: "text" | "commands";
            /** Text */
            text: string;
        };
        /** RunbookPublic */
        RunbookPublic: {
            /** Message */
            message: string;
            /** Backup Id */
            backup_id: string;
            /** Title */
            title: string;
            /**
             * Facts
             * @description What the backup is: type, restore point, versions, sets, storage.
             */
            facts: string[];
            /**
             * Steps
             * @description The procedure, in order (numbered from 1).
             */
            steps: components["schemas"]["RunbookStepPublic"][];
            /**
             * Markdown
             * @description The same runbook as Markdown.
             */
            markdown: string;
        };
        /** RunbookStepPublic */
        RunbookStepPublic: {
            /** Title */
            title: string;
            /** Blocks */
            blocks: components["schemas"]["RunbookBlockPublic"][];
        };
        /** ScheduleCreate */
        ScheduleCreate: {
            /** Name */
            name: string;
            /**
             * Kind
             * @enum {string}
             */
            kind: "backup" | "verify" | "drill" | "health-check";
            /** Cluster */
            cluster: string;
            /**
             * Cron
             * @description Five fields: minute hour day month weekday.
             */
            cron: string;
            /**
             * Timezone
             * @description IANA time zone the cron fields are read in.
             * @default UTC
             */
            timezone: string;
            params?: components["schemas"]["ScheduleParams"];
            /**
             * Misfire Grace S
             * @default 300
             */
            misfire_grace_s: number;
            /**
             * Paused
             * @default false
             */
            paused: boolean;
        };
        /**
         * ScheduleParams
         * @description What the scheduled job does: a backup's ``type`` and ``shard``; the ``backup_id`` a verify or drill checks
         *     (default: the newest complete backup when it runs).
         */
        ScheduleParams: {
            /** Type */
            type?: ("full" | "config" | "shard") | null;
            /** Shard */
            shard?: string | null;
            /** Compression */
            compression?: ("gzip" | "zstd" | "none") | null;
            /** Backup Id */
            backup_id?: string | null;
        } & ({
            /** @constant */
            type: "shard";
            shard: string;
        } | {
            type?: unknown;
            shard?: null;
        });
        /** SchedulePreviewPublic */
        SchedulePreviewPublic: {
            /**
             * Cron
             * @description The expression as a schedule would keep it (fields separated by one space).
             */
            cron: string;
            /** Timezone */
            timezone: string;
            /**
             * Next Runs
             * @description The next run times from now, in the time zone's local time with its offset (which changes across daylight saving).
             */
            next_runs: string[];
        };
        /** SchedulePreviewRequest */
        SchedulePreviewRequest: {
            /**
             * Cron
             * @description Five fields: minute hour day month weekday.
             */
            cron: string;
            /**
             * Timezone
             * @description IANA time zone the cron fields are read in.
             * @default UTC
             */
            timezone: string;
            /**
             * Count
             * @description How many run times.
             * @default 5
             */
            count: number;
        };
        /** SchedulePublic */
        SchedulePublic: {
            /** Id */
            id: string;
            /** Name */
            name: string;
            /** Kind */
            kind: string;
            /** Cluster */
            cluster: string;
            /** Params */
            params: {
                [key: string]: unknown;
            };
            /** Cron */
            cron: string;
            /** Timezone */
            timezone: string;
            /** Misfire Grace S */
            misfire_grace_s: number;
            /** Paused */
            paused: boolean;
            /** Next Run At */
            next_run_at: string | null;
            /**
             * Next Runs
             * @description The next run times (none while paused).
             */
            next_runs: string[];
            /** Last Run At */
            last_run_at: string | null;
            /** Last Job Id */
            last_job_id: string | null;
            /** Last Outcome */
            last_outcome: string | null;
        };
        /** ScheduleUpdate */
        ScheduleUpdate: {
            /** Name */
            name?: string | null;
            /** Cron */
            cron?: string | null;
            /** Timezone */
            timezone?: string | null;
            params?: components["schemas"]["ScheduleParams"] | null;
            /** Misfire Grace S */
            misfire_grace_s?: number | null;
        };
        /** SchedulesPublic */
        SchedulesPublic: {
            /** Data */
            data: components["schemas"]["SchedulePublic"][];
            /** Count */
            count: number;
        };
        /** SeriesPointPublic */
        SeriesPointPublic: {
            /**
             * At
             * Format: date-time
             * @description Start of the step.
             */
            at: string;
            /** Value */
            value: number | null;
            /**
             * Gap
             * @description Why there is no value: node down, no sample, server restarted, ...
             */
            gap: string | null;
        };
        /** SeriesPublic */
        SeriesPublic: {
            /** Cluster */
            cluster: string;
            /** Node */
            node: string;
            /** Metric */
            metric: string;
            /**
             * Kind
             * @enum {string}
             */
            kind: "gauge" | "rate";
            /** Step S */
            step_s: number;
            /** Points */
            points: components["schemas"]["SeriesPointPublic"][];
        };
        /** SeriesSetPublic */
        SeriesSetPublic: {
            /** Cluster */
            cluster: string;
            /**
             * Start
             * Format: date-time
             */
            start: string;
            /**
             * End
             * Format: date-time
             */
            end: string;
            /** Step S */
            step_s: number;
            /**
             * Series
             * @description One per node and metric: node by node, metrics in the order asked.
             */
            series: components["schemas"]["SeriesPublic"][];
        };
        /**
         * SessionPublic
         * @description A browser session (never its id: that is only in the HttpOnly cookie).
         */
        SessionPublic: {
            user: components["schemas"]["UserPublic"];
            /**
             * Csrf Token
             * @description Send it as the X-CSRF-Token header on every request other than GET, HEAD or OPTIONS made with the session cookie.
             */
            csrf_token: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Expires At
             * Format: date-time
             * @description When the session ends whatever the activity.
             */
            expires_at: string;
            /**
             * Idle Timeout S
             * @description The session ends after this many seconds without a request.
             */
            idle_timeout_s: number;
        };
        /** ShardDistributionPublic */
        ShardDistributionPublic: {
            /** Name */
            name: string;
            /**
             * Documents
             * @description Documents the shard stores in the users' databases (orphans included).
             */
            documents: number;
            /**
             * Orphaned Documents
             * @description Documents of chunks the shard gave away, not yet deleted.
             */
            orphaned_documents: number;
            /**
             * Data Size Bytes
             * @description dbStats dataSize summed over the users' databases.
             */
            data_size_bytes: number;
            /**
             * Storage Size Bytes
             * @description dbStats storageSize summed likewise; null when unknown.
             */
            storage_size_bytes: number | null;
            /**
             * Chunks
             * @description Chunks of every sharded collection on this shard.
             */
            chunks: number;
        };
        /** UserCreate */
        UserCreate: {
            /** Username */
            username: string;
            /** Password */
            password: string;
            /** @default viewer */
            role: components["schemas"]["Role"];
        };
        /** UserPublic */
        UserPublic: {
            /** Id */
            id: number;
            /** Username */
            username: string;
            role: components["schemas"]["Role"];
            /** Disabled */
            disabled: boolean;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Last Login At */
            last_login_at: string | null;
        };
        /** UserUpdate */
        UserUpdate: {
            role?: components["schemas"]["Role"] | null;
            /** Disabled */
            disabled?: boolean | null;
        };
        /** UsersPublic */
        UsersPublic: {
            /** Data */
            data: components["schemas"]["UserPublic"][];
            /** Count */
            count: number;
        };
        /** VerifyPublic */
        VerifyPublic: {
            /** Message */
            message: string;
            /** Backup Id */
            backup_id: string;
            /** Ok */
            ok: boolean;
            /** Files */
            files: number;
            /** Stored Bytes */
            stored_bytes: number;
            /** Documents */
            documents: number;
            /** Contents Checked */
            contents_checked: boolean;
            /** Problems */
            problems: string[];
        };
        /** WindowPublic */
        WindowPublic: {
            /** Start */
            start: string;
            /** End */
            end: string;
            /** Base Backup */
            base_backup: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
};
export type $defs = Record<string, never>;
export interface operations {
    login_api_v1_auth_token_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": components["schemas"]["Body_login_api_v1_auth_token_post"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccessToken"];
                };
            };
            /** @description The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Incorrect username or password. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The user is disabled. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Too many failed logins for this user from this client: try again after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds until a login may be tried again. */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_session_api_v1_auth_session_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description no session: this request was not made with a session cookie (bearer tokens have none) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_session_api_v1_auth_session_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Username */
                    username: string;
                    /** Password */
                    password: string;
                };
                "application/x-www-form-urlencoded": {
                    /** Username */
                    username: string;
                    /** Password */
                    password: string;
                };
                "multipart/form-data": {
                    /** Username */
                    username: string;
                    /** Password */
                    password: string;
                };
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionPublic"];
                };
            };
            /** @description Incorrect username or password. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The user is disabled. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The body is in a media type this operation does not read. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Too many failed logins for this user from this client: try again after Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds until a login may be tried again. */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_session_api_v1_auth_session_delete: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description no session: this request was not made with a session cookie (bearer tokens have none) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    me_api_v1_auth_me_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_tokens_api_v1_tokens_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiTokensPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_token_api_v1_tokens_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiTokenCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiTokenCreated"];
                };
            };
            /** @description The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    revoke_token_api_v1_tokens__token_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_users_api_v1_users_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UsersPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_user_api_v1_users_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPublic"];
                };
            };
            /** @description The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The username is taken. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    change_own_password_api_v1_users_me_password_put: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasswordChange"];
            };
        };
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The current password is incorrect. The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_user_api_v1_users__user_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                user_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description You cannot delete yourself, nor the last active admin. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update_user_api_v1_users__user_id__patch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                user_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UserUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPublic"];
                };
            };
            /** @description The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The last active admin cannot be demoted or disabled. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_audit_events_api_v1_audit_get: {
        parameters: {
            query?: {
                /** @description Exact user name */
                actor?: string | null;
                /** @description POST, PUT, PATCH, DELETE, or PRUNE (the retention runs) */
                method?: string | null;
                target?: string | null;
                /** @description e.g. /api/v1/users */
                path_prefix?: string | null;
                status?: number | null;
                /** @description Every status of one class: 4xx for the refused requests, 5xx for the failed ones */
                status_class?: ("2xx" | "3xx" | "4xx" | "5xx") | null;
                /** @description ISO 8601, inclusive */
                since?: string | null;
                /** @description ISO 8601, exclusive */
                until?: string | null;
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditEventsPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health_api_v1_health_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthPublic"];
                };
            };
            /** @description The database is unreachable. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_clusters_api_v1_clusters_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClustersPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    register_cluster_api_v1_clusters_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ClusterCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClusterPublic"];
                };
            };
            /** @description deployed names no cluster deployed on this machine, or name differs from it. The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description A cluster with this name is already registered. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_cluster_api_v1_clusters__name__get: {
        parameters: {
            query?: {
                /** @description Read the cluster now (waiting at most 10 s) instead of serving the snapshot its poller keeps. */
                refresh?: boolean;
                /** @description Serve the kept snapshot only while it is at most this old, else read the cluster now (one reading at a time per cluster, shared by every request waiting for it). Default: two poller intervals. A page showing live state asks for a few seconds. */
                max_age_s?: number | null;
            };
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClusterDetailPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    unregister_cluster_api_v1_clusters__name__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    data_distribution_api_v1_clusters__name__distribution_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DataDistributionPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The cluster is not a sharded cluster (no router answers at its connection string), or a deployed cluster's files are gone. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The cluster did not answer, or refused a command (detail says which). */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_deployments_api_v1_deployments_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeploymentsPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    deploy_cluster_api_v1_deployments_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeploymentCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPublic"];
                };
            };
            /** @description The spec is not valid: detail names every problem and where it is. The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Another deployment job runs on this cluster: detail names it. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stop_cluster_api_v1_deployments__name__stop_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No cluster of this name was deployed on this machine. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Another deployment job runs on this cluster: detail names it. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    start_cluster_api_v1_deployments__name__start_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No cluster of this name was deployed on this machine. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Another deployment job runs on this cluster: detail names it. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    restart_cluster_api_v1_deployments__name__restart_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No cluster of this name was deployed on this machine. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Another deployment job runs on this cluster: detail names it. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    destroy_cluster_api_v1_deployments__name__destroy_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No cluster of this name was deployed on this machine. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Another deployment job runs on this cluster: detail names it. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stop_node_api_v1_deployments__name__nodes__node__stop_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                node: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No cluster of this name was deployed on this machine, or it has no such node (detail lists its nodes). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Another deployment job runs on this cluster: detail names it. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    start_node_api_v1_deployments__name__nodes__node__start_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                node: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No cluster of this name was deployed on this machine, or it has no such node (detail lists its nodes). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Another deployment job runs on this cluster: detail names it. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    plan_deployment_api_v1_deployments_plan_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeploymentCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeployPlanPublic"];
                };
            };
            /** @description The spec is not valid: detail names every problem and where it is. The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    deployment_status_api_v1_deployments__name__status_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClusterStatusPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No cluster of this name was deployed on this machine. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    deployment_health_api_v1_deployments__name__health_check_get: {
        parameters: {
            query?: {
                lag_warning_s?: number;
                lag_critical_s?: number;
                oplog_warning_h?: number;
                oplog_critical_h?: number;
                disk_warning_pct?: number;
                disk_critical_pct?: number;
            };
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthReportPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No cluster of this name was deployed on this machine. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_jobs_api_v1_jobs_get: {
        parameters: {
            query?: {
                state?: string | null;
                kind?: string | null;
                cluster?: string | null;
                requested_by?: string | null;
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobsPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_job_api_v1_jobs__job_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobDetailPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    cancel_job_api_v1_jobs__job_id__cancel_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The job has already ended. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    job_events_api_v1_jobs__job_id__events_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description `event: state|progress|log` and `data: {type, job_id, state, progress, step, message, at}`; a snapshot first, the stream ends after the terminal state. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_backups_api_v1_clusters__name__backups_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BackupsPublic"];
                };
            };
            /** @description The request matches this document but cannot be carried out as asked: detail says why. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_backup_api_v1_clusters__name__backups_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BackupCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Another backup or restore runs on the cluster (detail names it), or the cluster is not one deployed on this machine. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    prune_backups_api_v1_clusters__name__backups_prune_post: {
        parameters: {
            query?: {
                /** @description Only say what would be deleted. */
                dry_run?: boolean;
            };
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PrunePublic"];
                };
            };
            /** @description The request matches this document but cannot be carried out as asked: detail says why. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    backup_status_api_v1_clusters__name__backups_status_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BackupStatusPublic"];
                };
            };
            /** @description The request matches this document but cannot be carried out as asked: detail says why. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    show_backup_api_v1_clusters__name__backups__backup_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                backup_id: string;
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BackupDetailsPublic"];
                };
            };
            /** @description The request matches this document but cannot be carried out as asked: detail says why. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_backup_api_v1_clusters__name__backups__backup_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                backup_id: string;
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BackupDeleted"];
                };
            };
            /** @description The request matches this document but cannot be carried out as asked: detail says why. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    verify_backup_api_v1_clusters__name__backups__backup_id__verify_post: {
        parameters: {
            query?: {
                /** @description Restore it into a scratch cluster and compare. */
                restore?: boolean;
            };
            header?: never;
            path: {
                backup_id: string;
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VerifyPublic"];
                };
            };
            /** @description The restore drill was submitted as a job */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description The request matches this document but cannot be carried out as asked: detail says why. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    backup_runbook_api_v1_clusters__name__backups__backup_id__runbook_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                backup_id: string;
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/markdown": string;
                    "application/json": components["schemas"]["RunbookPublic"];
                };
            };
            /** @description The request matches this document but cannot be carried out as asked: detail says why. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    point_in_time_status_api_v1_clusters__name__pitr_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PitrPublic"];
                };
            };
            /** @description The request matches this document but cannot be carried out as asked: detail says why. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_restores_api_v1_clusters__name__restores_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RestoresPublic"];
                };
            };
            /** @description The request matches this document but cannot be carried out as asked: detail says why. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_restore_api_v1_clusters__name__restores_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RestoreCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Another backup or restore runs on the cluster (detail names it), or the cluster is not one deployed on this machine. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    check_restore_api_v1_clusters__name__restores_preflight_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RestoreCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RestorePreflightPublic"];
                };
            };
            /** @description The request matches this document but cannot be carried out as asked: detail says why. The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_schedules_api_v1_schedules_get: {
        parameters: {
            query?: {
                /** @description Only this cluster's. */
                cluster?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SchedulesPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_schedule_api_v1_schedules_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SchedulePublic"];
                };
            };
            /** @description The cron expression, time zone or name is refused (detail says which and why). The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request conflicts with the current state: detail names what it conflicts with. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    preview_schedule_api_v1_schedules_preview_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SchedulePreviewRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SchedulePreviewPublic"];
                };
            };
            /** @description The cron expression or time zone is refused (detail says which and why). The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_schedule_api_v1_schedules__schedule_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SchedulePublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_schedule_api_v1_schedules__schedule_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update_schedule_api_v1_schedules__schedule_id__patch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SchedulePublic"];
                };
            };
            /** @description The cron expression, time zone or name is refused (detail says which and why). The body cannot be decoded as the media type it is sent as. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below admin; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    pause_schedule_api_v1_schedules__schedule_id__pause_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SchedulePublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    resume_schedule_api_v1_schedules__schedule_id__resume_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                schedule_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SchedulePublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description Refused: the caller's role is below operator; or a request authenticated by the session cookie has no X-CSRF-Token, or a wrong one. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    latest_metrics_api_v1_clusters__name__metrics_latest_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetricsLatestPublic"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    metric_series_api_v1_clusters__name__metrics_series_get: {
        parameters: {
            query: {
                /** @description A node id or shard name. */
                node: string;
                /** @description e.g. connections.current, opcounters.insert, repl.lag_s */
                metric: string;
                /** @description Default: an hour before end. */
                start?: string | null;
                /** @description Default: now. */
                end?: string | null;
                /** @description Seconds per point. */
                step?: number;
            };
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SeriesPublic"];
                };
            };
            /** @description The range is empty, or holds more points than one series may. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    metric_series_set_api_v1_clusters__name__metrics_series_batch_get: {
        parameters: {
            query: {
                /** @description Node ids or shard names (repeat). */
                node: string[];
                /** @description Metric names (repeat). */
                metric: string[];
                /** @description Default: an hour before end. */
                start?: string | null;
                /** @description Default: now. */
                end?: string | null;
                /** @description Seconds per point. */
                step?: number;
            };
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SeriesSetPublic"];
                };
            };
            /** @description The range is empty, or holds more points than a set may. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description What the path names does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description The request does not match this document: detail names each field in error (never its value). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    prometheus_metrics_api_v1_metrics_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user. */
            401: {
                headers: {
                    /** @description Bearer */
                    "WWW-Authenticate": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
}
