// Validated request bodies by their exact text, per route. A load test sends the same few bodies
// over and over; a hit skips JSON.parse and validation, and hands out the same object each time,
// so what is derived from it (tool schemas, token estimates) can be kept by object identity too
// (isSharedBody). A cached body is read by every request that sends its text: handlers must never
// change a body (app.test.ts checks each route). Not frozen: freezing cost the requests whose
// bodies never repeat about 9% of the mock's CPU time on the tools route.
// Bounded in entries and characters; the oldest entry goes first.
// In front of the map sits the body most recently found, by its bytes: a test that sends one body
// over and over gets it back for a byte comparison, without decoding or hashing its text.
// When bodies never repeat, a lookup (hashing the text) and keeping the body (freezing it) cost
// more than they save: while fewer than a quarter of lookups hit, only every 16th body is looked up
// and kept, so a test that does repeat its bodies still gets them cached.

export interface BodyCacheLimits {
  /** Longest body text kept, in characters. */
  maxBodyChars: number;
  /** Most bodies kept. */
  maxEntries: number;
  /** Most characters kept in all. */
  maxTotalChars: number;
}

export const DEFAULT_BODY_CACHE_LIMITS: Readonly<BodyCacheLimits> = Object.freeze({ maxBodyChars: 64 * 1024, maxEntries: 256, maxTotalChars: 4 * 1024 * 1024 });

/** Lookups over which the hit rate is judged. */
const WINDOW = 256;
/** While the hit rate is low, one body in this many is looked up (and kept on a miss). */
const SAMPLE_EVERY = 16;

const shared = new WeakSet<object>();

/** True for a body a BodyCache handed out (or may hand out again). */
export function isSharedBody(body: object): boolean {
  return shared.has(body);
}

export class BodyCache<T> {
  private readonly entries = new Map<string, T>();
  private chars = 0;
  hits = 0;
  misses = 0;
  private lookups = 0;
  private windowHits = 0;
  private sampling = false;
  private skipped = 0;
  /** The last get() looked in the cache (and missed): set() keeps the body. */
  private keep = false;
  /** The bytes of the body get() found last, that body, and its text. */
  private lastBytes: Buffer | null = null;
  private lastBody: T | undefined = undefined;
  lastText = '';

  constructor(private readonly limits: BodyCacheLimits = DEFAULT_BODY_CACHE_LIMITS) {}

  get size(): number {
    return this.entries.size;
  }

  /** The body get() found last, if `bytes` are what its text (`lastText`) came from; else undefined (then call get). */
  getBytes(bytes: Buffer): T | undefined {
    if (this.lastBytes === null || !bytes.equals(this.lastBytes)) return undefined;
    this.hits++;
    return this.lastBody;
  }

  /** `bytes`: the UTF-8 bytes `text` was decoded from, for getBytes() after a hit. Never changed by anyone. */
  get(text: string, bytes?: Buffer): T | undefined {
    this.keep = false;
    if (text.length > this.limits.maxBodyChars) return undefined;
    if (this.sampling && ++this.skipped % SAMPLE_EVERY !== 0) return undefined;
    const found = this.entries.get(text);
    if (found === undefined) {
      this.misses++;
      this.keep = true;
    } else {
      this.hits++;
      this.windowHits++;
      if (bytes !== undefined) {
        this.lastBytes = bytes;
        this.lastBody = found;
        this.lastText = text;
      }
    }
    if (++this.lookups === WINDOW) {
      this.sampling = this.windowHits * 4 < WINDOW;
      this.lookups = 0;
      this.windowHits = 0;
    }
    return found;
  }

  /** Keeps `body` as the answer for `text` if the get() before missed; returns it. */
  set(text: string, body: T): T {
    if (!this.keep) return body;
    this.keep = false;
    if (typeof body === 'object' && body !== null) shared.add(body);
    this.entries.set(text, body);
    this.chars += text.length;
    while (this.entries.size > this.limits.maxEntries || this.chars > this.limits.maxTotalChars) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.chars -= oldest.length;
    }
    return body;
  }
}
