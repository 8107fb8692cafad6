// request-failed.js on event-loop VUs (http.asyncRequest).
import http from 'k6/http';

export const options = { iterations: 1 };

export default async function () {
  const refused = await http.asyncRequest('GET', 'http://127.0.0.1:1/x');
  const bad = await http.asyncRequest('GET', 'not a url');
  const ftp = await http.asyncRequest('GET', 'ftp://127.0.0.1/x');
  console.log(`refused ${refused.status} ${refused.error_code} | bad ${bad.status} ${bad.error_code} ${bad.error.split(':')[0]} | ftp ${ftp.status} ${ftp.error_code}`);
}
