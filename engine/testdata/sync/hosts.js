// options.hosts: names that do not resolve reach the local server; the request keeps its URL and
// Host header; res.remote_ip/remote_port name the address it reached. ADDR is the server's
// 127.0.0.1:port, PORT its port alone.
import http from 'k6/http';

export const options = {
  iterations: 1,
  hosts: { 'api.example.test': __ENV.ADDR, '*.wild.test': '127.0.0.1', [`port.test:${__ENV.PORT}`]: __ENV.ADDR, 'port.test': '127.0.0.2' },
};

export default function () {
  const plain = http.get('http://api.example.test/echo');
  const wild = http.get(`http://a.b.wild.test:${__ENV.PORT}/echo`);
  const withPort = http.get(`http://port.test:${__ENV.PORT}/echo`);
  console.log(`plain ${plain.status} ${plain.json('headers.host')} ${plain.remote_ip}:${plain.remote_port} ${plain.tls_version || 'no-tls'} | wild ${wild.status} ${wild.json('headers.host')} | port ${withPort.status} ${withPort.json('headers.host')}`);
}
