// Line styles a colour-blind reader can tell apart: hues of the Okabe–Ito palette (chosen to stay distinct under
// the common colour-vision deficiencies), darkened or lightened so every line has at least 3:1 contrast with the
// chart's background, and ordered so neighbours differ in lightness. On top of the colour each line has a dash
// pattern (the legend draws both), so two lines never differ by hue alone.

const LIGHT = ["#0072B2", "#B86E00", "#1B1F24", "#3D8FC6", "#C0470A", "#00875F", "#B0578F", "#6B7280"];
const DARK = ["#56B4E9", "#F0E442", "#E69F00", "#FFFFFF", "#FF7A3D", "#2BC08F", "#E08BC0", "#6F9DFF"];
const DASHES: number[][] = [[], [8, 4], [2, 3], [12, 3, 3, 3]];

export interface LineStyle {
  stroke: string;
  dash: number[];
}

/** The style of the `index`-th line: colours cycle first, then the dash changes, so 32 lines stay distinct. */
export function lineStyle(index: number, dark: boolean): LineStyle {
  const colours = dark ? DARK : LIGHT;
  const stroke = colours[index % colours.length] ?? colours[0]!;
  const dash = DASHES[(index + Math.floor(index / colours.length)) % DASHES.length] ?? [];
  return { stroke, dash };
}

/** Whether the page is drawn on a dark background (the stylesheet follows the same media query). */
export function prefersDark(): boolean {
  return typeof globalThis.matchMedia === "function" && globalThis.matchMedia("(prefers-color-scheme: dark)").matches;
}
