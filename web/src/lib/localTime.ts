// The value of an <input type="datetime-local" step="1">: a time in the browser's zone, to the second. The audit
// filters and the restore wizard take times this way.

/** `ms` as such a value, e.g. "2026-11-26T14:05:09"; "" for none (or not a time). */
export function toLocalInput(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "";
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** Such a value as ms (whole seconds), or null when it is empty or not a time. */
export function fromLocalInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000) * 1000;
}
