// The runtime of scripts rewritten by engine/script/coroutines.ts: synchronous k6 calls on the main
// event loop. A rewritten function is a generator behind a wrapper; `call`/`method` step into a
// callee's generator (`[GEN]`), or call it as written and hand back its value. A k6 call that must
// wait (http.get, sleep) has a `[GEN]` too, which yields the promise of the event-loop VUs' own
// implementation; the VU's driver awaits it and resumes the script with its value.
import { InterruptedError } from './http-errors.ts';
import type { Vu } from './vu.ts';

/** The generator behind a rewritten function or a waiting k6 call. */
export const GEN = Symbol('llmux.coroutine');

type Step = Generator<unknown, unknown, unknown>;
type GenFn = (this: unknown, ...args: unknown[]) => Step;
type Fn = ((this: unknown, ...args: unknown[]) => unknown) & { [GEN]?: GenFn };

/** The iterator `call` returns for a plain call: done at once with its value (one reused object). */
const result: IteratorReturnResult<unknown> = { done: true, value: undefined };
const plain = {
  value: undefined as unknown,
  [Symbol.iterator]() {
    return this;
  },
  next(): IteratorReturnResult<unknown> {
    result.value = this.value;
    this.value = undefined;
    return result;
  },
};

function call(f: unknown, self: unknown, args: unknown[]): Step {
  if (typeof f !== 'function') throw new TypeError(`${describe(f)} is not a function`);
  const gen = (f as Fn)[GEN];
  if (gen !== undefined) return Reflect.apply(gen, self, args);
  plain.value = Reflect.apply(f, self, args);
  return plain as unknown as Step;
}

function method(object: unknown, key: PropertyKey, args: unknown[]): Step {
  const f = (object as Record<PropertyKey, unknown>)[key];
  if (typeof f !== 'function') throw new TypeError(`${describe(object)}.${String(key)} is not a function`);
  return call(f, object, args);
}

const describe = (v: unknown): string => (typeof v === 'function' ? `function ${(v as Fn).name}` : typeof v === 'object' && v !== null ? 'object' : String(v));

export const WAIT_HERE_MESSAGE =
  'a k6 call that waits (http.get, http.batch, sleep, ...) ran inside a function that JavaScript itself calls ' +
  '(a callback of a built-in such as Array.prototype.sort, a promise callback or timer, a getter or a constructor): the engine cannot pause there; ' +
  'run the script with --sync-vus threads';

/** Runs a rewritten function called as written (by a built-in, a getter...): it must not wait. */
function runToEnd(it: Iterator<unknown>): unknown {
  const r = it.next();
  if (r.done === true) return r.value;
  it.return?.();
  throw new Error(WAIT_HERE_MESSAGE);
}

function wrap(gen: GenFn): Fn {
  const f = function (this: unknown, ...args: unknown[]) {
    return runToEnd(Reflect.apply(gen, this, args));
  } as Fn;
  f[GEN] = gen;
  // A named function expression calls itself by its inner name, which is the generator.
  (gen as Fn)[GEN] = gen;
  return f;
}

/** An async function of the script: its awaits are yields, and it may wait on k6 calls too. */
function wrapAsync(gen: GenFn): Fn {
  // An async function, so k6's checks on callbacks (check, group, SharedArray refuse them) still see one.
  return async function (this: unknown, ...args: unknown[]) {
    return drive(Reflect.apply(gen, this, args), null);
  } as Fn;
}

/** Resumes `it` with each awaited value until it returns; stops when `vu`'s iteration is interrupted. */
async function drive(it: Iterator<unknown>, vu: Vu | null): Promise<unknown> {
  let r = it.next();
  while (r.done !== true) {
    let value: unknown;
    try {
      value = await r.value;
    } catch (e) {
      if (vu?.interrupted === true) break;
      r = it.throw!(e);
      continue;
    }
    if (vu?.interrupted === true) break;
    r = it.next(value);
  }
  if (r.done === true) return r.value;
  it.return?.();
  throw new InterruptedError('iteration interrupted');
}

/** Runs a script function for `vu`: through its generator when the script was rewritten. */
export function runFunction(fn: unknown, self: unknown, args: unknown[], vu: Vu | null): unknown {
  const gen = (fn as Fn)[GEN];
  if (gen === undefined) return Reflect.apply(fn as Fn, self, args);
  return drive(Reflect.apply(gen, self, args), vu);
}

/** `fn` as a VU runs it: through its generator when the script was rewritten. */
export function forVu<F extends (...args: never[]) => unknown>(fn: F, vu: Vu): F {
  return (fn as unknown as Fn)[GEN] === undefined ? fn : (((...args: unknown[]) => runFunction(fn, undefined, args, vu)) as unknown as F);
}

/** A waiting k6 call: its generator yields the promise and returns what it resolves with. */
export function waiting<A extends unknown[], T>(start: (...args: A) => Promise<T>): GenFn {
  return function* (...args: unknown[]) {
    return (yield start(...(args as A))) as T;
  } as GenFn;
}

/** Array methods whose callbacks may wait, stepped through as generators. */
function installArrayMethods(): void {
  type Cb = (value: unknown, index: number, array: unknown[]) => unknown;
  const each = function* (o: unknown[], cb: Cb, self: unknown, visit: (value: unknown, i: number, out: unknown) => boolean | void) {
    const n = o.length >>> 0;
    for (let i = 0; i < n; i++) if (i in o && visit(o[i], i, yield* call(cb, self, [o[i], i, o])) === true) return true;
    return false;
  };
  const P = Array.prototype as unknown as Record<string, Fn>;
  const set = (name: string, gen: GenFn) => {
    if (P[name][GEN] === undefined) Object.defineProperty(P[name], GEN, { value: gen });
  };
  set('forEach', function* (this: unknown[], cb: unknown, self: unknown) {
    yield* each(this, cb as Cb, self, () => {});
  } as GenFn);
  set('map', function* (this: unknown[], cb: unknown, self: unknown) {
    const out: unknown[] = new Array(this.length >>> 0);
    yield* each(this, cb as Cb, self, (_v, i, r) => {
      out[i] = r;
    });
    return out;
  } as GenFn);
  set('filter', function* (this: unknown[], cb: unknown, self: unknown) {
    const out: unknown[] = [];
    yield* each(this, cb as Cb, self, (v, _i, r) => {
      if (r) out.push(v);
    });
    return out;
  } as GenFn);
  set('some', function* (this: unknown[], cb: unknown, self: unknown) {
    return yield* each(this, cb as Cb, self, (_v, _i, r) => Boolean(r));
  } as GenFn);
  set('every', function* (this: unknown[], cb: unknown, self: unknown) {
    return !(yield* each(this, cb as Cb, self, (_v, _i, r) => !r));
  } as GenFn);
  set('find', function* (this: unknown[], cb: unknown, self: unknown) {
    const n = this.length >>> 0;
    for (let i = 0; i < n; i++) if (yield* call(cb, self, [this[i], i, this])) return this[i];
    return undefined;
  } as GenFn);
  set('findIndex', function* (this: unknown[], cb: unknown, self: unknown) {
    const n = this.length >>> 0;
    for (let i = 0; i < n; i++) if (yield* call(cb, self, [this[i], i, this])) return i;
    return -1;
  } as GenFn);
  set('reduce', function* (this: unknown[], cb: unknown, ...init: unknown[]) {
    const n = this.length >>> 0;
    let i = 0;
    let acc: unknown;
    if (init.length > 0) acc = init[0];
    else {
      while (i < n && !(i in this)) i++;
      if (i >= n) throw new TypeError('Reduce of empty array with no initial value');
      acc = this[i++];
    }
    for (; i < n; i++) if (i in this) acc = yield* call(cb, undefined, [acc, this[i], i, this]);
    return acc;
  } as GenFn);
}

installArrayMethods();

/** Wraps a class's generator methods, [name, 1 when async], on its prototype and on the class itself. */
function methods(cls: Record<string, unknown> & { prototype: Record<string, unknown> }, proto: Array<[string, number]>, statics: Array<[string, number]>): void {
  const put = (target: Record<string, unknown>, [name, isAsync]: [string, number]) =>
    Object.defineProperty(target, name, { value: (isAsync === 1 ? wrapAsync : wrap)(target[name] as GenFn), writable: true, configurable: true, enumerable: false });
  for (const m of proto) put(cls.prototype, m);
  for (const m of statics) put(cls, m);
}

/** What rewritten code calls (engine/script/coroutines.ts names it). */
export const coroutineRuntime = { call, method, wrap, wrapAsync, methods };
