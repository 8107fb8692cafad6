import { performance } from 'node:perf_hooks';

export interface TimerAt {
  cancel(): void;
}

/** Calls `fn` once `performance.now()` has reached `at`: a bare Node timer often fires a millisecond or two early against that clock, as the event loop counts whole milliseconds. */
export function timerAt(at: number, fn: () => void): TimerAt {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const delay = at - performance.now();
    if (delay <= 0) fn();
    else timer = setTimeout(arm, Math.ceil(delay));
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
