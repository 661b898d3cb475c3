import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Schemas } from "../../api/client";
import type { Role } from "../../lib/roles";
import { FakeEventSource } from "../../test/eventSource";
import { jobDetail as detailOf } from "../../test/jobs";
import { json, mockApi, renderRoutes } from "../../test/render";
import { sessionOf } from "../../test/session";
import JobPage from "./JobPage";

type Detail = Schemas["JobDetailPublic"];

/** Job j1, a full backup that has just taken the cluster's lock. */
const jobDetail = (fields: Partial<Detail> = {}) =>
  detailOf({
    id: "j1",
    progress: 5,
    step: "lock",
    params: { type: "full" },
    logs: [{ id: 1, at: "2026-11-26T10:00:01.100000Z", line: "taking the cluster's backup/restore lock" }],
    ...fields,
  });

const at = (second: number) => `2026-11-26T10:00:${String(second).padStart(2, "0")}.500000+00:00`;
const event = (type: string, fields: Record<string, unknown>) => ({
  type,
  job_id: "j1",
  state: "running",
  progress: 5,
  step: "lock",
  message: null,
  at: at(2),
  ...fields,
});

function show(role: Role, answer: () => Detail | Response, extra: Parameters<typeof mockApi>[0] = {}) {
  const calls = mockApi({
    "GET /api/v1/auth/session": () => json(sessionOf(role)),
    "GET /api/v1/jobs/j1": () => {
      const detail = answer();
      return detail instanceof Response ? detail : json(detail);
    },
    ...extra,
  });
  renderRoutes([{ path: "/jobs/:id", element: <JobPage /> }], "/jobs/j1");
  return calls;
}

const logLines = () => within(screen.getByRole("log")).getAllByRole("listitem").map((item) => item.textContent ?? "");

beforeEach(() => FakeEventSource.install());
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("JobPage", () => {
  it("streams progress, step and log lines, then shows the final state and the result", async () => {
    let record = jobDetail();
    const calls = show("viewer", () => record);
    expect(await screen.findByRole("heading", { name: "backup on e2e" })).toBeInTheDocument();
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "5");
    expect(screen.getByTestId("job-status")).toHaveTextContent("running, step: lock");

    const stream = FakeEventSource.latest;
    expect(stream.url).toBe("/api/v1/jobs/j1/events");
    act(() => stream.open());
    expect(screen.getByTestId("stream-status")).toHaveTextContent("Live");
    act(() => {
      stream.emit("state", event("state", {}));
      stream.emit("progress", event("progress", { progress: 42.5, step: "dump", message: "dumping shard0 from 127.0.0.1:27018", at: at(3) }));
      stream.emit("log", event("log", { progress: 42.5, step: "dump", message: "shard0: 1/2 collections", at: at(4) }));
    });
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "43");
    expect(screen.getByTestId("job-status")).toHaveTextContent("running, step: dump");
    await waitFor(() => expect(logLines()).toHaveLength(3));
    expect(logLines()[2]).toContain("shard0: 1/2 collections");

    record = jobDetail({
      state: "succeeded",
      progress: 100,
      step: "manifest",
      finished_at: "2026-11-26T10:00:09Z",
      reference: "2026-11-26T10:00:01Z",
      result: { backup_id: "2026-11-26T10:00:01Z", size_bytes: 2048, shards: [{ name: "shard0" }] },
      logs: [
        ...record.logs,
        { id: 2, at: at(3), line: "dumping shard0 from 127.0.0.1:27018" },
        { id: 3, at: at(4), line: "shard0: 1/2 collections" },
        { id: 4, at: at(8), line: "writing the manifest" },
      ],
    });
    act(() => stream.emit("state", event("state", { state: "succeeded", progress: 100, step: "manifest", at: at(9) })));
    expect(await screen.findByRole("heading", { name: "Result" })).toBeInTheDocument();
    expect(screen.getByTestId("stream-status")).toHaveTextContent("The job has ended.");
    expect(screen.getByTestId("job-status")).toHaveTextContent("succeeded, step: manifest");
    expect(stream.closed).toBe(true);
    // The streamed lines and the stored ones are one log, each line once.
    expect(logLines()).toHaveLength(4);
    expect(logLines()[3]).toContain("writing the manifest");
    expect(screen.getByText("size_bytes")).toBeInTheDocument();
    expect(screen.getByText(/"name": "shard0"/)).toBeInTheDocument();
    expect(calls.filter((call) => call.url.endsWith("/api/v1/jobs/j1")).length).toBeGreaterThanOrEqual(2);
    expect(screen.queryByRole("button", { name: "Cancel job" })).not.toBeInTheDocument();
  });

  it("shows a failed job's error and the step that failed, without opening a stream", async () => {
    show("operator", () =>
      jobDetail({
        state: "failed",
        step: "dump",
        failed_step: "dump",
        finished_at: "2026-11-26T10:00:04Z",
        error: "dump of shard0 failed: connection refused by 127.0.0.1:27018",
        logs: [{ id: 7, at: at(4), line: "failed: dump of shard0 failed: connection refused by 127.0.0.1:27018" }],
      }),
    );
    const error = await screen.findByRole("region", { name: "Error" });
    expect(error).toHaveTextContent("Failed at step dump");
    expect(error).toHaveTextContent("connection refused by 127.0.0.1:27018");
    expect(logLines()[0]).toMatch(/error.*failed: dump of shard0/);
    expect(screen.getByTestId("stream-status")).toHaveTextContent("The job has ended.");
    expect(screen.getByText("3s")).toBeInTheDocument(); // started 10:00:01, finished 10:00:04
    expect(FakeEventSource.instances).toHaveLength(0);
    expect(screen.queryByRole("button", { name: "Cancel job" })).not.toBeInTheDocument();
  });

  it("lets an operator cancel after confirming, and says the cancel is pending until the job stops", async () => {
    let record = jobDetail();
    const calls = show("operator", () => record, {
      "POST /api/v1/jobs/j1/cancel": () => {
        record = jobDetail({ cancel_requested: true });
        const { logs: _logs, ...job } = record;
        return json(job);
      },
    });
    await userEvent.click(await screen.findByRole("button", { name: "Cancel job" }));
    const dialog = screen.getByRole("dialog", { name: "Cancel this job?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel job" }));

    expect(await screen.findByText("Cancel requested: the job stops at its next safe point.")).toBeInTheDocument();
    expect(calls.filter((call) => call.method === "POST").map((call) => new URL(call.url).pathname)).toEqual([
      "/api/v1/jobs/j1/cancel",
    ]);
    expect(calls.find((call) => call.method === "POST")?.headers.get("X-CSRF-Token")).toBe("csrf-test");
    expect(screen.queryByRole("button", { name: "Cancel job" })).not.toBeInTheDocument();
    expect(screen.getByTestId("job-status")).toHaveTextContent("running");
  });

  it("does not cancel when the operator keeps the job running", async () => {
    const calls = show("operator", () => jobDetail());
    await userEvent.click(await screen.findByRole("button", { name: "Cancel job" }));
    await userEvent.click(screen.getByRole("button", { name: "Keep it running" }));
    expect(calls.some((call) => call.method === "POST")).toBe(false);
    expect(screen.getByRole("button", { name: "Cancel job" })).toBeInTheDocument();
  });

  it("shows the API's reason when a cancel is refused", async () => {
    show("admin", () => jobDetail(), {
      "POST /api/v1/jobs/j1/cancel": () => json({ detail: "job j1 has already ended (succeeded)" }, 409),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Cancel job" }));
    await userEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel job" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("job j1 has already ended (succeeded)");
  });

  it("hides Cancel from a viewer", async () => {
    show("viewer", () => jobDetail());
    await screen.findByRole("heading", { name: "backup on e2e" });
    expect(screen.queryByRole("button", { name: "Cancel job" })).not.toBeInTheDocument();
  });

  it("falls back to polling the job when the stream cannot be had", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let record: Detail | Response = jobDetail();
    const calls = show("viewer", () => record);
    await screen.findByRole("heading", { name: "backup on e2e" });
    for (let attempt = 0; attempt < 3; attempt++) {
      const source = FakeEventSource.latest;
      act(() => source.refuse());
      await act(() => vi.advanceTimersByTimeAsync(4000));
    }
    expect(screen.getByTestId("stream-status")).toHaveTextContent("Live stream unavailable: checking the job every 2 s instead.");
    const reads = () => calls.filter((call) => call.url.endsWith("/api/v1/jobs/j1")).length;
    const before = reads();
    record = jobDetail({ progress: 60, step: "oplog" });
    await act(() => vi.advanceTimersByTimeAsync(2100));
    expect(reads()).toBeGreaterThan(before);
    await waitFor(() => expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "60"));
    expect(screen.getByTestId("job-status")).toHaveTextContent("running, step: oplog");
    expect(FakeEventSource.instances).toHaveLength(3);

    // A re-read that fails keeps the last reading on screen, with the API's reason and its age.
    record = json({ detail: "the platform database is unreachable" }, 503);
    await act(() => vi.advanceTimersByTimeAsync(2100));
    expect(await screen.findByRole("alert")).toHaveTextContent("the platform database is unreachable");
    expect(screen.getByText(/Could not refresh: what is shown was read at/)).toBeInTheDocument();
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "60");
  });

  it("shows the API's answer for a job that does not exist", async () => {
    mockApi({
      "GET /api/v1/auth/session": () => json(sessionOf("viewer")),
      "GET /api/v1/jobs/nope": () => json({ detail: "no job nope" }, 404),
    });
    renderRoutes([{ path: "/jobs/:id", element: <JobPage /> }], "/jobs/nope");
    expect(await screen.findByRole("alert")).toHaveTextContent("no job nope");
    expect(FakeEventSource.instances).toHaveLength(0);
  });
});
