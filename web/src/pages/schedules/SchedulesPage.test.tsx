import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Schemas } from "../../api/client";
import i18n from "../../i18n";
import type { Role } from "../../lib/roles";
import { clusterList, deployedDetail, registeredDetail } from "../../test/clusters";
import { json, mockApi, renderRoutes } from "../../test/render";
import { sessionOf } from "../../test/session";
import SchedulesPage, { parseOutcome } from "./SchedulesPage";

type Schedule = Schemas["SchedulePublic"];

function schedule(fields: Partial<Schedule> = {}): Schedule {
  return {
    id: "s1",
    name: "nightly",
    kind: "backup",
    cluster: "e2e",
    params: { type: "full", compression: "zstd" },
    cron: "30 2 * * *",
    timezone: "Asia/Seoul",
    misfire_grace_s: 300,
    paused: false,
    next_run_at: "2026-11-26T17:30:00Z",
    next_runs: ["2026-11-26T17:30:00Z"],
    last_run_at: "2026-11-25T17:30:00Z",
    last_job_id: "job-42",
    last_outcome: "started (2026-11-25T17:30:00+00:00): job job-42",
    ...fields,
  };
}

const clusters = clusterList(deployedDetail(), registeredDetail());

const NEXT_FIVE = ["00", "05", "10", "15", "20"].map((minute) => `2026-11-26T12:${minute}:00+00:00`);

function show(role: Role, initial: Schedule[] = [schedule()]) {
  let list = initial;
  const calls = mockApi({
    "GET /api/v1/auth/session": () => json(sessionOf(role)),
    "GET /api/v1/clusters": () => json(clusters),
    "GET /api/v1/schedules": () => json({ data: list, count: list.length }),
    "POST /api/v1/schedules/preview": async (request) => {
      const body = (await request.clone().json()) as { cron: string; timezone: string };
      if (body.cron.startsWith("61")) return json({ detail: "cron expression '61 * * * *': minute 61 is not in 0-59" }, 400);
      return json({ cron: body.cron, timezone: body.timezone, next_runs: NEXT_FIVE });
    },
    "POST /api/v1/schedules": async (request) => {
      const body = (await request.clone().json()) as Schedule;
      const created = schedule({ ...body, id: "s2", last_run_at: null, last_job_id: null, last_outcome: null });
      list = [...list, created];
      return json(created, 201);
    },
    "PATCH /api/v1/schedules/s1": async (request) => {
      list = [{ ...list[0]!, ...((await request.clone().json()) as Partial<Schedule>) }];
      return json(list[0]);
    },
    "POST /api/v1/schedules/s1/pause": () => {
      list = [{ ...list[0]!, paused: true, next_run_at: null, next_runs: [] }];
      return json(list[0]);
    },
    "POST /api/v1/schedules/s1/resume": () => {
      list = [{ ...list[0]!, paused: false }];
      return json(list[0]);
    },
    "DELETE /api/v1/schedules/s1": () => {
      list = [];
      return new Response(null, { status: 204 });
    },
  });
  renderRoutes([{ path: "/schedules", element: <SchedulesPage /> }], "/schedules");
  const sent = (method: string, path: string) =>
    calls.filter((call) => call.method === method && new URL(call.url).pathname === path);
  return { calls, sent };
}

const row = (name: string) => screen.getByTestId(`schedule-${name}`);

afterEach(async () => {
  cleanup(); // before the language changes back, so nothing re-renders outside the test
  vi.unstubAllGlobals();
  await i18n.changeLanguage("en");
});

describe("SchedulesPage", () => {
  it("lists each schedule with its cron in words, its zone, its next and last runs", async () => {
    show("viewer");
    const nightly = await screen.findByTestId("schedule-nightly");
    expect(within(nightly).getByRole("rowheader")).toHaveTextContent("nightly");
    expect(nightly).toHaveTextContent("backup");
    expect(nightly).toHaveTextContent("full backup, zstd compression");
    expect(within(nightly).getByRole("link", { name: "e2e" })).toHaveAttribute("href", "/clusters/e2e");
    expect(nightly).toHaveTextContent("30 2 * * *");
    expect(nightly).toHaveTextContent("At 02:30");
    expect(nightly).toHaveTextContent("Asia/Seoul");
    // Times in the schedule's own zone: 17:30 UTC is 02:30 the next day in Seoul.
    expect(nightly).toHaveTextContent("2026-11-27, 02:30:00");
    expect(nightly).toHaveTextContent("2026-11-26, 02:30:00");
    expect(within(nightly).getByText("started")).toBeInTheDocument();
    expect(within(nightly).getByRole("link", { name: "job" })).toHaveAttribute("href", "/jobs/job-42");
    expect(nightly).toHaveTextContent("active");
  });

  it("describes the cron in Korean when the interface is Korean", async () => {
    await i18n.changeLanguage("ko");
    show("viewer", [schedule({ cron: "*/5 * * * *", name: "often" })]);
    expect(await screen.findByText("5분마다")).toBeInTheDocument();
  });

  it("shows a paused schedule, and why a run was refused", async () => {
    show("viewer", [
      schedule({
        paused: true,
        next_run_at: null,
        last_job_id: null,
        last_outcome: "refused (2026-11-25T17:30:00+00:00): another operation is running on cluster e2e: backup job 9f",
      }),
    ]);
    const nightly = await screen.findByTestId("schedule-nightly");
    expect(nightly).toHaveTextContent("paused: no next run");
    expect(within(nightly).getByText("refused")).toBeInTheDocument();
    expect(nightly).toHaveTextContent("another operation is running on cluster e2e: backup job 9f");
  });

  it("gives a viewer no buttons", async () => {
    show("viewer");
    await screen.findByTestId("schedule-nightly");
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    expect(screen.queryByRole("columnheader", { name: "Actions" })).not.toBeInTheDocument();
  });

  it("lets an operator pause and resume, but not create, change or delete", async () => {
    const { sent } = show("operator");
    await screen.findByTestId("schedule-nightly");
    expect(screen.getByText(/needs the admin role/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "New schedule" })).not.toBeInTheDocument();
    const actions = within(row("nightly")).getByRole("group", { name: "Actions for nightly" });
    expect(within(actions).getAllByRole("button").map((button) => button.textContent)).toEqual(["Pause"]);

    await userEvent.click(within(actions).getByRole("button", { name: "Pause" }));
    await waitFor(() => expect(row("nightly")).toHaveTextContent("paused: no next run"));
    expect(sent("POST", "/api/v1/schedules/s1/pause")).toHaveLength(1);
    await userEvent.click(within(row("nightly")).getByRole("button", { name: "Resume" }));
    await waitFor(() => expect(within(row("nightly")).getByRole("button", { name: "Pause" })).toBeInTheDocument());
    expect(sent("POST", "/api/v1/schedules/s1/resume")).toHaveLength(1);
  });

  it("lets an admin create a schedule, previewing its next runs and showing the API's refusal of a bad cron", async () => {
    const { sent } = show("admin", []);
    expect(await screen.findByText("No schedules yet.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "New schedule" }));
    const form = screen.getByRole("form", { name: "New schedule" });
    expect(within(form).getByText("Type a cron expression to see when it runs.")).toBeInTheDocument();

    await userEvent.type(within(form).getByLabelText("Name"), "checks every 5 min");
    await userEvent.selectOptions(within(form).getByLabelText("Kind"), "health-check");
    // Only deployed clusters can be scheduled.
    expect(within(within(form).getByLabelText("Cluster")).getAllByRole("option").map((option) => option.textContent)).toEqual(["e2e"]);
    const cron = within(form).getByLabelText("Cron expression");
    await userEvent.type(cron, "61 * * * *");
    const preview = within(form).getByTestId("schedule-preview");
    expect(await within(preview).findByText(/minute 61 is not in 0-59/)).toBeInTheDocument();

    await userEvent.clear(cron);
    await userEvent.type(cron, "*/5 * * * *");
    await waitFor(() => expect(within(preview).getAllByRole("listitem")).toHaveLength(5));
    expect(preview).toHaveTextContent("Every 5 minutes");
    expect(within(preview).getAllByRole("listitem")[0]).toHaveTextContent("2026-11-26, 12:00:00");
    expect(preview).toHaveTextContent("times in UTC");

    await userEvent.click(within(form).getByRole("button", { name: "Create schedule" }));
    expect(await screen.findByTestId("schedule-checks every 5 min")).toHaveTextContent("Every 5 minutes");
    expect(screen.queryByRole("form")).not.toBeInTheDocument();
    const [create] = sent("POST", "/api/v1/schedules");
    expect(await create!.json()).toEqual({
      name: "checks every 5 min",
      kind: "health-check",
      cluster: "e2e",
      cron: "*/5 * * * *",
      timezone: "UTC",
      params: {},
      misfire_grace_s: 300,
      paused: false,
    });
    // The preview is asked for once the typing pauses, not at every key.
    expect(sent("POST", "/api/v1/schedules/preview").length).toBeLessThanOrEqual(3);
  });

  it("sends what a shard backup needs", async () => {
    const { sent } = show("admin", []);
    await userEvent.click(await screen.findByRole("button", { name: "New schedule" }));
    const form = screen.getByRole("form", { name: "New schedule" });
    await userEvent.type(within(form).getByLabelText("Name"), "shard01 hourly");
    await userEvent.type(within(form).getByLabelText("Cron expression"), "0 * * * *");
    await userEvent.clear(within(form).getByLabelText("Time zone"));
    await userEvent.type(within(form).getByLabelText("Time zone"), "Asia/Seoul");
    await userEvent.selectOptions(within(form).getByLabelText("Backup type"), "shard");
    await userEvent.type(within(form).getByLabelText("Shard"), "shard01");
    await userEvent.selectOptions(within(form).getByLabelText("Compression"), "gzip");
    await userEvent.clear(within(form).getByLabelText("Misfire grace (seconds)"));
    await userEvent.type(within(form).getByLabelText("Misfire grace (seconds)"), "60");
    await userEvent.click(within(form).getByLabelText("Create it paused"));
    await userEvent.click(within(form).getByRole("button", { name: "Create schedule" }));
    await screen.findByTestId("schedule-shard01 hourly");
    expect(await sent("POST", "/api/v1/schedules")[0]!.json()).toMatchObject({
      kind: "backup",
      timezone: "Asia/Seoul",
      params: { type: "shard", shard: "shard01", compression: "gzip" },
      misfire_grace_s: 60,
      paused: true,
    });
  });

  it("lets an admin change a schedule's timing (not its kind or cluster)", async () => {
    const { sent } = show("admin");
    await userEvent.click(await within(await screen.findByTestId("schedule-nightly")).findByRole("button", { name: "Edit" }));
    const form = screen.getByRole("form", { name: "Edit schedule nightly" });
    expect(within(form).getByLabelText("Kind")).toBeDisabled();
    expect(within(form).getByLabelText("Cluster")).toBeDisabled();
    expect(within(form).getByLabelText("Compression")).toHaveValue("zstd");
    const cron = within(form).getByLabelText("Cron expression");
    await userEvent.clear(cron);
    await userEvent.type(cron, "0 4 * * *");
    await userEvent.click(within(form).getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(row("nightly")).toHaveTextContent("At 04:00"));
    expect(await sent("PATCH", "/api/v1/schedules/s1")[0]!.json()).toEqual({
      name: "nightly",
      cron: "0 4 * * *",
      timezone: "Asia/Seoul",
      params: { type: "full", compression: "zstd" },
      misfire_grace_s: 300,
    });
  });

  it("deletes a schedule only after confirmation", async () => {
    const { sent } = show("admin");
    await userEvent.click(await within(await screen.findByTestId("schedule-nightly")).findByRole("button", { name: "Delete" }));
    const dialog = screen.getByRole("dialog", { name: "Delete schedule nightly?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(sent("DELETE", "/api/v1/schedules/s1")).toHaveLength(0);

    await userEvent.click(within(row("nightly")).getByRole("button", { name: "Delete" }));
    await userEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("No schedules yet.")).toBeInTheDocument();
    expect(sent("DELETE", "/api/v1/schedules/s1")).toHaveLength(1);
  });
});

describe("parseOutcome", () => {
  it("splits the scheduler's last decision into its word and detail", () => {
    expect(parseOutcome("started (2026-11-25T17:30:00+00:00): job 3f2a")).toEqual({ word: "started", detail: "job 3f2a" });
    expect(parseOutcome("skipped (2026-11-25T17:30:00+00:00): 412 s late, misfire grace is 300 s")).toEqual({
      word: "skipped",
      detail: "412 s late, misfire grace is 300 s",
    });
    expect(parseOutcome("started (2026-11-25T17:30:00+00:00)")).toEqual({ word: "started", detail: "" });
    expect(parseOutcome("something else entirely")).toEqual({ word: "something else entirely", detail: "" });
  });
});
