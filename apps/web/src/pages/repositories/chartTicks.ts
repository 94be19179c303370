/**
 * Ticks at round numbers of the binary unit the largest value reads in (0, 25, 50, 75, 100
 * MiB), so the axis labels match the sizes elsewhere on the page.
 */
export function byteTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0];
  const unit = 1024 ** Math.min(5, Math.floor(Math.log(max) / Math.log(1024)));
  const raw = max / unit / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * magnitude >= raw) ?? 10) * magnitude * unit;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => i * step);
}
