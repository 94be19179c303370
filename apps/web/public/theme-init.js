// Keep in step with src/lib/theme.ts (same storage key and values).
(() => {
  let choice = "system";
  try {
    choice = localStorage.getItem("rm-theme") || "system";
  } catch {
    // Storage can be blocked; the system preference still applies.
  }
  const dark =
    choice === "dark" ||
    (choice !== "light" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.classList.toggle("dark", dark);
})();
