// The current time as React state, for figures that grow while the page is open (a running job's duration, an age).
import { useEffect, useState } from "react";

/** The time now, refreshed every `intervalMs` while `active` (frozen otherwise, so idle pages do not re-render). */
export function useNow(intervalMs: number, active = true): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    if (!active) return;
    setNow(new Date());
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
  return now;
}
