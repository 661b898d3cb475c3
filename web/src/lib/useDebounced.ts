// A value that follows another once it has stopped changing for a while (typing, dragging).
import { useEffect, useState } from "react";

/** `value`, updated only after it has stayed the same for `delayMs` milliseconds. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}
