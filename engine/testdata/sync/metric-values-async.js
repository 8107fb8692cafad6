// metric-values.js on event-loop VUs.
import { Rate, Trend } from 'k6/metrics';

const trend = new Trend('values_trend');
const rate = new Rate('values_rate');
export const options = { iterations: 1 };

export default async function () {
  const added = [12, '12', true, [], NaN, undefined, null, 'abc'].map((v) => trend.add(v));
  const rated = [0.5, 0, false, 'abc'].map((v) => rate.add(v));
  console.log(`trend ${added.join(',')} | rate ${rated.join(',')}`);
}
