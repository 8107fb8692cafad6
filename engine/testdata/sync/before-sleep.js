// Checks and samples of a worker VU before it sleeps: they count while it sleeps, with the tags
// they had when they were added.
import { check, sleep } from 'k6';
import { Trend } from 'k6/metrics';

const tagged = new Trend('tagged');

export const options = {
  vus: 1,
  iterations: 1,
  thresholds: {
    checks: [{ threshold: 'rate==1', abortOnFail: true }],
    'tagged{kind:first}': ['max==1'],
    'tagged{kind:second}': ['min==2'],
  },
};

export default function () {
  const tags = { kind: 'first' };
  tagged.add(1, tags);
  tags.kind = 'second';
  tagged.add(2, tags);
  for (let i = 0; i < 100; i++) check(i, { 'in range': (v) => v >= 0 });
  check(null, { 'fails before the sleep': () => false });
  sleep(30);
}
