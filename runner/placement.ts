// Where the rig ran (`rig.placement`), and what to change when the rig, not the proxy, was the limit.
import type { Placement, Result } from '../reporter/schema.ts';
import type { PinPlan } from './sampling/pinning.ts';

/**
 * The placement of one run. `targetCpus` is where the target was put (null: it could not be
 * pinned: not found on this machine); `remote` targets run elsewhere, off the load generator's cores.
 */
export function placementOf(pin: PinPlan | null, target: { cpus: string | null; remote: boolean }): Placement {
  if (!pin) return { pinned: false, loadgen_cpus: null, target_cpus: null, mock_cpus: null };
  return { pinned: target.cpus !== null || target.remote, loadgen_cpus: pin.loadgen, target_cpus: target.cpus, mock_cpus: pin.mock };
}

/** One line on what to change so that the next run measures the proxy. */
export function saturationAdvice(result: Pick<Result, 'rig' | 'environment' | 'engine'>): string {
  const placement = result.rig?.placement;
  const cores = result.environment?.cores ?? null;
  if (!placement?.pinned) {
    return 'to change: let the runner pin target, mock and load generator to separate cores (drop --no-pin; needs taskset from util-linux and 2+ cores), or lower --concurrency/--rate';
  }
  const shared = placement.loadgen_cpus !== null && placement.loadgen_cpus === placement.mock_cpus;
  const parts = [
    shared ? `the mock and the load generator share CPU ${placement.loadgen_cpus} on this ${cores ?? '?'}-core machine: use a machine with more cores` : 'use a machine with more cores',
    'lower --concurrency or --rate',
    result.engine?.name === 'embedded' ? 'use k6 (--engine k6), which spreads over its cores' : 'run the load generator on another machine',
  ];
  return `to change: ${parts.join(', or ')}`;
}
