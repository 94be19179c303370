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

/**
 * Waits until /healthz answers within `withinMs` `inARow` times in a row — the server worked
 * off what the previous step left it — for at most `timeoutMs`. Returns the seconds it took.
 */
export async function settle(
  url: string,
  { withinMs = 50, inARow = 5, timeoutMs = 120_000 } = {},
): Promise<number> {
  const started = performance.now();
  let fast = 0;
  while (fast < inARow && performance.now() - started < timeoutMs) {
    const asked = performance.now();
    try {
      await (await fetch(`${url}/healthz`)).text();
      fast = performance.now() - asked <= withinMs ? fast + 1 : 0;
    } catch {
      fast = 0;
    }
    await sleep(100);
  }
  return (performance.now() - started) / 1000;
}
