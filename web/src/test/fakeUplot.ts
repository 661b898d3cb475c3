// For tests only: jsdom has no canvas (and uPlot asks matchMedia as it loads), so tests replace the uplot module
// with this recorder of what the page asked of its plots: `vi.mock("uplot", () => import("../../test/fakeUplot"))`.
import type uPlot from "uplot";

export default class FakePlot {
  static made: FakePlot[] = [];
  options: uPlot.Options;
  data: uPlot.AlignedData;
  width: number;
  height: number;
  setDataCalls = 0;
  destroyed = false;

  constructor(options: uPlot.Options, data: uPlot.AlignedData, target: HTMLElement) {
    this.options = options;
    this.data = data;
    this.width = options.width;
    this.height = options.height;
    const canvas = document.createElement("canvas");
    target.appendChild(canvas);
    FakePlot.made.push(this);
  }

  setData(data: uPlot.AlignedData): void {
    this.data = data;
    this.setDataCalls += 1;
  }

  setSize({ width, height }: { width: number; height: number }): void {
    this.width = width;
    this.height = height;
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** The lines' labels of a plot (its first series is the time axis). */
  get labels(): string[] {
    return this.options.series.slice(1).map((series) => String(series.label));
  }
}
