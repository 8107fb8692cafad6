// A VU that never yields (no request, no sleep) but checks now and then: its checks still count
// while it runs, so the failed first one aborts the run long before the loop ends.
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 1,
  thresholds: { checks: [{ threshold: 'rate==1', abortOnFail: true }] },
};

export default function () {
  check(null, { 'fails first': () => false });
  const end = Date.now() + 30_000;
  let next = Date.now();
  while (Date.now() < end) {
    if (Date.now() >= next) {
      check(null, { 'passes later': () => true });
      next += 300;
    }
  }
}
