/**
 * A lean Convex deployment stand-in for the scale-out benchmark, in its own process: it speaks the wire format of
 * `ConvexHttpClient` (see server/test/support/fake-convex.ts) and answers each function the chat path calls with a
 * well-formed value after `DELAY_MS` (the round trip to a hosted deployment), doing no other work. convex-test (the
 * functions stand-in the tests use) scans every stored document on each query, so under load it would measure
 * itself; this one measures the server replicas and the wire. `FUNCTIONS=1` runs the real functions in convex-test
 * instead, for a short sanity run.
 *
 *   DELAY_MS=20 bun bench/convex-standin.ts     prints `READY {"port":…}`; GET /stats → calls per function path
 */
import { readyLine } from './protocol.ts';

const delayMs = Number(process.env.DELAY_MS ?? 20);
const calls: Record<string, number> = {};
let inFlight = 0;
let maxInFlight = 0;
let ids = 0;

const message = (id: string, role: 'user' | 'assistant', content: string, status: string) => ({
  id,
  conversationId: 'conversation',
  role,
  content,
  status,
  createdAt: Date.now(),
  model: role === 'assistant' ? 'bench-model' : null,
  usage: null,
  finishReason: null,
  errorCode: null,
  firstTokenMs: null,
  totalMs: null,
  feedback: null,
});

function answer(path: string, args: Record<string, unknown>): unknown {
  switch (path) {
    case 'chat:startTurn': {
      const turn = ++ids;
      const user = message(`u${turn}`, 'user', String(args.content), 'complete');
      return {
        refused: null,
        reservedTokens: 0,
        conversation: {
          id: `c-${String(args.sessionId)}`,
          sessionId: args.sessionId,
          createdAt: Date.now(),
          updatedAt: Date.now(),
          origin: null,
          pageUrl: null,
          userAgent: null,
          messageCount: 1,
          errorCount: 0,
          stoppedCount: 0,
          feedbackUp: 0,
          feedbackDown: 0,
          totalTokens: 0,
          lastMessagePreview: null,
          lastMessageRole: 'user',
        },
        userMessage: user,
        assistantMessage: message(`a${turn}`, 'assistant', '', 'streaming'),
        history: [user],
      };
    }
    case 'chat:finishTurn':
      return message(String(args.assistantMessageId), 'assistant', String(args.content), String(args.status));
    case 'recovery:renewLease':
      return { expiresAt: Date.now() + 30_000 };
    case 'admin:recoverInterrupted':
      return { recovered: 0, done: true };
    case 'health:ping':
      return { ok: true };
    default:
      return null;
  }
}

async function leanServer() {
  return Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === '/stats') return Response.json({ calls, maxInFlight });
      const body = (await request.json()) as { path: string; args: Array<Record<string, unknown>> };
      calls[body.path] = (calls[body.path] ?? 0) + 1;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Bun.sleep(delayMs);
      inFlight -= 1;
      return Response.json({ status: 'success', value: answer(body.path, body.args[0] ?? {}), logLines: [] });
    },
  });
}

async function functionsServer() {
  const { configureDeploymentSecret, startFakeConvex } = await import('../server/test/support/fake-convex.ts');
  configureDeploymentSecret();
  const fake = await startFakeConvex({ delayMs });
  // Its calls, counted the same way, on a port of their own.
  const stats = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch() {
      const counted: Record<string, number> = {};
      for (const call of fake.calls) counted[call.path] = (counted[call.path] ?? 0) + 1;
      return Response.json({ calls: counted, maxInFlight: fake.maxConcurrent });
    },
  });
  return { port: fake.port, statsPort: stats.port };
}

if (process.env.FUNCTIONS === '1') {
  const { port, statsPort } = await functionsServer();
  console.log(readyLine({ port, statsPort }));
} else {
  const server = await leanServer();
  console.log(readyLine({ port: server.port, statsPort: server.port }));
}
