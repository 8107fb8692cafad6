// Reads an NDJSON file (gzip recognised by its magic bytes) line by line in 1 MiB Buffers: each
// line is handed over in place, without a string, and a line longer than the limit is skipped
// without being held in memory, in time linear in its length.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

/**
 * Longest line read. k6 writes points of a few hundred bytes (a Metric line with many thresholds a
 * few KB); a longer line is not k6 output, and is skipped (counted) rather than held in memory.
 */
export const MAX_LINE_BYTES = 1 << 20;

export interface LineSink {
  /** One line at [start, end) of `buf` (no newline). The Buffer is reused after the call returns. */
  line(buf: Buffer, start: number, end: number): void;
  /** A line over MAX_LINE_BYTES, skipped. */
  longLine(): void;
}

export async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Feeds every line of `file` to `sink`; resolves to the (uncompressed) bytes read. */
export async function readLines(file: string, sink: LineSink): Promise<number> {
  // Opening the file first makes a missing or unreadable file a rejection, not a stream 'error' event.
  const gzip = await isGzip(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  let stream: NodeJS.ReadableStream = raw;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    raw.on('error', (error) => gunzip.destroy(error)); // pipe() does not forward read errors
    stream = raw.pipe(gunzip);
  }
  let bytes = 0;
  // The start of a line that continues in the next chunk, as the chunks' own pieces (joined once,
  // when the line ends: linear in the line's length), or null when skipping an over-long line.
  const carry: Buffer[] = [];
  let carried = 0;
  let skipping = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    let pos = 0;
    if (carried > 0 || skipping) {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        if (!skipping && carried + chunk.length <= MAX_LINE_BYTES) {
          carry.push(Buffer.from(chunk)); // copy: the stream may reuse the chunk
          carried += chunk.length;
        } else startSkipping();
        continue;
      }
      if (skipping || carried + nl > MAX_LINE_BYTES) sink.longLine();
      else {
        carry.push(chunk.subarray(0, nl));
        const line = Buffer.concat(carry, carried + nl);
        sink.line(line, 0, line.length);
      }
      carry.length = 0;
      carried = 0;
      skipping = false;
      pos = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) break;
      if (nl - pos > MAX_LINE_BYTES) sink.longLine();
      else sink.line(chunk, pos, nl);
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      if (chunk.length - pos > MAX_LINE_BYTES) startSkipping();
      else {
        carry.push(Buffer.from(chunk.subarray(pos))); // copy: the chunk is released
        carried = chunk.length - pos;
      }
    }
  }
  if (skipping) sink.longLine();
  else if (carried > 0) {
    const line = Buffer.concat(carry, carried);
    sink.line(line, 0, line.length);
  }
  return bytes;

  function startSkipping(): void {
    carry.length = 0;
    carried = 0;
    skipping = true;
  }
}
