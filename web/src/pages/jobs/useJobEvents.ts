// The live events of one job: GET /api/v1/jobs/{id}/events, Server-Sent Events named `state`, `progress` and `log`,
// each `data` a JSON {type, job_id, state, progress, step, message, at}. The first event is a `state` snapshot;
// the server ends the stream after the terminal state. A dropped connection is reconnected (by the browser, or
// here with a growing delay when the browser gives up); after a few failures in a row the caller polls instead.
import { useEffect, useRef, useState } from "react";
import { isTerminal } from "../../lib/jobs";

export interface JobEvent {
  type: "state" | "progress" | "log";
  job_id: string;
  state: string;
  /** 0-100. */
  progress: number;
  step: string | null;
  /** A log line (progress and log events) or the job's error (a state event). */
  message: string | null;
  at: string;
}

/** idle: no stream wanted; polling: the stream failed, the caller should poll; ended: the job's final event came. */
export type StreamStatus = "idle" | "connecting" | "live" | "reconnecting" | "polling" | "ended";

const EVENT_TYPES = ["state", "progress", "log"] as const;

export function jobEventsUrl(jobId: string): string {
  return `/api/v1/jobs/${encodeURIComponent(jobId)}/events`;
}

interface Options {
  /** Whether to follow the job (false once it has ended, or before it is loaded). */
  enabled: boolean;
  onEvent: (event: JobEvent) => void;
  /** A connection opened again after a break: events were missed meanwhile, so re-read the job. */
  onReconnect?: () => void;
  /** Failed connections in a row before giving up on the stream. */
  maxFailures?: number;
  /** The wait before trying again after the n-th failure is retryDelayMs × 2^(n-1). */
  retryDelayMs?: number;
}

export function useJobEvents(
  jobId: string,
  { enabled, onEvent, onReconnect, maxFailures = 3, retryDelayMs = 1000 }: Options,
): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>("idle");
  // The latest callbacks, without reconnecting when the caller passes new ones.
  const handlers = useRef({ onEvent, onReconnect });
  useEffect(() => {
    handlers.current = { onEvent, onReconnect };
  });

  useEffect(() => {
    if (!enabled) {
      setStatus((current) => (current === "ended" ? current : "idle"));
      return;
    }
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let openedBefore = false;
    let stopped = false;

    const stop = () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
      source = null;
    };

    /** Count a failure; true when that was one too many and the stream is given up. */
    const giveUpAfterFailure = () => {
      failures += 1;
      if (failures < maxFailures) {
        setStatus("reconnecting");
        return false;
      }
      stop();
      setStatus("polling");
      return true;
    };

    const receive = (message: MessageEvent<string>) => {
      let event: JobEvent;
      try {
        event = JSON.parse(message.data) as JobEvent;
      } catch {
        return; // not ours to understand; the next snapshot or the final re-read puts things right
      }
      handlers.current.onEvent(event);
      if (event.type === "state" && isTerminal(event.state)) {
        stop(); // before the server closes, so the browser does not reconnect to a finished stream
        setStatus("ended");
      }
    };

    const connect = () => {
      const current = new EventSource(jobEventsUrl(jobId), { withCredentials: false });
      source = current;
      current.onopen = () => {
        if (openedBefore) handlers.current.onReconnect?.();
        openedBefore = true;
        failures = 0;
        setStatus("live");
      };
      for (const type of EVENT_TYPES) current.addEventListener(type, receive);
      current.onerror = () => {
        if (stopped) return;
        if (current.readyState !== EventSource.CLOSED) {
          giveUpAfterFailure(); // the browser is already reconnecting (and stops when given up)
          return;
        }
        // The browser gave up (an answer that is not a stream: 401, 404, 5xx): try again here, a few times.
        current.close();
        if (!giveUpAfterFailure()) retry = setTimeout(connect, retryDelayMs * 2 ** (failures - 1));
      };
    };

    setStatus("connecting");
    connect();
    return stop;
  }, [jobId, enabled, maxFailures, retryDelayMs]);

  return status;
}
