// Every namespace of messages. A page's messages live beside it (src/pages/<page>/messages.ts) and are listed here.
import { common } from "./common";
import { login } from "../pages/login/messages";
import { jobs } from "../pages/jobs/messages";
import { schedules } from "../pages/schedules/messages";
import { users } from "../pages/users/messages";
import { account } from "../pages/account/messages";
import { audit } from "../pages/audit/messages";
import { metrics } from "../pages/metrics/messages";
import { clusters } from "../pages/clusters/messages";
import { topology } from "../pages/topology/messages";
import { backups } from "../pages/backups/messages";
import { restore } from "../pages/restore/messages";

export const namespaces = { common, login, jobs, schedules, users, account, audit, metrics, clusters, topology, backups, restore } as const;

export type Namespace = keyof typeof namespaces;
