// `k6/data` on the main thread: SharedArray's data by name, computed once and handed to every VU
// (worker VUs ask for it by name, see engine/sync/host.ts).
import { currentRun } from '../runtime.ts';
import { isAsyncFunction } from '../script/compiled.ts';
import { encodeSharedArray, SHARED_ARRAY_ASYNC_MESSAGE, sharedArrayView, type SharedArrayData } from './shared-array.ts';

const arrays = new Map<string, SharedArrayData>();

export function sharedArrayData(name: string): SharedArrayData | undefined {
  return arrays.get(name);
}

export function storeSharedArray(name: string, data: SharedArrayData): SharedArrayData {
  const known = arrays.get(name);
  if (known !== undefined) return known;
  arrays.set(name, data);
  return data;
}

/** Forgets the arrays of a finished run (a later run in the same process starts fresh). */
export function resetSharedArrays(): void {
  arrays.clear();
}

export const SharedArray = function SharedArray(this: unknown, name: string, fn: () => unknown) {
  if (!new.target) throw new TypeError("SharedArray must be called with 'new'");
  if (currentRun().phase !== 'init') throw new Error('new SharedArray must be called in the init context');
  if (typeof name !== 'string' || name === '') throw new Error("empty name provided to SharedArray's constructor");
  if (isAsyncFunction(fn)) throw new Error(SHARED_ARRAY_ASYNC_MESSAGE);
  if (typeof fn !== 'function') throw new Error("a function is expected as the second argument of SharedArray's constructor");
  let data = arrays.get(name);
  if (data === undefined) data = storeSharedArray(name, encodeSharedArray(fn()));
  return sharedArrayView(data);
} as unknown as new (name: string, fn: () => unknown) => unknown;

export default { SharedArray };
