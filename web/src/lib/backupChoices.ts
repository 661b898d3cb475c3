// What a backup can be asked for (the API's BackupCreate): its type, the compression of its files, the shard of a
// shard backup. The backups page and a schedule's backup offer the same choices.
import type { Schemas } from "../api/client";

export type BackupType = Schemas["BackupCreate"]["type"];
export type Compression = NonNullable<Schemas["BackupCreate"]["compression"]>;

export const BACKUP_TYPES: readonly BackupType[] = ["full", "config", "shard"];
export const COMPRESSIONS: readonly Compression[] = ["gzip", "zstd", "none"];
/** A shard's name as the API accepts it (ShardName), as an HTML pattern. */
export const SHARD_NAME_PATTERN = "[A-Za-z0-9_.\\-]+";
