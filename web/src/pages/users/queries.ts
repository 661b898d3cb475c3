// The platform's users as the administrators' page reads and changes them; every change re-reads the list.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";

export type User = Schemas["UserPublic"];
export type Role = Schemas["Role"];

const USERS_KEY = ["users"] as const;

export function useUsers() {
  return useQuery({
    queryKey: USERS_KEY,
    queryFn: async () => unwrap(await api.GET("/api/v1/users")),
  });
}

function useUsersChange<Variables, Result>(change: (variables: Variables) => Promise<Result>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSettled: () => queryClient.invalidateQueries({ queryKey: USERS_KEY }),
  });
}

export function useCreateUser() {
  return useUsersChange(async (body: Schemas["UserCreate"]) => unwrap(await api.POST("/api/v1/users", { body })));
}

export function useUpdateUser() {
  return useUsersChange(async ({ id, ...body }: { id: number } & Schemas["UserUpdate"]) =>
    unwrap(await api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body })),
  );
}

export function useDeleteUser() {
  return useUsersChange(async (id: number) => {
    unwrap(await api.DELETE("/api/v1/users/{user_id}", { params: { path: { user_id: id } } }));
  });
}
