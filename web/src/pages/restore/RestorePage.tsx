// The restore wizard (operators): kind → source → preflight (run by the API, changing nothing) → confirm, then the
// restore job followed live; below it, the cluster's restores. Viewers get the explanation and the list only.
import { useMutation } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams, useSearchParams } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { IDLE_MS, useBackupActivity, useBackups, usePitr, useRefreshBackups, useRestores } from "../../api/hooks/backups";
import { useClusterDetail } from "../../api/hooks/clusters";
import { useSession } from "../../auth/session";
import { JobProgress } from "../../components/JobProgress";
import { restorableRanges } from "../../components/pitrScale";
import { useBackupMarkers } from "../backups/PitrPanel";
import { shardNames } from "../backups/shards";
import { ConfirmStep } from "./ConfirmStep";
import { KindStep } from "./KindStep";
import { PreflightStep } from "./PreflightStep";
import { RestoresList } from "./RestoresList";
import { SourceStep } from "./SourceStep";
import { EMPTY, requestBody, sourceProblems, usesTime, type RestoreBody, type WizardState } from "./wizard";

const STEPS = ["kind", "source", "preflight", "confirm"] as const;
// The point-in-time windows grow with every slice: the time step re-reads them this often.
const PITR_MS = 5000;

export default function RestorePage() {
  const { name = "" } = useParams();
  const [search] = useSearchParams();
  const { t } = useTranslation("restore");
  const { can } = useSession();
  const isOperator = can("operator");
  const fromCatalog = search.get("backup");
  const [state, setState] = useState<WizardState>(() =>
    fromCatalog ? { ...EMPTY, choice: "cluster", backupId: fromCatalog } : EMPTY,
  );
  const [step, setStep] = useState(fromCatalog ? 1 : 0);
  const [job, setJob] = useState<Schemas["JobAccepted"] | null>(null);
  const [jobEnded, setJobEnded] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);

  const { busy, intervalMs } = useBackupActivity(name, job !== null && !jobEnded);
  const restores = useRestores(name, intervalMs);
  const backups = useBackups(name, IDLE_MS);
  const pitr = usePitr(name, PITR_MS);
  const detail = useClusterDetail(name);
  const ranges = restorableRanges((pitr.data?.windows ?? []).map((window) => ({ start: window.start.time, end: window.end.time })));
  const markers = useBackupMarkers(backups.data?.backups ?? []);
  const problems = sourceProblems(state, ranges);

  const preflight = useMutation({
    mutationFn: async (body: RestoreBody) =>
      unwrap(await api.POST("/api/v1/clusters/{name}/restores/preflight", { params: { path: { name } }, body })),
  });
  const refresh = useRefreshBackups(name);
  const start = useMutation({
    mutationFn: async (body: RestoreBody) =>
      unwrap(await api.POST("/api/v1/clusters/{name}/restores", { params: { path: { name } }, body })),
    onSuccess: (accepted) => {
      setJob(accepted);
      setJobEnded(false);
      refresh();
    },
  });
  const onJobEnd = useCallback(() => {
    setJobEnded(true);
    refresh();
  }, [refresh]);

  useEffect(() => {
    if (moved.current) heading.current?.focus();
  }, [step, job]);

  const change = (patch: Partial<WizardState>) => {
    preflight.reset();
    setState((current) => ({ ...current, ...patch }));
  };
  const go = (next: number) => {
    moved.current = true;
    if (next === 2) preflight.mutate(requestBody(state));
    setStep(next);
  };
  const startRestore = () => {
    const body = requestBody(state);
    // The restore reads the very backup the preflight checked, even if a newer one appears meanwhile.
    const checked = preflight.data?.backup_id;
    start.mutate(usesTime(state) && checked ? { ...body, backup_id: checked } : body);
  };
  const again = () => {
    moved.current = true;
    preflight.reset();
    start.reset();
    setJob(null);
    setState(EMPTY);
    setStep(0);
  };
  const canGoOn = [state.choice !== null, problems.length === 0, preflight.data?.ok === true, false][step];
  const stepName = t(`steps.${STEPS[step]}`);

  return (
    <div className="page restore-page">
      {!isOperator ? (
        <p className="notice" data-testid="viewer-explanation">
          {t("viewerOnly")}
        </p>
      ) : (
        <section className="card wizard" aria-labelledby="wizard-title">
          <h2 id="wizard-title" className="visually-hidden">
            {t("title")}
          </h2>
          {busy && !job && <p className="warning">{t("busy")}</p>}
          {job ? (
            <>
              <h3 ref={heading} tabIndex={-1}>
                {t("title")}
              </h3>
              <JobProgress jobId={job.job_id} kind={job.kind} onEnd={onJobEnd} />
              <button type="button" className="button secondary" onClick={again} disabled={!jobEnded}>
                {t("confirm.again")}
              </button>
            </>
          ) : (
            <>
              <ol className="wizard-steps" aria-label={t("steps.label")}>
                {STEPS.map((key, index) => (
                  <li key={key} aria-current={index === step ? "step" : undefined} className={index < step ? "done" : undefined}>
                    {index < step ? (
                      <button type="button" className="link-button" onClick={() => go(index)}>
                        {index + 1}. {t(`steps.${key}`)}
                      </button>
                    ) : (
                      <span>
                        {index + 1}. {t(`steps.${key}`)}
                      </span>
                    )}
                  </li>
                ))}
              </ol>
              <h3 ref={heading} tabIndex={-1} className="step-title">
                {t("stepOf", { step: step + 1, name: stepName })}
              </h3>
              {step === 0 && <KindStep choice={state.choice} onChoose={(choice) => change({ choice, backupId: null, time: null })} />}
              {step === 1 && (
                <SourceStep
                  cluster={name}
                  state={state}
                  onChange={change}
                  backups={backups}
                  pitr={pitr}
                  ranges={ranges}
                  markers={markers}
                  shards={shardNames(detail.data)}
                  problems={problems}
                />
              )}
              {step === 2 && (
                <PreflightStep
                  result={preflight.data}
                  error={preflight.error}
                  pending={preflight.isPending}
                  onRerun={() => preflight.mutate(requestBody(state))}
                />
              )}
              {step === 3 && preflight.data && (
                <ConfirmStep
                  cluster={name}
                  state={state}
                  preflight={preflight.data}
                  starting={start.isPending}
                  error={start.error}
                  onStart={startRestore}
                />
              )}
              <div className="wizard-nav">
                {step > 0 && (
                  <button type="button" className="button secondary" onClick={() => go(step - 1)}>
                    {t("back")}
                  </button>
                )}
                {step < 3 && (
                  <button type="button" className="button primary" disabled={!canGoOn} onClick={() => go(step + 1)}>
                    {t("next")}
                  </button>
                )}
              </div>
            </>
          )}
        </section>
      )}
      <RestoresList restores={restores} />
    </div>
  );
}
