// A job's log as it grows: each line with its time and, when the line says so, its level (word and colour).
// It follows new lines while the reader is at the bottom, and stays put when they scrolled up to read.
import { useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { formatTime } from "../../lib/format";
import { logLevel } from "./logLevel";

export interface LogEntry {
  key: string;
  at: string;
  line: string;
}

/** How close to the bottom still counts as "at the bottom" (a fraction of a line, rounding in browsers). */
const NEAR_BOTTOM_PX = 24;

export function JobLog({ entries }: { entries: LogEntry[] }) {
  const { t, i18n } = useTranslation("jobs");
  const box = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const shown = useRef(entries.length);
  const [unseen, setUnseen] = useState(0);

  useLayoutEffect(() => {
    const added = entries.length - shown.current;
    shown.current = entries.length;
    const element = box.current;
    if (!element) return;
    if (following.current) element.scrollTop = element.scrollHeight;
    else if (added > 0) setUnseen((count) => count + added);
  }, [entries.length]);

  const onScroll = () => {
    const element = box.current;
    if (!element) return;
    following.current = element.scrollHeight - element.scrollTop - element.clientHeight <= NEAR_BOTTOM_PX;
    if (following.current) setUnseen(0);
  };

  const jumpToLatest = () => {
    const element = box.current;
    if (element) element.scrollTop = element.scrollHeight;
    following.current = true;
    setUnseen(0);
  };

  return (
    <div className="job-log-frame">
      {/* Not announced line by line (a busy job writes many); the job's state has its own live region. */}
      <div
        ref={box}
        className="job-log"
        role="log"
        aria-live="off"
        aria-label={t("detail.log")}
        tabIndex={0}
        onScroll={onScroll}
        data-testid="job-log"
      >
        {entries.length === 0 ? (
          <p className="muted">{t("detail.logEmpty")}</p>
        ) : (
          <ol>
            {entries.map((entry) => {
              const level = logLevel(entry.line);
              return (
                <li key={entry.key} className={`log-line log-${level}`}>
                  <time dateTime={entry.at}>{formatTime(entry.at, i18n.language)}</time>
                  {level !== "info" && <span className="log-level">{t(`detail.levels.${level}`)}</span>}
                  <span className="log-text">{entry.line}</span>
                </li>
              );
            })}
          </ol>
        )}
      </div>
      {unseen > 0 && (
        <button type="button" className="button secondary small job-log-jump" onClick={jumpToLatest}>
          {t("detail.jumpToLatest", { count: unseen })}
        </button>
      )}
    </div>
  );
}
