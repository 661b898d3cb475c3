// The clusters overview and the live topology of the sandbox cluster: every member drawn and listed with its
// state; a secondary stopped and started again through the API shows in the page (and in the cluster's health)
// without reloading.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { apiAs, CLUSTER, expectAccessible, loginAs, screenshot, waitForJob } from "./fixtures";

interface Member {
  replica_set: string;
  node: string;
  state: string;
}
interface Topology {
  replica_sets: { name: string; role: string; members: number }[];
  members: Member[];
  routers: { node: string; state: string }[];
}

async function topologyOf(api: APIRequestContext): Promise<Topology> {
  const response = await api.get(`/api/v1/clusters/${CLUSTER}?refresh=true`);
  expect(response.ok()).toBeTruthy();
  const detail = (await response.json()) as { topology: Topology & { source: string } };
  expect(detail.topology.source).toBe("deployed");
  return detail.topology;
}

/** Stop or start `node` through the API and wait for its job to succeed. */
async function nodeJob(api: APIRequestContext, node: string, action: "stop" | "start"): Promise<void> {
  const response = await api.post(`/api/v1/deployments/${CLUSTER}/nodes/${node}/${action}`);
  expect(response.status(), await response.text()).toBe(202);
  const job = await waitForJob(api, String(((await response.json()) as { id: string }).id));
  expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
}

const row = (page: Page, node: string) => page.getByTestId(`member-${node}`);

test("the overview lists the sandbox cluster with its health", async ({ page }) => {
  await loginAs(page, "operator");
  await expect(page).toHaveURL(/\/clusters$/);
  const card = page.getByTestId(`cluster-${CLUSTER}`);
  await expect(card.getByTestId("server-kind")).toHaveText("Sandbox (mongosim)");
  await expect(card.getByText("healthy", { exact: true })).toBeVisible();
  await expect(card.getByText("Deployed on the API's machine")).toBeVisible();
  await expect(card.getByText("5 of 5 healthy")).toBeVisible();
  await expect(card.getByText("1 of 1 up")).toBeVisible();
  await expect(card.getByText(/^Read /)).toBeVisible();
  // Operators do not register clusters (administrators do).
  await expect(page.getByText("Register a cluster by connection string")).toHaveCount(0);
  await screenshot(page, "clusters");
  await expectAccessible(page);
  await card.getByRole("link", { name: CLUSTER }).click();
  await expect(page).toHaveURL(new RegExp(`/clusters/${CLUSTER}/topology$`));
});

test("the topology shows every member, and follows a secondary that stops and starts again", async ({ page }) => {
  const api = await apiAs("operator");
  const topology = await topologyOf(api);
  expect(topology.members.filter((m) => m.replica_set === topology.replica_sets.find((s) => s.role === "configsvr")?.name)).toHaveLength(1);
  expect(topology.replica_sets.filter((s) => s.role === "shardsvr").map((s) => s.members).sort()).toEqual([1, 3]);
  expect(topology.routers).toHaveLength(1);

  await loginAs(page, "operator");
  await page.goto(`/clusters/${CLUSTER}/topology`);
  await expect(page.getByTestId("sandbox-banner")).toBeVisible();
  const summary = page.getByTestId("topology-summary");
  await expect(summary).toHaveText("Cluster healthy: 5 of 5 members healthy, 1 of 1 routers up.");
  for (const member of topology.members) await expect(row(page, member.node)).toContainText(member.state);
  for (const router of topology.routers) await expect(row(page, router.node)).toContainText("UP");
  await expect(page.getByRole("figure", { name: /Graph of e2e/ }).getByTestId("graph-node")).toHaveCount(6 + 3);
  await expect(page.getByRole("table", { name: "Data of e2e per shard" }).getByRole("row")).toHaveCount(2 + 2);
  await expect(page.getByRole("table", { name: "Data of e2e per shard" })).toContainText("500");
  await expect(page.getByTestId("balancer")).toBeVisible();
  await expect(page.getByRole("table", { name: "Sharded collections of e2e" })).toContainText("shop.orders");
  await screenshot(page, "topology");
  await expectAccessible(page);

  const shard = topology.replica_sets.find((s) => s.role === "shardsvr" && s.members === 3)!;
  const secondary = topology.members.find((m) => m.replica_set === shard.name && m.state === "SECONDARY")!;
  expect(secondary, `a SECONDARY of ${shard.name}`).toBeTruthy();
  await expect(page.getByRole("button", { name: `Stop ${secondary.node}` })).toBeVisible();

  let stopped = false;
  try {
    await nodeJob(api, secondary.node, "stop");
    stopped = true;
    // No reload: the page's own polling shows the member down and the cluster degraded.
    await expect(row(page, secondary.node)).toContainText("DOWN", { timeout: 20_000 });
    await expect(summary).toContainText("Cluster degraded: 4 of 5 members healthy", { timeout: 20_000 });
    await expect(page.getByRole("button", { name: `Start ${secondary.node}` })).toBeVisible();
    await screenshot(page, "topology-member-down");

    await nodeJob(api, secondary.node, "start");
    stopped = false;
    await expect(row(page, secondary.node)).toContainText("SECONDARY", { timeout: 60_000 });
    await expect(summary).toHaveText("Cluster healthy: 5 of 5 members healthy, 1 of 1 routers up.", { timeout: 60_000 });
  } finally {
    if (stopped) await nodeJob(api, secondary.node, "start");
    await api.dispose();
  }
});

test("a viewer sees the topology but no node actions, on a laptop screen, in Korean too", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await loginAs(page, "viewer");
  await page.goto(`/clusters/${CLUSTER}/topology`);
  await expect(page.getByTestId("topology-summary")).toContainText("Cluster healthy");
  await expect(page.getByRole("table", { name: `Every member and router of ${CLUSTER}` })).toBeVisible();
  await expect(page.getByRole("button", { name: /^(Stop|Start) / })).toHaveCount(0);
  // Wide tables scroll in their own frame: the page itself never scrolls sideways.
  const overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
  expect(overflow as number).toBeLessThanOrEqual(0);
  await page.getByLabel("Language").selectOption("ko");
  await expect(page.getByRole("heading", { name: "멤버" })).toBeVisible();
  await expect(page.getByTestId("topology-summary")).toContainText("클러스터 정상");
});
