// The dashboard's login state: the browser session (cookie + CSRF token) as the API reports it.
import { QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, type ReactNode } from "react";
import { api, ApiError, setCsrfToken, setUnauthorizedHandler, unwrap, type Schemas } from "../api/client";
import { allows, type Role } from "../lib/roles";

type Session = Schemas["SessionPublic"];

interface SessionState {
  session: Session | null;
  loading: boolean;
  /** Whether the logged-in user's role allows what needs `role`. */
  can: (role: Role) => boolean;
}

/** The query of the current session: invalidate it when the user's own record changed (a new role). */
export const SESSION_KEY = ["session"] as const;
const SessionContext = createContext<SessionState>({ session: null, loading: true, can: () => false });

async function fetchSession(): Promise<Session | null> {
  try {
    const session = unwrap(await api.GET("/api/v1/auth/session"));
    setCsrfToken(session.csrf_token);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: SESSION_KEY, queryFn: fetchSession, staleTime: 60_000, retry: false });
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      queryClient.setQueryData(SESSION_KEY, null);
    });
    return () => setUnauthorizedHandler(null);
  }, [queryClient]);
  const session = query.data ?? null;
  const value: SessionState = {
    session,
    loading: query.isPending,
    can: (role) => allows(session?.user.role, role),
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}

/** Drop every cached answer but the session's: what one user saw is never shown to the next. */
function forgetAllBut(queryClient: QueryClient, key: readonly unknown[]): void {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== key[0] });
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: { username: string; password: string }) =>
      unwrap(await api.POST("/api/v1/auth/session", { body })),
    onSuccess: (session) => {
      setCsrfToken(session.csrf_token);
      forgetAllBut(queryClient, SESSION_KEY);
      queryClient.setQueryData(SESSION_KEY, session);
    },
  });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const result = await api.DELETE("/api/v1/auth/session");
      if (!result.response.ok && result.response.status !== 401) unwrap(result);
    },
    onSettled: () => {
      setCsrfToken(null);
      forgetAllBut(queryClient, SESSION_KEY);
      queryClient.setQueryData(SESSION_KEY, null);
    },
  });
}
