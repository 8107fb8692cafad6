import { performance } from 'node:perf_hooks';

export interface TimerAt {
  cancel(): void;
}

/** The longest wait setTimeout honours (longer ones fire after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fn` once `performance.now()` has reached `at`, never synchronously (an instant already
 * past fires on the next timer turn): a bare Node timer often fires a millisecond or two early
 * against that clock, as the event loop counts whole milliseconds.
 */
export function timerAt(at: number, fn: () => void): TimerAt {
  const wait = () => Math.min(MAX_TIMER_MS, Math.ceil(at - performance.now()));
  const check = () => {
    const delay = wait();
    if (!(delay > 0)) fn();
    else timer = setTimeout(check, delay);
  };
  let timer = setTimeout(check, Math.max(0, wait()) || 0);
  return { cancel: () => clearTimeout(timer) };
}
