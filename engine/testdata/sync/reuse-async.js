// reuse.js on event-loop VUs.
import http from 'k6/http';

export const options = { vus: 1, iterations: 3, noConnectionReuse: __ENV.NCR === '1', noVUConnectionReuse: __ENV.NVR === '1' };

export default async function () {
  await http.asyncRequest('GET', `${__ENV.TARGET}/a`);
  await http.asyncRequest('GET', `${__ENV.TARGET}/b`);
}
