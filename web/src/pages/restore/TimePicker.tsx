// The instant of a point-in-time restore: picked on the timeline (click or keyboard) or typed to the second; a
// time outside every restorable window is shown as such and not accepted.
import { useTranslation } from "react-i18next";
import type { Pitr } from "../../api/hooks/backups";
import { isRestorable, type Range } from "../../components/pitrScale";
import { PitrTimeline, type TimelineMarker } from "../../components/PitrTimeline";
import { HintedField } from "../../components/HintedField";
import { formatDateTime } from "../../lib/format";
import { fromLocalInput, toLocalInput } from "../../lib/localTime";

interface Props {
  cluster: string;
  pitr: Pitr;
  readAt: number;
  ranges: Range[];
  markers: TimelineMarker[];
  time: number | null;
  onTime: (time: number | null) => void;
}

export function TimePicker({ cluster, pitr, readAt, ranges, markers, time, onTime }: Props) {
  const { t, i18n } = useTranslation("restore");
  const latest = ranges.length ? ranges[ranges.length - 1]!.end : null;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const byMarker = (markerId: string) => {
    const marker = markers.find((each) => each.id === markerId);
    const at = marker ? Date.parse(marker.time) : Number.NaN;
    if (isRestorable(at, ranges)) onTime(at);
  };
  return (
    <div className="time-picker">
      <PitrTimeline
        windows={pitr.windows}
        gaps={pitr.replica_sets.flatMap((set) => set.gaps)}
        markers={markers}
        label={t("source.timelineLabel", { cluster })}
        now={readAt}
        selected={time}
        onPick={onTime}
        onMarker={byMarker}
      />
      <div className="field-row">
        <HintedField label={t("source.timeLabel")} hint={t("source.timeHint", { zone })}>
          {(control) => (
            <input
              {...control}
              type="datetime-local"
              step={1}
              value={toLocalInput(time)}
              aria-invalid={time !== null && !isRestorable(time, ranges)}
              onChange={(event) => onTime(fromLocalInput(event.target.value))}
            />
          )}
        </HintedField>
        <button type="button" className="button secondary" disabled={latest === null} onClick={() => onTime(latest)}>
          {t("source.latest")}
        </button>
      </div>
      {time !== null && isRestorable(time, ranges) && (
        <p className="chosen-time">
          <strong>{t("source.chosen", { time: formatDateTime(new Date(time).toISOString(), i18n.language) })}</strong>
        </p>
      )}
    </div>
  );
}
