import { useCallback, useSyncExternalStore } from "react";

/** "system" follows the operating system; the others are an explicit choice. */
export type ThemeChoice = "system" | "light" | "dark";
export type Theme = "light" | "dark";

// public/theme-init.js reads the same key before the first paint.
const STORAGE_KEY = "rm-theme";
const DARK_QUERY = "(prefers-color-scheme: dark)";
const listeners = new Set<() => void>();

export function readThemeChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === "light" || stored === "dark" ? stored : "system";
  } catch {
    return "system";
  }
}

function systemTheme(): Theme {
  return window.matchMedia(DARK_QUERY).matches ? "dark" : "light";
}

export function resolveTheme(choice: ThemeChoice): Theme {
  return choice === "system" ? systemTheme() : choice;
}

export function applyTheme(choice: ThemeChoice = readThemeChoice()): void {
  document.documentElement.classList.toggle("dark", resolveTheme(choice) === "dark");
}

export function saveThemeChoice(choice: ThemeChoice): void {
  try {
    if (choice === "system") localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    // Without storage the choice lasts until the page is reloaded.
  }
  applyTheme(choice);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const media = window.matchMedia(DARK_QUERY);
  const onSystemChange = () => {
    applyTheme();
    listener();
  };
  media.addEventListener("change", onSystemChange);
  return () => {
    listeners.delete(listener);
    media.removeEventListener("change", onSystemChange);
  };
}

/** The current choice and the theme it resolves to, kept in step with the system setting. */
export function useTheme() {
  const choice = useSyncExternalStore(subscribe, readThemeChoice);
  const system = useSyncExternalStore(subscribe, systemTheme);
  const theme: Theme = choice === "system" ? system : choice;
  const toggle = useCallback(() => saveThemeChoice(theme === "dark" ? "light" : "dark"), [theme]);
  return { choice, theme, setChoice: saveThemeChoice, toggle };
}
