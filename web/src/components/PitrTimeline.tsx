// The restorable point-in-time windows of a cluster drawn on a time axis: windows, gaps, backups as focusable
// markers, "now"; with `onPick`, also a slider to choose the instant to restore to (click, or the keyboard).
// A list under the drawing says the same in words.
import { useEffect, useId, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { formatDateTime } from "../lib/format";
import {
  domainOf,
  isRestorable,
  moveByKey,
  restorableRanges,
  snapToRanges,
  tickFormatter,
  tickStep,
  ticksOf,
} from "./pitrScale";

type Window = Schemas["PitrWindowPublic"];
type Gap = Schemas["PitrGapPublic"];

export interface TimelineMarker {
  id: string;
  /** ISO time of the backup's restore point. */
  time: string;
  /** What a screen reader and the tooltip say about it. */
  label: string;
}

interface Props {
  windows: Window[];
  gaps: Gap[];
  markers: TimelineMarker[];
  /** The accessible name of the drawing. */
  label: string;
  now?: number;
  /** The chosen instant (ms), shown as a line; with `onPick`, the slider's value. */
  selected?: number | null;
  onPick?: (time: number) => void;
  onMarker?: (id: string) => void;
  activeMarker?: string | null;
}

const HEIGHT = 118;
const BAND_TOP = 14;
const BAND_HEIGHT = 40;
const MARKER_Y = 72;
const AXIS_Y = 88;
const SIDE = 16;

function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry && entry.contentRect.width > 0) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

export function PitrTimeline({ windows, gaps, markers, label, now, selected = null, onPick, onMarker, activeMarker }: Props) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const { ref, width } = useWidth(960);
  const [focused, setFocused] = useState<string | null>(null);
  const ranges = restorableRanges(windows.map((window) => ({ start: window.start.time, end: window.end.time })));
  const gapSpans = gaps.map((gap) => ({
    gap,
    start: Date.parse(gap.after.time),
    end: gap.resumed_at ? Date.parse(gap.resumed_at.time) : (now ?? Date.parse(gap.after.time)),
  }));
  const instants = [
    ...windows.flatMap((window) => [Date.parse(window.start.time), Date.parse(window.end.time)]),
    ...gapSpans.flatMap((span) => [span.start, span.end]),
    ...markers.map((marker) => Date.parse(marker.time)),
    ...(selected !== null ? [selected] : []),
    ...(now !== undefined && (windows.length > 0 || markers.length > 0) ? [now] : []),
  ];
  const domain = domainOf(instants);
  const when = (iso: string) => formatDateTime(iso, i18n.language);
  const whenMs = (ms: number) => formatDateTime(new Date(ms).toISOString(), i18n.language);

  const summary = (
    <ul className="pitr-summary" id={`${id}-summary`}>
      {windows.length === 0 && <li>{t("timeline.noWindow")}</li>}
      {windows.map((window) => (
        <li key={`${window.base_backup}-${window.start.t}`}>
          {t("timeline.window", {
            start: when(window.start.time),
            end: when(window.end.time),
            backup: window.base_backup,
            backups: window.backups.length,
          })}
        </li>
      ))}
      {gapSpans.map(({ gap }) => (
        <li key={`${gap.set_name}-${gap.after.t}-${gap.after.i}`} className="pitr-gap-text">
          {gap.resumed_at
            ? t("timeline.gap", { set: gap.set_name, start: when(gap.after.time), end: when(gap.resumed_at.time), reason: gap.reason })
            : t("timeline.openGap", { set: gap.set_name, start: when(gap.after.time), reason: gap.reason })}
        </li>
      ))}
    </ul>
  );
  if (domain === null) {
    return (
      <div className="pitr-timeline" ref={ref}>
        {summary}
      </div>
    );
  }

  const inner = Math.max(100, width - 2 * SIDE);
  const x = (time: number) => SIDE + ((time - domain.start) / (domain.end - domain.start)) * inner;
  const timeAt = (px: number) => domain.start + ((px - SIDE) / inner) * (domain.end - domain.start);
  const step = tickStep(domain.end - domain.start, Math.max(2, Math.floor(inner / 110)));
  const tickLabel = tickFormatter(step, domain, i18n.language);
  const span = ranges.length ? ranges[ranges.length - 1]!.end - ranges[0]!.start : 0;
  const small = Math.max(1000, Math.round(span / 100 / 1000) * 1000);
  const large = Math.max(small, Math.round(span / 10 / 1000) * 1000);
  const selectedOk = selected !== null && isRestorable(selected, ranges);

  const pick = (time: number | null) => {
    if (time !== null && onPick) onPick(time);
  };
  const onBandClick = (event: MouseEvent<SVGGElement>) => {
    const box = event.currentTarget.ownerSVGElement?.getBoundingClientRect();
    if (!box) return;
    pick(snapToRanges(timeAt(event.clientX - box.left), ranges, 0));
  };
  const onBandKey = (event: KeyboardEvent<SVGGElement>) => {
    const moved = moveByKey(event.key, event.shiftKey, selected, ranges, small, large);
    if (moved === null) return;
    event.preventDefault();
    pick(moved);
  };
  const onMarkerKey = (event: KeyboardEvent<SVGGElement>, markerId: string) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    onMarker?.(markerId);
  };
  const focusedMarker = markers.find((marker) => marker.id === focused);
  const patternId = `${id}-gap`;

  return (
    <div className="pitr-timeline" ref={ref}>
      <svg
        width={width}
        height={HEIGHT}
        role="group"
        aria-label={label}
        aria-describedby={`${id}-summary`}
        className="pitr-svg"
      >
        <defs>
          <pattern id={patternId} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" className="pitr-gap-fill" />
            <line x1="0" y1="0" x2="0" y2="6" className="pitr-gap-hatch" />
          </pattern>
        </defs>
        <g
          className={`pitr-band${onPick ? " pickable" : ""}`}
          {...(onPick
            ? {
                role: "slider",
                tabIndex: 0,
                "aria-label": t("timeline.slider"),
                "aria-valuemin": ranges.length ? ranges[0]!.start / 1000 : 0,
                "aria-valuemax": ranges.length ? ranges[ranges.length - 1]!.end / 1000 : 0,
                "aria-valuenow": (selected ?? ranges[0]?.start ?? 0) / 1000,
                "aria-valuetext": selected !== null ? whenMs(selected) : t("timeline.nothingChosen"),
                "aria-disabled": ranges.length === 0 ? true : undefined,
                onClick: onBandClick,
                onKeyDown: onBandKey,
              }
            : {})}
        >
          <rect x={SIDE} y={BAND_TOP} width={inner} height={BAND_HEIGHT} className="pitr-unrestorable" />
          {windows.map((window) => {
            const start = x(Date.parse(window.start.time));
            return (
              <rect
                key={`${window.base_backup}-${window.start.t}`}
                x={start}
                y={BAND_TOP}
                width={Math.max(2, x(Date.parse(window.end.time)) - start)}
                height={BAND_HEIGHT}
                className="pitr-window"
              />
            );
          })}
          {gapSpans.map(({ gap, start, end }) => (
            <rect
              key={`${gap.set_name}-${gap.after.t}-${gap.after.i}`}
              x={x(start)}
              y={BAND_TOP}
              width={Math.max(3, x(end) - x(start))}
              height={BAND_HEIGHT}
              fill={`url(#${patternId})`}
              className="pitr-gap"
            />
          ))}
          {selected !== null && (
            <g className={`pitr-selected${selectedOk ? "" : " invalid"}`}>
              <line x1={x(selected)} x2={x(selected)} y1={BAND_TOP - 8} y2={BAND_TOP + BAND_HEIGHT + 4} />
              <circle cx={x(selected)} cy={BAND_TOP - 6} r={6} />
            </g>
          )}
        </g>
        {now !== undefined && (
          <g className="pitr-now" aria-hidden="true">
            <line x1={x(now)} x2={x(now)} y1={BAND_TOP - 4} y2={AXIS_Y} />
            <text x={x(now)} y={BAND_TOP - 6} textAnchor="end" dx={-3}>
              {t("timeline.now")}
            </text>
          </g>
        )}
        {markers.map((marker) => {
          const cx = x(Date.parse(marker.time));
          return (
            <g
              key={marker.id}
              className={`pitr-marker${activeMarker === marker.id ? " active" : ""}`}
              role="button"
              tabIndex={0}
              aria-label={marker.label}
              aria-pressed={onMarker && activeMarker !== undefined ? activeMarker === marker.id : undefined}
              onClick={() => onMarker?.(marker.id)}
              onKeyDown={(event) => onMarkerKey(event, marker.id)}
              onFocus={() => setFocused(marker.id)}
              onBlur={() => setFocused((current) => (current === marker.id ? null : current))}
              onMouseEnter={() => setFocused(marker.id)}
              onMouseLeave={() => setFocused((current) => (current === marker.id ? null : current))}
            >
              <title>{marker.label}</title>
              <rect x={cx - 12} y={MARKER_Y - 12} width={24} height={24} className="pitr-marker-hit" />
              <path d={`M ${cx} ${MARKER_Y - 8} L ${cx + 8} ${MARKER_Y} L ${cx} ${MARKER_Y + 8} L ${cx - 8} ${MARKER_Y} Z`} className="pitr-marker-shape" />
            </g>
          );
        })}
        <g className="pitr-axis" aria-hidden="true">
          <line x1={SIDE} x2={SIDE + inner} y1={AXIS_Y} y2={AXIS_Y} />
          {ticksOf(domain, step).map((tick) => (
            <g key={tick}>
              <line x1={x(tick)} x2={x(tick)} y1={AXIS_Y} y2={AXIS_Y + 5} />
              <text x={x(tick)} y={AXIS_Y + 18} textAnchor="middle">
                {tickLabel(tick)}
              </text>
            </g>
          ))}
        </g>
      </svg>
      <p className="pitr-legend" aria-hidden="true">
        <span className="legend-item"><span className="swatch window" />{t("timeline.legendWindow")}</span>
        <span className="legend-item"><span className="swatch gap" />{t("timeline.legendGap")}</span>
        <span className="legend-item"><span className="swatch marker" />{t("timeline.legendBackup")}</span>
        {onPick && <span className="legend-item"><span className="swatch selected" />{t("timeline.legendChosen")}</span>}
        <span className="muted">{t("timeline.zone", { zone: Intl.DateTimeFormat().resolvedOptions().timeZone })}</span>
      </p>
      <p className="pitr-focused">{focusedMarker ? focusedMarker.label : "\u00a0"}</p>
      {summary}
    </div>
  );
}
