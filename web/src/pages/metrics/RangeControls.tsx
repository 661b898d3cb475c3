// The time range picker: presets ending now (pressed buttons), and a custom from–to checked before it applies.
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { parseCustom, PRESETS, toLocalInput, type CustomError, type TimeRange } from "./range";

interface Props {
  range: TimeRange;
  onChange: (range: TimeRange) => void;
}

export function RangeControls({ range, onChange }: Props) {
  const { t } = useTranslation("metrics");
  const errorId = useId();
  const [editing, setEditing] = useState(range.kind === "custom");
  const initial = range.kind === "custom" ? range : { from: new Date(Date.now() - 3600_000), to: new Date() };
  const [from, setFrom] = useState(toLocalInput(initial.from));
  const [to, setTo] = useState(toLocalInput(initial.to));
  const [error, setError] = useState<CustomError | null>(null);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseCustom(from, to);
    if ("error" in parsed) {
      setError(parsed.error);
      return;
    }
    setError(null);
    onChange(parsed);
  };

  return (
    <div className="metrics-range">
      <div role="group" aria-label={t("controls.range")} className="segmented">
        {PRESETS.map((preset) => (
          <button
            key={preset}
            type="button"
            className="button secondary small"
            aria-pressed={range.kind === "preset" && range.preset === preset}
            onClick={() => {
              setEditing(false);
              onChange({ kind: "preset", preset });
            }}
          >
            {t(`controls.presets.${preset}`)}
          </button>
        ))}
        <button
          type="button"
          className="button secondary small"
          aria-pressed={range.kind === "custom"}
          aria-expanded={editing}
          onClick={() => setEditing(true)}
        >
          {t("controls.custom")}
        </button>
      </div>
      {editing && (
        <form className="metrics-custom" onSubmit={apply} noValidate>
          <label className="field">
            <span>{t("controls.from")}</span>
            <input
              type="datetime-local"
              value={from}
              required
              aria-invalid={error !== null}
              aria-describedby={error ? errorId : undefined}
              onChange={(event) => setFrom(event.target.value)}
            />
          </label>
          <label className="field">
            <span>{t("controls.to")}</span>
            <input
              type="datetime-local"
              value={to}
              required
              aria-invalid={error !== null}
              aria-describedby={error ? errorId : undefined}
              onChange={(event) => setTo(event.target.value)}
            />
          </label>
          <button type="submit" className="button primary small">
            {t("controls.apply")}
          </button>
          {error && (
            <p id={errorId} role="alert" className="error">
              {t(`controls.${error}`)}
            </p>
          )}
        </form>
      )}
    </div>
  );
}
