import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, mockApi, renderPage } from "../../test/render";
import { sessionOf } from "../../test/session";
import UsersPage from "./UsersPage";

type UserFixture = { id: number; username: string; role: string; disabled: boolean; created_at: string; last_login_at: string | null };

const ada: UserFixture = { id: 1, username: "ada", role: "admin", disabled: false, created_at: "2026-11-20T08:00:00Z", last_login_at: "2026-11-26T09:00:00Z" };
const bob: UserFixture = { id: 2, username: "bob", role: "operator", disabled: false, created_at: "2026-11-21T08:00:00Z", last_login_at: null };
const cy: UserFixture = { id: 3, username: "cy", role: "viewer", disabled: true, created_at: "2026-11-22T08:00:00Z", last_login_at: null };

function listOf(...users: object[]) {
  return () => json({ data: users, count: users.length });
}

const asAdmin = { "GET /api/v1/auth/session": () => json(sessionOf("admin", { id: 1, username: "ada" })) };

function renderUsers() {
  return renderPage(<UsersPage />, { path: "/users", pattern: "/users" });
}

afterEach(() => vi.unstubAllGlobals());

describe("UsersPage", () => {
  it("lists every user with role, status, creation and last login", async () => {
    mockApi({ ...asAdmin, "GET /api/v1/users": listOf(ada, bob, cy) });
    renderUsers();
    const rows = await screen.findAllByRole("row");
    expect(rows).toHaveLength(4);
    const bobRow = within(screen.getByRole("rowheader", { name: "bob" }).closest("tr")!);
    expect(bobRow.getByRole("combobox", { name: "Role of bob" })).toHaveValue("operator");
    expect(bobRow.getByText("active")).toBeInTheDocument();
    expect(bobRow.getByText("never")).toBeInTheDocument();
    expect(bobRow.getByText("2026-11-21, 08:00:00", { exact: false })).toBeInTheDocument();
    const cyRow = within(screen.getByRole("rowheader", { name: "cy" }).closest("tr")!);
    expect(cyRow.getByText("disabled")).toBeInTheDocument();
    expect(cyRow.getByRole("button", { name: "Enable cy" })).toBeInTheDocument();
    expect(screen.getByText("Users: 3")).toBeInTheDocument();
  });

  it("marks your own row and offers neither delete nor disable on it", async () => {
    mockApi({ ...asAdmin, "GET /api/v1/users": listOf(ada, bob) });
    renderUsers();
    const own = within((await screen.findByRole("rowheader", { name: /ada/ })).closest("tr")!);
    expect(own.getByText("you")).toBeInTheDocument();
    expect(own.queryByRole("button", { name: /Delete|Disable/ })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Delete bob" })).toBeInTheDocument();
  });

  it("creates a user once the password is long enough and confirmed", async () => {
    let users: UserFixture[] = [ada];
    const calls = mockApi({
      ...asAdmin,
      "GET /api/v1/users": () => json({ data: users, count: users.length }),
      "POST /api/v1/users": async (request) => {
        const body = (await request.clone().json()) as { username: string; role: string };
        const created = { ...bob, id: 9, username: body.username, role: body.role };
        users = [ada, created];
        return json(created, 201);
      },
    });
    renderUsers();
    await screen.findByRole("rowheader", { name: /ada/ });
    const form = within(screen.getByRole("form", { name: "Add a user" }));
    await userEvent.type(form.getByLabelText("Username"), "dana");
    await userEvent.selectOptions(form.getByLabelText("Role"), "operator");
    await userEvent.type(form.getByLabelText("Password"), "short");
    await userEvent.type(form.getByLabelText("Confirm password"), "short");
    await userEvent.click(form.getByRole("button", { name: "Create user" }));
    expect(form.getByText("The password is shorter than 12 characters.")).toBeInTheDocument();
    expect(form.getByLabelText("Password")).toHaveAttribute("aria-invalid", "true");

    await userEvent.clear(form.getByLabelText("Password"));
    await userEvent.type(form.getByLabelText("Password"), "a long enough password");
    await userEvent.clear(form.getByLabelText("Confirm password"));
    await userEvent.type(form.getByLabelText("Confirm password"), "a long enough passw0rd");
    await userEvent.click(form.getByRole("button", { name: "Create user" }));
    expect(form.getByText("The two passwords differ.")).toBeInTheDocument();
    expect(calls.some((call) => call.method === "POST")).toBe(false);

    await userEvent.clear(form.getByLabelText("Confirm password"));
    await userEvent.type(form.getByLabelText("Confirm password"), "a long enough password");
    await userEvent.click(form.getByRole("button", { name: "Create user" }));
    expect(await screen.findByRole("status")).toHaveTextContent("User dana created as operator.");
    const post = calls.find((call) => call.method === "POST");
    expect(await post?.json()).toEqual({ username: "dana", role: "operator", password: "a long enough password" });
    expect(await screen.findByRole("rowheader", { name: "dana" })).toBeInTheDocument();
    expect(form.getByLabelText("Username")).toHaveValue("");
  });

  it("shows the API's refusal of a taken name", async () => {
    mockApi({
      ...asAdmin,
      "GET /api/v1/users": listOf(ada),
      "POST /api/v1/users": () => json({ detail: "username already exists" }, 409),
    });
    renderUsers();
    const form = within(await screen.findByRole("form", { name: "Add a user" }));
    await userEvent.type(form.getByLabelText("Username"), "ada");
    await userEvent.type(form.getByLabelText("Password"), "a long enough password");
    await userEvent.type(form.getByLabelText("Confirm password"), "a long enough password");
    await userEvent.click(form.getByRole("button", { name: "Create user" }));
    expect(await form.findByRole("alert")).toHaveTextContent("username already exists");
  });

  it("changes a role with the select and its button, sending only the role", async () => {
    let current = bob;
    const calls = mockApi({
      ...asAdmin,
      "GET /api/v1/users": () => json({ data: [ada, current], count: 2 }),
      "PATCH /api/v1/users/2": async (request) => {
        current = { ...bob, ...((await request.clone().json()) as object) };
        return json(current);
      },
    });
    renderUsers();
    const change = await screen.findByRole("button", { name: "Change role of bob" });
    expect(change).toBeDisabled();
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Role of bob" }), "viewer");
    await userEvent.click(change);
    expect(await screen.findByRole("status")).toHaveTextContent("bob is now viewer.");
    expect(await calls.find((call) => call.method === "PATCH")?.json()).toEqual({ role: "viewer" });
    await waitFor(() => expect(screen.getByRole("combobox", { name: "Role of bob" })).toHaveValue("viewer"));
  });

  it("asks before you demote yourself, and shows the API's refusal of the last admin", async () => {
    const calls = mockApi({
      ...asAdmin,
      "GET /api/v1/users": listOf(ada, bob),
      "PATCH /api/v1/users/1": () => json({ detail: "the last active admin cannot be demoted, disabled or deleted" }, 409),
    });
    renderUsers();
    await userEvent.selectOptions(await screen.findByRole("combobox", { name: "Role of ada" }), "operator");
    await userEvent.click(screen.getByRole("button", { name: "Change role of ada" }));
    const dialog = within(screen.getByRole("dialog", { name: "Give up your admin role?" }));
    expect(dialog.getByText(/You become operator at once/)).toBeInTheDocument();
    expect(calls.some((call) => call.method === "PATCH")).toBe(false);
    await userEvent.click(dialog.getByRole("button", { name: "Change my role" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("the last active admin cannot be demoted, disabled or deleted");
    // The row goes back to the role the API kept.
    await waitFor(() => expect(screen.getByRole("combobox", { name: "Role of ada" })).toHaveValue("admin"));
  });

  it("follows your own new role at once after you give up the admin role", async () => {
    let role = "admin";
    mockApi({
      "GET /api/v1/auth/session": () => json(sessionOf(role as "admin", { id: 1, username: "ada" })),
      "GET /api/v1/users": listOf(ada, { ...bob, role: "admin" }),
      "PATCH /api/v1/users/1": () => {
        role = "operator";
        return json({ ...ada, role: "operator" });
      },
    });
    renderUsers();
    await userEvent.selectOptions(await screen.findByRole("combobox", { name: "Role of ada" }), "operator");
    await userEvent.click(screen.getByRole("button", { name: "Change role of ada" }));
    await userEvent.click(within(screen.getByRole("dialog", { name: "Give up your admin role?" })).getByRole("button", { name: "Change my role" }));
    expect(await screen.findByText(/Only administrators manage users/)).toBeInTheDocument();
  });

  it("disables after a confirmation and enables without one", async () => {
    const calls = mockApi({
      ...asAdmin,
      "GET /api/v1/users": listOf(ada, bob, cy),
      "PATCH /api/v1/users/2": () => json({ ...bob, disabled: true }),
      "PATCH /api/v1/users/3": () => json({ ...cy, disabled: false }),
    });
    renderUsers();
    await userEvent.click(await screen.findByRole("button", { name: "Disable bob" }));
    const dialog = within(screen.getByRole("dialog", { name: "Disable bob?" }));
    await userEvent.click(dialog.getByRole("button", { name: "Cancel" }));
    expect(calls.some((call) => call.method === "PATCH")).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: "Disable bob" }));
    await userEvent.click(within(screen.getByRole("dialog", { name: "Disable bob?" })).getByRole("button", { name: "Disable user" }));
    expect(await screen.findByRole("status")).toHaveTextContent("bob is disabled.");
    expect(await calls.find((call) => call.url.endsWith("/users/2"))?.json()).toEqual({ disabled: true });

    await userEvent.click(screen.getByRole("button", { name: "Enable cy" }));
    expect(await screen.findByRole("status")).toHaveTextContent("cy is enabled.");
    expect(await calls.find((call) => call.url.endsWith("/users/3"))?.json()).toEqual({ disabled: false });
  });

  it("deletes after a confirmation", async () => {
    let users = [ada, bob];
    const calls = mockApi({
      ...asAdmin,
      "GET /api/v1/users": () => json({ data: users, count: users.length }),
      "DELETE /api/v1/users/2": () => {
        users = [ada];
        return new Response(null, { status: 204 });
      },
    });
    renderUsers();
    await userEvent.click(await screen.findByRole("button", { name: "Delete bob" }));
    const dialog = within(screen.getByRole("dialog", { name: "Delete bob?" }));
    expect(dialog.getByText(/This cannot be undone/)).toBeInTheDocument();
    await userEvent.click(dialog.getByRole("button", { name: "Delete user" }));
    expect(await screen.findByRole("status")).toHaveTextContent("bob was deleted.");
    expect(calls.filter((call) => call.method === "DELETE")).toHaveLength(1);
    await waitFor(() => expect(screen.queryByRole("rowheader", { name: "bob" })).not.toBeInTheDocument());
  });

  it("keeps the list on screen and says so when a refresh fails", async () => {
    let fail = false;
    mockApi({
      ...asAdmin,
      "GET /api/v1/users": () => (fail ? json({ detail: "database unreachable" }, 503) : json({ data: [ada, bob], count: 2 })),
    });
    const { client } = renderUsers();
    await screen.findByRole("rowheader", { name: "bob" });
    fail = true;
    await client.refetchQueries({ queryKey: ["users"] });
    expect(await screen.findByRole("alert")).toHaveTextContent("database unreachable");
    expect(screen.getByText(/Could not refresh: what is shown was read at/)).toBeInTheDocument();
    expect(screen.getByRole("rowheader", { name: "bob" })).toBeInTheDocument();
  });

  it("tells a non-admin that only administrators manage users, without asking the API", async () => {
    const calls = mockApi({ "GET /api/v1/auth/session": () => json(sessionOf("operator")) });
    renderUsers();
    expect(await screen.findByText(/Only administrators manage users/)).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "What each role may do" })).toBeInTheDocument();
    expect(calls.some((call) => new URL(call.url).pathname === "/api/v1/users")).toBe(false);
  });
});
