import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { oplogTime, pitrStatus } from "../test/backups";
import { PitrTimeline, type TimelineMarker } from "./PitrTimeline";

const status = pitrStatus();
const markers: TimelineMarker[] = [
  { id: "20261126T100000Z", time: "2026-11-26T10:00:10Z", label: "full backup 20261126T100000Z" },
  { id: "20261126T100300Z", time: "2026-11-26T10:03:05Z", label: "full backup 20261126T100300Z" },
];
const gap: (typeof status.replica_sets)[number]["gaps"][number] = {
  set_name: "shard1",
  after: oplogTime("2026-11-26T10:05:00Z"),
  resumed_at: oplogTime("2026-11-26T10:07:00Z"),
  resumed_from_backup: "20261126T100700Z",
  oldest_available: oplogTime("2026-11-26T10:06:00Z"),
  detected_at: "2026-11-26T10:07:05Z",
  reason: "the oplog rolled over",
};

describe("PitrTimeline", () => {
  it("says in words which windows and gaps there are", () => {
    render(<PitrTimeline windows={status.windows} gaps={[gap]} markers={markers} label="windows of e2e" />);
    expect(screen.getByRole("group", { name: "windows of e2e" })).toBeInTheDocument();
    const items = screen.getAllByRole("listitem").map((item) => item.textContent);
    expect(items[0]).toMatch(/^Restorable from 2026-11-26, \d\d:00:10 to 2026-11-26, \d\d:05:00 \(base backup 20261126T100000Z; full backups inside: 2\)\.$/);
    expect(items[1]).toMatch(/^Gap on shard1 from .* to .*: the oplog rolled over$/);
  });

  it("says when there is nothing to restore to yet", () => {
    render(<PitrTimeline windows={[]} gaps={[]} markers={[]} label="windows" />);
    expect(screen.getByText(/No restorable window yet/)).toBeInTheDocument();
    expect(screen.queryByRole("group")).not.toBeInTheDocument();
  });

  it("makes each backup a button that the keyboard reaches and activates", async () => {
    const onMarker = vi.fn();
    render(<PitrTimeline windows={status.windows} gaps={[]} markers={markers} label="windows" onMarker={onMarker} activeMarker="20261126T100300Z" />);
    const second = screen.getByRole("button", { name: "full backup 20261126T100300Z" });
    expect(second).toHaveAttribute("aria-pressed", "true");
    await userEvent.tab();
    expect(screen.getByRole("button", { name: "full backup 20261126T100000Z" })).toHaveFocus();
    expect(screen.getByText("full backup 20261126T100000Z", { selector: ".pitr-focused" })).toBeInTheDocument();
    await userEvent.keyboard("{Enter}");
    expect(onMarker).toHaveBeenCalledWith("20261126T100000Z");
    await userEvent.click(second);
    expect(onMarker).toHaveBeenLastCalledWith("20261126T100300Z");
  });

  it("offers a slider over the restorable seconds when a time can be picked", () => {
    const onPick = vi.fn();
    const { rerender } = render(
      <PitrTimeline windows={status.windows} gaps={[]} markers={[]} label="windows" selected={null} onPick={onPick} />,
    );
    const slider = screen.getByRole("slider", { name: "Time to restore to" });
    expect(slider).toHaveAttribute("aria-valuetext", "no time chosen yet");
    expect(slider).toHaveAttribute("aria-valuemin", String(Date.parse("2026-11-26T10:00:10Z") / 1000));
    expect(slider).toHaveAttribute("aria-valuemax", String(Date.parse("2026-11-26T10:04:59Z") / 1000));
    fireEvent.keyDown(slider, { key: "End" });
    expect(onPick).toHaveBeenLastCalledWith(Date.parse("2026-11-26T10:04:59Z"));
    fireEvent.keyDown(slider, { key: "Home" });
    expect(onPick).toHaveBeenLastCalledWith(Date.parse("2026-11-26T10:00:10Z"));

    const chosen = Date.parse("2026-11-26T10:02:00Z");
    rerender(<PitrTimeline windows={status.windows} gaps={[]} markers={[]} label="windows" selected={chosen} onPick={onPick} />);
    expect(slider).toHaveAttribute("aria-valuenow", String(chosen / 1000));
    expect(slider.getAttribute("aria-valuetext")).toMatch(/^2026-11-26, \d\d:02:00$/);
    fireEvent.keyDown(slider, { key: "ArrowRight", shiftKey: true });
    expect(onPick).toHaveBeenLastCalledWith(chosen + 1000);
  });

  it("has no slider when nothing is to be picked", () => {
    render(<PitrTimeline windows={status.windows} gaps={[]} markers={[]} label="windows" />);
    expect(screen.queryByRole("slider")).not.toBeInTheDocument();
  });
});
