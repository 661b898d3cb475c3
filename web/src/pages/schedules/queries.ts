// The schedules API as queries: the list, create / change / pause / resume / delete, and the preview of a cron
// expression's next runs (debounced while it is typed).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { RequestBodyOption } from "openapi-fetch";
import { api, unwrap, type Schemas } from "../../api/client";
import type { paths } from "../../api/schema.gen";
import { useDebounced } from "../../lib/useDebounced";

export type Schedule = Schemas["SchedulePublic"];
// The request bodies as the client takes them (openapi-fetch's view of ScheduleCreate and ScheduleUpdate).
export type ScheduleCreate = NonNullable<RequestBodyOption<paths["/api/v1/schedules"]["post"]>["body"]>;
export type ScheduleUpdate = NonNullable<RequestBodyOption<paths["/api/v1/schedules/{schedule_id}"]["patch"]>["body"]>;

/** The list is re-read this often, so next and last runs stay current while the page is open. */
export const SCHEDULES_REFRESH_MS = 10_000;
/** How long the typing must pause before the preview is asked for. */
export const PREVIEW_DEBOUNCE_MS = 400;
/** The API refuses a shorter expression as malformed input ("* * * * *" has nine characters). */
const SHORTEST_CRON = 9;

export const scheduleKeys = {
  all: ["schedules"] as const,
  list: ["schedules", "list"] as const,
  preview: (cron: string, timezone: string) => ["schedules", "preview", cron, timezone] as const,
};

export function useSchedules() {
  return useQuery({
    queryKey: scheduleKeys.list,
    queryFn: async () => unwrap(await api.GET("/api/v1/schedules")),
    refetchInterval: SCHEDULES_REFRESH_MS,
  });
}

function useScheduleMutation<T>(mutationFn: (input: T) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: scheduleKeys.list }),
  });
}

export function useCreateSchedule() {
  return useScheduleMutation(async (body: ScheduleCreate) => unwrap(await api.POST("/api/v1/schedules", { body })));
}

export function useUpdateSchedule() {
  return useScheduleMutation(async ({ id, body }: { id: string; body: ScheduleUpdate }) =>
    unwrap(await api.PATCH("/api/v1/schedules/{schedule_id}", { params: { path: { schedule_id: id } }, body })),
  );
}

export function useSetPaused() {
  return useScheduleMutation(async ({ id, paused }: { id: string; paused: boolean }) => {
    const params = { path: { schedule_id: id } };
    return unwrap(
      paused
        ? await api.POST("/api/v1/schedules/{schedule_id}/pause", { params })
        : await api.POST("/api/v1/schedules/{schedule_id}/resume", { params }),
    );
  });
}

export function useDeleteSchedule() {
  return useScheduleMutation(async (id: string) => {
    const result = await api.DELETE("/api/v1/schedules/{schedule_id}", { params: { path: { schedule_id: id } } });
    if (!result.response.ok) unwrap(result);
  });
}

/** The next five runs of `cron` in `timezone`, asked for once the typing pauses; `settling` while it has not. */
export function useSchedulePreview(cron: string, timezone: string) {
  const wantedCron = cron.trim();
  const wantedZone = timezone.trim() || "UTC";
  const settledCron = useDebounced(wantedCron, PREVIEW_DEBOUNCE_MS);
  const settledZone = useDebounced(wantedZone, PREVIEW_DEBOUNCE_MS);
  const query = useQuery({
    queryKey: scheduleKeys.preview(settledCron, settledZone),
    queryFn: async () =>
      unwrap(
        await api.POST("/api/v1/schedules/preview", { body: { cron: settledCron, timezone: settledZone, count: 5 } }),
      ),
    enabled: settledCron.length >= SHORTEST_CRON,
    staleTime: 30_000,
    retry: false,
  });
  return {
    query,
    /** Nothing to preview yet (too short to be an expression). */
    empty: wantedCron.length < SHORTEST_CRON,
    settling: settledCron !== wantedCron || settledZone !== wantedZone,
  };
}
