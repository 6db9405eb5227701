/**
 * Fills a SQLite file with realistic chat history for load and latency checks, through the store's own schema
 * and migrations, then measures the admin queries at that size.
 *
 *   bun scripts/seed.ts [--db ./data/seed.db] [--conversations 100000] [--messages 1000000] [--days 90]
 *                       [--seed 1] [--force] [--measure-only] [--no-measure]
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { previewOf } from '../server/src/shared/conversation.ts';
import { indexPending } from '../server/src/store/sqlite/fts-index.ts';
import { messageSeqRange } from '../server/src/store/sqlite/message-seq.ts';
import { openSqliteDatabase, openSqliteStore } from '../server/src/store/sqlite/store.ts';
import type { ChatStore, ListConversationsInput } from '../server/src/store/chat-store.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: './data/seed.db' },
    conversations: { type: 'string', default: '100000' },
    messages: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '90' },
    seed: { type: 'string', default: '1' },
    force: { type: 'boolean', default: false },
    'measure-only': { type: 'boolean', default: false },
    'no-measure': { type: 'boolean', default: false },
  },
});

// ---- deterministic random text ----------------------------------------------------------------------------

/** mulberry32: a tiny seeded generator, so two runs with one --seed produce the same file contents. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seededRandom(Number(args.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));

const FILL: Record<string, readonly string[]> = {
  product: ['wireless headphones', 'standing desk', 'espresso machine', 'running shoes', 'winter jacket', 'smart thermostat', 'yoga mat', 'mechanical keyboard', 'backpack', 'air purifier', 'e-reader', 'blender', 'camping tent', 'office chair', 'phone case'],
  city: ['Berlin', 'Lisbon', 'Toronto', 'Melbourne', 'Osaka', 'Nairobi', 'Chicago', 'Lyon', 'Zürich', 'São Paulo', 'Kraków', 'Dublin'],
  plan: ['Starter', 'Pro', 'Business', 'Enterprise', 'Family'],
  platform: ['Windows 11', 'macOS', 'Android', 'iPhone', 'Linux', 'Chromebook'],
  weekday: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'the weekend'],
  file: ['PDF', 'PNG', 'CSV', 'video', 'spreadsheet', 'ZIP'],
  use: ['a small apartment', 'long flights', 'marathon training', 'a home office', 'a family of four', 'beginners'],
  carrier: ['DHL', 'UPS', 'FedEx', 'the postal service', 'our local courier'],
};

const USER_TEMPLATES = [
  'Hi, I ordered the {product} on {weekday} and it still has not arrived. Order number {order}.',
  'How do I reset my password? The link in the email says it expired.',
  'Do you ship to {city}? How long does delivery usually take?',
  'Can I return the {product} if I already opened the box?',
  'What is the difference between the {plan} plan and the {plan2} plan?',
  'My invoice {invoice} shows the same charge of {amount} twice.',
  'Is the {product} compatible with {platform}?',
  'I want to cancel my subscription before the next billing date.',
  'The app crashes when I upload a {file} file larger than {size} MB.',
  'Can you recommend a {product} for {use}?',
  'Where can I find the warranty information for my {product}?',
  'How do I change the delivery address for order {order}?',
  'Do you offer student discounts on the {plan} plan?',
  'The tracking page for order {order} has not updated in {n} days.',
  'Can I pay with PayPal or only by credit card?',
  'Où est ma commande {order} ? Je l’attends depuis {n} jours.',
  'Wie kann ich mein Passwort ändern? Die E-Mail kam nie an.',
  'Thanks, that worked!',
  'ok and what about the refund for the {product}?',
  'Is there a phone number I can call instead?',
] as const;

const ASSISTANT_TEMPLATES = [
  'I am sorry about the delay. Order {order} was handed to {carrier} and should arrive within {n} business days.',
  'You can reset your password from the sign-in page: choose "Forgot password" and use the new link within 30 minutes.',
  'Yes, we ship to {city}. Standard delivery takes {n} to {n2} business days, express takes 1 to 2.',
  'Opened items can be returned within 30 days as long as they are undamaged. Start a return from your order page.',
  'The {plan} plan includes {n} seats and email support; the {plan2} plan adds single sign-on, audit logs and priority support.',
  'I can see the duplicate charge on invoice {invoice}. The second charge of {amount} will be refunded within 5 business days.',
  'The {product} works with {platform}. Install the companion app and pair it over Bluetooth.',
  'You can cancel anytime under Settings, then Billing. Your plan stays active until the end of the current period.',
  'Uploads are limited to {size} MB per file. Try compressing the {file} file or splitting it into parts.',
  'For {use} I would suggest our compact {product}: it is light, quiet and has a two-year warranty.',
  'The warranty for the {product} lasts two years; the certificate is in the order confirmation email.',
  'You can change the address while the order is still being packed. Open order {order} and choose "Edit delivery".',
  'Students get 40% off the {plan} plan with a valid university email address.',
  'Tracking updates can pause while a parcel crosses borders. If nothing changes in {n} days, we will send a replacement.',
  'We accept credit cards, PayPal, Apple Pay and bank transfer for annual plans.',
  'Votre commande {order} est en route avec {carrier}. Elle devrait arriver d’ici {n} jours.',
  'Sie können Ihr Passwort unter Konto, Sicherheit ändern. Prüfen Sie bitte auch Ihren Spam-Ordner.',
  'Glad to hear it! Is there anything else I can help with?',
  'The refund for the {product} was issued on {weekday}; banks usually show it within 3 to 5 days.',
  'Our support line is open on weekdays from 9:00 to 17:00 CET. You can also reply here at any time.',
] as const;

function fillTemplate(template: string): string {
  return template.replace(/\{(\w+?)(2)?\}/g, (_, key: string) => {
    switch (key) {
      case 'order': return `#${between(100000, 999999)}`;
      case 'invoice': return `INV-${between(2023, 2026)}-${between(1000, 99999)}`;
      case 'amount': return `$${between(5, 400)}.${between(10, 99)}`;
      case 'n': return String(between(2, 14));
      case 'size': return String(pick([10, 25, 50, 100, 250]));
      default: return pick(FILL[key] ?? ['thing']);
    }
  });
}

// ---- seeding --------------------------------------------------------------------------------------------

const ORIGINS = ['https://shop.example.com', 'https://docs.example.org', 'https://www.acme.test', null];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/18.0 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
];
const ERROR_CODES = ['upstream_error', 'upstream_rate_limited', 'upstream_timeout'];

function seed(path: string, conversationTarget: number, messageTarget: number, days: number): { conversations: number; messages: number } {
  const db = openSqliteDatabase(path);
  // Bulk load only: a crash mid-seed just means seeding again.
  db.exec('PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY');
  const insertConversation = db.prepare(
    `INSERT INTO conversations (id, session_id, created_at, updated_at, origin, page_url, user_agent, message_count,
       error_count, stopped_count, feedback_up, feedback_down, total_tokens, last_message_preview, last_message_role)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'assistant')`,
  );
  const insertMessage = db.prepare(
    `INSERT INTO messages (seq, id, conversation_seq, role, content, status, created_at, model, prompt_tokens,
       completion_tokens, total_tokens, finish_reason, error_code, first_token_ms, total_ms, feedback)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const end = Date.now() - 10 * 60_000;
  const start = end - days * 86_400_000;
  let messages = 0;

  const oneConversation = (turns: number) => {
    let time = start + Math.floor(random() * (end - start));
    const createdAt = time;
    const origin = pick(ORIGINS);
    const counters = { errors: 0, stopped: 0, up: 0, down: 0, tokens: 0 };
    const rows: unknown[][] = [];
    let promptTokens = 40;
    let lastReply = '';
    for (let turn = 0; turn < turns; turn += 1) {
      const question = fillTemplate(pick(USER_TEMPLATES));
      rows.push([crypto.randomUUID(), null, 'user', question, 'complete', time, null, null, null, null, null, null, null, null, null]);
      const roll = random();
      const status = roll < 0.03 ? 'error' : roll < 0.05 ? 'stopped' : 'complete';
      let reply = fillTemplate(pick(ASSISTANT_TEMPLATES));
      if (status === 'error') reply = random() < 0.5 ? '' : reply.slice(0, between(5, 30));
      if (status === 'stopped') reply = reply.slice(0, between(10, reply.length));
      promptTokens += Math.ceil(question.length / 4);
      const completion = Math.ceil(reply.length / 4);
      const usage = status === 'error' ? null : promptTokens + completion;
      const feedbackRoll = random();
      const feedback = status !== 'complete' ? null : feedbackRoll < 0.06 ? 'up' : feedbackRoll < 0.08 ? 'down' : null;
      const totalMs = between(700, 9000);
      rows.push([
        crypto.randomUUID(), null, 'assistant', reply, status, time + 200, 'gpt-4o-mini',
        usage === null ? null : promptTokens, usage === null ? null : completion, usage,
        status === 'complete' ? 'stop' : null, status === 'error' ? pick(ERROR_CODES) : null,
        between(150, 1500), totalMs, feedback,
      ]);
      counters.errors += status === 'error' ? 1 : 0;
      counters.stopped += status === 'stopped' ? 1 : 0;
      counters.up += feedback === 'up' ? 1 : 0;
      counters.down += feedback === 'down' ? 1 : 0;
      counters.tokens += usage ?? 0;
      promptTokens += completion;
      lastReply = reply;
      time += totalMs + between(5_000, 180_000);
    }
    const updatedAt = (rows.at(-1)![5] as number) + 1000;
    const { lastInsertRowid } = insertConversation.run(
      crypto.randomUUID(), `seed-${crypto.randomUUID()}`, createdAt, updatedAt, origin,
      origin ? `${origin}/${pick(['', 'pricing', 'help/shipping', 'products/42', 'checkout'])}` : null, pick(AGENTS),
      rows.length, counters.errors, counters.stopped, counters.up, counters.down, counters.tokens, previewOf(lastReply),
    );
    const [firstSeq] = messageSeqRange(Number(lastInsertRowid));
    rows.forEach((row, index) => {
      row[1] = lastInsertRowid;
      insertMessage.run(firstSeq + index, ...(row as [string]));
    });
    messages += rows.length;
  };

  const batch = db.transaction((count: number, remainingConversations: number) => {
    for (let index = 0; index < count; index += 1) {
      const left = remainingConversations - index;
      const meanTurns = Math.max(1, (messageTarget - messages) / left / 2);
      const turns = left === 1 ? Math.max(1, Math.round(meanTurns)) : Math.max(1, Math.round(meanTurns * (0.2 + 1.6 * random())));
      oneConversation(turns);
    }
  });
  const batchSize = 2000;
  for (let done = 0; done < conversationTarget; done += batchSize) {
    const count = Math.min(batchSize, conversationTarget - done);
    batch(count, conversationTarget - done);
    if ((done / batchSize) % 10 === 9) console.log(`  ${done + count} conversations, ${messages} messages`);
  }
  // Every message was queued for the full-text index as it went in; index them all in large batches.
  while (indexPending(db, 100_000) > 0);
  // Merge the full-text segments written batch by batch, refresh planner statistics, fold the WAL in.
  db.exec("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')");
  db.exec('ANALYZE');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
  return { conversations: conversationTarget, messages };
}

// ---- measuring ------------------------------------------------------------------------------------------

async function median(run: () => Promise<unknown>, times = 9): Promise<number> {
  await run();
  const samples: number[] = [];
  for (let index = 0; index < times; index += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

async function cursorAt(store: ChatStore, filter: Omit<ListConversationsInput, 'limit' | 'cursor'>, depth: number): Promise<string | null> {
  const page = await store.listConversations({ ...filter, limit: 100 });
  let cursor = page.nextCursor;
  for (let seen = 100; seen < depth && cursor; seen += 100) {
    cursor = (await store.listConversations({ ...filter, limit: 100, cursor })).nextCursor;
  }
  return cursor;
}

async function measure(path: string): Promise<void> {
  const store = await openSqliteStore(path);
  const deep = await cursorAt(store, {}, 50_000);
  const deepProblem = await cursorAt(store, { problem: 'any' }, 5_000);
  const cases: Array<[string, ListConversationsInput]> = [
    ['first page (25)', { limit: 25 }],
    ['page after 50,000 rows (cursor)', { limit: 25, cursor: deep }],
    ['problem=any, first page', { limit: 25, problem: 'any' }],
    ['problem=any, after 5,000 rows', { limit: 25, problem: 'any', cursor: deepProblem }],
    ['feedback=down + last 7 days', { limit: 25, feedback: 'down', from: Date.now() - 7 * 86_400_000 }],
    ['q="refund" (common word)', { limit: 25, q: 'refund' }],
    ['q="warranty headph" (2 words)', { limit: 25, q: 'warranty headph' }],
    ['q="zürich" (rarer, diacritics)', { limit: 25, q: 'zurich' }],
    ['q="refund" + problem=error', { limit: 25, q: 'refund', problem: 'error' }],
  ];
  console.log('median of 9 runs:');
  for (const [label, input] of cases) {
    const ms = await median(() => store.listConversations(input));
    console.log(`  listConversations ${label.padEnd(34)} ${ms.toFixed(2).padStart(8)} ms`);
  }
  const from = Date.now() - 30 * 86_400_000;
  console.log(`  stats (30 days)${' '.repeat(38)}${(await median(() => store.stats({ from, to: Date.now() }), 5)).toFixed(2).padStart(8)} ms`);
  let turns = 0;
  const turnMs = await median(async () => {
    turns += 1;
    const started = await store.startTurn({ sessionId: `measure-${Date.now()}-${turns}`, content: 'Where is my refund?', model: 'm', historyLimit: 20 });
    await store.finishTurn({ assistantMessageId: started.assistantMessage.id, content: 'It is on its way.', status: 'complete' });
  });
  console.log(`  one chat turn written (startTurn + finishTurn)${' '.repeat(8)}${turnMs.toFixed(2).padStart(8)} ms`);
  const exportStarted = performance.now();
  let exported = 0;
  for await (const _ of store.exportConversations({ problem: 'error' })) exported += 1;
  console.log(`  export problem=error: ${exported} threads in ${(performance.now() - exportStarted).toFixed(0)} ms`);
  await store.close();
}

// ---- main -----------------------------------------------------------------------------------------------

const path = args.db!;
if (!args['measure-only']) {
  if (existsSync(path)) {
    if (!args.force) {
      console.error(`${path} exists; pass --force to replace it or --measure-only to measure it.`);
      process.exit(1);
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  }
  const started = performance.now();
  const counts = seed(path, Number(args.conversations), Number(args.messages), Number(args.days));
  const seconds = (performance.now() - started) / 1000;
  const megabytes = statSync(path).size / 1024 / 1024;
  console.log(`seeded ${counts.conversations} conversations, ${counts.messages} messages in ${seconds.toFixed(1)} s; ${path} is ${megabytes.toFixed(0)} MB`);
}
if (!args['no-measure']) await measure(path);
