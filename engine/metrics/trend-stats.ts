// summaryTrendStats: which statistics a Trend shows in the summary (avg, min, med, max, count, p(N)).
import type { AnyTrendSink } from './sinks.ts';

export const DEFAULT_SUMMARY_TREND_STATS: readonly string[] = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

const STATIC = new Set(['avg', 'min', 'med', 'max', 'count']);

/** The percentile of a "p(N)" stat, or throws with k6's messages for anything unknown. */
function parsePercentileStat(stat: string): number {
  if (!stat.startsWith('p(') || !stat.endsWith(')')) throw new Error(`invalid trend stat '${stat}', unknown format`);
  const text = stat.slice(2, -1);
  const p = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(p >= 0 && p <= 100)) throw new Error(`invalid percentile trend stat value '${stat}', provide a number between 0 and 100`);
  return p;
}

/** Throws on the first invalid stat name (for options validation at start-up). */
export function validateTrendStats(stats: readonly string[]): void {
  for (const stat of stats) if (!STATIC.has(stat)) parsePercentileStat(stat);
}

/** The values object of a Trend for the given stats, keys in the given order. */
export function trendValues(sink: AnyTrendSink, stats: readonly string[]): Record<string, number> {
  const fractions: number[] = [];
  const at: number[] = [];
  stats.forEach((stat, i) => {
    if (stat === 'med') fractions.push(0.5);
    else if (!STATIC.has(stat)) fractions.push(parsePercentileStat(stat) / 100);
    else return;
    at.push(i);
  });
  const pct = sink.percentiles(fractions);
  const values: Record<string, number> = {};
  stats.forEach((stat, i) => {
    switch (stat) {
      case 'avg':
        values[stat] = sink.avg;
        break;
      case 'min':
        values[stat] = sink.min;
        break;
      case 'max':
        values[stat] = sink.max;
        break;
      case 'count':
        values[stat] = sink.count;
        break;
      default:
        values[stat] = pct[at.indexOf(i)];
    }
  });
  return values;
}
