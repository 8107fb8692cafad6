// options.noConnectionReuse / noVUConnectionReuse (env NCR=1 / NVR=1): 3 iterations of one VU,
// two requests each.
import http from 'k6/http';

export const options = { vus: 1, iterations: 3, noConnectionReuse: __ENV.NCR === '1', noVUConnectionReuse: __ENV.NVR === '1' };

export default function () {
  http.get(`${__ENV.TARGET}/a`);
  http.get(`${__ENV.TARGET}/b`);
}
