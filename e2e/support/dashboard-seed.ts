/**
 * Fills the real server's store through real chat turns (POST /v1/chat with the widget key), the fake LLM
 * scripted per turn: replies, failures, and feedback, spread over past days by the server's injected clock.
 */
import type { TestServer } from '../../server/test/support/server.ts';

export interface Turn {
  /** A readable name for the visitor; the session id sent is `visitorSessionId(name)`. */
  sessionId: string;
  message: string;
  reply?: string;
  /** The model call fails with this HTTP status instead of replying. */
  failWith?: number;
  feedback?: 'up' | 'down';
  pageUrl?: string;
  origin?: string;
  userAgent?: string;
}

export interface TurnResult {
  status: number;
  messageId: string | null;
  conversationId: string | null;
}

const tokensOf = (text: string) => text.split(/(?=\s)/);

/**
 * History and feedback want a session id of at least 16 characters (it is the visitor's secret): the readable name
 * gets a fixed suffix, so the dashboard still shows `s-lamp` inside the id and every call names the same visitor.
 */
export const visitorSessionId = (name: string) => `${name}-visitor-0a1b2c3d`;

export async function chatTurn(server: TestServer, turn: Turn): Promise<TurnResult> {
  if (turn.failWith) server.fakeLlm.queue({ kind: 'status', status: turn.failWith });
  else server.fakeLlm.queue({ kind: 'reply', tokens: tokensOf(turn.reply ?? 'Happy to help with that.') });
  const headers: Record<string, string> = {
    'user-agent': turn.userAgent ?? 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  };
  if (turn.origin) headers.origin = turn.origin;
  const sessionId = visitorSessionId(turn.sessionId);
  const response = await server.post('/v1/chat', { sessionId, message: turn.message, pageUrl: turn.pageUrl }, headers);
  const body = (await response.json().catch(() => ({}))) as { messageId?: string; conversationId?: string };
  const result = { status: response.status, messageId: body.messageId ?? null, conversationId: body.conversationId ?? null };
  if (turn.feedback && result.messageId) {
    const feedback = await server.post('/v1/chat/feedback', { sessionId, messageId: result.messageId, feedback: turn.feedback });
    if (!feedback.ok) throw new Error(`feedback failed: ${feedback.status} ${await feedback.text()}`);
  }
  return result;
}

/** A mutable clock for `startTestServer({ now })`: seeding sets it in the past, tests put it back to real time. */
export function shiftableClock() {
  let offsetMs = 0;
  return {
    now: () => Date.now() - offsetMs,
    setDaysAgo(days: number, hour = 0) {
      offsetMs = Math.round(days * 86_400_000 + hour * 3_600_000);
    },
    reset() {
      offsetMs = 0;
    },
  };
}

export const SHOP = 'https://shop.example';

/** A support inbox's worth of conversations: replies, one failure, feedback both ways, several pages and days. */
export const SEED: Array<{ daysAgo: number; turns: Turn[] }> = [
  {
    daysAgo: 12,
    turns: [
      { sessionId: 's-gift', message: 'Do you sell gift cards?', reply: 'Yes! Digital gift cards from $10 to $500 are on the Gift cards page and arrive by email within minutes.', pageUrl: `${SHOP}/`, origin: SHOP },
    ],
  },
  {
    daysAgo: 9,
    turns: [
      { sessionId: 's-ship', message: 'Hi! Do you ship to Canada?', reply: 'We do — orders to Canada arrive in 3–5 business days, and duties are included at checkout.', pageUrl: `${SHOP}/shipping`, origin: SHOP },
      { sessionId: 's-ship', message: 'How much is shipping?', reply: 'Shipping is free over $50; below that it is a flat $7.95.', feedback: 'up', pageUrl: `${SHOP}/shipping`, origin: SHOP },
    ],
  },
  {
    daysAgo: 6,
    turns: [
      { sessionId: 's-refund', message: 'What is your refund policy for sale items?', reply: 'Sale items can be exchanged within 14 days but are not refundable.', feedback: 'down', pageUrl: `${SHOP}/sale`, origin: SHOP },
    ],
  },
  {
    daysAgo: 4,
    turns: [
      { sessionId: 's-order', message: 'Can I change my order after I placed it?', failWith: 500, pageUrl: `${SHOP}/account/orders`, origin: SHOP },
    ],
  },
  {
    daysAgo: 2.5,
    turns: [
      {
        sessionId: 's-lamp',
        message: 'Is the Aurora lamp compatible with HomeKit?',
        reply: 'Yes, the Aurora lamp works with Apple HomeKit, Google Home and Alexa. Pair it from the Home app with the code under the base.',
        feedback: 'up',
        pageUrl: `${SHOP}/products/aurora-lamp`,
        origin: SHOP,
      },
      { sessionId: 's-lamp', message: 'And what bulb does it take?', reply: 'It has a built-in LED module rated for 25,000 hours, so there is no bulb to replace.', pageUrl: `${SHOP}/products/aurora-lamp`, origin: SHOP },
    ],
  },
  {
    daysAgo: 0.2,
    turns: [
      { sessionId: 's-password', message: 'How do I reset my password?', reply: 'Click "Forgot password" on the sign-in page and we will email you a reset link that is valid for one hour.', pageUrl: `${SHOP}/login`, origin: SHOP },
    ],
  },
];

export async function seedSupportInbox(server: TestServer, clock: ReturnType<typeof shiftableClock>): Promise<Map<string, string>> {
  const conversationIds = new Map<string, string>();
  for (const day of SEED) {
    for (const [i, turn] of day.turns.entries()) {
      clock.setDaysAgo(day.daysAgo, -i * 0.05);
      const result = await chatTurn(server, turn);
      if (!turn.failWith && result.status !== 200) throw new Error(`seed turn failed: ${result.status}`);
      if (turn.failWith && result.status === 200) throw new Error('seed turn was meant to fail');
      const conversationId = result.conversationId ?? (await conversationOf(server, turn.sessionId));
      conversationIds.set(turn.sessionId, conversationId);
    }
  }
  clock.reset();
  return conversationIds;
}

async function conversationOf(server: TestServer, sessionId: string): Promise<string> {
  const response = await server.post('/v1/chat/history', { sessionId: visitorSessionId(sessionId) });
  const body = (await response.json()) as { conversationId: string | null };
  if (!body.conversationId) throw new Error(`no conversation for ${sessionId}`);
  return body.conversationId;
}
