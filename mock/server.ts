// Puts the mock app on a socket with @hono/node-server, and takes it down cleanly.
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMockApp, type MockApp } from './app.ts';
import type { MockOptions } from './options.ts';

export { createMockApp, type MockApp } from './app.ts';

export interface RunningMock {
  url: string;
  port: number;
  app: MockApp;
  /** Cuts open streams, stops timers and closes the listening socket and every connection. */
  close(): Promise<void>;
}

export async function startMockServer(options: Partial<MockOptions> = {}): Promise<RunningMock> {
  const app = createMockApp(options);
  const { host, port } = app.runtime.opts;
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
  // Gateways keep pooled upstream connections open for a while; Node's 5 s default would reset them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep backlog: 1000 clients connecting at once must not wait for SYN retransmits.
    server.listen({ host, port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    app,
    close() {
      closing ??= new Promise<void>((resolve) => {
        app.runtime.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
