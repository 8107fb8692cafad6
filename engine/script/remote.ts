// Remote modules (`import x from 'https://jslib.k6.io/...'`): fetched once, then served from a disk
// cache so later runs work offline. The cache lives in $LLMUX_MODULE_CACHE, else
// $XDG_CACHE_HOME/llmux-bench/modules, else ~/.cache/llmux-bench/modules.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';

export function moduleCacheDir(): string {
  if (process.env.LLMUX_MODULE_CACHE) return process.env.LLMUX_MODULE_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'llmux-bench', 'modules');
}

const cacheFile = (url: string): string => join(moduleCacheDir(), `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.js`);

/** The module's source: from the cache, else fetched (following redirects) and cached. */
export async function fetchRemoteModule(url: string, opts: { insecure?: boolean } = {}): Promise<string> {
  const file = cacheFile(url);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // Not cached yet.
  }
  let text: string;
  try {
    const dispatcher = new Agent({ connect: { rejectUnauthorized: !opts.insecure } });
    let target = url;
    for (let hops = 0; ; hops++) {
      const res = await request(target, { dispatcher, headersTimeout: 30_000, bodyTimeout: 30_000 });
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && hops < 10) {
        await res.body.dump();
        target = new URL(String(res.headers.location), target).href;
        continue;
      }
      text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      break;
    }
    await dispatcher.close();
  } catch (e) {
    throw new Error(`remote module ${url}: ${e instanceof Error ? e.message : String(e)} (not in the cache ${moduleCacheDir()} either)`);
  }
  mkdirSync(moduleCacheDir(), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  return text;
}
