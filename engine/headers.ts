// Header names as k6 shows them.

/** Canonical names already worked out: a server sends the same few on every response. */
const canonicalNames = new Map<string, string>();
const MAX_NAMES = 1024;

/** Go's canonical header name ("content-type" → "Content-Type"), as k6 shows response headers. */
export function canonical(name: string): string {
  const known = canonicalNames.get(name);
  if (known !== undefined) return known;
  const result = name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
  // Bounded, for a server that makes up names.
  if (canonicalNames.size >= MAX_NAMES) canonicalNames.clear();
  canonicalNames.set(name, result);
  return result;
}

/** undici's raw header list → one value per canonical name, repeated headers joined with ", " (Go's way). */
export function headerRecord(raw: Buffer[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === null) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = canonical(raw[i].toString('latin1'));
    const value = raw[i + 1].toString('latin1');
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}
