/**
 * `bun run bench` — every benchmark, printed as Markdown and written to BENCHMARKS.md.
 * `bun run bench --quick` — a short version (< 60 s) for CI; prints only (add --write to write the file).
 * `--only ttft,throughput,aging,streams,store,admin,widget,knowledge` runs some sections; `--profile` runs the server processes under
 * `bun --cpu-prof` (profiles in bench/.data/profiles/). Benchmarks never fail: a section that
 * breaks is reported as such and the exit code stays 0, except when the run itself cannot start.
 */
import { existsSync, rmSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureOpenStreams, openStreamsGoal, openStreamsTable, proxyHolder, serverHolder, streamCapacity, type HoldRow } from './open-streams.ts';
import { DATA_DIR, ROOT, startBareProxyProcess, startServerProcess, startUpstreamProcess, type ServerProcess, type Upstream } from './processes.ts';
import { renderReport, type GoalCheck, type Machine, type Table } from './report.ts';
import { agingGoal, agingTable, measureAging, type AgingOptions, type AgingResult } from './aging.ts';
import { adminTable, ensureSeeded, measureAdmin, measureStoreWrites, SEED_PATH, storeWritesTable } from './store.ts';
import { bytes } from './stats.ts';
import { measureThroughput, throughputGoals, throughputTable, type ThroughputOptions, type ThroughputResult } from './throughput.ts';
import { measureTtft, ttftGoals, ttftTable, type TtftLevel, type TtftRow } from './ttft.ts';
import { measureWidget, widgetGoal, widgetTable } from './widget.ts';
import { measureHtmlExtraction } from './html-extraction.ts';
import { indexingTable, measureIndexing, measureQuality, measureRetrievalTime, qualityTable, retrievalTimeGoal, retrievalTimeTable, type RetrievalTimeRow } from './knowledge.ts';

interface Plan {
  ttft: TtftLevel[];
  throughput: ThroughputOptions;
  aging: AgingOptions;
  streams: number[];
  /** Also hold the same streams on the bare proxy, for Bun's own memory per stream. */
  streamsReference: boolean;
  storeWrites: { chats: number; durationMs: number };
  adminSamples: number;
  /** Quick runs use the seeded file only when a full run already made it. */
  seedIfMissing: boolean;
  knowledge: {
    indexChunks: number;
    retrievalLevels: number[];
    retrievalSamples: number;
    /** Levels measured again with 1536-d vectors (text-embedding-3-small's size). */
    wideLevels: number[];
    /** Synthetic passages added for the at-scale quality row (0: none). */
    qualityDistractors: number;
  };
}

const FULL: Plan = {
  ttft: [
    { concurrency: 1, tokens: 4, warmupMs: 500, durationMs: 6000, rounds: 2 },
    { concurrency: 100, tokens: 40, warmupMs: 2500, durationMs: 6000, rounds: 2 },
    { concurrency: 1000, tokens: 40, warmupMs: 3000, durationMs: 5000, rounds: 2 },
  ],
  throughput: { concurrency: 100, warmupMs: 2000, durationMs: 5000, tokens: 10, rounds: 2 },
  aging: { concurrency: 100, turns: 200_000, window: 10_000, tokens: 10 },
  streams: [10_000],
  streamsReference: true,
  storeWrites: { chats: 50, durationMs: 5000 },
  adminSamples: 30,
  seedIfMissing: true,
  knowledge: { indexChunks: 2560, retrievalLevels: [10_000, 100_000], retrievalSamples: 300, wideLevels: [100_000], qualityDistractors: 100_000 },
};

const QUICK: Plan = {
  ttft: [
    { concurrency: 1, tokens: 4, warmupMs: 300, durationMs: 2500, rounds: 1 },
    { concurrency: 100, tokens: 20, warmupMs: 1000, durationMs: 3000, rounds: 1 },
    { concurrency: 1000, tokens: 20, warmupMs: 1000, durationMs: 3000, rounds: 1 },
  ],
  throughput: { concurrency: 100, warmupMs: 1000, durationMs: 3000, tokens: 10, rounds: 1 },
  aging: { concurrency: 100, turns: 20_000, window: 2_000, tokens: 10 },
  streams: [500],
  streamsReference: false,
  storeWrites: { chats: 20, durationMs: 1000 },
  adminSamples: 3,
  seedIfMissing: false,
  knowledge: { indexChunks: 640, retrievalLevels: [10_000], retrievalSamples: 100, wideLevels: [], qualityDistractors: 0 },
};

const SECTIONS = ['ttft', 'throughput', 'aging', 'streams', 'store', 'admin', 'widget', 'knowledge'] as const;
type Section = (typeof SECTIONS)[number];

function machine(): Omit<Machine, 'load'> {
  const cores = cpus();
  return {
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    cpus: `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}`,
    memory: bytes(totalmem()),
    os: `${platform()} ${release()}`,
    bun: Bun.version,
  };
}

function failedTable(title: string, error: unknown): Table {
  return { title, columns: ['Result'], rows: [['failed']], notes: [`The section broke: ${error instanceof Error ? error.message : String(error)}`] };
}

/** A server process on a fresh SQLite file, removed afterwards (its log stays in bench/.data/ for inspection). */
async function withServer<T>(upstream: Upstream, name: string, use: (server: ServerProcess) => Promise<T>, bunArgs: string[] = []): Promise<T> {
  const databasePath = join(DATA_DIR, `${name}.db`);
  const removeDatabase = () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${databasePath}${suffix}`, { force: true });
  };
  removeDatabase();
  const server = await startServerProcess({ upstreamUrl: upstream.url, databasePath, name, bunArgs });
  try {
    return await use(server);
  } finally {
    await server.stop();
    removeDatabase();
  }
}

async function main() {
  const { values } = parseArgs({ allowNegative: true, options: { quick: { type: 'boolean', default: false }, write: { type: 'boolean' }, only: { type: 'string' }, profile: { type: 'boolean', default: false } } });
  const quick = values.quick!;
  const plan = quick ? QUICK : FULL;
  const only = new Set<Section>((values.only?.split(',').map((name) => name.trim()) as Section[] | undefined) ?? SECTIONS);
  // A partial run (--only) would replace the whole file with a few sections: it prints unless --write is given.
  const write = values.write ?? (!quick && values.only === undefined);
  const profileDir = join(DATA_DIR, 'profiles');
  // Each server process writes a .cpuprofile when it stops; read one with `bun bench/profile-summary.ts <file>`.
  const serverFlags = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const loadAtStart = loadavg()[0]!;
  const started = performance.now();
  const tables: Table[] = [];
  const goals: GoalCheck[] = [];
  const step = (name: string) => console.log(`[bench] ${name} (${((performance.now() - started) / 1000).toFixed(0)} s)`);

  const upstream = await startUpstreamProcess();
  try {
    if (only.has('ttft') || only.has('throughput')) {
      await withServer(upstream, 'server-chat', async (server) => {
        if (only.has('ttft')) {
          step('time to first token');
          let rows: TtftRow[] = [];
          try {
            rows = await measureTtft(upstream, server, plan.ttft);
            tables.push(ttftTable(rows));
          } catch (error) {
            tables.push(failedTable('Time to first token', error));
          }
          goals.push(...ttftGoals(rows));
        }
        if (only.has('throughput')) {
          step('throughput');
          let result: ThroughputResult | null = null;
          try {
            result = await measureThroughput(upstream, server, plan.throughput);
            tables.push(throughputTable(result));
          } catch (error) {
            tables.push(failedTable('Throughput', error));
          }
          goals.push(...throughputGoals(result));
        }
      }, serverFlags);
    }

    if (only.has('aging')) {
      step(`aging (${plan.aging.turns.toLocaleString('en-US')} turns)`);
      let result: AgingResult | null = null;
      try {
        result = await withServer(upstream, 'server-aging', (server) => measureAging(upstream, server, plan.aging), serverFlags);
        tables.push(agingTable(result));
      } catch (error) {
        tables.push(failedTable('Throughput as the database grows', error));
      }
      goals.push(agingGoal(result));
    }

    if (only.has('streams')) {
      step('concurrent open streams');
      let rows: HoldRow[] = [];
      try {
        const levels = plan.streams.map((streams) => ({ streams }));
        const progress = (message: string) => step(`  ${message}`);
        const limit = await withServer(upstream, 'server-streams', async (server) => {
          rows.push(...(await measureOpenStreams(upstream, serverHolder(server), levels, progress)));
          return streamCapacity(server.pid).limit;
        }, serverFlags);
        if (plan.streamsReference) {
          const proxy = await startBareProxyProcess(upstream.url);
          try {
            rows.push(...(await measureOpenStreams(upstream, proxyHolder(proxy), levels, progress)));
          } finally {
            await proxy.child.stop();
          }
        }
        tables.push(openStreamsTable(rows, limit));
      } catch (error) {
        tables.push(failedTable('Concurrent open streams', error));
      }
      goals.push(openStreamsGoal(rows));
    }

    if (only.has('store')) {
      step('store writes');
      try {
        tables.push(storeWritesTable(await measureStoreWrites(plan.storeWrites.chats, plan.storeWrites.durationMs)));
      } catch (error) {
        tables.push(failedTable('SQLite writes', error));
      }
    }

    if (only.has('admin')) {
      step('admin latency at 100k conversations');
      try {
        if (!plan.seedIfMissing && !existsSync(SEED_PATH)) {
          tables.push({ title: 'Admin API latency', columns: ['Result'], rows: [['skipped']], notes: ['The seeded file is made by the full run (`bun run bench`); quick runs do not seed.'] });
        } else {
          await ensureSeeded();
          tables.push(adminTable(await measureAdmin(upstream, plan.adminSamples), plan.adminSamples));
        }
      } catch (error) {
        tables.push(failedTable('Admin API latency', error));
      }
    }

    if (only.has('knowledge')) {
      step('knowledge base: indexing rate, retrieval time, retrieval quality');
      try {
        tables.push(indexingTable(await measureIndexing({ chunks: plan.knowledge.indexChunks, batchSize: 64, delayMs: 50 })));
      } catch (error) {
        tables.push(failedTable('Knowledge indexing rate', error));
      }
      let rows: RetrievalTimeRow[] = [];
      try {
        rows = await measureRetrievalTime(plan.knowledge.retrievalLevels, plan.knowledge.retrievalSamples);
        if (plan.knowledge.wideLevels.length > 0) rows.push(...(await measureRetrievalTime(plan.knowledge.wideLevels, plan.knowledge.retrievalSamples, 1536)));
        tables.push(retrievalTimeTable(rows));
      } catch (error) {
        tables.push(failedTable('Retrieval time', error));
      }
      goals.push(retrievalTimeGoal(rows));
      try {
        const quality = [await measureQuality()];
        if (plan.knowledge.qualityDistractors > 0 && !process.env.KNOWLEDGE_BENCH_EMBEDDINGS_URL) quality.push(await measureQuality(undefined, plan.knowledge.qualityDistractors));
        tables.push(qualityTable(quality));
      } catch (error) {
        tables.push(failedTable('Retrieval quality', error));
      }
      try {
        tables.push(measureHtmlExtraction());
      } catch (error) {
        tables.push(failedTable('HTML main-content extraction', error));
      }
    }

    if (only.has('widget')) {
      step('widget weight');
      const weight = measureWidget();
      tables.push(widgetTable(weight));
      goals.push(widgetGoal(weight));
    }
  } finally {
    await upstream.child.stop();
  }

  const load = `${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`;
  const report = renderReport({ machine: { ...machine(), load }, quick, seconds: (performance.now() - started) / 1000, goals, tables });
  console.log(`\n${report}`);
  if (write) {
    await Bun.write(join(ROOT, 'BENCHMARKS.md'), report);
    console.log('[bench] written to BENCHMARKS.md');
  }
  if (values.profile) console.log(`[bench] server CPU profiles in ${profileDir}: bun bench/profile-summary.ts <file>`);
}

await main();
process.exit(0);
