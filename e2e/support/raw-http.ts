/**
 * Raw HTTP/1.1 requests over plain sockets, for what fetch cannot do: send every request's headers first and the
 * bodies only later, so a server that checks a limit and then awaits the body sees all of them "in flight" at once.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export interface HeldRequest {
  /** The status of the response, or -1 when the connection closed without one. */
  status: Promise<number>;
  /** Sends the body (when the server has not answered and closed already). */
  sendBody(): void;
}

/**
 * Opens a connection (TLS for an https URL, accepting any certificate: Caddy's internal CA in tests), sends the
 * request line and headers (with Content-Length for `body`), and holds the body.
 */
export async function holdRequest(baseUrl: string, options: { method: string; path: string; headers: Record<string, string>; body: string }): Promise<HeldRequest> {
  const url = new URL(baseUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const socket: Socket =
    url.protocol === 'https:'
      ? connectTls({ host: url.hostname, port, servername: url.hostname, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
      : connect(port, url.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  let received = '';
  const status = new Promise<number>((resolve) => {
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (match) {
        resolve(Number(match[1]));
        socket.destroy();
      }
    });
    // A server that answers without reading the body may close the socket under our late write: not a failure.
    socket.on('error', () => resolve(-1));
    socket.on('close', () => resolve(-1));
  });
  const body = Buffer.from(options.body);
  const headers = { host: url.host, 'content-length': String(body.length), connection: 'close', ...options.headers };
  const head = [`${options.method} ${options.path} HTTP/1.1`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), '', ''].join('\r\n');
  socket.write(head);
  return {
    status,
    sendBody() {
      if (!socket.destroyed) socket.write(body);
    },
  };
}
