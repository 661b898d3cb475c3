import { render } from "@testing-library/react";
import FakePlot from "../../test/fakeUplot";
import { UPlotChart, type PlotOptions } from "./UPlotChart";

vi.mock("uplot", () => import("../../test/fakeUplot"));

const options: PlotOptions = { series: [{}, { label: "inserts" }] };

let resize: (() => void) | null = null;
class RecordingResizeObserver {
  constructor(callback: () => void) {
    resize = callback;
  }
  observe() {}
  disconnect() {
    resize = null;
  }
}

beforeEach(() => {
  FakePlot.made = [];
  vi.stubGlobal("ResizeObserver", RecordingResizeObserver);
});
afterEach(() => vi.unstubAllGlobals());

describe("UPlotChart", () => {
  it("makes the plot once and feeds it new data on a refresh", () => {
    const first: [number[], number[]] = [[1, 2], [5, 6]];
    const { rerender, container } = render(<UPlotChart options={options} data={first} height={200} />);
    expect(FakePlot.made).toHaveLength(1);
    expect(container.querySelector("canvas")).not.toBeNull();
    expect(FakePlot.made[0]!.data).toBe(first);
    expect(FakePlot.made[0]!.setDataCalls).toBe(0);

    const second: [number[], (number | null)[]] = [[1, 2, 3], [5, null, 7]];
    rerender(<UPlotChart options={options} data={second} height={200} />);
    expect(FakePlot.made).toHaveLength(1);
    expect(FakePlot.made[0]!.data).toBe(second);
    expect(FakePlot.made[0]!.setDataCalls).toBe(1);
  });

  it("makes a new plot for new lines and destroys the old one", () => {
    const data: [number[], number[]] = [[1], [1]];
    const { rerender } = render(<UPlotChart options={options} data={data} height={200} />);
    rerender(<UPlotChart options={{ series: [{}, { label: "a" }, { label: "b" }] }} data={[[1], [1], [2]]} height={200} />);
    expect(FakePlot.made).toHaveLength(2);
    expect(FakePlot.made[0]!.destroyed).toBe(true);
    expect(FakePlot.made[1]!.labels).toEqual(["a", "b"]);
    expect(FakePlot.made[1]!.setDataCalls).toBe(0);
  });

  it("follows its container's width and is destroyed on unmount", () => {
    const { container, unmount } = render(<UPlotChart options={options} data={[[1], [1]]} height={180} />);
    const host = container.querySelector(".uplot-host")!;
    Object.defineProperty(host, "clientWidth", { value: 777, configurable: true });
    resize?.();
    expect(FakePlot.made[0]!.width).toBe(777);
    expect(FakePlot.made[0]!.height).toBe(180);
    unmount();
    expect(FakePlot.made[0]!.destroyed).toBe(true);
    expect(resize).toBeNull();
  });
});
