import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Role } from "../../lib/roles";
import { clusterRow, deployedDetail, registeredDetail } from "../../test/clusters";
import { json, mockApi, renderRoutes } from "../../test/render";
import { sessionOf } from "../../test/session";
import ClustersPage from "./ClustersPage";

const sessionAs = (role: Role) => () => json(sessionOf(role));
const e2eRow = clusterRow(deployedDetail());
const prodRow = clusterRow(registeredDetail());

const routes = [
  { path: "/clusters", element: <ClustersPage /> },
  { path: "/clusters/:name/topology", element: <p>topology page</p> },
];

afterEach(() => vi.unstubAllGlobals());

function card(name: string) {
  return within(screen.getByTestId(`cluster-${name}`));
}

describe("ClustersPage", () => {
  it("shows every cluster with its status, server, source, members and reading age", async () => {
    mockApi({
      "GET /api/v1/auth/session": sessionAs("viewer"),
      "GET /api/v1/clusters": () => json({ data: [e2eRow, prodRow], count: 2 }),
      "GET /api/v1/clusters/e2e": () => json(deployedDetail()),
      "GET /api/v1/clusters/prod": () => json(registeredDetail()),
    });
    renderRoutes(routes, "/clusters");
    expect(await screen.findByText("2 registered")).toBeInTheDocument();
    await waitFor(() => expect(card("e2e").getByText("healthy")).toBeInTheDocument());
    const e2e = card("e2e");
    expect(e2e.getByTestId("server-kind")).toHaveTextContent("Sandbox (mongosim)");
    expect(e2e.getByText("8.0.4")).toBeInTheDocument();
    expect(e2e.getByText("Deployed on the API's machine")).toBeInTheDocument();
    expect(e2e.getByText("5 of 5 healthy")).toBeInTheDocument();
    expect(e2e.getByText("1 of 1 up")).toBeInTheDocument();
    expect(e2e.getByText("All 2 health checks passed.")).toBeInTheDocument();
    expect(e2e.getByText(/^Read /)).toHaveAttribute("datetime", "2026-11-26T10:00:00Z");
    expect(e2e.getByText("· poller snapshot")).toBeInTheDocument();
    expect(e2e.queryByText("outdated")).not.toBeInTheDocument();
    expect(e2e.getByRole("link", { name: "e2e" })).toHaveAttribute("href", "/clusters/e2e/topology");

    await waitFor(() => expect(card("prod").getByTestId("server-kind")).toHaveTextContent("MongoDB"));
    const prod = card("prod");
    expect(prod.getByText("Connection string")).toBeInTheDocument();
    expect(prod.getByText("mongodb://router1:27017")).toBeInTheDocument();
    expect(prod.getByText("8.0.3")).toBeInTheDocument();
    expect(prod.getByText(/Health checks run for clusters deployed/)).toBeInTheDocument();
    // A viewer is not offered the registration form.
    expect(screen.queryByText("Register a cluster by connection string")).not.toBeInTheDocument();
  });

  it("lists the WARNING and CRITICAL checks with their detail, worst first", async () => {
    const degraded = deployedDetail({ status: "degraded" });
    degraded.health!.checks = [
      { check: "processes", target: "shard0-1", level: "CRITICAL", detail: "not running" },
      { check: "replication lag", target: "shard0-2", level: "WARNING", detail: "14 s behind the primary" },
      { check: "balancer", target: "cluster", level: "OK", detail: "mode full" },
    ];
    mockApi({
      "GET /api/v1/auth/session": sessionAs("operator"),
      "GET /api/v1/clusters": () => json({ data: [e2eRow], count: 1 }),
      "GET /api/v1/clusters/e2e": () => json(degraded),
    });
    renderRoutes(routes, "/clusters");
    await waitFor(() => expect(card("e2e").getByText("degraded")).toBeInTheDocument());
    const items = card("e2e").getAllByRole("listitem");
    expect(items.map((item) => item.textContent)).toEqual([
      "CRITICAL processes shard0-1: not running",
      "WARNING replication lag shard0-2: 14 s behind the primary",
    ]);
    expect(card("e2e").queryByText(/mode full/)).not.toBeInTheDocument();
  });

  it("says why a cluster could not be read and shows no made-up figures", async () => {
    mockApi({
      "GET /api/v1/auth/session": sessionAs("viewer"),
      "GET /api/v1/clusters": () => json({ data: [prodRow], count: 1 }),
      "GET /api/v1/clusters/prod": () =>
        json(registeredDetail({ status: "unreachable", topology: null, error: "server unreachable: router1:27017 refused", age_s: 3 })),
    });
    renderRoutes(routes, "/clusters");
    await waitFor(() => expect(card("prod").getByText("unreachable")).toBeInTheDocument());
    const prod = card("prod");
    expect(prod.getByText("Not read: server unreachable: router1:27017 refused")).toBeInTheDocument();
    expect(prod.getByTestId("server-kind")).toHaveTextContent("Server unknown");
    expect(prod.queryByText(/healthy$/)).not.toBeInTheDocument();
    expect(prod.queryByText("Alerts")).not.toBeInTheDocument();
  });

  it("flags a reading older than the page asked for", async () => {
    mockApi({
      "GET /api/v1/auth/session": sessionAs("viewer"),
      "GET /api/v1/clusters": () => json({ data: [e2eRow], count: 1 }),
      "GET /api/v1/clusters/e2e": () => json(deployedDetail({ age_s: 95 })),
    });
    renderRoutes(routes, "/clusters");
    expect(await screen.findByText("outdated")).toBeInTheDocument();
    expect(card("e2e").getByText(/^Read 2 min ago/)).toBeInTheDocument();
  });

  it("shows the API's reason when a cluster's detail is refused", async () => {
    mockApi({
      "GET /api/v1/auth/session": sessionAs("viewer"),
      "GET /api/v1/clusters": () => json({ data: [e2eRow], count: 1 }),
      "GET /api/v1/clusters/e2e": () => json({ detail: "the cluster pollers are not available" }, 503),
    });
    renderRoutes(routes, "/clusters");
    await screen.findByTestId("cluster-e2e");
    expect(await card("e2e").findByRole("alert")).toHaveTextContent("the cluster pollers are not available");
  });

  it("tells an empty platform how to get a cluster", async () => {
    mockApi({
      "GET /api/v1/auth/session": sessionAs("admin"),
      "GET /api/v1/clusters": () => json({ data: [], count: 0 }),
    });
    renderRoutes(routes, "/clusters");
    expect(await screen.findByText(/No cluster is registered yet\. Deploy one/)).toBeInTheDocument();
  });

  it("offers an administrator to watch a cluster deployed on the API's machine but not registered", async () => {
    let listed = [e2eRow];
    const deployment = (name: string) => ({ name, state: "running", server: "sandbox (mongosim 0.1)", processes: 11, running: 11, routers: "2/2" });
    const calls = mockApi({
      "GET /api/v1/auth/session": sessionAs("admin"),
      "GET /api/v1/clusters": () => json({ data: listed, count: listed.length }),
      "GET /api/v1/clusters/e2e": () => json(deployedDetail()),
      "GET /api/v1/clusters/sandbox": () => json(deployedDetail({ name: "sandbox" })),
      "GET /api/v1/deployments": () => json({ data: [deployment("e2e"), deployment("sandbox")], count: 2 }),
      "POST /api/v1/clusters": () => {
        listed = [e2eRow, clusterRow(deployedDetail({ name: "sandbox" }))];
        return json(listed[1], 201);
      },
    });
    renderRoutes(routes, "/clusters");
    const section = within(await screen.findByTestId("deployed-unwatched"));
    expect(section.getByText("sandbox")).toBeInTheDocument();
    expect(section.getByText("sandbox (mongosim 0.1), 11 of 11 processes running")).toBeInTheDocument();
    expect(section.queryByText("e2e")).not.toBeInTheDocument(); // already watched
    await userEvent.click(section.getByRole("button", { name: "Watch sandbox" }));
    expect(await screen.findByTestId("cluster-sandbox")).toBeInTheDocument();
    const post = calls.find((call) => call.method === "POST");
    expect(await post?.json()).toEqual({ deployed: "sandbox", auth_source: "admin", tls: false });
    await waitFor(() => expect(screen.queryByTestId("deployed-unwatched")).not.toBeInTheDocument());
  });

  it("lets an administrator register a cluster by connection string", async () => {
    let listed = [e2eRow];
    const calls = mockApi({
      "GET /api/v1/auth/session": sessionAs("admin"),
      "GET /api/v1/clusters": () => json({ data: listed, count: listed.length }),
      "GET /api/v1/clusters/e2e": () => json(deployedDetail()),
      "GET /api/v1/clusters/prod": () => json(registeredDetail()),
      "POST /api/v1/clusters": () => {
        listed = [e2eRow, prodRow];
        return json(prodRow, 201);
      },
    });
    renderRoutes(routes, "/clusters");
    await userEvent.click(await screen.findByText("Register a cluster by connection string"));
    await userEvent.type(screen.getByLabelText("Name"), "prod");
    await userEvent.type(screen.getByLabelText("Connection string"), "mongodb://router1:27017");
    await userEvent.type(screen.getByLabelText("Username"), "ops");
    await userEvent.type(screen.getByLabelText("Password"), "s3cret");
    await userEvent.click(screen.getByLabelText("Connect with TLS"));
    await userEvent.click(screen.getByRole("button", { name: "Register" }));
    expect(await screen.findByText("Cluster prod registered.")).toBeInTheDocument();
    const post = calls.find((call) => call.method === "POST");
    expect(post?.headers.get("X-CSRF-Token")).toBe("csrf-test");
    expect(await post?.json()).toEqual({
      name: "prod",
      connection_string: "mongodb://router1:27017",
      tls: true,
      auth_source: "admin",
      username: "ops",
      password: "s3cret",
    });
    expect(await screen.findByTestId("cluster-prod")).toBeInTheDocument();
    expect(screen.getByLabelText("Password")).toHaveValue("");
  });

  it("sends no credentials when none are given, and shows the API's refusal", async () => {
    const calls = mockApi({
      "GET /api/v1/auth/session": sessionAs("admin"),
      "GET /api/v1/clusters": () => json({ data: [], count: 0 }),
      "POST /api/v1/clusters": () => json({ detail: "a cluster with this name is already registered" }, 409),
    });
    renderRoutes(routes, "/clusters");
    await userEvent.click(await screen.findByText("Register a cluster by connection string"));
    await userEvent.type(screen.getByLabelText("Name"), "prod");
    await userEvent.type(screen.getByLabelText("Connection string"), "mongodb://router1:27017");
    await userEvent.click(screen.getByRole("button", { name: "Register" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("a cluster with this name is already registered");
    const post = calls.find((call) => call.method === "POST");
    expect(await post?.json()).toEqual({ name: "prod", connection_string: "mongodb://router1:27017", tls: false, auth_source: "admin" });
  });

  it("offers operators no registration form (the API allows it to administrators only)", async () => {
    mockApi({
      "GET /api/v1/auth/session": sessionAs("operator"),
      "GET /api/v1/clusters": () => json({ data: [], count: 0 }),
    });
    renderRoutes(routes, "/clusters");
    expect(await screen.findByText(/An administrator can register one/)).toBeInTheDocument();
    expect(screen.queryByText("Register a cluster by connection string")).not.toBeInTheDocument();
  });
});
