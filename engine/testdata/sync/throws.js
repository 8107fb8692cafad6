// Every iteration throws before any request (options.throw: a URL the client cannot request
// throws instead of returning status 0): the run must say so loudly, and thresholds over metrics
// without samples behave as in k6 (a Rate without samples fails, a Trend's p(95) is 0).
import http from 'k6/http';

export const options = {
  iterations: 3,
  throw: true,
  thresholds: { http_req_duration: ['p(95)<100'], http_req_failed: ['rate<0.01'] },
};

export default function () {
  http.get('not a url');
}
