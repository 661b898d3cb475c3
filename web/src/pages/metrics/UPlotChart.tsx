// uPlot in React: the plot is made once for its options, fed new data with setData (no redraw from scratch on a
// refresh), kept as wide as its container, and destroyed with the component.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export type PlotOptions = Omit<uPlot.Options, "width" | "height">;

interface Props {
  /** A new object makes a new plot (other lines): memoise it on what defines the lines. */
  options: PlotOptions;
  data: uPlot.AlignedData;
  height: number;
}

export function UPlotChart({ options, data, height }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shown = useRef<uPlot.AlignedData | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const chart = new uPlot({ ...options, width: Math.max(element.clientWidth, 200), height }, latest.current, element);
    plot.current = chart;
    shown.current = latest.current;
    let observer: ResizeObserver | null = null;
    if (typeof ResizeObserver === "function") {
      observer = new ResizeObserver(() => {
        const width = element.clientWidth;
        if (width > 0 && width !== chart.width) chart.setSize({ width, height });
      });
      observer.observe(element);
    }
    return () => {
      observer?.disconnect();
      chart.destroy();
      plot.current = null;
      shown.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    if (plot.current && shown.current !== data) {
      plot.current.setData(data);
      shown.current = data;
    }
  }, [data]);

  return <div ref={host} className="uplot-host" />;
}
