import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, mockApi, renderRoutes } from "../../test/render";
import { sessionOf } from "../../test/session";
import LoginPage from "./LoginPage";

const session = sessionOf("admin", { username: "ada" });
const health = (adminExists: boolean) =>
  json({ status: "ok", version: "0.1", database: "reachable", schema_revision: "x", schema_head: "x", admin_exists: adminExists });

const routes = [
  { path: "/login", element: <LoginPage /> },
  { path: "/clusters", element: <p>clusters page</p> },
];

afterEach(() => vi.unstubAllGlobals());

describe("LoginPage", () => {
  it("logs in and goes to the clusters", async () => {
    const calls = mockApi({
      "GET /api/v1/auth/session": () => json({ detail: "Not authenticated" }, 401),
      "GET /api/v1/health": () => health(true),
      "POST /api/v1/auth/session": () => json(session, 201),
    });
    renderRoutes(routes, "/login");
    await userEvent.type(await screen.findByLabelText("Username"), "ada");
    await userEvent.type(screen.getByLabelText("Password"), "correct horse");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByText("clusters page")).toBeInTheDocument();
    const post = calls.find((call) => call.method === "POST");
    expect(await post?.json()).toEqual({ username: "ada", password: "correct horse" });
    expect(screen.queryByTestId("first-run")).not.toBeInTheDocument();
  });

  it("shows the API's refusal", async () => {
    mockApi({
      "GET /api/v1/auth/session": () => json({ detail: "Not authenticated" }, 401),
      "GET /api/v1/health": () => health(true),
      "POST /api/v1/auth/session": () => json({ detail: "Wrong username or password." }, 401),
    });
    renderRoutes(routes, "/login");
    await userEvent.type(await screen.findByLabelText("Username"), "ada");
    await userEvent.type(screen.getByLabelText("Password"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong username or password.");
  });

  it("tells a fresh install how to create the first administrator", async () => {
    mockApi({
      "GET /api/v1/auth/session": () => json({ detail: "Not authenticated" }, 401),
      "GET /api/v1/health": () => health(false),
    });
    renderRoutes(routes, "/login");
    await waitFor(() => expect(screen.getByTestId("first-run")).toHaveTextContent("mongo-admin api create-admin"));
  });
});
