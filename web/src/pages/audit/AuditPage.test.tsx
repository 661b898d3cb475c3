import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, mockApi, renderPage } from "../../test/render";
import { sessionOf } from "../../test/session";
import AuditPage from "./AuditPage";

const event = (id: number, fields: object = {}) => ({
  id,
  at: "2026-11-26T05:04:03Z",
  actor: "ada",
  actor_kind: "session",
  method: "POST",
  path: "/api/v1/users",
  target: null,
  status: 201,
  client: "127.0.0.1",
  detail: null,
  ...fields,
});

const asAdmin = { "GET /api/v1/auth/session": () => json(sessionOf("admin")) };

function renderAudit(path = "/audit") {
  return renderPage(<AuditPage />, { path, pattern: "/audit" });
}

/** The query strings the page sent to GET /api/v1/audit, in order. */
function auditQueries(calls: Request[]): URLSearchParams[] {
  return calls.filter((call) => new URL(call.url).pathname === "/api/v1/audit").map((call) => new URL(call.url).searchParams);
}

afterEach(() => vi.unstubAllGlobals());

describe("AuditPage", () => {
  it("shows every field of an event, with the status as a badge of its class", async () => {
    mockApi({
      ...asAdmin,
      "GET /api/v1/audit": () =>
        json({
          data: [
            event(3, { status: 500, actor: "system", actor_kind: "system", method: "PRUNE", path: "audit-retention", target: "audit_events", client: null, detail: "removed 4 audit events" }),
            event(2, { status: 403, actor: "vic", method: "DELETE", path: "/api/v1/users/7", target: "users/7" }),
            event(1),
          ],
          count: 3,
        }),
    });
    renderAudit();
    const prune = within((await screen.findByText("removed 4 audit events")).closest("tr")!);
    expect(prune.getByText("500")).toHaveClass("badge", "bad");
    expect(prune.getByText("system", { selector: "td" })).toBeInTheDocument();
    expect(prune.getByText("PRUNE")).toBeInTheDocument();
    const refused = within(screen.getByText("/api/v1/users/7").closest("tr")!);
    expect(refused.getByText("403")).toHaveClass("badge", "warn");
    expect(refused.getByRole("link", { name: "users/7: show only events on this target" })).toBeInTheDocument();
    const created = within(screen.getAllByText("/api/v1/users")[0]!.closest("tr")!);
    expect(created.getByText("201")).toHaveClass("badge", "ok");
    expect(created.getByText("dashboard")).toBeInTheDocument();
    expect(created.getByText("127.0.0.1")).toBeInTheDocument();
    expect(created.getByText(/2026-11-26, \d\d:04:03/)).toBeInTheDocument();
    expect(screen.getByText(/Events 1–3 of 3/)).toBeInTheDocument();
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(screen.getAllByRole("columnheader").map((header) => header.textContent)).toEqual([
      `Time (${zone})`, "Actor", "Actor kind", "Method", "Path", "Target", "Status", "Client", "Detail",
    ]);
  });

  it("asks the API for the filters in the address bar and shows them in the form", async () => {
    const calls = mockApi({ ...asAdmin, "GET /api/v1/audit": () => json({ data: [event(1)], count: 1 }) });
    renderAudit("/audit?actor=ada&status_class=4xx&path_prefix=/api/v1/users&since=2026-11-26T00:00:00Z&limit=25");
    await screen.findByText("/api/v1/users");
    const sent = auditQueries(calls)[0]!;
    expect(Object.fromEntries(sent)).toEqual({
      actor: "ada",
      status_class: "4xx",
      path_prefix: "/api/v1/users",
      since: "2026-11-26T00:00:00.000Z",
      limit: "25",
      offset: "0",
    });
    expect(screen.getByLabelText("Actor")).toHaveValue("ada");
    expect(screen.getByLabelText("Outcome")).toHaveValue("4xx");
    expect(screen.getByLabelText("Path starts with")).toHaveValue("/api/v1/users");
    expect(screen.getByLabelText("Events per page")).toHaveValue("25");
  });

  it("applies the form's filters to the address bar, from the first page", async () => {
    const calls = mockApi({ ...asAdmin, "GET /api/v1/audit": () => json({ data: [event(1)], count: 1 }) });
    const { router } = renderAudit("/audit?offset=100");
    await screen.findByText("/api/v1/users");
    await userEvent.type(screen.getByLabelText("Actor"), " bob ");
    await userEvent.selectOptions(screen.getByLabelText("Method"), "DELETE");
    await userEvent.type(screen.getByLabelText("Status code"), "409");
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-11-26T05:00:00" } });
    await userEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(router.state.location.search).toContain("actor=bob"));
    const search = new URLSearchParams(router.state.location.search);
    expect(search.get("method")).toBe("DELETE");
    expect(search.get("status")).toBe("409");
    expect(new Date(search.get("since")!).getTime()).toBe(new Date("2026-11-26T05:00:00").getTime());
    expect(search.has("offset")).toBe(false);
    await waitFor(() => expect(auditQueries(calls).at(-1)?.get("actor")).toBe("bob"));
    expect(auditQueries(calls).at(-1)?.get("offset")).toBe("0");
  });

  it("refuses a status code the API would refuse", async () => {
    const calls = mockApi({ ...asAdmin, "GET /api/v1/audit": () => json({ data: [], count: 0 }) });
    renderAudit();
    await screen.findByText("The audit trail is empty.");
    await userEvent.type(screen.getByLabelText("Status code"), "42");
    expect(screen.getByLabelText("Status code")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByRole("button", { name: "Apply filters" })).toBeDisabled();
    expect(auditQueries(calls)).toHaveLength(1);
  });

  it("pages through the trail as the count allows", async () => {
    const calls = mockApi({
      ...asAdmin,
      "GET /api/v1/audit": (request) => {
        const offset = Number(new URL(request.url).searchParams.get("offset"));
        const events = Array.from({ length: offset === 50 ? 10 : 50 }, (_, n) => event(1000 - offset - n, { path: `/api/v1/x/${offset + n}` }));
        return json({ data: events, count: 60 });
      },
    });
    const { router } = renderAudit();
    expect(await screen.findByText(/Events 1–50 of 60/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Newer events" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Older events" }));
    expect(await screen.findByText(/Events 51–60 of 60/)).toBeInTheDocument();
    expect(router.state.location.search).toBe("?offset=50");
    expect(screen.getByRole("button", { name: "Older events" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Newer events" }));
    expect(await screen.findByText(/Events 1–50 of 60/)).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText("Events per page"), "100");
    await waitFor(() => expect(router.state.location.search).toBe("?limit=100"));
    expect(auditQueries(calls).map((query) => `${query.get("limit")}/${query.get("offset")}`)).toEqual(["50/0", "50/50", "50/0", "100/0"]);
  });

  it("narrows to an actor from its link, keeping the other filters", async () => {
    mockApi({ ...asAdmin, "GET /api/v1/audit": () => json({ data: [event(1, { actor: "bob" })], count: 1 }) });
    const { router } = renderAudit("/audit?method=POST&offset=50");
    await userEvent.click(await screen.findByRole("link", { name: "bob: show only this actor's events" }));
    await waitFor(() => expect(router.state.location.search).toBe("?actor=bob&method=POST"));
    expect(screen.getByLabelText("Actor")).toHaveValue("bob");
  });

  it("clears the filters but keeps the page size", async () => {
    mockApi({ ...asAdmin, "GET /api/v1/audit": () => json({ data: [], count: 0 }) });
    const { router } = renderAudit("/audit?actor=bob&limit=200");
    expect(await screen.findByText("No event matches these filters.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(router.state.location.search).toBe("?limit=200"));
    expect(await screen.findByText("The audit trail is empty.")).toBeInTheDocument();
  });

  it("shows the API's refusal", async () => {
    mockApi({ ...asAdmin, "GET /api/v1/audit": () => json({ detail: "requires the admin role" }, 403) });
    renderAudit();
    expect(await screen.findByRole("alert")).toHaveTextContent("requires the admin role");
  });

  it("tells a non-admin that only administrators read the trail, without asking the API", async () => {
    const calls = mockApi({ "GET /api/v1/auth/session": () => json(sessionOf("operator")) });
    renderAudit();
    expect(await screen.findByText("Only administrators read the audit trail.")).toBeInTheDocument();
    expect(auditQueries(calls)).toHaveLength(0);
  });
});
