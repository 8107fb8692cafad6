// Seeded pseudo-random numbers. Every request gets its own generator derived from the server seed and
// the request's sequence number, so a run with the same seed draws the same delays, faults and text.

/** 32-bit mix of two integers (murmur3 finaliser); used to derive per-request seeds. */
export function mix32(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a hash of a string, for content-derived seeds (embeddings). */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const ID_ALPHABET = Array.from('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', (c) => c.charCodeAt(0));
/** Scratch space for the usual 24-character id. */
const ID_CODES: number[] = Array.from({ length: 24 }, () => 0);

/** mulberry32: small, fast, good enough for simulation (not for cryptography). */
export class Rng {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal (Box-Muller; the second value is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Alphanumeric id of `length` characters (for response ids). */
  id(length: number): string {
    // Char codes into a reused array, one string at the end: half the cost of appending characters.
    const codes = length === ID_CODES.length ? ID_CODES : new Array<number>(length);
    for (let i = 0; i < length; i++) codes[i] = ID_ALPHABET[Math.floor(this.next() * ID_ALPHABET.length)];
    if (codes !== ID_CODES) return String.fromCharCode.apply(null, codes);
    // The usual id, with its codes passed one by one: a third cheaper than spreading an array.
    const c = codes;
    return String.fromCharCode(
      c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11],
      c[12], c[13], c[14], c[15], c[16], c[17], c[18], c[19], c[20], c[21], c[22], c[23],
    );
  }
}
