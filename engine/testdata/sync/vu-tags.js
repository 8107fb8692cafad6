// exec.vu.metrics.tags reads the VU's current tags, as in k6: the run's (options.tags), the
// scenario's, the scenario and group names, and what the script set (vu-tags-async.js: the same
// on event-loop VUs).
import exec from 'k6/execution';
import { group } from 'k6';

export const options = {
  tags: { global: 'g' },
  scenarios: { s1: { executor: 'shared-iterations', iterations: 1, tags: { sc: 'aa' } } },
};

const show = () => {
  const tags = exec.vu.metrics.tags;
  return Object.keys(tags).sort().map((k) => `${k}=${tags[k]}`).join(',');
};

export default function () {
  exec.vu.metrics.tags.mine = 'x';
  group('g1', () => console.log(`in group: ${show()}`));
  delete exec.vu.metrics.tags.mine;
  console.log(`after: ${show()}`);
}
