// `k6/html` parseHTML and res.html(): a jQuery-like Selection from cheerio (k6's own is jQuery-like
// too: find, text, attr, each, map, first, eq, children, ...), plus k6's size().
import { setHtmlParser } from './response.ts';

// node:module and cheerio are loaded on first use (worker VUs start without them). In a worker
// VU's bundle import.meta is empty: the worker sets the engine's folder instead.
function requireCheerio(): Cheerio {
  const base = (import.meta as { url?: string }).url ?? (globalThis as { __llmuxModuleBase?: string }).__llmuxModuleBase ?? `${process.cwd()}/`;
  return process.getBuiltinModule('node:module').createRequire(base)('cheerio') as Cheerio;
}
type Cheerio = { load: (text: string) => ((selector?: string) => Selection) & { root: () => Selection } };
type Selection = Record<string, unknown> & { length: number };
let cheerio: Cheerio | null = null;

function withSize(sel: Selection): Selection {
  if (typeof sel.size !== 'function') Object.defineProperty(sel, 'size', { value: () => sel.length, enumerable: false });
  return sel;
}

export function parseHTML(text: string): Selection {
  cheerio ??= requireCheerio();
  return withSize(cheerio.load(String(text)).root());
}

setHtmlParser((text, selector) => {
  const root = parseHTML(text);
  return selector === undefined ? root : withSize((root.find as (s: string) => Selection)(selector));
});

export default { parseHTML };
