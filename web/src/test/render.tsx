// Render a component as the dashboard does: a fresh query cache, a session, a router at `path`.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { createMemoryRouter, RouterProvider, type RouteObject } from "react-router";
import { SessionProvider } from "../auth/session";

export function renderRoutes(routes: RouteObject[], path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const result = render(
    <QueryClientProvider client={client}>
      <SessionProvider>
        <RouterProvider router={router} />
      </SessionProvider>
    </QueryClientProvider>,
  );
  return { ...result, router, client };
}

/** Render one element at `path` (the element sees `params` of `pattern`). */
export function renderPage(element: ReactElement, { path = "/", pattern = "/" } = {}) {
  return renderRoutes([{ path: pattern, element }], path);
}

type Handler = (request: Request) => Response | Promise<Response>;
/** Answers keyed by "METHOD /path". */
export type Handlers = Record<string, Handler>;

/** Answer the dashboard's fetches with `handlers` keyed by "METHOD /path" (query strings ignored). */
export function mockApi(handlers: Handlers) {
  const calls: Request[] = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    calls.push(request);
    const key = `${request.method} ${new URL(request.url).pathname}`;
    const handler = handlers[key];
    if (!handler) return json({ detail: `no mock for ${key}` }, 404);
    return handler(request);
  });
  return calls;
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}
