import { sleep } from "../proc.js";

/**
 * Asks /healthz every `everyMs` (one request at a time) while other load runs: how long a
 * monitoring probe waits when the event loop or the database is busy.
 */
export function probeHealth(url: string, everyMs = 50) {
  const samples: number[] = [];
  let failures = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(`${url}/healthz`);
        await response.text();
        if (!response.ok) failures++;
      } catch {
        failures++;
      }
      samples.push(performance.now() - started);
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    get failures() {
      return failures;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}
