import { act, renderHook } from "@testing-library/react";
import { FakeEventSource } from "../../test/eventSource";
import { useJobEvents, type JobEvent } from "./useJobEvents";

const event = (type: JobEvent["type"], fields: Partial<JobEvent> = {}): JobEvent => ({
  type,
  job_id: "j1",
  state: "running",
  progress: 10,
  step: "dump",
  message: null,
  at: "2026-11-26T10:00:00+00:00",
  ...fields,
});

beforeEach(() => FakeEventSource.install());
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function follow({ enabled = true, ...options }: { enabled?: boolean; maxFailures?: number; retryDelayMs?: number } = {}) {
  const received: JobEvent[] = [];
  const onReconnect = vi.fn();
  const hook = renderHook(
    (props: { enabled: boolean }) =>
      useJobEvents("j1", { enabled: props.enabled, onEvent: (e) => received.push(e), onReconnect, ...options }),
    { initialProps: { enabled } },
  );
  return { hook, received, onReconnect };
}

describe("useJobEvents", () => {
  it("follows the job's event stream in order and stops at its final state", () => {
    const { hook, received } = follow();
    const source = FakeEventSource.latest;
    expect(source.url).toBe("/api/v1/jobs/j1/events");
    expect(source.withCredentials).toBe(false);
    expect(hook.result.current).toBe("connecting");

    act(() => source.open());
    expect(hook.result.current).toBe("live");
    act(() => {
      source.emit("state", event("state", { progress: 0, step: null }));
      source.emit("progress", event("progress", { progress: 40, message: "dumping shard0" }));
      source.emit("log", event("log", { message: "shard0: 2/2 collections" }));
      source.emit("state", event("state", { state: "succeeded", progress: 100 }));
    });
    expect(received.map((e) => [e.type, e.state, e.progress, e.message])).toEqual([
      ["state", "running", 0, null],
      ["progress", "running", 40, "dumping shard0"],
      ["log", "running", 10, "shard0: 2/2 collections"],
      ["state", "succeeded", 100, null],
    ]);
    expect(hook.result.current).toBe("ended");
    // Closed before the server ends the response, so the browser does not reconnect to a finished job.
    expect(source.closed).toBe(true);
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  it("ignores data it cannot parse", () => {
    const { received } = follow();
    act(() => {
      FakeEventSource.latest.open();
      FakeEventSource.latest.emit("log", "{not json");
      FakeEventSource.latest.emit("log", event("log", { message: "fine" }));
    });
    expect(received.map((e) => e.message)).toEqual(["fine"]);
  });

  it("says when the connection broke and asks for a re-read once the browser has reconnected", () => {
    const { hook, onReconnect } = follow();
    const source = FakeEventSource.latest;
    act(() => source.open());
    expect(onReconnect).not.toHaveBeenCalled();

    act(() => source.drop());
    expect(hook.result.current).toBe("reconnecting");
    act(() => source.open());
    expect(hook.result.current).toBe("live");
    expect(onReconnect).toHaveBeenCalledTimes(1);
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  it("opens a new stream with a growing delay when the browser gives up, then falls back to polling", () => {
    vi.useFakeTimers();
    const { hook } = follow({ maxFailures: 3, retryDelayMs: 1000 });
    act(() => FakeEventSource.latest.refuse());
    expect(hook.result.current).toBe("reconnecting");
    act(() => vi.advanceTimersByTime(999));
    expect(FakeEventSource.instances).toHaveLength(1);
    act(() => vi.advanceTimersByTime(1));
    expect(FakeEventSource.instances).toHaveLength(2);

    act(() => FakeEventSource.latest.refuse());
    act(() => vi.advanceTimersByTime(2000));
    expect(FakeEventSource.instances).toHaveLength(3);

    act(() => FakeEventSource.latest.refuse());
    expect(hook.result.current).toBe("polling");
    act(() => vi.advanceTimersByTime(60_000));
    expect(FakeEventSource.instances).toHaveLength(3);
  });

  it("gives up on a connection that keeps breaking without ever delivering", () => {
    const { hook } = follow({ maxFailures: 2 });
    const source = FakeEventSource.latest;
    act(() => source.drop());
    expect(hook.result.current).toBe("reconnecting");
    act(() => source.drop());
    expect(hook.result.current).toBe("polling");
    expect(source.closed).toBe(true);
  });

  it("a successful connection forgives earlier failures", () => {
    const { hook } = follow({ maxFailures: 2 });
    const source = FakeEventSource.latest;
    act(() => source.drop());
    act(() => source.open());
    act(() => source.drop());
    expect(hook.result.current).toBe("reconnecting");
  });

  it("opens nothing while disabled, and closes the stream when disabled or unmounted", () => {
    const { hook } = follow({ enabled: false });
    expect(FakeEventSource.instances).toHaveLength(0);
    expect(hook.result.current).toBe("idle");

    hook.rerender({ enabled: true });
    const first = FakeEventSource.latest;
    hook.rerender({ enabled: false });
    expect(first.closed).toBe(true);

    hook.rerender({ enabled: true });
    const second = FakeEventSource.latest;
    expect(second).not.toBe(first);
    hook.unmount();
    expect(second.closed).toBe(true);
  });
});
