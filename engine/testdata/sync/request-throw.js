// options.throw: a request that fails throws (and logs no "Request Failed"), as in k6.
import http from 'k6/http';

export const options = { iterations: 1, throw: true };

export default function () {
  try {
    http.get('http://127.0.0.1:1/x');
    console.log('not thrown');
  } catch (e) {
    console.log(`thrown: ${e.message}`);
  }
}
