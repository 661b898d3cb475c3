import { screen, waitFor } from "@testing-library/react";
import { jobDetail } from "../test/jobs";
import { json, mockApi, renderPage } from "../test/render";
import { sessionOf } from "../test/session";
import { JobProgress } from "./JobProgress";

afterEach(() => vi.unstubAllGlobals());

describe("JobProgress", () => {
  it("follows a job to its end, tells the page once, and says how it failed", async () => {
    let reads = 0;
    mockApi({
      "GET /api/v1/auth/session": () => json(sessionOf("operator")),
      "GET /api/v1/jobs/j1": () => {
        reads += 1;
        return json(
          reads === 1
            ? jobDetail({ id: "j1", kind: "restore", step: "data", progress: 55 })
            : jobDetail({ id: "j1", kind: "restore", state: "failed", failed_step: "data", error: "shard1 lost its primary" }),
        );
      },
    });
    const onEnd = vi.fn();
    renderPage(<JobProgress jobId="j1" kind="restore" onEnd={onEnd} />);
    expect(await screen.findByRole("progressbar", { name: "restore job j1" })).toHaveAttribute("aria-valuenow", "55");
    expect(screen.getByRole("status")).toHaveTextContent("running Step: data");
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("failed"), { timeout: 4000 });
    expect(screen.getByText("Failed at step data: shard1 lost its primary")).toBeInTheDocument();
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(onEnd.mock.calls[0]![0]).toMatchObject({ id: "j1", state: "failed" });
  });

  it("shows the sentence a succeeded operation's result starts with", async () => {
    mockApi({
      "GET /api/v1/auth/session": () => json(sessionOf("operator")),
      "GET /api/v1/jobs/j2": () =>
        json(jobDetail({ id: "j2", state: "succeeded", progress: 100, result: { message: "backup 20261126T100000Z of cluster e2e: 550 documents" } })),
    });
    renderPage(<JobProgress jobId="j2" kind="backup" />);
    expect(await screen.findByText("backup 20261126T100000Z of cluster e2e: 550 documents")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Open the job" })).toHaveAttribute("href", "/jobs/j2");
  });
});
