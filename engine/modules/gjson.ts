// res.json(selector): the GJSON path syntax k6 uses (github.com/tidwall/gjson, SYNTAX.md), over the
// parsed body. Supported: dotted keys and array indexes, `\` escapes, `*`/`?` wildcards in keys, `#`
// (length), `#.path` (the path of every element), queries `#(path op value)` (first match) and
// `#(...)#` (all matches) with ==, !=, <, <=, >, >=, % and !% (like, with * and ?), an existence
// test `#(path)` and nested queries, pipes `|`, and the modifiers @this, @reverse, @keys, @values
// and @flatten. Not supported: multipaths (`[a,b]`, `{a,b}`), JSON-lines `..`, other modifiers.
// A path that matches nothing gives undefined, as in k6.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const PLAIN = /^[^\\*?#@|()"]*$/;

/** The value at `path` in `value`, or undefined. */
export function gjsonGet(value: unknown, path: string): unknown {
  // The common path ("choices.0.message.content"): keys and indexes only, walked directly.
  if (path === '') return value;
  if (PLAIN.test(path)) return plainPath(value, path);
  let cur = value;
  for (const segment of splitTop(path, '|')) {
    cur = getSegment(cur, segment);
    if (cur === undefined) return undefined;
  }
  return cur;
}

function plainPath(value: unknown, path: string): unknown {
  let cur = value;
  let from = 0;
  for (;;) {
    const dot = path.indexOf('.', from);
    const key = dot < 0 ? path.slice(from) : path.slice(from, dot);
    if (Array.isArray(cur)) cur = /^\d+$/.test(key) ? cur[Number(key)] : undefined;
    else if (isObject(cur)) cur = Object.prototype.hasOwnProperty.call(cur, key) ? cur[key] : undefined;
    else return undefined;
    if (cur === undefined || dot < 0) return cur;
    from = dot + 1;
  }
}

/** `path` cut at each `sep` outside escapes, parentheses and quotes. */
function splitTop(path: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') i++;
    else if (quoted) {
      if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === sep && depth === 0) {
      out.push(path.slice(from, i));
      from = i + 1;
    }
  }
  out.push(path.slice(from));
  return out;
}

/** The first component of a dotted path and the rest after its dot. */
function firstComponent(path: string): [string, string | null] {
  const parts = splitTop(path, '.');
  return [parts[0], parts.length > 1 ? parts.slice(1).join('.') : null];
}

function getSegment(value: unknown, path: string): unknown {
  if (path === '') return value;
  const [comp, rest] = firstComponent(path);
  const next = (v: unknown): unknown => (v === undefined || rest === null ? v : getSegment(v, rest));
  if (comp.startsWith('@')) return next(modifier(value, comp));
  if (comp === '#') {
    if (!Array.isArray(value)) return undefined;
    if (rest === null) return value.length;
    return value.map((el) => getSegment(el, rest)).filter((v) => v !== undefined);
  }
  if (comp.startsWith('#(')) {
    if (!Array.isArray(value)) return undefined;
    const all = comp.endsWith(')#');
    const condition = comp.slice(2, all ? -2 : -1);
    if (!all) {
      const hit = value.find((el) => matches(el, condition));
      return next(hit);
    }
    const hits = value.filter((el) => matches(el, condition));
    return rest === null ? hits : hits.map((el) => getSegment(el, rest)).filter((v) => v !== undefined);
  }
  return next(child(value, comp));
}

function child(value: unknown, comp: string): unknown {
  const wild = hasWildcard(comp);
  const key = unescape(comp);
  if (Array.isArray(value)) {
    if (wild) {
      const re = likeRegExp(comp);
      const i = value.findIndex((_, n) => re.test(String(n)));
      return i < 0 ? undefined : value[i];
    }
    return /^\d+$/.test(key) ? value[Number(key)] : undefined;
  }
  if (!isObject(value)) return undefined;
  if (wild) {
    const re = likeRegExp(comp);
    for (const k of Object.keys(value)) if (re.test(k)) return value[k];
    return undefined;
  }
  return Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
}

function hasWildcard(comp: string): boolean {
  for (let i = 0; i < comp.length; i++) {
    if (comp[i] === '\\') i++;
    else if (comp[i] === '*' || comp[i] === '?') return true;
  }
  return false;
}

function unescape(comp: string): string {
  return comp.replace(/\\(.)/g, '$1');
}

/** A GJSON pattern (`*` any run, `?` one character, `\` escapes) as an anchored RegExp. */
function likeRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const OPERATORS = ['==', '!=', '<=', '>=', '!%', '=', '<', '>', '%'] as const;

/** Whether `el` meets a query condition: `path op literal`, or `path` alone (it exists). */
function matches(el: unknown, condition: string): boolean {
  const at = operatorAt(condition);
  if (at === null) return gjsonGet(el, condition.trim()) !== undefined;
  const [index, op] = at;
  const left = gjsonGet(el, condition.slice(0, index).trim());
  const literal = parseLiteral(condition.slice(index + op.length).trim());
  if (left === undefined || literal === undefined) return false;
  if (op === '%' || op === '!%') {
    const like = typeof left === 'string' && typeof literal === 'string' && likeRegExp(literal).test(left);
    return op === '%' ? like : !like;
  }
  // Like with like, as GJSON compares: strings with strings, numbers with numbers, true/false/null by
  // equality; anything else is only "not equal".
  const comparable = literal === null ? left === null : typeof left === typeof literal;
  if (!comparable) return op === '!=';
  const a = left as string | number | boolean | null;
  const b = literal as string | number | boolean | null;
  switch (op) {
    case '=':
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
  if (typeof a !== 'string' && typeof a !== 'number') return false;
  const x = a as string | number;
  const y = b as string | number;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

/** Where the condition's operator is (outside escapes, quotes and nested parentheses). */
function operatorAt(condition: string): [number, string] | null {
  let depth = 0;
  for (let i = 0; i < condition.length; i++) {
    const c = condition[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '"') return null;
    else if (depth === 0) for (const op of OPERATORS) if (condition.startsWith(op, i)) return [i, op];
  }
  return null;
}

function parseLiteral(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? n : undefined;
}

function modifier(value: unknown, comp: string): unknown {
  switch (comp) {
    case '@this':
    case '@pretty':
    case '@ugly':
      return value;
    case '@reverse':
      if (Array.isArray(value)) return [...value].reverse();
      if (isObject(value)) return Object.fromEntries(Object.entries(value).reverse());
      return value;
    case '@keys':
      return isObject(value) ? Object.keys(value) : Array.isArray(value) ? [] : undefined;
    case '@values':
      return isObject(value) ? Object.values(value) : Array.isArray(value) ? value : undefined;
    case '@flatten':
      return Array.isArray(value) ? value.flat() : value;
    default:
      return undefined;
  }
}
