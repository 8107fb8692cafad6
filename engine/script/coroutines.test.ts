import { describe, expect, it } from 'vitest';
import { coroutineRuntime, GEN, runFunction, WAIT_HERE_MESSAGE, waiting } from '../coroutines.ts';
import { bundleColumn } from './column-map.ts';
import { CO } from './compiled.ts';
import { toCoroutines } from './coroutines.ts';

type Exports = Record<string, (...args: unknown[]) => unknown>;

/** A k6-like call that waits: resolves with twice its argument a tick later, and counts its calls. */
function makeWait() {
  const calls: unknown[] = [];
  const wait = ((v: unknown) => {
    throw new Error(`wait(${String(v)}) called as written`);
  }) as ((v: unknown) => never) & { [GEN]?: unknown };
  wait[GEN] = waiting((v: unknown) => {
    calls.push(v);
    return new Promise((resolve, reject) => setTimeout(() => (v === 'fail' ? reject(new Error('wait failed')) : resolve(typeof v === 'number' ? v * 2 : v)), 1));
  });
  return { wait, calls };
}

/** Evaluates `source` (CommonJS: module.exports = ...) as written and rewritten. */
function load(source: string): { plain: Exports; rewritten: Exports; code: string; calls: unknown[] } {
  const out = toCoroutines(source);
  if ('unsupported' in out) throw new Error(out.unsupported);
  const evaluate = (code: string, wait: unknown) => {
    const module = { exports: {} as Exports };
    new Function('module', 'wait', CO, code)(module, wait, coroutineRuntime);
    return module.exports;
  };
  const { wait, calls } = makeWait();
  return { plain: evaluate(source, (v: unknown) => v), rewritten: evaluate(out.code, wait), code: out.code, calls };
}

const run = (fn: unknown, ...args: unknown[]) => runFunction(fn, undefined, args, null);

describe('toCoroutines: a rewritten function that does not wait returns what it returned before', () => {
  const source = `
    const obj = { base: 10, add(x) { return this.base + x; }, ['co' + 'mputed'](x) { return x * 3; }, get g() { return this.base; } };
    class Counter { constructor() { this.n = 1; } inc(k = Math.max(1, 2)) { this.n += k; return this.n; } static of() { return new Counter(); } }
    function outer(a, ...rest) { return [a, rest.length, arguments.length]; }
    const arrowThis = function () { return [1, 2].map((x) => x + this.k); };
    const objectBody = (a) => ({ a, b: [a].concat([a]) });
    const chained = () => [3, 1, 2]
      .sort((a, b) => a - b)
      .map(String)
      .join('-');
    const spread = (...xs) => Math.max(...xs, 0);
    const optional = (o) => o?.f?.(2) ?? 'none';
    const args = function () { return (() => arguments.length)(); };
    const tagged = (s, ...v) => s.raw.join('|') + v.join(',');
    async function later(x) { const y = await Promise.resolve(x); return y + 1; }
    const nested = (n) => { function inner(m) { return m <= 0 ? 0 : m + inner(m - 1); } return inner(n); };
    const named = function fact(n) { return n <= 1 ? 1 : n * fact(n - 1); };
    const inSwitch = (k) => { switch (k) { case 1: function one() { return 'one'; } return one(); default: return 'other'; } };
    module.exports = {
      method: () => obj.add(5), computed: () => obj.computed(2), getter: () => obj.g,
      klass: () => Counter.of().inc(), outer: () => outer(1, 2, 3), arrowThis: () => arrowThis.call({ k: 100 }),
      objectBody: () => objectBody(7), chained, spread: () => spread(4, 9), optional: () => [optional({ f: (x) => x * 5 }), optional({})],
      args: () => args(1, 2, 3), tagged: () => tagged\`a\${1}b\${2}\`, later: () => later(1), nested: () => nested(4), named: () => named(5), inSwitch: () => [inSwitch(1), inSwitch(2)],
    };
  `;
  const { plain, rewritten, code } = load(source);

  for (const name of Object.keys(plain)) {
    it(name, async () => {
      expect(await run(rewritten[name])).toEqual(await plain[name]());
      // Called as written (as a built-in or the engine would): the same.
      expect(await rewritten[name]()).toEqual(await plain[name]());
    });
  }

  it('keeps every line where it was', () => {
    expect(code.split('\n')).toHaveLength(source.split('\n').length);
  });
});

describe('toCoroutines: waiting calls', () => {
  it('waits in nested functions, callbacks of array methods, methods and arrows, in order', async () => {
    const { rewritten, calls } = load(`
      const helper = { twice(v) { return wait(v); } };
      function sum(list) { return list.reduce((acc, v) => acc + wait(v), 0); }
      module.exports.main = function () {
        const out = [];
        [1, 2].forEach((v) => out.push(wait(v)));
        out.push([3, 4].map((v) => wait(v)).join('+'));
        out.push([5, 6, 7].filter((v) => wait(v) > 12).length);
        out.push([8].some((v) => wait(v) === 16), [9].every((v) => wait(v) === 0));
        out.push([10, 11].find((v) => wait(v) === 22), [12, 13].findIndex((v) => wait(v) === 26));
        out.push(helper.twice(14), sum([15, 16]));
        return out;
      };
    `);
    expect(await run(rewritten.main)).toEqual([2, 4, '6+8', 1, true, false, 11, 1, 28, 62]);
    expect(calls).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it('class methods wait: on the prototype, static, async, through super, and a getter still reads', async () => {
    const { rewritten, calls } = load(`
      class Client {
        constructor(base) { this.base = base; }
        get doubled() { return this.base * 2; }
        request(v) { return wait(this.base + v); }
        get2(v) { return this.request(v); }
        static make() { return new Client(wait(1)); }
        async later(v) { const x = await Promise.resolve(v); return wait(x); }
      }
      class Retry extends Client {
        request(v) { const first = super.request(v); return first + 1; }
      }
      module.exports.main = async () => {
        const c = Client.make();
        return [c.base, c.doubled, c.get2(3), new Retry(10).get2(5), await c.later(4)];
      };
    `);
    expect(await run(rewritten.main)).toEqual([2, 4, 10, 31, 8]);
    expect(calls).toEqual([1, 5, 15, 4]);
  });

  it('a rejected wait throws where it was called, catchable there', async () => {
    const { rewritten } = load(`module.exports.main = () => { try { wait('fail'); return 'no'; } catch (e) { return 'caught ' + e.message; } };`);
    expect(await run(rewritten.main)).toBe('caught wait failed');
  });

  it('an async function awaits and waits', async () => {
    const { rewritten } = load(`module.exports.main = async () => { const a = await Promise.resolve(1); return a + wait(2); };`);
    expect(await run(rewritten.main)).toBe(5);
    // Called as written it returns a promise, as an async function does.
    expect(await rewritten.main()).toBe(5);
  });

  it('an async function stays one for k6 calls that refuse async callbacks', () => {
    const { rewritten } = load(`module.exports.main = () => async () => 1;`);
    expect((rewritten.main() as () => unknown).constructor.name).toBe('AsyncFunction');
  });

  it('a wait inside a callback JavaScript calls itself fails with a clear message', async () => {
    const { rewritten } = load(`module.exports.main = () => [2, 1].sort((a, b) => wait(a) - b);`);
    await expect(run(rewritten.main)).rejects.toThrow(WAIT_HERE_MESSAGE);
  });

  it('maps a position inside an added call back to the call it replaced', () => {
    const source = 'module.exports.main = () => { const r = wait(1); return r; };';
    const out = toCoroutines(source);
    if ('unsupported' in out) throw new Error(out.unsupported);
    const at = out.code.indexOf(`${CO}.call`);
    expect(bundleColumn(out.columns, 0, at)).toBe(source.indexOf('wait(1)'));
    expect(bundleColumn(out.columns, 0, out.code.indexOf('return r'))).toBe(source.indexOf('return r'));
  });
});
