import { Monitor, Moon, Sun } from "lucide-react";
import { Card } from "../../components/ui/Card";
import { type ThemeChoice, useTheme } from "../../lib/theme";

const CHOICES: { value: ThemeChoice; label: string; icon: typeof Sun }[] = [
  { value: "system", label: "System", icon: Monitor },
  { value: "light", label: "Light", icon: Sun },
  { value: "dark", label: "Dark", icon: Moon },
];

export function AppearanceCard() {
  const { choice, setChoice } = useTheme();
  return (
    <Card
      title="Appearance"
      description="Follow your system setting or pick a theme for this browser."
    >
      <fieldset className="grid grid-cols-3 gap-2">
        <legend className="sr-only">Theme</legend>
        {CHOICES.map(({ value, label, icon: Icon }) => (
          <label
            key={value}
            className={`flex cursor-pointer flex-col items-center gap-1.5 rounded-md border px-3 py-3 text-sm font-medium transition-colors has-focus-visible:outline-2 has-focus-visible:outline-teal-600 ${
              choice === value
                ? "border-teal-600 bg-teal-50 text-teal-800 dark:border-teal-400 dark:bg-teal-950/50 dark:text-teal-200"
                : "border-slate-200 text-slate-600 hover:bg-slate-50 dark:border-slate-700 dark:text-slate-300 dark:hover:bg-slate-800"
            }`}
          >
            <input
              type="radio"
              name="theme"
              value={value}
              checked={choice === value}
              onChange={() => setChoice(value)}
              className="sr-only"
              data-testid={`theme-${value}`}
            />
            <Icon className="size-4" aria-hidden />
            {label}
          </label>
        ))}
      </fieldset>
    </Card>
  );
}
