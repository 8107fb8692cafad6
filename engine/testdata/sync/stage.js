// A minimal synchronous script for the CLI flag tests (--stage replaces the options).
import http from 'k6/http';
import { sleep } from 'k6';

export default function () {
  http.get(`${__ENV.TARGET}/health`);
  sleep(0.1);
}
