import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real local HTTP receiver (port 0) for delivery tests. `mode` decides the answer: 'ok' → 200,
 * 'fail' → 500, 'hang' → never answers (the sender's timeout fires). Only accepted requests are
 * in `accepted`; every request is in `all`.
 */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  mode: 'ok' | 'fail' | 'hang';
  accepted: Received[];
  all: Received[];
  /** Ends the requests left hanging (their senders see a reset). */
  release(): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const hanging = new Set<ServerResponse>();
  const r: Receiver = { url: '', mode: 'ok', accepted: [], all: [], release: () => undefined, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      r.all.push(got);
      if (r.mode === 'hang') {
        hanging.add(res);
        return;
      }
      if (r.mode === 'fail') {
        res.writeHead(500).end('boom');
        return;
      }
      r.accepted.push(got);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.release = () => {
    for (const res of hanging) res.destroy();
    hanging.clear();
  };
  r.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return r;
}
