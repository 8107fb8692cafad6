// How far the engine's HDR-based Trend percentiles are from k6's exact ones (k6 sorts every
// sample and interpolates between ranks), on latency-like data.
//
//   node --import tsx bench/engine-metrics-accuracy.ts [--samples N] [--seed S]
import { TrendSink } from '../engine/metrics/sinks.ts';

const argValue = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SAMPLES = argValue('--samples', 1_000_000);
let seed = argValue('--seed', 1) >>> 0;

function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function normal(): number {
  return Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
}

function exact(sorted: Float64Array, fraction: number): number {
  const i = fraction * (sorted.length - 1);
  const lo = sorted[Math.floor(i)];
  return lo + (sorted[Math.ceil(i)] - lo) * (i - Math.floor(i));
}

const datasets: Array<[string, () => number]> = [
  ['50 ms ± 1 ms (normal)', () => 50 + normal()],
  ['log-normal, median 40 ms, sigma 0.6', () => Math.exp(Math.log(40) + 0.6 * normal())],
  ['sub-ms timings (sending-like, 5-50 µs)', () => 0.005 + random() * 0.045],
];
const fractions = [0.5, 0.9, 0.95, 0.99, 0.999, 0.9999];

console.log(`node ${process.version}, ${SAMPLES.toLocaleString('en')} samples per data set`);
for (const [label, gen] of datasets) {
  const sink = new TrendSink();
  const values = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    values[i] = gen();
    sink.add(values[i]);
  }
  values.sort();
  console.log(`\n${label}`);
  console.log('  stat       exact (ms)     engine (ms)    abs error (ms)  rel error');
  for (const f of fractions) {
    const want = exact(values, f);
    const got = sink.p(f);
    const name = f === 0.5 ? 'med' : `p(${+(f * 100).toFixed(2)})`;
    console.log(
      `  ${name.padEnd(9)} ${want.toFixed(6).padStart(12)}  ${got.toFixed(6).padStart(14)}  ${Math.abs(got - want).toFixed(6).padStart(14)}  ${((Math.abs(got - want) / want) * 100).toFixed(4).padStart(8)}%`,
    );
  }
}
