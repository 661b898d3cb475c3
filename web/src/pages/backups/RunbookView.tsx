// One backup's restore runbook, as the API structures it: facts about the backup, then numbered steps made of
// paragraphs (inline `code` shown as code) and shell commands, each with a copy button.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../../api/client";
import { ErrorMessage, Loading } from "../../components/QueryState";

type Runbook = Schemas["RunbookPublic"];

/** Prose with `code` spans: the text between backticks becomes <code>. */
export function withCode(text: string): ReactNode[] {
  return text.split("`").map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part));
}

function CopyButton({ text }: { text: string }) {
  const { t } = useTranslation("backups");
  const [copied, setCopied] = useState(false);
  const clipboard = globalThis.navigator?.clipboard;
  if (!clipboard) return null;
  return (
    <button
      type="button"
      className="button secondary small copy"
      onClick={() => void clipboard.writeText(text).then(() => setCopied(true))}
      onBlur={() => setCopied(false)}
    >
      <span aria-live="polite">{copied ? t("runbook.copied") : t("runbook.copy")}</span>
    </button>
  );
}

export function RunbookView({ cluster, backupId, onClose }: { cluster: string; backupId: string; onClose: () => void }) {
  const { t } = useTranslation("backups");
  const heading = useRef<HTMLHeadingElement>(null);
  const runbook = useQuery({
    queryKey: ["backups", cluster, "runbook", backupId],
    queryFn: async () => {
      const data = unwrap(
        await api.GET("/api/v1/clusters/{name}/backups/{backup_id}/runbook", {
          params: { path: { name: cluster, backup_id: backupId } },
          headers: { Accept: "application/json" },
        }),
      );
      if (typeof data === "string") throw new Error(data.slice(0, 200));
      return data as Runbook;
    },
    staleTime: 60_000,
  });
  useEffect(() => {
    if (runbook.data) heading.current?.focus();
  }, [runbook.data]);
  return (
    <section className="card runbook" aria-labelledby={runbook.data ? "runbook-title" : undefined} aria-busy={runbook.isPending}>
      {runbook.isPending && <Loading label={t("runbook.loading", { id: backupId })} />}
      {runbook.error && <ErrorMessage error={runbook.error} onRetry={() => void runbook.refetch()} />}
      {runbook.data && (
        <>
          <div className="runbook-heading">
            <h2 id="runbook-title" ref={heading} tabIndex={-1}>
              {runbook.data.title}
            </h2>
            <button type="button" className="button secondary small" onClick={onClose}>
              {t("runbook.close")}
            </button>
          </div>
          <h3>{t("runbook.facts")}</h3>
          <ul className="facts">
            {runbook.data.facts.map((fact) => (
              <li key={fact}>{withCode(fact)}</li>
            ))}
          </ul>
          <ol className="runbook-steps">
            {runbook.data.steps.map((step) => (
              <li key={step.title}>
                <h3>{step.title}</h3>
                {step.blocks.map((block, index) =>
                  block.kind === "commands" ? (
                    <div className="command" key={index}>
                      <pre>
                        <code>{block.text}</code>
                      </pre>
                      <CopyButton text={block.text} />
                    </div>
                  ) : (
                    <p key={index}>{withCode(block.text)}</p>
                  ),
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
