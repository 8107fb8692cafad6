// Failed requests as k6 treats them: a refused connection, a URL that does not parse and an
// unsupported scheme each log "Request Failed" and return status 0 with k6's error code.
import http from 'k6/http';

export const options = { iterations: 1 };

export default function () {
  const refused = http.get('http://127.0.0.1:1/x');
  const bad = http.get('not a url');
  const ftp = http.get('ftp://127.0.0.1/x');
  console.log(`refused ${refused.status} ${refused.error_code} | bad ${bad.status} ${bad.error_code} ${bad.error.split(':')[0]} | ftp ${ftp.status} ${ftp.error_code}`);
}
