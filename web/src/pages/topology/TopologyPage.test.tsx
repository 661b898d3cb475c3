import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Schemas } from "../../api/client";
import type { Role } from "../../lib/roles";
import { deployedDetail, deployedMember, deployedTopology, registeredDetail } from "../../test/clusters";
import { jobRecord } from "../../test/jobs";
import { json, mockApi, renderRoutes } from "../../test/render";
import { sessionOf } from "../../test/session";
import TopologyPage from "./TopologyPage";

const sessionAs = (role: Role) => () => json(sessionOf(role));

const distribution: Schemas["DataDistributionPublic"] = {
  message: "2 shards",
  cluster: "e2e",
  server: "sandbox (mongosim)",
  shards: [
    { name: "shard0", documents: 300, orphaned_documents: 2, data_size_bytes: 30 * 1024, storage_size_bytes: 64 * 1024, chunks: 3 },
    { name: "shard1", documents: 200, orphaned_documents: 0, data_size_bytes: 20 * 1024, storage_size_bytes: null, chunks: 1 },
  ],
  collections: [
    { namespace: "shop.orders", shard_key: { _id: "hashed" }, chunks: 4, documents: 500, orphaned_documents: 2, size_bytes: 50 * 1024 },
  ],
  collection_shards: [],
  totals: { shards: 2, sharded_collections: 1, chunks: 4, documents: 500, orphaned_documents: 2, data_size_bytes: 50 * 1024, storage_size_bytes: null },
  balancer: { mode: "full", enabled: true, running: false, rounds: 42 },
};

const STOPPED = { state: "DOWN", health: 0, lag_s: null, uptime_s: null, pid: null, message: "not running" };

function withShard0Member1Down(): Schemas["ClusterDetailPublic"] {
  const detail = deployedDetail({ status: "degraded" });
  detail.topology = deployedTopology([
    deployedMember("cfg", 0),
    deployedMember("shard0", 0),
    deployedMember("shard0", 1, STOPPED),
    deployedMember("shard0", 2),
    deployedMember("shard1", 0),
  ]);
  return detail;
}

const job = (kind: string, node: string) =>
  jobRecord({ id: "2026-11-26T10-00-00Z-1", kind, operation_class: "deployment", state: "queued", progress: 0, step: null, params: { node }, started_at: null });

const routes = [{ path: "/clusters/:name/topology", element: <TopologyPage /> }];

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}

beforeEach(() => {
  // React Flow measures its container; jsdom lays nothing out.
  vi.stubGlobal("ResizeObserver", ResizeObserverStub);
});
afterEach(() => vi.unstubAllGlobals());

function memberRow(key: string) {
  return within(screen.getByTestId(`member-${key}`));
}

describe("TopologyPage", () => {
  it("shows every member and router with state, lag and uptime, the graph, distribution, balancer and checks", async () => {
    mockApi({
      "GET /api/v1/auth/session": sessionAs("viewer"),
      "GET /api/v1/clusters/e2e": () => json(deployedDetail()),
      "GET /api/v1/clusters/e2e/distribution": () => json(distribution),
    });
    renderRoutes(routes, "/clusters/e2e/topology");
    expect(await screen.findByTestId("topology-summary")).toHaveTextContent(
      "Cluster healthy: 5 of 5 members healthy, 1 of 1 routers up.",
    );
    const table = screen.getByRole("table", { name: "Every member and router of e2e" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((row) => within(row).getByRole("rowheader").textContent)).toEqual([
      "cfg-0",
      "shard0-0",
      "shard0-1",
      "shard0-2",
      "shard1-0",
      "router-0",
    ]);
    expect(memberRow("cfg-0").getByText("config servers")).toBeInTheDocument();
    expect(memberRow("shard0-0").getByText("PRIMARY")).toBeInTheDocument();
    expect(memberRow("shard0-0").getByText("primary")).toBeInTheDocument();
    expect(memberRow("shard0-1").getByText("SECONDARY")).toBeInTheDocument();
    expect(memberRow("shard0-1").getByText("0 ms")).toBeInTheDocument();
    expect(memberRow("shard0-1").getByText("1h")).toBeInTheDocument();
    expect(memberRow("router-0").getByText("UP")).toBeInTheDocument();
    expect(screen.getByTestId("server-kind")).toHaveTextContent("Sandbox (mongosim)");
    // Viewers get no node actions.
    expect(screen.queryByRole("button", { name: /^Stop / })).not.toBeInTheDocument();

    // The graph draws the same servers, each with its state in words.
    const graph = screen.getByRole("figure", { name: /Graph of e2e/ });
    expect(within(graph).getAllByTestId("graph-node")).toHaveLength(9);
    expect(within(graph).getByText("3 of 3 healthy")).toBeInTheDocument();

    const shards = await screen.findByRole("table", { name: "Data of e2e per shard" });
    expect(within(shards).getByTestId("distribution-shard0")).toHaveTextContent("shard0300230 KiB64 KiB360%");
    expect(within(shards).getByTestId("distribution-shard1")).toHaveTextContent("shard1200020 KiB—140%");
    expect(within(screen.getByTestId("balancer")).getByText("full")).toBeInTheDocument();
    expect(within(screen.getByTestId("balancer")).getByText("42")).toBeInTheDocument();
    expect(screen.getByRole("table", { name: "Sharded collections of e2e" })).toHaveTextContent('shop.orders{"_id":"hashed"}');
    expect(screen.getByText("2 checks passed")).toBeInTheDocument();
    expect(screen.getByRole("table", { name: "Health checks of e2e that passed", hidden: true })).toHaveTextContent("6 of 6 processes running");
  });

  it("follows a member's state change without reloading", async () => {
    let current = deployedDetail();
    mockApi({
      "GET /api/v1/auth/session": sessionAs("viewer"),
      "GET /api/v1/clusters/e2e": () => json(current),
      "GET /api/v1/clusters/e2e/distribution": () => json(distribution),
    });
    const { client } = renderRoutes(routes, "/clusters/e2e/topology");
    expect(await screen.findByTestId("topology-summary")).toHaveTextContent("Cluster healthy");
    current = withShard0Member1Down();
    await client.refetchQueries({ queryKey: ["clusters", "e2e"], exact: true });
    await waitFor(() => expect(memberRow("shard0-1").getByText("DOWN")).toBeInTheDocument());
    expect(memberRow("shard0-1").getByText("unreachable")).toBeInTheDocument();
    expect(memberRow("shard0-1").getByText("not running")).toBeInTheDocument();
    expect(screen.getByTestId("topology-summary")).toHaveTextContent("Cluster degraded: 4 of 5 members healthy");
    expect(screen.getByText("2 of 3 healthy")).toBeInTheDocument();
  });

  it("lets an operator stop a member after confirming, and says which job does it", async () => {
    const calls = mockApi({
      "GET /api/v1/auth/session": sessionAs("operator"),
      "GET /api/v1/clusters/e2e": () => json(deployedDetail()),
      "GET /api/v1/clusters/e2e/distribution": () => json(distribution),
      "POST /api/v1/deployments/e2e/nodes/shard0-1/stop": () => json(job("node-stop", "shard0-1"), 202),
    });
    renderRoutes(routes, "/clusters/e2e/topology");
    await userEvent.click(await screen.findByRole("button", { name: "Stop shard0-1" }));
    const dialog = screen.getByRole("dialog", { name: "Stop shard0-1?" });
    expect(dialog).toHaveTextContent("shard0-1 (localhost:27111) stops.");
    expect(calls.some((call) => call.method === "POST")).toBe(false);
    await userEvent.click(within(dialog).getByRole("button", { name: "Stop shard0-1" }));
    expect(await screen.findByText(/Job 2026-11-26T10-00-00Z-1 \(node stop shard0-1\) started\./)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Follow the job" })).toHaveAttribute("href", "/jobs/2026-11-26T10-00-00Z-1");
    const post = calls.find((call) => call.method === "POST");
    expect(post?.headers.get("X-CSRF-Token")).toBe("csrf-test");
  });

  it("sends nothing when the operator cancels the stop", async () => {
    const calls = mockApi({
      "GET /api/v1/auth/session": sessionAs("operator"),
      "GET /api/v1/clusters/e2e": () => json(deployedDetail()),
      "GET /api/v1/clusters/e2e/distribution": () => json(distribution),
    });
    renderRoutes(routes, "/clusters/e2e/topology");
    await userEvent.click(await screen.findByRole("button", { name: "Stop router-0" }));
    await userEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(calls.some((call) => call.method === "POST")).toBe(false);
  });

  it("starts a stopped member at once and shows the API's refusal", async () => {
    mockApi({
      "GET /api/v1/auth/session": sessionAs("operator"),
      "GET /api/v1/clusters/e2e": () => json(withShard0Member1Down()),
      "GET /api/v1/clusters/e2e/distribution": () => json(distribution),
      "POST /api/v1/deployments/e2e/nodes/shard0-1/start": () =>
        json({ detail: "another operation is running on cluster e2e: node-stop 2026-11-26T10-00-00Z-1" }, 409),
    });
    renderRoutes(routes, "/clusters/e2e/topology");
    await userEvent.click(await screen.findByRole("button", { name: "Start shard0-1" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("another operation is running on cluster e2e: node-stop");
  });

  it("reads the cluster now on request (refresh=true)", async () => {
    let refreshed = false;
    const calls = mockApi({
      "GET /api/v1/auth/session": sessionAs("viewer"),
      "GET /api/v1/clusters/e2e": (request) => {
        if (new URL(request.url).searchParams.get("refresh") === "true") {
          refreshed = true;
          return json(deployedDetail({ stale: false, age_s: 0 }));
        }
        return json(deployedDetail());
      },
      "GET /api/v1/clusters/e2e/distribution": () => json(distribution),
    });
    renderRoutes(routes, "/clusters/e2e/topology");
    expect(await screen.findByText("· poller snapshot")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Read now" }));
    await waitFor(() => expect(refreshed).toBe(true));
    expect(await screen.findByText("· read live")).toBeInTheDocument();
    const asked = calls.filter((call) => new URL(call.url).pathname === "/api/v1/clusters/e2e");
    expect(new URL(asked[0]!.url).searchParams.get("max_age_s")).toBe("2");
  });

  it("keeps the last reading on screen when a refresh fails, and says so", async () => {
    let fail = false;
    mockApi({
      "GET /api/v1/auth/session": sessionAs("viewer"),
      "GET /api/v1/clusters/e2e": () => (fail ? json({ detail: "the cluster pollers are not available" }, 503) : json(deployedDetail())),
      "GET /api/v1/clusters/e2e/distribution": () => json(distribution),
    });
    const { client } = renderRoutes(routes, "/clusters/e2e/topology");
    expect(await screen.findByTestId("topology-summary")).toHaveTextContent("Cluster healthy");
    fail = true;
    await client.refetchQueries({ queryKey: ["clusters", "e2e"], exact: true });
    expect(await screen.findByRole("alert")).toHaveTextContent("the cluster pollers are not available");
    expect(screen.getByText(/Could not refresh: what is shown was read at/)).toBeInTheDocument();
    expect(screen.getByTestId("topology-summary")).toHaveTextContent("Cluster healthy");
  });

  it("says why an unreachable cluster shows no topology", async () => {
    mockApi({
      "GET /api/v1/auth/session": sessionAs("viewer"),
      "GET /api/v1/clusters/e2e": () =>
        json(deployedDetail({ status: "unreachable", topology: null, health: null, error: "no answer within 10 s", observed_at: null, age_s: null })),
      "GET /api/v1/clusters/e2e/distribution": () => json({ detail: "server unreachable: no router answered" }, 502),
    });
    renderRoutes(routes, "/clusters/e2e/topology");
    expect(await screen.findByTestId("topology-summary")).toHaveTextContent("The cluster could not be read: no answer within 10 s");
    expect(screen.queryByRole("figure")).not.toBeInTheDocument();
    expect(screen.getByText("Not read yet")).toBeInTheDocument();
    expect(await screen.findByRole("alert")).toHaveTextContent("server unreachable: no router answered");
  });

  it("shows a registered cluster's members by address, with no node actions and no checks", async () => {
    mockApi({
      "GET /api/v1/auth/session": sessionAs("admin"),
      "GET /api/v1/clusters/prod": () => json(registeredDetail()),
      "GET /api/v1/clusters/prod/distribution": () => json({ ...distribution, cluster: "prod" }),
    });
    renderRoutes(routes, "/clusters/prod/topology");
    expect(await screen.findByTestId("topology-summary")).toHaveTextContent("Cluster healthy: 3 of 3 members healthy, 1 of 1 routers up.");
    expect(memberRow("rs-a/db2:27018").getByText("1.5s")).toBeInTheDocument();
    expect(memberRow("cfgrs/cfg1:27019").getByText("cfgrs")).toBeInTheDocument();
    expect(screen.getByTestId("server-kind")).toHaveTextContent("MongoDB");
    expect(screen.queryByRole("button", { name: /^(Stop|Start) / })).not.toBeInTheDocument();
    expect(screen.getByText(/Health checks run for clusters deployed/)).toBeInTheDocument();
  });
});
