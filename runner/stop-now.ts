// The second Ctrl-C stops the runner at once, but the runs that finished are worth keeping: the
// benchmark registers how to write them, and the signal handler runs that before exiting.
let pending: (() => Promise<void>) | null = null;

/** `write` runs on the next stopNow(); returns a function that unregisters it. */
export function onStopNow(write: () => Promise<void>): () => void {
  pending = write;
  return () => {
    if (pending === write) pending = null;
  };
}

/** Writes what finished (bounded by `timeoutMs`); never throws. */
export async function stopNow(timeoutMs = 10_000): Promise<void> {
  const write = pending;
  pending = null;
  if (!write) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([write().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
