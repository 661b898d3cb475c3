import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { JobLog, type LogEntry } from "./JobLog";

const entry = (n: number, line = `line ${n}`): LogEntry => ({ key: `k${n}`, at: `2026-11-26T10:00:0${n % 10}Z`, line });

/** jsdom lays nothing out: give the log box a size and a scroll position the test controls. */
function sized(element: HTMLElement, { scrollHeight = 1000, clientHeight = 200 } = {}) {
  let top = 0;
  Object.defineProperty(element, "scrollHeight", { configurable: true, get: () => scrollHeight });
  Object.defineProperty(element, "clientHeight", { configurable: true, get: () => clientHeight });
  Object.defineProperty(element, "scrollTop", { configurable: true, get: () => top, set: (value: number) => (top = value) });
  return {
    get top() {
      return top;
    },
    scrollTo(value: number) {
      top = value;
      fireEvent.scroll(element);
    },
  };
}

describe("JobLog", () => {
  it("shows each line with its time, and a level word on the lines that say they are errors or warnings", () => {
    render(
      <JobLog
        entries={[
          entry(1, "dumping shard0"),
          entry(2, "failed: dump of shard0 failed: connection refused"),
          entry(3, "WARNING: lag 12 s"),
        ]}
      />,
    );
    const items = screen.getAllByRole("listitem");
    expect(items.map((item) => item.textContent)).toEqual([
      expect.stringMatching(/^\d\d:\d\d:01dumping shard0$/),
      expect.stringMatching(/error.*failed: dump of shard0 failed/),
      expect.stringMatching(/warning.*WARNING: lag 12 s/),
    ]);
    expect(screen.getByRole("log", { name: "Log" })).toHaveAttribute("tabindex", "0");
  });

  it("says so when there is nothing yet", () => {
    render(<JobLog entries={[]} />);
    expect(screen.getByText("No log lines yet.")).toBeInTheDocument();
  });

  it("follows new lines while the reader is at the bottom", () => {
    const { rerender } = render(<JobLog entries={[entry(1)]} />);
    const box = sized(screen.getByRole("log"));
    rerender(<JobLog entries={[entry(1), entry(2)]} />);
    expect(box.top).toBe(1000);
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
  });

  it("stays put when the reader scrolled up, and offers to jump to the new lines", async () => {
    const { rerender } = render(<JobLog entries={[entry(1)]} />);
    const box = sized(screen.getByRole("log"));
    box.scrollTo(300); // 1000 - 300 - 200 = 500 px above the bottom
    rerender(<JobLog entries={[entry(1), entry(2), entry(3)]} />);
    expect(box.top).toBe(300);
    const jump = screen.getByRole("button", { name: "Jump to the latest lines (2 new)" });

    await userEvent.click(jump);
    expect(box.top).toBe(1000);
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    rerender(<JobLog entries={[entry(1), entry(2), entry(3), entry(4)]} />);
    expect(box.top).toBe(1000);
  });

  it("clears the offer when the reader scrolls back to the bottom by themselves", () => {
    const { rerender } = render(<JobLog entries={[entry(1)]} />);
    const box = sized(screen.getByRole("log"));
    box.scrollTo(0);
    rerender(<JobLog entries={[entry(1), entry(2)]} />);
    expect(screen.getByRole("button")).toBeInTheDocument();
    box.scrollTo(790); // within a few pixels of the bottom counts
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
  });
});
