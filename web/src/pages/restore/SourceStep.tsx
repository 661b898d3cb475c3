// Step 2: where the restore reads from — a backup of the catalog (in a table, or by its marker on the timeline)
// or an instant on the timeline — and, as the kind needs, the shard or the collections and renames.
import type { UseQueryResult } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { Backup, Pitr } from "../../api/hooks/backups";
import type { Range } from "../../components/pitrScale";
import { PitrTimeline, type TimelineMarker } from "../../components/PitrTimeline";
import { Loading } from "../../components/QueryState";
import { ReadProblem } from "../../components/RefreshFailed";
import { formatBytes, formatDateTime, formatNumber } from "../../lib/format";
import { NamespaceEditor } from "./NamespaceEditor";
import { TimePicker } from "./TimePicker";
import { eligibleBackups, usesTime, type SourceProblem, type WizardState } from "./wizard";

interface Props {
  cluster: string;
  state: WizardState;
  onChange: (patch: Partial<WizardState>) => void;
  backups: UseQueryResult<{ backups: Backup[] }>;
  pitr: UseQueryResult<Pitr>;
  ranges: Range[];
  markers: TimelineMarker[];
  shards: string[];
  problems: SourceProblem[];
}

function BackupPicker({ choices, selected, onSelect }: { choices: Backup[]; selected: string | null; onSelect: (id: string) => void }) {
  const { t, i18n } = useTranslation("restore");
  const { t: tb } = useTranslation("backups");
  if (choices.length === 0) return <p className="warning">{t("source.noBackups")}</p>;
  return (
    <fieldset>
      <legend>{t("source.backupLegend")}</legend>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">{t("source.backupLegend")}</span>
              </th>
              <th scope="col">{tb("catalog.id")}</th>
              <th scope="col">{tb("catalog.type")}</th>
              <th scope="col">{tb("catalog.restorePoint")}</th>
              <th scope="col" className="number">{tb("catalog.size")}</th>
              <th scope="col" className="number">{tb("catalog.documents")}</th>
            </tr>
          </thead>
          <tbody>
            {choices.map((backup) => (
              <tr key={backup.backup_id} className={selected === backup.backup_id ? "highlighted" : undefined}>
                <td>
                  <input
                    type="radio"
                    name="restore-backup"
                    id={`pick-${backup.backup_id}`}
                    checked={selected === backup.backup_id}
                    onChange={() => onSelect(backup.backup_id)}
                    aria-label={t("source.choose", { id: backup.backup_id })}
                  />
                </td>
                <th scope="row">
                  <label htmlFor={`pick-${backup.backup_id}`}>
                    <code>{backup.backup_id}</code>
                  </label>
                </th>
                <td>{tb(`types.${backup.type}`, { defaultValue: backup.type })}</td>
                <td>{formatDateTime(backup.restore_to_time, i18n.language)}</td>
                <td className="number">{formatBytes(backup.size_bytes, i18n.language)}</td>
                <td className="number">{formatNumber(backup.documents, i18n.language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </fieldset>
  );
}

export function SourceStep({ cluster, state, onChange, backups, pitr, ranges, markers, shards, problems }: Props) {
  const { t } = useTranslation("restore");
  const timed = usesTime(state);
  const choices = eligibleBackups(state.choice, backups.data?.backups ?? []);
  const choosable = markers.filter((marker) => choices.some((backup) => backup.backup_id === marker.id));
  return (
    <div className="source-step">
      {state.choice === "namespaces" && (
        <fieldset className="inline-choices">
          <legend>{t("source.selectiveFrom")}</legend>
          {(["backup", "time"] as const).map((value) => (
            <label key={value} className="choice">
              <input
                type="radio"
                name="selective-from"
                checked={state.selectiveFrom === value}
                onChange={() => onChange({ selectiveFrom: value })}
              />
              <span>{t(value === "backup" ? "source.fromBackup" : "source.fromTime")}</span>
            </label>
          ))}
        </fieldset>
      )}
      <ReadProblem query={timed ? pitr : backups} />
      {timed ? (
        pitr.data ? (
          <TimePicker
            cluster={cluster}
            pitr={pitr.data}
            readAt={pitr.dataUpdatedAt}
            ranges={ranges}
            markers={markers}
            time={state.time}
            onTime={(time) => onChange({ time })}
          />
        ) : (
          !pitr.error && <Loading />
        )
      ) : backups.data ? (
        <>
          {pitr.data && choosable.length > 0 && (
            <PitrTimeline
              windows={pitr.data.windows}
              gaps={pitr.data.replica_sets.flatMap((set) => set.gaps)}
              markers={choosable}
              label={t("source.backupLegend")}
              now={pitr.dataUpdatedAt}
              onMarker={(id) => onChange({ backupId: id })}
              activeMarker={state.backupId}
            />
          )}
          <BackupPicker choices={choices} selected={state.backupId} onSelect={(id) => onChange({ backupId: id })} />
        </>
      ) : (
        !backups.error && <Loading />
      )}
      {state.choice === "shard" && (
        <label className="field narrow">
          <span>{t("source.shard")}</span>
          <select value={state.shard} onChange={(event) => onChange({ shard: event.target.value })}>
            <option value="">—</option>
            {shards.map((shard) => (
              <option key={shard} value={shard}>
                {shard}
              </option>
            ))}
          </select>
        </label>
      )}
      {state.choice === "namespaces" && (
        <NamespaceEditor
          namespaces={state.namespaces}
          renames={state.renames}
          onNamespaces={(namespaces) => onChange({ namespaces })}
          onRenames={(renames) => onChange({ renames })}
        />
      )}
      {problems.length > 0 && (
        <ul className="problems" aria-live="polite">
          {problems.map((problem) => (
            <li key={problem}>{t(`source.problems.${problem}`)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
