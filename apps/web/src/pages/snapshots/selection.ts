import { useCallback, useState } from "react";
import type { BrowseEntry } from "../../lib/api-types";

export type EntryType = BrowseEntry["type"];

/** Files and folders picked in a snapshot, by path; kept while the browser moves between folders. */
export function useSelection() {
  const [picked, setPicked] = useState<ReadonlyMap<string, EntryType>>(new Map());
  const toggle = useCallback((path: string, type: EntryType, on: boolean) => {
    setPicked((current) => {
      const next = new Map(current);
      if (on) next.set(path, type);
      else next.delete(path);
      return next;
    });
  }, []);
  const clear = useCallback(() => setPicked(new Map()), []);
  return { picked, toggle, clear };
}

export type Selection = ReturnType<typeof useSelection>;
