// Where the cluster's data lives: per shard (documents, sizes, chunks, share), per sharded collection, and the
// balancer's state, as the routers report them now.
import type { UseQueryResult } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { Loading } from "../../components/QueryState";
import { ReadProblem } from "../../components/RefreshFailed";
import { StatusBadge } from "../../components/StatusBadge";
import { formatBytes, formatNumber } from "../../lib/format";

type Distribution = Schemas["DataDistributionPublic"];

/** A shard's part of all documents, 0–1 (0 when the cluster holds none). */
export function shareOf(documents: number, total: number): number {
  return total > 0 ? documents / total : 0;
}

type Figures = Pick<Distribution["totals"], "documents" | "orphaned_documents" | "data_size_bytes" | "storage_size_bytes" | "chunks">;

/** The cells a shard's row and the totals row share. */
function FigureCells({ figures, locale }: { figures: Figures; locale: string }) {
  return (
    <>
      <td className="number">{formatNumber(figures.documents, locale)}</td>
      <td className="number">{formatNumber(figures.orphaned_documents, locale)}</td>
      <td className="number">{formatBytes(figures.data_size_bytes, locale)}</td>
      <td className="number">{formatBytes(figures.storage_size_bytes, locale)}</td>
      <td className="number">{formatNumber(figures.chunks, locale)}</td>
    </>
  );
}

function ShardTable({ data, cluster }: { data: Distribution; cluster: string }) {
  const { t, i18n } = useTranslation("topology");
  const locale = i18n.language;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{t("distribution.caption", { name: cluster })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("distribution.shard")}</th>
            <th scope="col" className="number">{t("distribution.documents")}</th>
            <th scope="col" className="number">{t("distribution.orphaned")}</th>
            <th scope="col" className="number">{t("distribution.dataSize")}</th>
            <th scope="col" className="number">{t("distribution.storageSize")}</th>
            <th scope="col" className="number">{t("distribution.chunks")}</th>
            <th scope="col">{t("distribution.share")}</th>
          </tr>
        </thead>
        <tbody>
          {data.shards.map((shard) => {
            const share = shareOf(shard.documents, data.totals.documents);
            const percent = formatNumber(share * 100, locale, 1);
            return (
              <tr key={shard.name} data-testid={`distribution-${shard.name}`}>
                <th scope="row">{shard.name}</th>
                <FigureCells figures={shard} locale={locale} />
                <td>
                  <span className="share">
                    <meter min={0} max={1} value={share} aria-label={t("distribution.shareLabel", { shard: shard.name })} />
                    <span>{percent}%</span>
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t("distribution.total")}</th>
            <FigureCells figures={data.totals} locale={locale} />
            <td />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function CollectionsTable({ data, cluster }: { data: Distribution; cluster: string }) {
  const { t, i18n } = useTranslation("topology");
  const locale = i18n.language;
  if (data.collections.length === 0) return <p className="muted">{t("distribution.noCollections")}</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{t("distribution.collectionsCaption", { name: cluster })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("distribution.namespace")}</th>
            <th scope="col">{t("distribution.shardKey")}</th>
            <th scope="col" className="number">{t("distribution.chunks")}</th>
            <th scope="col" className="number">{t("distribution.documents")}</th>
            <th scope="col" className="number">{t("distribution.orphaned")}</th>
            <th scope="col" className="number">{t("distribution.size")}</th>
          </tr>
        </thead>
        <tbody>
          {data.collections.map((collection) => (
            <tr key={collection.namespace}>
              <th scope="row">
                <code>{collection.namespace}</code>
              </th>
              <td>
                <code>{JSON.stringify(collection.shard_key)}</code>
              </td>
              <td className="number">{formatNumber(collection.chunks, locale)}</td>
              <td className="number">{formatNumber(collection.documents, locale)}</td>
              <td className="number">{formatNumber(collection.orphaned_documents, locale)}</td>
              <td className="number">{formatBytes(collection.size_bytes, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Balancer({ balancer }: { balancer: Distribution["balancer"] }) {
  const { t, i18n } = useTranslation("topology");
  return (
    <section className="balancer" aria-labelledby="balancer-title">
      <h3 id="balancer-title">{t("balancer.title")}</h3>
      {balancer ? (
        <dl className="facts" data-testid="balancer">
          <div>
            <dt>{t("balancer.mode")}</dt>
            <dd>
              <StatusBadge state={balancer.mode} tone={balancer.mode === "off" ? "warn" : "ok"} />
            </dd>
          </div>
          <div>
            <dt>{t("balancer.enabled")}</dt>
            <dd>{balancer.enabled ? t("balancer.yes") : t("balancer.no")}</dd>
          </div>
          <div>
            <dt>{t("balancer.round")}</dt>
            <dd>{balancer.running ? t("balancer.running") : t("balancer.idle")}</dd>
          </div>
          <div>
            <dt>{t("balancer.rounds")}</dt>
            <dd>{formatNumber(balancer.rounds, i18n.language)}</dd>
          </div>
        </dl>
      ) : (
        <p className="muted">{t("balancer.unknown")}</p>
      )}
    </section>
  );
}

export function DistributionSection({ query, cluster }: { query: UseQueryResult<Distribution>; cluster: string }) {
  const { t } = useTranslation("topology");
  const data = query.data;
  return (
    <section className="distribution" aria-labelledby="distribution-title">
      <h2 id="distribution-title">{t("distribution.title")}</h2>
      <ReadProblem query={query} />
      {data === undefined ? (
        !query.error && <Loading />
      ) : (
        <>
          <ShardTable data={data} cluster={cluster} />
          <Balancer balancer={data.balancer} />
          <h3>{t("distribution.collectionsTitle")}</h3>
          <CollectionsTable data={data} cluster={cluster} />
        </>
      )}
    </section>
  );
}
