/**
 * Generates hostile requests for every route of the app, from the route list and the OpenAPI document (so a new route
 * or field is attacked without anyone writing a case for it). Each case says what the server must do: `refused`
 * (a 4xx `{error, code}`) or `not5xx` (input that is odd but legitimate, like an emoji in a message).
 */
import type { Expectation } from './hostile-http.ts';

export type Auth = 'none' | 'widget' | 'admin';

export interface RouteInfo {
  method: string;
  /** OpenAPI form: `/v1/admin/conversations/{id}`. */
  path: string;
  auth: Auth;
  query: Record<string, JsonSchema>;
  pathParams: Record<string, JsonSchema>;
  body: JsonSchema | null;
}

export interface JsonSchema {
  type?: string | string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  nullable?: boolean;
  anyOf?: JsonSchema[];
  examples?: unknown[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
}

export interface FetchCase {
  kind: 'fetch';
  name: string;
  method: string;
  /** Already encoded: sent as is. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  expect: Expectation;
}

export interface RawCase {
  kind: 'raw';
  name: string;
  head: string;
  body?: string;
  expect: Expectation;
}

export type HostileCase = FetchCase | RawCase;

export interface Keys {
  widgetKey: string;
  adminKey: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Routes as the app registers them, described by the OpenAPI document where it has them. */
export function describeRoutes(appRoutes: Array<{ method: string; path: string }>, doc: { paths: Record<string, Record<string, any>> }): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const { method, path: elysiaPath } of appRoutes) {
    if (!METHODS.includes(method) || elysiaPath.includes('*')) continue;
    const path = elysiaPath.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[path]?.[method.toLowerCase()] ?? {};
    const params: Array<{ name: string; in: string; schema: JsonSchema }> = op.parameters ?? [];
    routes.push({
      method,
      path,
      auth: path.startsWith('/v1/admin') ? 'admin' : op.requestBody ? 'widget' : 'none',
      query: Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, p.schema])),
      pathParams: Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, p.schema])),
      body: op.requestBody?.content?.['application/json']?.schema ?? null,
    });
  }
  return routes;
}

function typesOf(schema: JsonSchema): string[] {
  const own = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return [...own, ...(schema.anyOf ?? []).flatMap(typesOf)];
}

const isNumeric = (schema: JsonSchema) => typesOf(schema).some((t) => t === 'integer' || t === 'number');
const isFreeText = (schema: JsonSchema) => typesOf(schema).includes('string') && !schema.pattern && !schema.enum && !isNumeric(schema);

/** A value the schema accepts, for the fields a case does not attack. */
export function validValue(name: string, schema: JsonSchema, serial: number): unknown {
  if (schema.enum) return schema.enum.find((v) => v !== null);
  if (isNumeric(schema)) return Math.max(schema.minimum ?? 1, 1);
  if (schema.pattern) return `hostile-${serial}`;
  if (name === 'pageUrl') return 'https://example.com/page';
  return `hello ${name}`;
}

export function validBody(schema: JsonSchema, serial: number): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, field]) => [name, validValue(name, field, serial)]));
}

/** Characters no honest client sends in text, and odd-but-legitimate text every server must take in its stride. */
export const BROKEN_TEXT: Record<string, string> = {
  nul: 'a\u0000b',
  escape: 'a\u001b[31mred',
  bell: '\u0007',
  backspace: 'a\u0008b',
  del: 'a\u007fb',
};
export const ODD_TEXT: Record<string, string> = {
  rtlOverride: 'abc\u202Egnp.exe',
  zeroWidth: 'a\u200Bb\u200Dc\uFEFF',
  emoji: '👩‍👩‍👧‍👦 🏳️‍🌈 😀',
  combining: 'Z\u0351\u0334\u0358a\u0358\u0334l\u0351go',
  astral: '𝕳𝖊𝖑𝖑𝖔 𐍈',
  newlines: 'line1\r\nline2\ttab',
  sqlish: "' OR 1=1; DROP TABLE messages; --",
  htmlish: '<script>alert(1)</script><img src=x onerror=alert(1)>',
  formula: '=HYPERLINK("http://evil")',
  pathish: '../../../../etc/passwd',
};

const WRONG_TYPES: Array<[string, string]> = [
  ['number', '12345'],
  ['float', '1.5'],
  ['huge number', '1e400'],
  ['negative', '-1'],
  ['boolean', 'true'],
  ['null', 'null'],
  ['array', '["a"]'],
  ['object', '{"a":"b"}'],
  ['empty string', '""'],
];

export function generateCases(
  routes: RouteInfo[],
  keys: Keys,
  limits: { maxBodyBytes: number; bodyLimitOf?: (method: string, path: string) => number | null },
): Array<{ route: RouteInfo; cases: HostileCase[] }> {
  let serial = 0;
  return routes.map((route) => {
    const cases: HostileCase[] = [];
    const auth: Record<string, string> =
      route.auth === 'widget' ? { 'x-api-key': keys.widgetKey } : route.auth === 'admin' ? { 'x-admin-api-key': keys.adminKey } : {};
    const pathWith = (values: Record<string, string> = {}) =>
      route.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'no-such-id');
    const baseBody = route.body ? validBody(route.body, ++serial) : null;
    const json = { 'content-type': 'application/json' };
    const add = (name: string, expect: Expectation, init: Partial<FetchCase> = {}) =>
      cases.push({
        kind: 'fetch',
        name: `${route.method} ${route.path}: ${name}`,
        method: route.method,
        path: pathWith(),
        headers: { ...auth, ...(baseBody ? json : {}) },
        body: baseBody ? JSON.stringify({ ...baseBody, sessionId: `hostile-${++serial}` }) : undefined,
        expect,
        ...init,
      });
    const addRaw = (name: string, expect: Expectation, head: string, body?: string) =>
      cases.push({ kind: 'raw', name: `${route.method} ${route.path}: ${name}`, head, body, expect });
    const authLines = Object.entries(auth).map(([k, v]) => `\r\n${k}: ${v}`).join('');

    // Wrong methods on a path that exists.
    const otherMethods = METHODS.filter((m) => !routes.some((r) => r.path === route.path && r.method === m));
    for (const method of otherMethods) add(`wrong method ${method}`, 'refused', { method, body: method === 'GET' ? undefined : '{}', headers: { ...auth, ...json } });
    addRaw('TRACE', 'refused', `TRACE ${pathWith()} HTTP/1.1\r\nhost: localhost${authLines}`);

    // Keys: missing, empty, wrong (same length and not), the other key, huge, in the wrong header.
    if (route.auth !== 'none') {
      const header = route.auth === 'widget' ? 'x-api-key' : 'x-admin-api-key';
      const right = route.auth === 'widget' ? keys.widgetKey : keys.adminKey;
      const other = route.auth === 'widget' ? keys.adminKey : keys.widgetKey;
      const wrong: Record<string, Record<string, string>> = {
        'no key': {},
        'empty key': { [header]: '' },
        'wrong key, same length': { [header]: right.slice(0, -1) + (right.endsWith('x') ? 'y' : 'x') },
        'right key plus a character': { [header]: right + 'x' },
        'right key prefix': { [header]: right.slice(0, 8) },
        'the other key': { [header]: other },
        'an 8 KB key': { [header]: 'k'.repeat(8192) },
        'key as bearer token': { authorization: `Bearer ${right}` },
        'key in the other header': { [route.auth === 'widget' ? 'x-admin-api-key' : 'x-api-key']: right },
      };
      for (const [name, headers] of Object.entries(wrong)) add(name, 'refused', { headers: { ...(baseBody ? json : {}), ...headers } });
      addRaw('non-ASCII key (raw UTF-8 bytes)', 'refused', `${route.method} ${pathWith()} HTTP/1.1\r\nhost: localhost\r\n${header}: ключ-🔑`);
      addRaw('two key headers, wrong then right', 'refused', `${route.method} ${pathWith()} HTTP/1.1\r\nhost: localhost\r\n${header}: wrong\r\n${header}: ${right}${baseBody ? `\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(JSON.stringify(baseBody))}` : ''}`, baseBody ? JSON.stringify(baseBody) : undefined);
    }

    // Browser origins not on the list; and headers a client may forge to no effect.
    for (const origin of ['https://evil.example', 'null', 'https://good.example.com.evil.example', 'https://good.example.com:8443', 'http://good.example.com', 'https://GOOD.example.com']) {
      const publicGet = route.auth === 'none' && route.method === 'GET';
      add(`origin ${origin}`, publicGet ? 'not5xx' : 'refused', { headers: { ...auth, ...(baseBody ? json : {}), origin } });
    }
    add('preflight from a foreign origin', 'refused', { method: 'OPTIONS', body: undefined, headers: { origin: 'https://evil.example', 'access-control-request-method': route.method } });
    const forged: Record<string, Record<string, string>> = {
      'garbage X-Forwarded-For': { 'x-forwarded-for': 'not-an-ip, <script>, 999.999.1.1' },
      'huge X-Forwarded-For': { 'x-forwarded-for': Array.from({ length: 500 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join(', ') },
      'forged X-Real-IP and Forwarded': { 'x-real-ip': '1.2.3.4', forwarded: 'for=1.2.3.4;proto=https' },
      'request id with junk': { 'x-request-id': '"><script>alert(1)</script>' },
      'forged host': { host: 'evil.example' },
      'forged x-http-method-override': { 'x-http-method-override': 'DELETE', 'x-method-override': 'DELETE' },
    };
    for (const [name, headers] of Object.entries(forged)) add(name, 'not5xx', { headers: { ...auth, ...(baseBody ? json : {}), ...headers } });

    // Path tricks: parameters, dot segments, encoded slashes, control characters, very long segments.
    const pathValues: Record<string, string> = {
      'dot-dot encoded': '..%2F..',
      'dot-dot to health': '..%2F..%2F..%2Fhealth',
      'encoded slash': 'a%2Fb',
      'double-encoded dot-dot': '%252e%252e%252f',
      'overlong UTF-8 dots': '%C0%AE%C0%AE',
      'NUL byte': 'a%00b',
      'CRLF': 'a%0d%0aSet-Cookie:%20x=1',
      'malformed percent': '%ZZ',
      'lone percent': '%',
      'lone surrogate (CESU)': '%ED%A0%80',
      'invalid UTF-8': '%FF%FE',
      'RTL override': '%E2%80%AEabc',
      'zero-width': 'a%E2%80%8Bb',
      'emoji': '%F0%9F%98%80',
      'very long (5000)': 'a'.repeat(5000),
      '129 chars': 'b'.repeat(129),
      'SQL': "'%20OR%20'1'='1",
      'semicolon': 'x;drop',
    };
    const brokenPath = ['NUL byte', 'CRLF', 'malformed percent', 'lone percent', 'lone surrogate (CESU)', 'invalid UTF-8', 'overlong UTF-8 dots'];
    for (const param of Object.keys(route.pathParams)) {
      for (const [name, value] of Object.entries(pathValues)) {
        // A parameter that is merely an odd string is a lookup that finds nothing: 404, a refusal all the same.
        add(`path param ${param} = ${name}`, 'refused', { path: pathWith({ [param]: value }) });
      }
    }
    for (const [name, suffix] of Object.entries({ 'dot-dot suffix': '/..%2F..%2Fv1%2Fadmin%2Fconversations', 'NUL suffix': '%00', 'encoded slash suffix': '%2F', 'long suffix': '/' + 'x'.repeat(3000), 'semicolon suffix': ';jsessionid=1', 'malformed percent suffix': '%E0%A4%A' })) {
      add(name, 'refused', { path: pathWith() + suffix });
    }
    if (/[a-z]/.test(route.path)) add('upper-cased path', 'refused', { path: pathWith().toUpperCase() });
    addRaw('absolute-form URI', 'not5xx', `${route.method} http://evil.example${pathWith()} HTTP/1.1\r\nhost: localhost${authLines}${baseBody ? '\r\ncontent-type: application/json\r\ncontent-length: 2' : ''}`, baseBody ? '{}' : undefined);
    addRaw('raw dot segments', 'not5xx', `${route.method} ${pathWith()}/../../../../etc/passwd HTTP/1.1\r\nhost: localhost${authLines}`);
    addRaw('no Host header, HTTP/1.0', 'not5xx', `${route.method} ${pathWith()} HTTP/1.0${authLines}`);
    addRaw('unusable Host header', 'not5xx', `${route.method} ${pathWith()} HTTP/1.1\r\nhost: [::1${authLines}`);
    addRaw('CONNECT', 'refused', `CONNECT 127.0.0.1:9 HTTP/1.1\r\nhost: 127.0.0.1:9${authLines}`);

    // Query strings: every declared parameter with wrong, broken and odd values; unknown and repeated parameters.
    for (const [param, schema] of Object.entries(route.query)) {
      const numeric = isNumeric(schema);
      const values: Array<[string, string, Expectation]> = [
        ['NUL', '%00', 'refused'],
        ['malformed percent', '%ZZ', 'refused'],
        ['lone surrogate (CESU)', '%ED%A0%80', 'refused'],
        ['invalid UTF-8', '%FF', 'refused'],
        ['escape sequence', '%1B%5B31m', 'refused'],
        ['5000 chars', 'q'.repeat(5000), 'refused'],
        ['NaN', 'NaN', numeric || schema.enum ? 'refused' : 'not5xx'],
        ['Infinity', 'Infinity', numeric || schema.enum ? 'refused' : 'not5xx'],
        ['1e400', '1e400', numeric || schema.enum ? 'refused' : 'not5xx'],
        ['negative', '-1', numeric || schema.enum ? 'refused' : 'not5xx'],
        ['object-ish', '%5Bobject%20Object%5D', numeric || schema.enum ? 'refused' : 'not5xx'],
        ['empty', '', numeric ? 'refused' : 'not5xx'],
        ['repeated', `1&${param}=abc`, 'not5xx'],
        ['bracket array', `x&${param}[]=y`, 'not5xx'],
      ];
      for (const [name, value] of Object.entries(ODD_TEXT)) values.push([name, encodeURIComponent(value), numeric || schema.enum || (schema.maxLength ?? Infinity) < value.length ? 'refused' : 'not5xx']);
      for (const [name, value, expect] of values) add(`query ${param} = ${name}`, expect, { path: `${pathWith()}?${param}=${value}` });
    }
    if (route.method === 'GET') {
      add('unknown query parameters', 'not5xx', { path: `${pathWith()}?__proto__[x]=1&constructor=2&toString=3` });
      add('query string of 7000 characters', 'not5xx', { path: `${pathWith()}?pad=${'p'.repeat(7000)}` });
      add('query string over the URL limit', 'refused', { path: `${pathWith()}?pad=${'p'.repeat(9000)}` });
    }

    if (!route.body || !baseBody) return { route, cases };
    const body = route.body;
    const send = (name: string, expect: Expectation, text: string, headers: Record<string, string> = json) =>
      add(name, expect, { body: text, headers: { ...auth, ...headers } });
    const withField = (field: string, raw: string) => {
      const others = JSON.stringify({ ...baseBody, sessionId: `hostile-${++serial}`, [field]: undefined }).slice(1, -1);
      return `{${others}${others ? ',' : ''}${JSON.stringify(field)}:${raw}}`;
    };
    const valid = () => JSON.stringify({ ...baseBody, sessionId: `hostile-${++serial}` });

    // Content types and encodings.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/evil+json', 'application/jsonx', 'json']) {
      send(`content-type ${type}`, 'refused', valid(), { 'content-type': type });
    }
    add('no content-type', 'refused', { headers: { ...auth } });
    send('gzip content-encoding', 'refused', valid(), { ...json, 'content-encoding': 'gzip' });
    // Not JSON, or not an object.
    for (const [name, text] of Object.entries({
      empty: '',
      'only whitespace': '   \n',
      truncated: '{"sessionId":',
      'single quotes': "{'sessionId':'a'}",
      'trailing garbage': `${valid()}garbage`,
      'two documents': `${valid()}${valid()}`,
      'comment': `/* hi */${valid()}`,
      'NaN literal': '{"limit":NaN}',
      'raw NUL': '\u0000',
      'raw control bytes': '{"sessionId":"a\u0001"}',
      'latin-1 bytes': '\u00ff\u00fe{}',
      null: 'null',
      number: '42',
      string: '"hello"',
      boolean: 'true',
      array: '[]',
      'array of the body': `[${valid()}]`,
      'empty object': '{}',
    })) {
      send(`body ${name}`, 'refused', text);
    }
    // Size and shape.
    // Most routes take MAX_BODY_BYTES; a few (pasted knowledge texts) have a larger limit of their own.
    const bodyLimit = limits.bodyLimitOf?.(route.method, route.path) ?? limits.maxBodyBytes;
    send('body over MAX_BODY_BYTES', 'refused', JSON.stringify({ ...baseBody, pad: 'x'.repeat(bodyLimit) }));
    send('array nested 20000 deep', 'refused', '['.repeat(20_000) + ']'.repeat(20_000));
    send('object nested 1000 deep', 'refused', '{"a":'.repeat(1000) + '1' + '}'.repeat(1000));
    send('field nested 20 deep', 'refused', withField('sessionId', '{"a":'.repeat(20) + '1' + '}'.repeat(20)));
    send('5000 unknown fields', 'not5xx', JSON.stringify({ ...baseBody, ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])) }));
    send('prototype pollution keys', 'not5xx', `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},${valid().slice(1)}`);
    // The repeated key is one the route reads: sessionId on chat routes, else its first required field, with a bad value.
    const repeated = body.properties?.sessionId ? '"sessionId":"../../x"' : body.required?.[0] ? `"${body.required[0]}":12345` : '"sessionId":"../../x"';
    send('duplicate keys, last one bad', 'refused', `${valid().slice(0, -1)},${repeated}}`);
    send('byte order mark', 'not5xx', `\uFEFF${valid()}`);
    addRaw('declared length of a terabyte', 'refused', `POST ${pathWith()} HTTP/1.1\r\nhost: localhost${authLines}\r\ncontent-type: application/json\r\ncontent-length: 1099511627776`);
    addRaw('chunked body', 'refused', `POST ${pathWith()} HTTP/1.1\r\nhost: localhost${authLines}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked`, `2\r\n{}\r\n0\r\n\r\n`);
    // (A malformed Content-Length, or one with Transfer-Encoding, is refused by Bun's HTTP parser before the app runs.)

    // Every field: missing, wrong types, too long, broken characters; odd but legitimate text where text is free.
    for (const [field, schema] of Object.entries(body.properties ?? {})) {
      if (body.required?.includes(field)) {
        const rest: Record<string, unknown> = { ...baseBody, sessionId: `hostile-${++serial}` };
        delete rest[field];
        send(`missing ${field}`, 'refused', JSON.stringify(rest));
      }
      const numeric = isNumeric(schema);
      for (const [name, raw] of WRONG_TYPES) {
        const fits =
          (name === 'null' && (schema.nullable || typesOf(schema).includes('null'))) ||
          (numeric && ['number', 'negative'].includes(name) && Number(raw) >= (schema.minimum ?? -Infinity) && Number(raw) <= (schema.maximum ?? Infinity)) ||
          (name === 'empty string' && isFreeText(schema) && !(schema.minLength! > 0));
        send(`${field} as ${name}`, fits ? 'not5xx' : 'refused', withField(field, raw));
      }
      if (schema.maxLength !== undefined) send(`${field} one over maxLength`, 'refused', withField(field, JSON.stringify('m'.repeat(schema.maxLength + 1))));
      if (numeric) send(`${field} as numeric string "abc"`, 'refused', withField(field, '"abc"'));
      if (schema.enum) send(`${field} outside its enum`, 'refused', withField(field, '"sideways"'));
      if (!typesOf(schema).includes('string')) continue;
      send(`${field} with a lone surrogate`, 'refused', withField(field, '"a\\ud800b"'));
      send(`${field} with a lone low surrogate`, 'refused', withField(field, '"\\udc00"'));
      for (const [name, text] of Object.entries(BROKEN_TEXT)) send(`${field} with ${name}`, 'refused', withField(field, JSON.stringify(text)));
      for (const [name, text] of Object.entries(ODD_TEXT)) {
        const fits = isFreeText(schema) && text.length <= (schema.maxLength ?? Infinity);
        send(`${field} with ${name}`, fits ? 'not5xx' : 'refused', withField(field, JSON.stringify(text)));
      }
    }
    return { route, cases };
  });
}
