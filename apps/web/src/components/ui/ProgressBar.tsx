/** A determinate progress bar; `percent` is 0..100 and is what assistive technology reads. */
export function ProgressBar({
  percent,
  label,
  size = "md",
  "data-testid": testId,
}: {
  percent: number;
  label: string;
  size?: "sm" | "md";
  "data-testid"?: string;
}) {
  const clamped = Math.min(100, Math.max(0, percent));
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={clamped}
      data-testid={testId}
      className={`w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800 ${size === "sm" ? "h-1.5" : "h-2.5"}`}
    >
      <div
        className="h-full rounded-full bg-teal-600 transition-[width] duration-500 ease-out dark:bg-teal-400"
        style={{ width: `${clamped}%` }}
      />
    </div>
  );
}
