/**
 * A slow HTTP/1.1 client for the slowloris tests: it sends the request head, announces a body, then trickles a few
 * bytes of it and stops, holding the connection open. It never closes the socket itself (unless told to), so a
 * connection that ends was ended by the server.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export interface SlowAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  head: string;
  body: string;
  /** Body bytes (or, with `slowHeaders`, header lines) the client had sent when the server closed the connection. */
  bytesSent: number;
}

export interface SlowRequest {
  /** Resolves when the server closes the connection. */
  closed: Promise<SlowAnswer>;
  /** Sends what is left of the announced body at once. */
  finish(): void;
  /** The client gives up and closes the connection itself. */
  abort(): void;
}

export interface SlowRequestOptions {
  method?: string;
  path: string;
  headers: Record<string, string>;
  /** The body, announced in full by Content-Length; only `trickle` bytes of it are sent, one every `everyMs`. */
  body: string;
  trickle: number;
  everyMs: number;
  /** Over TLS, as to Caddy (its certificate is not checked). */
  tls?: boolean;
  /** Trickle extra header lines instead of the body: the head is never finished. */
  slowHeaders?: boolean;
}

export function openSlowRequest(port: number, options: SlowRequestOptions): SlowRequest {
  const socket: Socket = options.tls
    ? connectTls({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false })
    : connect(port, '127.0.0.1');
  const body = Buffer.from(options.body);
  let sent = 0;
  let received = '';
  const head = [
    `${options.method ?? 'POST'} ${options.path} HTTP/1.1`,
    `host: ${options.tls ? 'localhost' : '127.0.0.1'}`,
    'content-type: application/json',
    `content-length: ${body.length}`,
    ...Object.entries(options.headers).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  socket.write(options.slowHeaders ? `${head}\r\n` : `${head}\r\n\r\n`);
  const timer = setInterval(() => {
    if (sent >= Math.min(options.trickle, body.length) || socket.destroyed) return clearInterval(timer);
    socket.write(options.slowHeaders ? `x-slow-${sent}: 1\r\n` : body.subarray(sent, sent + 1));
    sent += 1;
  }, options.everyMs);
  socket.on('data', (chunk) => (received += chunk.toString('utf8')));
  socket.on('error', () => {});
  const closed = new Promise<SlowAnswer>((resolve) => {
    socket.on('close', () => {
      clearInterval(timer);
      const split = received.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      resolve({ status, head: split >= 0 ? received.slice(0, split) : received, body: split >= 0 ? received.slice(split + 4) : '', bytesSent: sent });
    });
  });
  return {
    closed,
    finish() {
      clearInterval(timer);
      socket.write(body.subarray(sent));
      sent = body.length;
    },
    abort() {
      clearInterval(timer);
      socket.destroy();
    },
  };
}
