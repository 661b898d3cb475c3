import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, mockApi, renderPage } from "../../test/render";
import { sessionOf } from "../../test/session";
import AccountPage from "./AccountPage";

const viewer = sessionOf("viewer", { id: 4, username: "vic" });
const active = { id: 1, name: "ci", prefix: "mat_AAAAAAAA", created_at: "2026-11-01T00:00:00Z", expires_at: null, last_used_at: "2026-11-25T10:00:00Z", revoked_at: null };
const expired = { ...active, id: 2, name: "old", prefix: "mat_BBBBBBBB", expires_at: "2026-01-01T00:00:00Z", last_used_at: null };
const revoked = { ...active, id: 3, name: "leaked", prefix: "mat_CCCCCCCC", revoked_at: "2026-11-20T00:00:00Z" };

function renderAccount() {
  return renderPage(<AccountPage />, { path: "/account", pattern: "/account" });
}

afterEach(() => vi.unstubAllGlobals());

describe("AccountPage", () => {
  it("says who is logged in, with what role and until when", async () => {
    mockApi({
      "GET /api/v1/auth/session": () => json(viewer),
      "GET /api/v1/tokens": () => json({ data: [], count: 0 }),
    });
    renderAccount();
    expect(await screen.findByText("Signed in as vic with the viewer role.")).toBeInTheDocument();
    expect(screen.getByText(/ends at 2026-11-27, 09:00:00 at the latest, or after 1h without activity/)).toBeInTheDocument();
    expect(await screen.findByText("You have no API tokens.")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "What each role may do" })).toBeInTheDocument();
  });

  it("lists tokens with their state and offers revoke only on active ones", async () => {
    mockApi({
      "GET /api/v1/auth/session": () => json(viewer),
      "GET /api/v1/tokens": () => json({ data: [active, expired, revoked], count: 3 }),
    });
    renderAccount();
    const row = async (name: string) => within((await screen.findByRole("rowheader", { name })).closest("tr")!);
    expect((await row("ci")).getByText("active")).toBeInTheDocument();
    expect((await row("ci")).getByText("mat_AAAAAAAA…")).toBeInTheDocument();
    expect((await row("old")).getByText("expired")).toBeInTheDocument();
    expect((await row("leaked")).getByText("revoked")).toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: /^Revoke/ }).map((button) => button.getAttribute("aria-label"))).toEqual(["Revoke ci"]);
  });

  it("shows a new token once, copies it, and forgets it when dismissed", async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    let tokens: object[] = [];
    const calls = mockApi({
      "GET /api/v1/auth/session": () => json(viewer),
      "GET /api/v1/tokens": () => json({ data: tokens, count: tokens.length }),
      "POST /api/v1/tokens": () => {
        tokens = [{ ...active, name: "nightly" }];
        return json({ ...active, name: "nightly", expires_at: "2026-12-26T00:00:00Z", token: "mat_secret-value" }, 201);
      },
    });
    renderAccount();
    const form = within(await screen.findByRole("form", { name: "Create a token" }));
    await userEvent.type(form.getByLabelText("Name"), "nightly");
    await userEvent.type(form.getByLabelText("Expires after (days)"), "30");
    await userEvent.click(form.getByRole("button", { name: "Create token" }));
    const shown = within(await screen.findByRole("region", { name: "New token: nightly" }));
    expect(shown.getByLabelText("Token")).toHaveValue("mat_secret-value");
    expect(shown.getByText(/shown only this once/)).toBeInTheDocument();
    expect(await calls.find((call) => call.method === "POST")?.json()).toEqual({ name: "nightly", expires_in_days: 30 });
    expect(await screen.findByRole("rowheader", { name: "nightly" })).toBeInTheDocument();

    await userEvent.click(shown.getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith("mat_secret-value");
    expect(await shown.findByText("Copied to the clipboard.")).toBeInTheDocument();

    await userEvent.click(shown.getByRole("button", { name: "I have copied it" }));
    expect(screen.queryByRole("region", { name: "New token: nightly" })).not.toBeInTheDocument();
    expect(screen.queryByDisplayValue("mat_secret-value")).not.toBeInTheDocument();
  });

  it("says so when the clipboard refuses, leaving the token to copy by hand", async () => {
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText: async () => Promise.reject(new Error("denied")) } });
    mockApi({
      "GET /api/v1/auth/session": () => json(viewer),
      "GET /api/v1/tokens": () => json({ data: [], count: 0 }),
      "POST /api/v1/tokens": () => json({ ...active, token: "mat_secret-value" }, 201),
    });
    renderAccount();
    await userEvent.type(await screen.findByLabelText("Name"), "ci");
    await userEvent.click(screen.getByRole("button", { name: "Create token" }));
    await userEvent.click(await screen.findByRole("button", { name: "Copy" }));
    expect(await screen.findByText(/Could not copy/)).toBeInTheDocument();
    expect(screen.getByLabelText("Token")).toHaveValue("mat_secret-value");
  });

  it("refuses an expiry the API would refuse, without sending it", async () => {
    const calls = mockApi({
      "GET /api/v1/auth/session": () => json(viewer),
      "GET /api/v1/tokens": () => json({ data: [], count: 0 }),
    });
    renderAccount();
    await userEvent.type(await screen.findByLabelText("Name"), "ci");
    await userEvent.type(screen.getByLabelText("Expires after (days)"), "0");
    await userEvent.click(screen.getByRole("button", { name: "Create token" }));
    expect(screen.getByLabelText("Expires after (days)")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText(/whole number of days from 1 to 3650/)).toBeInTheDocument();
    expect(calls.some((call) => call.method === "POST")).toBe(false);
  });

  it("revokes a token after a confirmation", async () => {
    let tokens: object[] = [active];
    const calls = mockApi({
      "GET /api/v1/auth/session": () => json(viewer),
      "GET /api/v1/tokens": () => json({ data: tokens, count: tokens.length }),
      "DELETE /api/v1/tokens/1": () => {
        tokens = [{ ...active, revoked_at: "2026-11-26T12:00:00Z" }];
        return new Response(null, { status: 204 });
      },
    });
    renderAccount();
    await userEvent.click(await screen.findByRole("button", { name: "Revoke ci" }));
    const dialog = within(screen.getByRole("dialog", { name: "Revoke the token ci?" }));
    await userEvent.click(dialog.getByRole("button", { name: "Revoke token" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Token ci revoked.");
    expect(calls.filter((call) => call.method === "DELETE")).toHaveLength(1);
    await waitFor(() => expect(screen.queryByRole("button", { name: "Revoke ci" })).not.toBeInTheDocument());
  });

  it("changes the password, then logs in again with the new one", async () => {
    const calls = mockApi({
      "GET /api/v1/auth/session": () => json(viewer),
      "GET /api/v1/tokens": () => json({ data: [], count: 0 }),
      "PUT /api/v1/users/me/password": () => new Response(null, { status: 204 }),
      "POST /api/v1/auth/session": () => json({ ...viewer, csrf_token: "csrf-new" }, 201),
    });
    renderAccount();
    const form = within(await screen.findByRole("form", { name: "Change your password" }));
    await userEvent.type(form.getByLabelText("Current password"), "the old password");
    await userEvent.type(form.getByLabelText("New password"), "a brand new password");
    await userEvent.type(form.getByLabelText("Confirm password"), "a brand new password");
    await userEvent.click(form.getByRole("button", { name: "Change password" }));
    expect(await form.findByRole("status")).toHaveTextContent("Password changed.");
    const put = calls.find((call) => call.method === "PUT");
    expect(await put?.json()).toEqual({ current_password: "the old password", new_password: "a brand new password" });
    const login = calls.find((call) => call.method === "POST");
    expect(await login?.json()).toEqual({ username: "vic", password: "a brand new password" });
    expect(form.getByLabelText("Current password")).toHaveValue("");
  });

  it("shows the API's refusal of a wrong current password and does not log in again", async () => {
    const calls = mockApi({
      "GET /api/v1/auth/session": () => json(viewer),
      "GET /api/v1/tokens": () => json({ data: [], count: 0 }),
      "PUT /api/v1/users/me/password": () => json({ detail: "current password is incorrect" }, 400),
    });
    renderAccount();
    const form = within(await screen.findByRole("form", { name: "Change your password" }));
    await userEvent.type(form.getByLabelText("Current password"), "not it");
    await userEvent.type(form.getByLabelText("New password"), "a brand new password");
    await userEvent.type(form.getByLabelText("Confirm password"), "a brand new password");
    await userEvent.click(form.getByRole("button", { name: "Change password" }));
    expect(await form.findByRole("alert")).toHaveTextContent("current password is incorrect");
    expect(calls.some((call) => call.method === "POST")).toBe(false);
  });
});
