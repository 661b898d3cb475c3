import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, mockApi, renderPage } from "../../test/render";
import { sessionOf } from "../../test/session";
import FakePlot from "../../test/fakeUplot";
import MetricsPage from "./MetricsPage";

vi.mock("uplot", () => import("../../test/fakeUplot"));

const session = sessionOf("viewer", { username: "vera" });

const MiB = 1024 * 1024;

function latest(overrides: Record<string, unknown> = {}) {
  return {
    cluster: "prod",
    taken_at: new Date(Date.now() - 1000).toISOString(),
    age_s: 1,
    duration_s: 0.12,
    gaps: 1,
    interval_s: 1,
    nodes: [
      {
        node: "cfg-0",
        up: true,
        values: { "connections.current": 7, "connections.available": 838853, "repl.lag_s": 0, "cache.used_bytes": 3 * MiB, "cache.max_bytes": 256 * MiB, "queue.readers": 0, "queue.writers": 2 },
      },
      { node: "router-0", up: true, values: { "connections.current": 3 } },
      { node: "shard1", up: null, values: { "shard.owned_docs": 500 } },
      { node: "shard1-0", up: false, values: {} },
    ],
    ...overrides,
  };
}

/** The API's series set for what a request asks: every point a value (the node index + 1), the last step open. */
function seriesSet(request: Request) {
  const url = new URL(request.url);
  const start = Date.parse(url.searchParams.get("start")!);
  const step = Number(url.searchParams.get("step"));
  const series = url.searchParams.getAll("node").flatMap((node, index) =>
    url.searchParams.getAll("metric").map((metric) => ({
      cluster: "prod",
      node,
      metric,
      kind: metric.startsWith("opcounters") ? "rate" : "gauge",
      step_s: step,
      points: [0, 1, 2].map((n) => ({
        at: new Date(start + n * step * 1000).toISOString(),
        value: n === 2 ? null : index + 1,
        gap: n === 2 ? "no sample" : null,
      })),
    })),
  );
  return json({ cluster: "prod", start: url.searchParams.get("start"), end: url.searchParams.get("end"), step_s: step, series });
}

function api(latestBody: () => unknown = () => latest(), set: (request: Request) => Response = seriesSet) {
  return mockApi({
    "GET /api/v1/auth/session": () => json(session),
    "GET /api/v1/clusters/prod/metrics/latest": () => json(latestBody()),
    "GET /api/v1/clusters/prod/metrics/series/batch": set,
  });
}

const open = (search = "") =>
  renderPage(<MetricsPage />, { path: `/clusters/prod/metrics${search}`, pattern: "/clusters/:name/metrics" });

const batches = (calls: Request[]) =>
  calls.filter((call) => call.url.includes("/series/batch")).map((call) => new URL(call.url).searchParams);

beforeEach(() => {
  FakePlot.made = [];
});
afterEach(() => vi.unstubAllGlobals());

describe("MetricsPage", () => {
  it("says plainly when nothing has been collected yet", async () => {
    api(() => latest({ taken_at: null, age_s: null, nodes: [], gaps: 0, interval_s: 10 }));
    open();
    expect(await screen.findByTestId("metrics-empty")).toHaveTextContent("every 10 s");
    expect(screen.queryByTestId("chart-ops")).not.toBeInTheDocument();
  });

  it("tells when the API does not collect at all", async () => {
    api(() => latest({ taken_at: null, age_s: null, nodes: [], gaps: 0, interval_s: null }));
    open();
    expect(await screen.findByTestId("metrics-empty")).toHaveTextContent("MONGO_ADMIN_METRICS_INTERVAL_S");
  });

  it("shows the latest round as numbers, per node, with who did not answer", async () => {
    api();
    open();
    const table = await screen.findByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    // Shard figures are not nodes.
    expect(rows.map((row) => within(row).getByRole("rowheader").textContent)).toEqual(["cfg-0", "router-0", "shard1-0"]);
    expect(rows[0]).toHaveTextContent("7");
    expect(rows[0]).toHaveTextContent("838,853 available");
    expect(rows[0]).toHaveTextContent("3 MiB");
    expect(rows[0]).toHaveTextContent("of 256 MiB");
    expect(rows[0]).toHaveTextContent("0 / 2");
    expect(within(rows[2]!).getByText("no answer")).toBeInTheDocument();
    // A node that did not answer shows no made-up figure.
    expect(within(rows[2]!).getAllByText("—").length).toBeGreaterThanOrEqual(8);
    expect(screen.getByTestId("metrics-taken-at")).toHaveTextContent("1 node did not answer");
    expect(screen.getByRole("status")).toHaveTextContent("Live: the charts refresh every 5 s.");
  });

  it("draws every chart for all nodes, one request per chart, a line per node", async () => {
    const calls = api();
    open();
    await waitFor(() => expect(FakePlot.made.length).toBe(6));
    const asked = batches(calls);
    expect(asked).toHaveLength(6);
    for (const params of asked) expect(params.getAll("node")).toEqual(["cfg-0", "router-0", "shard1-0"]);
    expect(asked.map((params) => params.getAll("metric").length)).toEqual([6, 1, 1, 1, 1, 1]);
    // 15 minutes by default, on a 5 s grid.
    expect(asked[0]!.get("step")).toBe("5");
    const span = Date.parse(asked[0]!.get("end")!) - Date.parse(asked[0]!.get("start")!);
    expect(span).toBeGreaterThanOrEqual(900_000);
    expect(span).toBeLessThan(905_000);
    const ops = FakePlot.made.find((plot) => plot.labels.includes("cfg-0") && plot.data.length === 4)!;
    expect(ops.labels).toEqual(["cfg-0", "router-0", "shard1-0"]);
    // Six operation types summed per node; the live window's open step is not drawn.
    expect(ops.data[1]).toEqual([6, 6]);
    const chart = within(screen.getByTestId("chart-ops")).getByRole("img");
    expect(chart).toHaveAccessibleName(/^Operations per second, All nodes \(one line each\), last 15 min\. cfg-0: latest 6\/s, lowest 6\/s, highest 6\/s\. router-0: latest 12\/s/);
  });

  it("shows one node's metrics as lines by name", async () => {
    const calls = api();
    open();
    await userEvent.selectOptions(await screen.findByLabelText("Node"), "cfg-0");
    await waitFor(() => expect(batches(calls).filter((params) => params.getAll("node").length === 1)).toHaveLength(6));
    const cache = batches(calls).find((params) => params.getAll("metric").includes("cache.dirty_bytes"))!;
    expect(cache.getAll("node")).toEqual(["cfg-0"]);
    expect(cache.getAll("metric")).toEqual(["cache.used_bytes", "cache.dirty_bytes"]);
    await waitFor(() =>
      expect(FakePlot.made.some((plot) => plot.labels.join() === "insert,query,update,delete,getmore,command")).toBe(true),
    );
    expect(screen.queryByLabelText("Operation type")).not.toBeInTheDocument();
  });

  it("picks one operation type for every node", async () => {
    const calls = api();
    open();
    await userEvent.selectOptions(await screen.findByLabelText("Operation type"), "update");
    await waitFor(() =>
      expect(batches(calls).some((params) => params.getAll("metric").join() === "opcounters.update")).toBe(true),
    );
    expect(within(screen.getByTestId("chart-ops")).getByRole("heading")).toHaveTextContent("update operations per second");
  });

  it("reads a longer range on a coarser grid", async () => {
    const calls = api();
    open();
    await userEvent.click(await screen.findByRole("button", { name: "1 hour" }));
    expect(screen.getByRole("button", { name: "1 hour" })).toHaveAttribute("aria-pressed", "true");
    await waitFor(() => expect(batches(calls).some((params) => params.get("step") === "30")).toBe(true));
  });

  it("checks a custom range, then shows it without refreshing", async () => {
    const calls = api();
    open();
    await userEvent.click(await screen.findByRole("button", { name: "Custom…" }));
    const from = screen.getByLabelText("From");
    const to = screen.getByLabelText("To");
    await userEvent.clear(from);
    await userEvent.type(from, "2026-11-26T10:00");
    await userEvent.clear(to);
    await userEvent.type(to, "2026-11-26T09:00");
    await userEvent.click(screen.getByRole("button", { name: "Show range" }));
    expect(screen.getByRole("alert")).toHaveTextContent("The end must be after the start.");
    await userEvent.clear(to);
    await userEvent.type(to, "2026-11-26T11:00");
    await userEvent.click(screen.getByRole("button", { name: "Show range" }));
    await waitFor(() =>
      expect(batches(calls).some((params) => params.get("start") === new Date("2026-11-26T10:00").toISOString())).toBe(true),
    );
    expect(screen.getByRole("status")).toHaveTextContent("Fixed range: the charts do not refresh.");
    expect(screen.queryByRole("button", { name: "Pause the charts" })).not.toBeInTheDocument();
  });

  it("shows a chart's failure with the API's own words", async () => {
    api(undefined, () => json({ detail: "too many points: 3 nodes x 6 metrics x 90000 steps asked" }, 400));
    open();
    const chart = await screen.findByTestId("chart-ops");
    expect(await within(chart).findByRole("alert")).toHaveTextContent("too many points");
  });

  it("warns when the latest round is old: collection has stopped", async () => {
    api(() => latest({ taken_at: new Date(Date.now() - 600_000).toISOString(), age_s: 600 }));
    open();
    expect(await screen.findByTestId("metrics-stale")).toHaveTextContent("The latest round was taken 10 min ago");
    expect(screen.getByRole("status")).toHaveTextContent("stale");
  });

  it("pauses and resumes the charts", async () => {
    api();
    open();
    const pause = await screen.findByRole("button", { name: "Pause the charts" });
    await userEvent.click(pause);
    expect(screen.getByRole("status")).toHaveTextContent("Charts paused: the latest values below still refresh.");
    await userEvent.click(screen.getByRole("button", { name: "Resume the charts" }));
    expect(screen.getByRole("status")).toHaveTextContent("Live: the charts refresh every 5 s.");
  });
});
