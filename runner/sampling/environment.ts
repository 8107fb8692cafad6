// The machine a result was measured on, recorded in every result (`environment`).
import { availableParallelism, cpus, platform, release } from 'node:os';
import type { SelectedEngine } from '../engines/engine-select.ts';

export interface Environment {
  cpu_model: string | null;
  cores: number;
  os: string;
  node: string;
  k6: string | null;
  pinning: string | null;
  [key: string]: string | number | boolean | null;
}

export function describeEnvironment(engine: SelectedEngine, pinning: string | null): Environment {
  const model = cpus()[0]?.model?.trim();
  return {
    cpu_model: model ? model.replace(/\s+/g, ' ') : null,
    cores: availableParallelism(),
    os: `${platform()} ${release()}`,
    node: process.version,
    k6: engine.kind === 'k6' ? engine.version : null,
    pinning,
    engine: `${engine.kind} ${engine.version}`,
  };
}
