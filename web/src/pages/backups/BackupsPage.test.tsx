import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Role } from "../../lib/roles";
import { backupEntry, backupPagesApi, catalog, pitrStatus } from "../../test/backups";
import { accepted, jobDetail } from "../../test/jobs";
import { json, mockApi, renderPage, type Handlers } from "../../test/render";
import BackupsPage from "./BackupsPage";
import { backupRequest } from "./CreateBackupDialog";

function serve(role: Role, overrides: Handlers = {}) {
  return mockApi({
    ...backupPagesApi(role),
    "GET /api/v1/clusters/e2e/backups/status": () =>
      json({
        message: "cluster e2e: no backup or restore running",
        cluster: "e2e",
        storage: "/var/lib/mongo-admin/e2e/backups",
        running: null,
        heartbeat_age_s: null,
        recovered: null,
        balancer: "full",
        last_backup: backupEntry(),
      }),
    ...overrides,
  });
}

const show = () => renderPage(<BackupsPage />, { path: "/clusters/e2e/backups", pattern: "/clusters/:name/backups" });
const row = (id: string) => screen.getByRole("rowheader", { name: id }).closest("tr")!;

afterEach(() => vi.unstubAllGlobals());

describe("BackupsPage", () => {
  it("shows viewers the catalog, the timeline and the runbook, and none of the operators' buttons", async () => {
    const calls = serve("viewer");
    show();
    const first = await screen.findByRole("rowheader", { name: "20261126T100000Z" });
    const cells = within(first.closest("tr")!).getAllByRole("cell").map((cell) => cell.textContent);
    expect(cells.slice(0, 6)).toEqual(["full", "done", "yes", expect.stringMatching(/^2026-11-26, \d\d:00:10$/), "1.5 MiB", "550"]);
    expect(within(first.closest("tr")!).getByRole("button", { name: "Runbook" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Create backup" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Verify" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Delete" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: /full backup 20261126T100300Z, restore point/ })).toBeInTheDocument();
    expect(await screen.findByText("No backup, restore, verification or drill job runs on this cluster.")).toBeInTheDocument();
    expect(screen.getByText("Worst lag").nextElementSibling).toHaveTextContent("4s");
    expect(calls.some((call) => call.url.endsWith("/backups/status"))).toBe(false);
  });

  it("lists a failed backup with the step that failed and its error", async () => {
    serve("viewer", {
      "GET /api/v1/clusters/e2e/backups": () =>
        json(catalog([backupEntry({ backup_id: "bad", state: "failed", restore_to_time: null, size_bytes: null, documents: null, cluster_consistent: null, failed_step: "dump", error: "shard1 has no primary" })])),
    });
    show();
    await screen.findByRole("rowheader", { name: "bad" });
    expect(within(row("bad")).getByText("Failed at step dump: shard1 has no primary")).toBeInTheDocument();
    expect(within(row("bad")).queryByRole("button", { name: "Runbook" })).not.toBeInTheDocument();
  });

  it("starts a backup of the chosen type and follows its job until it ends, then reads the catalog again", async () => {
    let state = "running";
    const calls = serve("operator", {
      "POST /api/v1/clusters/e2e/backups": () => json(accepted("job-7", "backup"), 202),
      "GET /api/v1/jobs/job-7": () => json(jobDetail({ id: "job-7", state, progress: state === "running" ? 40 : 100 })),
    });
    show();
    await userEvent.click(await screen.findByRole("button", { name: "Create backup" }));
    const dialog = screen.getByRole("dialog", { name: "Create a backup of e2e" });
    await userEvent.click(within(dialog).getByLabelText(/One shard/));
    await userEvent.selectOptions(within(dialog).getByLabelText("Shard"), "shard1");
    await userEvent.selectOptions(within(dialog).getByLabelText("Compression"), "zstd");
    await userEvent.click(within(dialog).getByRole("button", { name: "Start backup" }));

    const post = calls.find((call) => call.method === "POST")!;
    expect(await post.json()).toEqual({ type: "shard", shard: "shard1", compression: "zstd" });
    const card = await screen.findByTestId("job-job-7");
    expect(within(card).getByRole("link", { name: "Open the job" })).toHaveAttribute("href", "/jobs/job-7");
    expect(await within(card).findByRole("progressbar")).toHaveAttribute("aria-valuenow", "40");
    expect(within(card).getByRole("status")).toHaveTextContent("running");

    const readsBefore = calls.filter((call) => call.method === "GET" && new URL(call.url).pathname === "/api/v1/clusters/e2e/backups").length;
    state = "succeeded";
    await waitFor(() => expect(within(card).getByRole("status")).toHaveTextContent("succeeded"), { timeout: 4000 });
    await waitFor(() =>
      expect(calls.filter((call) => call.method === "GET" && new URL(call.url).pathname === "/api/v1/clusters/e2e/backups").length).toBeGreaterThan(readsBefore),
    );
  });

  it("asks for a shard's name by hand, saying why, while the cluster's shards are not known", async () => {
    const calls = serve("operator", {
      "GET /api/v1/clusters/e2e": () => json({ detail: "the cluster pollers are not available" }, 503),
      "POST /api/v1/clusters/e2e/backups": () => json(accepted("job-8", "backup"), 202),
      "GET /api/v1/jobs/job-8": () => json(jobDetail({ id: "job-8" })),
    });
    show();
    await userEvent.click(await screen.findByRole("button", { name: "Create backup" }));
    const dialog = screen.getByRole("dialog", { name: "Create a backup of e2e" });
    await userEvent.click(within(dialog).getByLabelText(/One shard/));
    const shard = within(dialog).getByRole("textbox", { name: "Shard" });
    expect(shard).toHaveAccessibleDescription("The cluster's shards could not be read yet.");
    await userEvent.type(shard, "shard0");
    await userEvent.click(within(dialog).getByRole("button", { name: "Start backup" }));
    await screen.findByTestId("job-job-8");
    const post = calls.find((call) => call.method === "POST")!;
    expect(await post.json()).toEqual({ type: "shard", shard: "shard0" });
  });

  it("shows the API's refusal to start a backup in the dialog", async () => {
    serve("operator", {
      "POST /api/v1/clusters/e2e/backups": () =>
        json({ detail: "another operation is running on cluster e2e: restore job j9 (started 2026-11-26T10:00:00+00:00, running)" }, 409),
    });
    show();
    await userEvent.click(await screen.findByRole("button", { name: "Create backup" }));
    const dialog = screen.getByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Start backup" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("another operation is running on cluster e2e: restore job j9");
  });

  it("verifies a backup and says what it found", async () => {
    serve("operator", {
      "POST /api/v1/clusters/e2e/backups/20261126T100000Z/verify": () =>
        json({ message: "", backup_id: "20261126T100000Z", ok: false, files: 24, stored_bytes: 2048, documents: 550, contents_checked: true, problems: ["shard0/shop/orders.bson.gz: SHA-256 mismatch"] }),
    });
    show();
    await screen.findByRole("rowheader", { name: "20261126T100000Z" });
    await userEvent.click(within(row("20261126T100000Z")).getByRole("button", { name: "Verify" }));
    const alert = await screen.findByText("Backup 20261126T100000Z failed verification:");
    expect(alert.closest("[role=alert]")).toHaveTextContent("shard0/shop/orders.bson.gz: SHA-256 mismatch");
  });

  it("asks before deleting, naming the backup, then deletes it", async () => {
    const calls = serve("operator", {
      "DELETE /api/v1/clusters/e2e/backups/20261126T100300Z": () => json({ message: "", backup_id: "20261126T100300Z", objects_removed: 31 }),
    });
    show();
    await screen.findByRole("rowheader", { name: "20261126T100300Z" });
    await userEvent.click(within(row("20261126T100300Z")).getByRole("button", { name: "Delete" }));
    const dialog = screen.getByRole("dialog", { name: "Delete backup 20261126T100300Z?" });
    expect(dialog).toHaveTextContent("cannot be undone");
    expect(calls.some((call) => call.method === "DELETE")).toBe(false);
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete backup 20261126T100300Z" }));
    expect(await screen.findByText("Backup 20261126T100300Z deleted (31 objects removed).")).toBeInTheDocument();
    expect(calls.filter((call) => call.method === "DELETE").map((call) => new URL(call.url).pathname)).toEqual([
      "/api/v1/clusters/e2e/backups/20261126T100300Z",
    ]);
  });

  it("starts a restore drill as a job", async () => {
    serve("operator", {
      "POST /api/v1/clusters/e2e/backups/20261126T100000Z/verify": (request) =>
        new URL(request.url).searchParams.get("restore") === "true" ? json(accepted("drill-1", "drill"), 202) : json({ detail: "no" }, 400),
      "GET /api/v1/jobs/drill-1": () => json(jobDetail({ id: "drill-1", kind: "drill" })),
    });
    show();
    await screen.findByRole("rowheader", { name: "20261126T100000Z" });
    await userEvent.click(within(row("20261126T100000Z")).getByRole("button", { name: "Restore drill" }));
    expect(await screen.findByTestId("job-drill-1")).toHaveTextContent("restore drill job drill-1");
  });

  it("renders the runbook's steps and commands from its JSON form", async () => {
    const calls = serve("viewer", {
      "GET /api/v1/clusters/e2e/backups/20261126T100000Z/runbook": () =>
        json({
          message: "restore runbook for backup 20261126T100000Z",
          backup_id: "20261126T100000Z",
          title: "Restore runbook — backup 20261126T100000Z of cluster e2e",
          facts: ["balancer was `full` when the backup ran"],
          steps: [
            {
              title: "Check the backup before touching the cluster",
              blocks: [
                { kind: "commands", text: "mongo-admin backup verify 20261126T100000Z --cluster e2e" },
                { kind: "text", text: "Stop here if it reports a problem (`mongo-admin backup list`)." },
              ],
            },
          ],
          markdown: "# ...",
        }),
    });
    show();
    await screen.findByRole("rowheader", { name: "20261126T100000Z" });
    await userEvent.click(within(row("20261126T100000Z")).getByRole("button", { name: "Runbook" }));
    const heading = await screen.findByRole("heading", { name: "Restore runbook — backup 20261126T100000Z of cluster e2e" });
    expect(heading).toHaveFocus();
    expect(screen.getByRole("heading", { name: "Check the backup before touching the cluster" })).toBeInTheDocument();
    expect(screen.getByText("mongo-admin backup verify 20261126T100000Z --cluster e2e").tagName).toBe("CODE");
    expect(screen.getByText("mongo-admin backup list").tagName).toBe("CODE");
    expect(screen.getByText("full", { selector: "code" })).toBeInTheDocument();
    const asked = calls.find((call) => call.url.endsWith("/runbook"))!;
    expect(asked.headers.get("Accept")).toBe("application/json");
  });

  it("warns when no slicer runs and shows the API's reason when the catalog cannot be read", async () => {
    serve("operator", {
      "GET /api/v1/clusters/e2e/pitr": () => json(pitrStatus({ slicer: null })),
      "GET /api/v1/clusters/e2e/backups": () => json({ detail: "storage /backups is not readable: permission denied" }, 400),
    });
    show();
    expect(await screen.findByText(/No slicer runs: the recovery point does not advance/)).toBeInTheDocument();
    expect(await screen.findByText("storage /backups is not readable: permission denied")).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: "Catalog" })).not.toBeInTheDocument();
  });

  it("gives the worst lag only when every replica set's lag is known", async () => {
    const known = pitrStatus();
    const sets = known.replica_sets.map((set, index) => (index === 1 ? { ...set, slices: 0, last_end: null, lag_s: null } : { ...set, lag_s: 12 }));
    serve("viewer", { "GET /api/v1/clusters/e2e/pitr": () => json(pitrStatus({ replica_sets: sets })) });
    show();
    const worst = await screen.findByText("Worst lag");
    expect(worst.nextElementSibling).toHaveTextContent("unknown");
    const row = screen.getByRole("rowheader", { name: "shard0" }).closest("tr")!;
    expect(within(row).getAllByRole("cell").map((cell) => cell.textContent)).toEqual(["0", "—", expect.stringMatching(/^2026-11-26/), "unknown", "0"]);
  });

  it("shows the lock's holder and the balancer to operators", async () => {
    serve("operator", {
      "GET /api/v1/clusters/e2e/backups/status": () =>
        json({ message: "", cluster: "e2e", storage: "s", running: "backup 20261126T110000Z (pid 7 on host, started 2026-11-26T11:00:00+00:00)", heartbeat_age_s: 3, recovered: null, balancer: "off", last_backup: null }),
    });
    show();
    expect(await screen.findByText(/held by backup 20261126T110000Z \(pid 7 on host.*\(last heartbeat 3s ago\)/)).toBeInTheDocument();
    expect(screen.getByText("Balancer: off")).toBeInTheDocument();
  });
});

describe("backupRequest", () => {
  it("sends only what was chosen, numbers as numbers, the shard only for a shard backup", () => {
    expect(backupRequest({ type: "full", shard: "shard0", compression: "", parallel: "", rateLimit: " " })).toEqual({ type: "full" });
    expect(backupRequest({ type: "config", shard: "", compression: "none", parallel: "4", rateLimit: "2.5" })).toEqual({
      type: "config",
      compression: "none",
      parallel: 4,
      rate_limit_mb_s: 2.5,
    });
    expect(backupRequest({ type: "shard", shard: "shard1", compression: "", parallel: "", rateLimit: "" })).toEqual({ type: "shard", shard: "shard1" });
  });
});
