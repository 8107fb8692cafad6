// `k6`: check, group, fail, sleep, randomSeed. On the event loop sleep() cannot block: scripts
// that call it run on worker VUs, whose own k6 module records through recordCheck() and
// recordGroupDuration() here.
import { performance } from 'node:perf_hooks';
import { coroutineRuntime, GEN, WAIT_HERE_MESSAGE } from '../coroutines.ts';
import { currentRun, type TestRun } from '../runtime.ts';
import { isAsyncFunction } from '../script/compiled.ts';
import { fail, randomSeed } from './pure.ts';
import { currentStore, vuStorage, type VuStore } from '../vu.ts';

export const CHECK_ASYNC_MESSAGE =
  'the built-in check() does not support async functions as arguments. Use the JavaScript utils library as a replacement. ' +
  'Refer to https://grafana.com/docs/k6/latest/javascript-api/jslib/utils/check/ for more info';
export const GROUP_ASYNC_MESSAGE = 'group() does not support async functions as arguments, please see https://grafana.com/docs/k6/latest/javascript-api/k6/group/#working-with-async-functions for more info';

/** One check result: the group tree's counters and a `checks` sample. */
export function recordCheck(run: TestRun, store: VuStore | undefined, name: string, passed: boolean, tags?: Record<string, string>): void {
  if (store?.vu.interrupted) return;
  const base = run.tagsFor(store);
  run.groups.recordCheck(store?.group ?? '', name, passed);
  run.add(run.m.checks, passed ? 1 : 0, checkTags(tags ? withTags(base, tags) : base, name), store);
}

/** group_duration of the group `store` is in. */
export function recordGroupDuration(run: TestRun, store: VuStore, ms: number): void {
  run.add(run.m.group_duration, ms, run.tagsFor(store), store);
}

type Checker = ((value: unknown) => unknown) | unknown;

/** The tags of a check's samples, one object per (base tags, check name): base tag objects are shared per scenario and group. */
const checkTagCache = new WeakMap<Readonly<Record<string, string>>, Map<string, Record<string, string>>>();
const CHECK_TAG_LIMIT = 1_000;

function checkTags(base: Readonly<Record<string, string>>, name: string): Record<string, string> {
  let byName = checkTagCache.get(base);
  if (byName === undefined) checkTagCache.set(base, (byName = new Map()));
  let tags = byName.get(name);
  if (tags === undefined) {
    tags = { ...base, check: name };
    // Check names built per iteration (with ids in them) must not grow memory without end.
    if (byName.size < CHECK_TAG_LIMIT) byName.set(name, tags);
  }
  return tags;
}

/**
 * Base tags with a check's tags param on top, one shared object per (base tags, param content):
 * scripts pass a fresh but equal tags object on every call, and the check tags cache above then
 * finds its per-name objects by identity.
 */
const withTagsCache = new WeakMap<Readonly<Record<string, string>>, Map<string, Record<string, string>>>();

function withTags(base: Readonly<Record<string, string>>, tags: Record<string, string>): Record<string, string> {
  let key = '';
  for (const k in tags) {
    const v: unknown = tags[k];
    key += typeof v === 'string' ? `${k}\u0000${v}\u0000` : `${k}\u0001${typeof v}:${String(v)}\u0000`;
  }
  let byKey = withTagsCache.get(base);
  if (byKey === undefined) withTagsCache.set(base, (byKey = new Map()));
  let merged = byKey.get(key);
  if (merged === undefined) {
    merged = { ...base };
    for (const k in tags) merged[k] = tags[k];
    // Tags built per iteration (with ids in them) must not grow memory without end.
    if (byKey.size < CHECK_TAG_LIMIT) byKey.set(key, merged);
  }
  return merged;
}

/** Runs each named check against `value`; records every result in `checks` and the group tree. */
export function check(value: unknown, sets: Record<string, Checker>, tags?: Record<string, string>): boolean {
  const run = currentRun();
  const store = currentStore();
  const group = store?.group ?? '';
  const base = tags === undefined || tags === null ? run.tagsFor(store) : withTags(run.tagsFor(store), tags);
  let all = true;
  for (const name in sets) {
    const checker = sets[name];
    if (isAsyncFunction(checker)) throw new Error(CHECK_ASYNC_MESSAGE);
    const passed = Boolean(typeof checker === 'function' ? (checker as (v: unknown) => unknown)(value) : checker);
    if (!passed) all = false;
    if (store?.vu.interrupted) continue;
    run.groups.recordCheck(group, name, passed);
    run.add(run.m.checks, passed ? 1 : 0, checkTags(base, name), store);
  }
  return all;
}

/**
 * Runs `fn` inside group `name`. Unlike k6 (where a group ends at the function's first await),
 * an async `fn` stays in the group until its promise settles; group_duration covers all of it.
 */
export function group<T>(name: string, fn: () => T): T {
  const g = openGroup(name, fn);
  const result: unknown = vuStorage.run(g.inner, fn);
  if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
    return (result as Promise<unknown>).then(
      (v) => (g.close(), v),
      (e) => {
        g.close();
        throw e;
      },
    ) as T;
  }
  g.close();
  return result as T;
}

/** Checks a group's arguments and starts it: the store its function runs in, and close() to record its duration. */
function openGroup(name: string, fn: unknown): { store: VuStore | undefined; inner: VuStore; close(): void } {
  const run = currentRun();
  const store = currentStore();
  if (typeof fn !== 'function') throw new TypeError(`group "${name}": the second argument must be a function`);
  if (isAsyncFunction(fn)) throw new Error(GROUP_ASYNC_MESSAGE);
  const child = run.groups.ensureGroup(store?.group ?? '', name);
  const inner = { vu: store?.vu ?? run.setupVu, group: child.path };
  const start = performance.now();
  return { store, inner, close: () => run.add(run.m.group_duration, performance.now() - start, run.tagsFor(inner), inner) };
}

export function sleep(seconds?: number): never {
  throw new Error(`sleep(${seconds ?? ''}): ${WAIT_HERE_MESSAGE}`);
}

// Called from a script rewritten for event-loop VUs (engine/coroutines.ts).
(sleep as { [GEN]?: unknown })[GEN] = function* (seconds?: number) {
  const ms = Number(seconds) * 1000;
  if (!(ms > 0)) return;
  const vu = currentStore()?.vu;
  yield new Promise<void>((resolve) => {
    const timer = setTimeout(wake, ms);
    function wake() {
      clearTimeout(timer);
      if (vu !== undefined && vu.wake === wake) vu.wake = null;
      resolve();
    }
    if (vu !== undefined) vu.wake = wake;
  });
};

// A group whose function waits: the group's store stays current across the waits.
(group as { [GEN]?: unknown })[GEN] = function* (name: string, fn: unknown) {
  const g = openGroup(name, fn);
  vuStorage.enterWith(g.inner);
  try {
    return yield* coroutineRuntime.call(fn, undefined, []);
  } finally {
    vuStorage.enterWith(g.store as VuStore);
    g.close();
  }
};

export { fail, randomSeed };

export default { check, group, fail, sleep, randomSeed };
