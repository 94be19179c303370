/**
 * Delivers at most one value per interval: the first at once, later ones as the latest value
 * when the interval has passed. `flush()` delivers a pending value immediately, so the final
 * state is never lost; `cancel()` drops it.
 */
export interface Throttle<T> {
  push(value: T): void;
  flush(): void;
  cancel(): void;
}

export function createThrottle<T>(deliver: (value: T) => void, intervalMs: number): Throttle<T> {
  let lastDelivery = Number.NEGATIVE_INFINITY;
  let pending: { value: T } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const clearTimer = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const deliverPending = () => {
    clearTimer();
    if (pending === null) return;
    const { value } = pending;
    pending = null;
    lastDelivery = Date.now();
    try {
      deliver(value);
    } catch {
      // A failing observer must not break the run it observes (this may run from a timer).
    }
  };

  return {
    push(value) {
      pending = { value };
      const wait = lastDelivery + intervalMs - Date.now();
      if (wait <= 0) deliverPending();
      else if (timer === null) timer = setTimeout(deliverPending, wait);
    },
    flush: deliverPending,
    cancel() {
      clearTimer();
      pending = null;
    },
  };
}
