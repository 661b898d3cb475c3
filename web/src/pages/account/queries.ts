// The logged-in user's own API tokens, and their password change.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";
import { useLogin } from "../../auth/session";

const TOKENS_KEY = ["tokens"] as const;

export function useTokens() {
  return useQuery({
    queryKey: TOKENS_KEY,
    queryFn: async () => unwrap(await api.GET("/api/v1/tokens")),
  });
}

export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["ApiTokenCreate"]) => unwrap(await api.POST("/api/v1/tokens", { body })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: TOKENS_KEY }),
  });
}

export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => {
      unwrap(await api.DELETE("/api/v1/tokens/{token_id}", { params: { path: { token_id: id } } }));
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: TOKENS_KEY }),
  });
}

/** Change the password, then log in again with it: the API ends every session of the user, this one included. */
export function useChangePassword(username: string) {
  const login = useLogin();
  return useMutation({
    mutationFn: async (body: Schemas["PasswordChange"]) => {
      unwrap(await api.PUT("/api/v1/users/me/password", { body }));
      await login.mutateAsync({ username, password: body.new_password });
    },
  });
}
