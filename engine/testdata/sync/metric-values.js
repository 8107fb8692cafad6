// Custom metric values as k6 takes them: ToNumber ('12' → 12, true → 1, [] → 1); undefined, null
// and what is not a number are refused with a warning and add() returns false.
import { Rate, Trend } from 'k6/metrics';

const trend = new Trend('values_trend');
const rate = new Rate('values_rate');
export const options = { iterations: 1 };

export default function () {
  const added = [12, '12', true, [], NaN, undefined, null, 'abc'].map((v) => trend.add(v));
  const rated = [0.5, 0, false, 'abc'].map((v) => rate.add(v));
  console.log(`trend ${added.join(',')} | rate ${rated.join(',')}`);
}
