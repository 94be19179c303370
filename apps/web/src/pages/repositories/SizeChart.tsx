import { Area, AreaChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatBytes, formatDateTime } from "../../lib/format";
import { type Theme, useTheme } from "../../lib/theme";
import { byteTicks } from "./chartTicks";

export interface SizePoint {
  at: Date;
  totalSize: number;
  rawSize: number;
}

/** Tailwind's teal, sky and slate, as the chart needs plain colour values. */
const COLOURS: Record<Theme, { total: string; stored: string; grid: string; text: string }> = {
  light: { total: "#0d9488", stored: "#0284c7", grid: "#e2e8f0", text: "#64748b" },
  dark: { total: "#2dd4bf", stored: "#38bdf8", grid: "#1e293b", text: "#94a3b8" },
};
const TOOLTIP_BOX: Record<Theme, { background: string; border: string }> = {
  light: { background: "#ffffff", border: "#e2e8f0" },
  dark: { background: "#0f172a", border: "#334155" },
};

const day = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const seconds = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

/** The axis reads in days, in hours under two days of history, to the second under an hour. */
function tickFormat(spanMs: number): Intl.DateTimeFormat {
  if (spanMs < 3_600_000) return seconds;
  return spanMs < 2 * 86_400_000 ? time : day;
}
const LABELS: Record<string, string> = { total: "Total", stored: "Stored (raw)" };

/**
 * Total size (what a restore of every snapshot would write) against stored size (what the
 * repository holds after deduplication and compression), one point per health report.
 * Loaded on its own: the chart library stays out of the main bundle.
 */
export default function SizeChart({ points }: { points: SizePoint[] }) {
  const { theme } = useTheme();
  const colours = COLOURS[theme];
  const box = TOOLTIP_BOX[theme];
  const data = points.map((point) => ({
    t: point.at.getTime(),
    total: point.totalSize,
    stored: point.rawSize,
  }));
  const axis = { stroke: colours.grid, tick: { fill: colours.text, fontSize: 12 } };
  const span = (data.at(-1)?.t ?? 0) - (data.at(0)?.t ?? 0);
  const tick = tickFormat(span);
  const ticks = byteTicks(Math.max(0, ...data.map((d) => Math.max(d.total, d.stored))));

  return (
    <AreaChart
      responsive
      data={data}
      style={{ width: "100%", height: 260 }}
      margin={{ top: 8, right: 8, bottom: 0, left: 8 }}
      desc="Total and stored size of the repository over time"
    >
      <CartesianGrid stroke={colours.grid} strokeDasharray="3 3" vertical={false} />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={["dataMin", "dataMax"]}
        tickFormatter={(t: number) => tick.format(t)}
        minTickGap={24}
        {...axis}
      />
      <YAxis
        ticks={ticks}
        domain={[0, ticks.at(-1) ?? 0]}
        tickFormatter={(bytes: number) => formatBytes(bytes)}
        width={72}
        {...axis}
      />
      <Tooltip
        labelFormatter={(t) => formatDateTime(new Date(Number(t)))}
        formatter={(value, name) => [formatBytes(Number(value)), LABELS[String(name)] ?? name]}
        contentStyle={{
          background: box.background,
          borderColor: box.border,
          borderRadius: 6,
          fontSize: 12,
        }}
        labelStyle={{ color: colours.text }}
      />
      <Legend
        itemSorter={null}
        formatter={(name) => LABELS[String(name)] ?? name}
        wrapperStyle={{ fontSize: 12, color: colours.text }}
      />
      <Area
        type="monotone"
        dataKey="total"
        stroke={colours.total}
        fill={colours.total}
        fillOpacity={0.12}
        strokeWidth={2}
        isAnimationActive={false}
      />
      <Area
        type="monotone"
        dataKey="stored"
        stroke={colours.stored}
        fill={colours.stored}
        fillOpacity={0.12}
        strokeWidth={2}
        isAnimationActive={false}
      />
    </AreaChart>
  );
}
