import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Role } from "../../lib/roles";
import { backupPagesApi, preflightReport } from "../../test/backups";
import { accepted, jobDetail } from "../../test/jobs";
import { json, mockApi, renderPage, type Handlers } from "../../test/render";
import RestorePage from "./RestorePage";
import { toLocalInput } from "../../lib/localTime";

const restoreRecord = {
  restore_id: "20261126T090000Z",
  backup_id: "20261125T020000Z",
  source_cluster: "e2e",
  cluster: "e2e",
  kind: "namespaces",
  state: "failed",
  current_step: null,
  failed_step: "preflight",
  error: "no namespace of backup 20261125T020000Z matches shop.nothing",
  shard_map: {},
  restore_to_time: null,
  progress: 1,
  started_at: "2026-11-26T09:00:00Z",
  updated_at: "2026-11-26T09:00:01Z",
};

function serve(role: Role, overrides: Handlers = {}) {
  return mockApi({
    ...backupPagesApi(role),
    "GET /api/v1/clusters/e2e/restores": () => json({ data: [restoreRecord], count: 1 }),
    "POST /api/v1/clusters/e2e/restores/preflight": () => json(preflightReport()),
    ...overrides,
  });
}

const show = (path = "/clusters/e2e/restore") => renderPage(<RestorePage />, { path, pattern: "/clusters/:name/restore" });
const next = () => userEvent.click(screen.getByRole("button", { name: "Next" }));
const bodyOf = async (calls: Request[], path: string) =>
  calls.find((call) => call.method === "POST" && new URL(call.url).pathname === path)!.clone().json();

afterEach(() => vi.unstubAllGlobals());

describe("RestorePage", () => {
  it("explains to viewers why they cannot restore and lists the cluster's restores", async () => {
    serve("viewer");
    show();
    expect(await screen.findByTestId("viewer-explanation")).toHaveTextContent("Restoring needs the operator role");
    const record = await screen.findByRole("rowheader", { name: "20261126T090000Z" });
    expect(record.closest("tr")).toHaveTextContent("Failed at step preflight: no namespace of backup 20261125T020000Z matches shop.nothing");
    expect(screen.queryByRole("button", { name: "Next" })).not.toBeInTheDocument();
    expect(screen.queryByRole("radio")).not.toBeInTheDocument();
  });

  it("restores the whole cluster to a point in time: time, preflight, typed name, then the job", async () => {
    const chosen = Date.parse("2026-11-26T10:02:30Z");
    const calls = serve("operator", {
      "POST /api/v1/clusters/e2e/restores/preflight": () =>
        json(preflightReport({ point_in_time: "2026-11-26T10:02:30Z", restore_to_time: "2026-11-26T10:02:30Z", checks: [{ name: "base backup", ok: true, detail: "20261126T100000Z: the newest full backup", fix: "" }, ...preflightReport().checks] })),
      "POST /api/v1/clusters/e2e/restores": () => json(accepted("restore-job", "restore"), 202),
      "GET /api/v1/jobs/restore-job": () => json(jobDetail({ id: "restore-job", kind: "restore", step: "data", progress: 10 })),
    });
    show();
    // Each kind is named by its title alone; what it does is its description.
    const pitrKind = await screen.findByRole("radio", { name: "Whole cluster to a point in time" });
    expect(pitrKind).toHaveAccessibleDescription(/^A full backup, then the oplog slices of every replica set/);
    await userEvent.click(pitrKind);
    await next();
    expect(screen.getByRole("heading", { name: "Step 2 of 4: Source" })).toHaveFocus();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    expect(screen.getByText("Choose a time on the timeline or type one.")).toBeInTheDocument();

    const input = await screen.findByLabelText("Exact time to restore to");
    fireEvent.change(input, { target: { value: toLocalInput(Date.parse("2026-11-26T10:06:00Z")) } });
    expect(screen.getByText(/outside every restorable window/)).toBeInTheDocument();
    expect(screen.getByRole("slider", { name: "Time to restore to" })).toHaveAttribute("aria-valuenow", String(Date.parse("2026-11-26T10:06:00Z") / 1000));
    fireEvent.change(input, { target: { value: toLocalInput(chosen) } });
    expect(screen.getByText(/^Restore to 2026-11-26, \d\d:02:30$/)).toBeInTheDocument();
    await next();

    expect(await bodyOf(calls, "/api/v1/clusters/e2e/restores/preflight")).toEqual({
      kind: "cluster",
      point_in_time: "2026-11-26T10:02:30.000Z",
      by_position: false,
    });
    expect(await screen.findByTestId("preflight-verdict")).toHaveTextContent("Every check passed");
    const checks = screen.getByRole("heading", { name: "Checks" }).nextElementSibling!;
    expect(within(checks as HTMLElement).getAllByRole("listitem")[0]).toHaveTextContent("passed Base backup20261126T100000Z: the newest full backup");
    expect(screen.getByRole("table", { name: "Dropped and written again" })).toHaveTextContent("shop.orders");
    await next();

    const start = screen.getByRole("button", { name: "Start the restore" });
    expect(screen.getByText(/^Restore the whole cluster e2e to 2026-11-26, \d\d:02:30, from base backup 20261126T100000Z\.$/)).toBeInTheDocument();
    expect(start).toBeDisabled();
    await userEvent.type(screen.getByLabelText("Type the cluster name (e2e) to confirm"), "e2");
    expect(start).toBeDisabled();
    await userEvent.type(screen.getByLabelText("Type the cluster name (e2e) to confirm"), "e");
    await userEvent.click(start);

    expect(await bodyOf(calls, "/api/v1/clusters/e2e/restores")).toEqual({
      kind: "cluster",
      point_in_time: "2026-11-26T10:02:30.000Z",
      backup_id: "20261126T100000Z",
      by_position: false,
    });
    const card = await screen.findByTestId("job-restore-job");
    expect(within(card).getByRole("link", { name: "Open the job" })).toHaveAttribute("href", "/jobs/restore-job");
    await waitFor(() => expect(within(card).getByRole("status")).toHaveTextContent("running"));
  });

  it("shows a refused preflight with the failing check's reason and fix, and goes no further", async () => {
    serve("operator", {
      "POST /api/v1/clusters/e2e/restores/preflight": () =>
        json(
          preflightReport({
            ok: false,
            checks: [
              { name: "backup", ok: true, detail: "backup b is complete", fix: "" },
              { name: "primaries", ok: false, detail: "replica set shard1 of cluster e2e has no primary: a restore writes on each set's primary", fix: "bring the set back (mongo-admin cluster status / start) and retry" },
            ],
          }),
        ),
    });
    show("/clusters/e2e/restore?backup=20261126T100000Z");
    expect(await screen.findByRole("heading", { name: "Step 2 of 4: Source" })).toBeInTheDocument();
    expect(await screen.findByRole("radio", { name: "Restore backup 20261126T100000Z" })).toBeChecked();
    await next();
    expect(await screen.findByTestId("preflight-verdict")).toHaveTextContent("The restore cannot start: a check failed. Nothing was changed.");
    expect(screen.getByText("replica set shard1 of cluster e2e has no primary: a restore writes on each set's primary")).toBeInTheDocument();
    expect(screen.getByText("Fix: bring the set back (mongo-admin cluster status / start) and retry")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
  });

  it("shows the API's error when the preflight itself is refused", async () => {
    serve("operator", {
      "POST /api/v1/clusters/e2e/restores/preflight": () => json({ detail: "body.namespaces.0: String should match pattern" }, 422),
    });
    show("/clusters/e2e/restore?backup=20261126T100000Z");
    await screen.findByRole("radio", { name: "Restore backup 20261126T100000Z" });
    await next();
    expect(await screen.findByRole("alert")).toHaveTextContent("body.namespaces.0: String should match pattern");
  });

  it("restores named collections under new names after an explicit tick", async () => {
    const calls = serve("operator", {
      "POST /api/v1/clusters/e2e/restores/preflight": () =>
        json(preflightReport({ kind: "namespaces", namespaces: [{ namespace: "shop.orders", restored_as: "shop.orders_back", documents: 500 }] })),
      "POST /api/v1/clusters/e2e/restores": () => json(accepted("r2", "restore"), 202),
      "GET /api/v1/jobs/r2": () => json(jobDetail({ id: "r2", kind: "restore" })),
    });
    show();
    await userEvent.click(await screen.findByLabelText(/Selected collections/));
    await next();
    await userEvent.click(await screen.findByRole("radio", { name: "Restore backup 20261126T100300Z" }));
    await userEvent.type(screen.getByLabelText("Collection 1 (db.collection or db.*)"), "shop.orders");
    await userEvent.click(screen.getByRole("button", { name: "Add a rename" }));
    await userEvent.type(screen.getByLabelText("Rename 1: from"), "shop.orders");
    await userEvent.type(screen.getByLabelText("Rename 1: to"), "shop.orders_back");
    await next();
    expect(await bodyOf(calls, "/api/v1/clusters/e2e/restores/preflight")).toEqual({
      kind: "namespaces",
      backup_id: "20261126T100300Z",
      namespaces: ["shop.orders"],
      rename: { "shop.orders": "shop.orders_back" },
      by_position: false,
    });
    await screen.findByTestId("preflight-verdict");
    await next();
    expect(screen.getByText(/Restore shop.orders → shop.orders_back in e2e from backup 20261126T100000Z/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/Type the cluster name/)).not.toBeInTheDocument();
    const start = screen.getByRole("button", { name: "Start the restore" });
    expect(start).toBeDisabled();
    await userEvent.click(screen.getByLabelText("I understand these collections are dropped and written again"));
    await userEvent.click(start);
    expect(await screen.findByTestId("job-r2")).toBeInTheDocument();
  });

  it("chooses a backup by its marker on the timeline and needs the shard for a shard restore", async () => {
    serve("operator");
    show();
    await userEvent.click(await screen.findByLabelText(/One shard/));
    await next();
    await userEvent.click(await screen.findByRole("button", { name: /full backup 20261126T100300Z, restore point/ }));
    expect(screen.getByRole("radio", { name: "Restore backup 20261126T100300Z" })).toBeChecked();
    expect(screen.getByText("Choose the shard to restore.")).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText("Shard to restore"), "shard1");
    expect(screen.getByRole("button", { name: "Next" })).toBeEnabled();
  });
});
