// Clusters deployed on the API's machine (by `mongo-admin cluster deploy`, e.g. the quick start's sandbox) that
// the platform does not watch yet: administrators add each with one click (POST /clusters {"deployed": NAME}).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { clusterKeys } from "../../api/hooks/clusters";
import { ErrorMessage } from "../../components/QueryState";

export function DeployedUnwatched({ registered }: { registered: string[] }) {
  const { t } = useTranslation("clusters");
  const queryClient = useQueryClient();
  const deployments = useQuery({
    queryKey: ["deployments"],
    queryFn: async () => unwrap(await api.GET("/api/v1/deployments")),
  });
  const add = useMutation({
    mutationFn: async (name: string) => unwrap(await api.POST("/api/v1/clusters", { body: { deployed: name, auth_source: "admin", tls: false } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: clusterKeys.all, exact: true }),
  });
  const unwatched = (deployments.data?.data ?? []).filter((deployment) => !registered.includes(deployment.name));
  if (unwatched.length === 0 && !add.error) return null;
  return (
    <section className="card" aria-labelledby="unwatched-title" data-testid="deployed-unwatched">
      <h2 id="unwatched-title">{t("unwatched.title")}</h2>
      <p className="muted">{t("unwatched.intro")}</p>
      {add.error && <ErrorMessage error={add.error} />}
      <ul className="unwatched-list">
        {unwatched.map((deployment) => (
          <li key={deployment.name}>
            <strong>{deployment.name}</strong>{" "}
            <span className="muted">
              {t("unwatched.facts", { server: deployment.server, running: deployment.running, processes: deployment.processes })}
            </span>{" "}
            <button
              type="button"
              className="button secondary small"
              disabled={add.isPending}
              onClick={() => add.mutate(deployment.name)}
            >
              {t("unwatched.add", { name: deployment.name })}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
