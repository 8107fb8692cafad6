// An https request to a server with a self-signed certificate: refused by default (k6's x509
// error), answered with options.insecureSkipTLSVerify, and the response names the TLS version and
// cipher suite it used (res.tls_version, res.tls_cipher_suite) and the address it reached.
import http from 'k6/http';

export const options = { iterations: 1, insecureSkipTLSVerify: __ENV.INSECURE === '1' };

export default function () {
  const res = http.get(`${__ENV.TARGET}/echo`);
  console.log(`status ${res.status} error_code ${res.error_code} ${res.tls_version} ${res.tls_cipher_suite} ${res.remote_ip}`);
}
