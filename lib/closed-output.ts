// A reader that goes away (`| head`, a closed terminal or ssh session) makes every write to stdout
// or stderr fail with EPIPE. Node reports that as an 'error' event on the stream; unhandled, it
// becomes an uncaught exception, whose report goes to stderr, fails again, and so on: a busy loop
// that never ends. Output to a stream that failed is dropped instead: the command goes on and ends
// as it would have (result files are still written, the exit code is unchanged), and signals work.

type Writer = NodeJS.WriteStream['write'];

const guarded = new WeakSet<NodeJS.WritableStream>();

/** Streams whose output is now dropped, for tests and for deciding not to print. */
export const closedStreams = new Set<NodeJS.WritableStream>();

export function dropOutputWhenClosed(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    stream.on('error', () => {
      if (closedStreams.has(stream)) return;
      closedStreams.add(stream);
      // Every later write succeeds at once without output; a callback still runs, as callers expect.
      const drop = ((...args: unknown[]) => {
        const callback = args.findLast((arg) => typeof arg === 'function') as (() => void) | undefined;
        if (callback) process.nextTick(callback);
        return true;
      }) as Writer;
      stream.write = drop;
    });
  }
}
