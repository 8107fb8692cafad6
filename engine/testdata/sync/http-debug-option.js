// options.httpDebug logs requests and responses as --http-debug does; an option the engine does
// not implement (dns) is named in a warning, never ignored silently.
import http from 'k6/http';

export const options = { iterations: 1, httpDebug: 'full', dns: { ttl: '1m' } };

export default function () {
  http.post(`${__ENV.TARGET}/echo`, 'ping');
}
