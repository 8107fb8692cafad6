// `k6/html` parseHTML and res.html(): k6's Selection and Element (html-selection.ts) over cheerio.
import type { CheerioAPI } from 'cheerio';
import { documentSelection, type Selection } from './html-selection.ts';
import { setHtmlParser } from './response.ts';

// node:module and cheerio are loaded on first use (worker VUs start without them). In a worker
// VU's bundle import.meta is empty: the worker sets the engine's folder instead.
function requireCheerio(): Cheerio {
  const base = (import.meta as { url?: string }).url ?? (globalThis as { __llmuxModuleBase?: string }).__llmuxModuleBase ?? `${process.cwd()}/`;
  return process.getBuiltinModule('node:module').createRequire(base)('cheerio') as Cheerio;
}
type Cheerio = { load: (text: string) => CheerioAPI };
let cheerio: Cheerio | null = null;

export function parseHTML(text: string): Selection {
  cheerio ??= requireCheerio();
  return documentSelection(cheerio.load(String(text)));
}

setHtmlParser((text, selector) => {
  const root = parseHTML(text);
  return selector === undefined ? root : root.find(selector);
});

export default { parseHTML };
