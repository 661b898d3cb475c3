// A job's result (the operation's result object as JSON): its top-level figures as a list, the whole as
// indented JSON.
import { useTranslation } from "react-i18next";

type Scalar = string | number | boolean | null;

function topLevelScalars(value: unknown): [string, Scalar][] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value).filter((entry): entry is [string, Scalar] => {
    const item = entry[1];
    return item === null || ["string", "number", "boolean"].includes(typeof item);
  });
}

export function ResultView({ value }: { value: unknown }) {
  const { t } = useTranslation("jobs");
  const scalars = topLevelScalars(value);
  return (
    <div className="job-result">
      {scalars.length > 0 && (
        <dl className="facts">
          {scalars.map(([key, item]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{item === null ? "—" : String(item)}</dd>
            </div>
          ))}
        </dl>
      )}
      <details open={scalars.length === 0}>
        <summary>{t("detail.resultJson")}</summary>
        <pre tabIndex={0} aria-label={t("detail.resultJson")}>
          {JSON.stringify(value, null, 2)}
        </pre>
      </details>
    </div>
  );
}
