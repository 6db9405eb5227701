/**
 * Tools for the hostile-input suite: a raw HTTP/1.1 client for what `fetch` refuses to send (TRACE, CONNECT, lying
 * Content-Length, chunked bodies, absolute-form and dot-segment paths), and the verdict every answer must pass.
 */
import { connect } from 'node:net';

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/** Sends `head` (request line and headers, without the blank line) and an optional body; resolves on close or reply. */
export function rawRequest(port: number, head: string, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const finish = () => {
      socket.destroy();
      const text = received.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP answer to ${head.split('\r\n')[0]}: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers = new Headers();
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      let rest = text.slice(split + 4);
      if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) rest = dechunk(rest);
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: rest });
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // A reply with a Content-Length is complete once that many body bytes are here; no need to wait for close.
      const text = received.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, split))?.[1];
      if (split >= 0 && length !== undefined && received.length - split - 4 >= Number(length)) finish();
    });
    socket.on('end', finish);
    socket.on('error', finish);
    socket.write(`${head}\r\nconnection: close\r\n\r\n${body}`);
  });
}

function dechunk(text: string): string {
  let out = '';
  for (let rest = text; ; ) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!size) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

export async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** What leaks look like: stack frames, source paths, runtime error names, HTML. */
const LEAK = /\bat [^\n]*:\d+:\d+|\/(?:src|node_modules|work)\/|\.ts:\d+|\b(?:TypeError|ReferenceError|SyntaxError|RangeError|SQLiteError)\b|<html|<!doctype|<body/i;

export type Expectation = 'refused' | 'not5xx';

/** null when the answer is acceptable for the expectation, else a sentence saying what is wrong. */
export function verdict(answer: Answer, expectation: Expectation): string | null {
  const { status, headers, body } = answer;
  if (status >= 500 || status < 100) return `answered ${status}`;
  if (expectation === 'refused' && (status < 400 || status >= 500)) return `expected a 4xx refusal, got ${status}`;
  if (status < 400) return null;
  const type = headers.get('content-type') ?? '';
  if (!type.startsWith('application/json')) return `error ${status} is not JSON (content-type "${type}")`;
  if (LEAK.test(body)) return `error ${status} leaks internals: ${body.slice(0, 160)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `error ${status} body is not valid JSON: ${body.slice(0, 80)}`;
  }
  const shape = parsed as { error?: unknown; code?: unknown };
  if (typeof shape.error !== 'string' || typeof shape.code !== 'string' || !/^[a-z_]+$/.test(shape.code)) {
    return `error ${status} is not {error, code}: ${body.slice(0, 120)}`;
  }
  return null;
}
