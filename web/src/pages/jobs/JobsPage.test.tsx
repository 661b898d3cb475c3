import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Schemas } from "../../api/client";
import { clusterList, deployedDetail } from "../../test/clusters";
import { jobRecord } from "../../test/jobs";
import { json, mockApi, renderRoutes } from "../../test/render";
import { sessionOf } from "../../test/session";
import JobsPage from "./JobsPage";

type Job = Schemas["JobPublic"];

/** A backup that ran 75 s and succeeded. */
const job = (fields: Partial<Job> = {}) =>
  jobRecord({ id: "0123456789abcdef", state: "succeeded", progress: 100, step: "manifest", finished_at: "2026-11-26T10:01:16Z", ...fields });

const clusters = clusterList(deployedDetail());

function show(path: string, answer: (query: URLSearchParams) => { data: Job[]; count: number }) {
  const calls = mockApi({
    "GET /api/v1/auth/session": () => json(sessionOf("viewer")),
    "GET /api/v1/clusters": () => json(clusters),
    "GET /api/v1/jobs": (request) => json(answer(new URL(request.url).searchParams)),
  });
  const view = renderRoutes([{ path: "/jobs", element: <JobsPage /> }], path);
  const queries = () =>
    calls.filter((call) => new URL(call.url).pathname === "/api/v1/jobs").map((call) => new URL(call.url).searchParams);
  return { ...view, queries };
}

const rows = () => within(screen.getAllByRole("table")[0]!).getAllByRole("row").slice(1);

afterEach(() => vi.unstubAllGlobals());

describe("JobsPage", () => {
  it("lists the jobs with their state, progress, step, requester, times and duration", async () => {
    show("/jobs", () => ({
      data: [
        job({ id: "aaaaaaaa11112222", state: "running", progress: 42, step: "dump", finished_at: null, requested_by: "schedule nightly" }),
        job({ id: "bbbbbbbb33334444", kind: "health-check", state: "failed", progress: 5, step: "health-check" }),
      ],
      count: 2,
    }));
    const link = await screen.findByRole("link", { name: "backup" });
    expect(link).toHaveAttribute("href", "/jobs/aaaaaaaa11112222");
    const [running, failed] = rows();
    expect(running).toHaveTextContent("aaaaaaaa");
    expect(running).toHaveTextContent("running");
    expect(within(running!).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "42");
    expect(running).toHaveTextContent("dump");
    expect(running).toHaveTextContent("schedule nightly");
    expect(running).toHaveTextContent("2026-11-26");
    expect(within(failed!).getByRole("link", { name: "health check" })).toBeInTheDocument();
    expect(failed).toHaveTextContent("failed");
    expect(failed).toHaveTextContent("1m 15s");
    expect(screen.getByText("Refreshing every 2 s while a job is queued or running.")).toBeInTheDocument();
    expect(screen.getByText("Jobs 1–2 of 2")).toBeInTheDocument();
  });

  it("does not claim to refresh live when no job is active", async () => {
    show("/jobs", () => ({ data: [job()], count: 1 }));
    await screen.findByRole("link", { name: "backup" });
    expect(screen.queryByText(/Refreshing every/)).not.toBeInTheDocument();
  });

  it("asks the API with the filters of the address bar, and changes them from the form", async () => {
    const { queries, router } = show("/jobs?state=failed&cluster=e2e&page=2", (query) => ({
      data: query.get("kind") === "restore" ? [] : [job({ state: "failed" })],
      count: query.get("kind") === "restore" ? 0 : 51,
    }));
    await screen.findByRole("link", { name: "backup" });
    expect(Object.fromEntries(queries()[0]!)).toEqual({ state: "failed", cluster: "e2e", limit: "50", offset: "50" });
    expect(screen.getByLabelText("State")).toHaveValue("failed");
    expect(await screen.findByRole("option", { name: "e2e" })).toBeInTheDocument();
    expect(screen.getByLabelText("Cluster")).toHaveValue("e2e");

    await userEvent.selectOptions(screen.getByLabelText("Kind"), "restore");
    expect(await screen.findByText("No job matches these filters.")).toBeInTheDocument();
    expect(Object.fromEntries(queries().at(-1)!)).toEqual({ state: "failed", cluster: "e2e", kind: "restore", limit: "50", offset: "0" });
    expect(router.state.location.search).toBe("?state=failed&cluster=e2e&kind=restore");

    await userEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(router.state.location.search).toBe(""));
    expect(Object.fromEntries(queries().at(-1)!)).toEqual({ limit: "50", offset: "0" });
  });

  it("sends the requester once the typing pauses", async () => {
    const { queries, router } = show("/jobs", () => ({ data: [job()], count: 1 }));
    await screen.findByRole("link", { name: "backup" });
    await userEvent.type(screen.getByLabelText("Requested by"), "admin");
    await waitFor(() => expect(router.state.location.search).toBe("?requested_by=admin"));
    await waitFor(() => expect(queries().at(-1)?.get("requested_by")).toBe("admin"));
    expect(queries().filter((query) => query.has("requested_by"))).toHaveLength(1);
  });

  it("pages through the jobs", async () => {
    const { queries } = show("/jobs", (query) => ({
      data: [job({ id: query.get("offset") === "0" ? "11111111aaaa" : "22222222bbbb" })],
      count: 75,
    }));
    await screen.findByText("Jobs 1–1 of 75");
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("22222222")).toBeInTheDocument();
    expect(screen.getByText("Jobs 51–51 of 75")).toBeInTheDocument();
    expect(queries().at(-1)?.get("offset")).toBe("50");
  });

  it("says when there are no jobs at all", async () => {
    show("/jobs", () => ({ data: [], count: 0 }));
    expect(await screen.findByText("No jobs yet.")).toBeInTheDocument();
  });
});
