/**
 * The appliance's static configuration: the Caddyfile validates, compose.yaml wires the services the way
 * docs/DEPLOY.md says, the Dockerfile lints clean and keeps its promises (pinned, frozen, slim, non-root).
 * The running behaviour is proven in appliance.test.ts.
 */
import { describe, expect, it } from 'bun:test';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caddyCompatEnv } from './support/caddy-version.ts';
import {
  REPO_ROOT,
  dockerignoreMatcher,
  envOf,
  execFormOf,
  parseCompose,
  parseDockerfile,
  stageNamed,
  type ComposeService,
} from './support/processes.ts';

const read = (file: string) => Bun.file(join(REPO_ROOT, file)).text();
const dockerfile = await read('Dockerfile');
const stages = parseDockerfile(dockerfile);
const compose = parseCompose(await read('compose.yaml'));
const RUNTIME_TARGETS = ['server', 'dashboard'] as const;

async function run(cmd: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const child = Bun.spawn(cmd, { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, ...options.env }, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

function instructions(stage: string, op: string): string[] {
  return stageNamed(stages, stage).instructions.filter((i) => i.op === op).map((i) => i.args);
}

describe('Caddyfile', () => {
  it('passes caddy validate with its defaults and with explicit upstreams', async () => {
    // On Caddy 2.6 (Debian's), the one setting whose spelling changed in 2.7 is given as that version names it.
    const compat = caddyCompatEnv();
    const envs: Array<Record<string, string>> = [
      compat,
      { ...compat, DOMAIN: 'chat.example.com', SERVER_HOST: '127.0.0.1', SERVER_PORT: '4000', SERVER_DNS: 'udp/127.0.0.1:5353', DASHBOARD_UPSTREAM: '127.0.0.1:3000' },
    ];
    for (const env of envs) {
      const result = await run(['caddy', 'validate', '--config', 'Caddyfile', '--adapter', 'caddyfile'], { env });
      expect(`${result.code} ${result.stdout}${result.stderr}`).toContain('Valid configuration');
      expect(result.code).toBe(0);
    }
  });

  it('takes its site address and upstreams from the environment', async () => {
    const adapted = await run(['caddy', 'adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], {
      env: { ...caddyCompatEnv(), DOMAIN: 'chat.example.com', SERVER_HOST: 'replicas.internal', SERVER_PORT: '4100', SERVER_DNS: 'udp/10.3.3.3:53', DASHBOARD_UPSTREAM: '10.2.2.2:3000' },
    });
    expect(adapted.code).toBe(0);
    expect(adapted.stdout).toContain('"chat.example.com"');
    expect(adapted.stdout).toContain('"name":"replicas.internal","port":"4100"');
    expect(adapted.stdout).toContain('"addresses":["udp/10.3.3.3:53"]');
    expect(adapted.stdout).toContain('"10.2.2.2:3000"');
    expect(adapted.stdout).not.toContain('"name":"server"');
  });

  it('balances the chat server over every replica, and retries only requests that never reached one', async () => {
    const adapted = await run(['caddy', 'adapt', '--config', 'Caddyfile', '--adapter', 'caddyfile'], { env: caddyCompatEnv() });
    expect(adapted.code).toBe(0);
    const proxies: Array<Record<string, any>> = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      const record = node as Record<string, any>;
      if (record.handler === 'reverse_proxy' && record.dynamic_upstreams) proxies.push(record);
      Object.values(record).forEach(walk);
    };
    walk(JSON.parse(adapted.stdout));
    expect(proxies).toHaveLength(2); // the streams and the rest of the API
    for (const proxy of proxies) {
      expect(proxy.dynamic_upstreams).toMatchObject({ source: 'a', name: 'server', port: '4000', resolver: { addresses: ['udp/127.0.0.11:53'] } });
      expect(proxy.load_balancing.selection_policy.policy).toBe('least_conn');
      expect(proxy.load_balancing.try_duration).toBeGreaterThan(0);
      // No retry_match: Caddy then retries a POST only when no connection was made, and never a started response.
      expect(proxy.load_balancing.retry_match).toBeUndefined();
      // The body is kept for that retry (2.6: buffer_requests; later: request_buffers).
      expect(proxy.buffer_requests === true || proxy.request_buffers > 0).toBe(true);
      expect(proxy.flush_interval).toBeUndefined();
    }
  });
});

describe('compose.yaml', () => {
  const services = compose.services;
  const built = Object.entries(services).filter(([, s]) => s.build) as Array<[string, ComposeService]>;

  it('runs caddy in front of the server and the dashboard', () => {
    expect(Object.keys(services).sort()).toEqual(['caddy', 'dashboard', 'server']);
    expect(services.caddy!.image).toBe('caddy:2');
    expect(built.map(([name]) => name).sort()).toEqual(['dashboard', 'server']);
  });

  it('builds each service from a Dockerfile target whose command exists', () => {
    for (const [name, service] of built) {
      const build = service.build as { context?: string; target?: string };
      expect(build.context).toBe('.');
      expect(build.target).toBe(name);
      const stage = stageNamed(stages, build.target!);
      const command = service.command ?? execFormOf(stage, 'CMD');
      expect(Array.isArray(command) ? command[0] : command).toBe('bun');
      const entry = (Array.isArray(command) ? command : command.split(' '))[1]!;
      // The entry file is either source copied from the context or an output of the build stage.
      const copies = stageNamed(stages, build.target!).instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
      expect(copies.some((args) => entry.startsWith(args.split(' ').at(-1)!.replace(/^\.\//, '')))).toBe(true);
    }
  });

  it('publishes ports only on caddy: 80, 443 and 443/udp for HTTP/3', () => {
    expect(services.caddy!.ports!.map(String).sort()).toEqual(['443:443', '443:443/udp', '80:80']);
    for (const [name, service] of Object.entries(services)) if (name !== 'caddy') expect(service.ports).toBeUndefined();
  });

  it('declares every named volume it mounts, with SQLite data and Caddy state on volumes', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const named = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => v.split(':')[0]!)
      .filter((source) => !source.startsWith('.') && !source.startsWith('/'));
    expect(named.length).toBeGreaterThan(0);
    for (const volume of named) expect(declared).toContain(volume);
    expect(services.caddy!.volumes).toEqual(expect.arrayContaining(['caddy_data:/data', 'caddy_config:/config']));
    const environment = services.server!.environment as Record<string, string>;
    const dataVolume = services.server!.volumes!.find((v) => v.endsWith(':/data'));
    expect(dataVolume).toBeDefined();
    expect(environment.DATABASE_PATH ?? envOf(stageNamed(stages, 'server')).DATABASE_PATH).toBe('/data/chat.db');
  });

  it('has a healthcheck on every service; the app services use the image HEALTHCHECK command', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test, name).toBeDefined();
      expect(service.healthcheck!.start_period, name).toBeDefined();
      expect(Object.keys(service.healthcheck!), name).not.toContain('start_interval');
    }
    for (const target of RUNTIME_TARGETS) {
      expect(services[target]!.healthcheck!.test).toEqual(['CMD', ...execFormOf(stageNamed(stages, target), 'HEALTHCHECK')]);
    }
  });

  it('starts services only once what they depend on is healthy, and restarts them unless stopped', () => {
    const conditions = (s: ComposeService) => Object.values((s.depends_on ?? {}) as Record<string, { condition?: string }>).map((d) => d.condition);
    expect(Object.keys(services.caddy!.depends_on!).sort()).toEqual(['dashboard', 'server']);
    expect(conditions(services.caddy!)).toEqual(['service_healthy', 'service_healthy']);
    expect(conditions(services.dashboard!)).toEqual(['service_healthy']);
    for (const service of Object.values(services)) expect(service.restart).toBe('unless-stopped');
  });

  it('reads secrets from .env and trusts exactly the Caddy hop', () => {
    for (const [, service] of built) expect(service.env_file).toBe('.env');
    const server = services.server!.environment as Record<string, string>;
    expect(server.TRUST_PROXY).toBe('1');
    expect(server.CONVEX_URL).toBeUndefined(); // comes from .env when wanted; SQLite otherwise
    const dashboard = services.dashboard!.environment as Record<string, string>;
    expect(dashboard.API_URL).toBe('http://server:4000');
    expect(dashboard.PROTOCOL_HEADER).toBe('x-forwarded-proto');
    expect(services.caddy!.environment).toMatchObject({
      SERVER_HOST: 'server',
      SERVER_PORT: '4000',
      SERVER_DNS: 'udp/127.0.0.11:53',
      DASHBOARD_UPSTREAM: 'dashboard:3000',
    });
  });

  it('keeps to what docker-compose v1 accepts (no top-level name)', () => {
    expect(Object.keys(compose).sort()).toEqual(['services', 'volumes']);
  });

  it('passes docker-compose config -q when docker-compose is installed', async () => {
    const binary = Bun.which('docker-compose');
    if (!binary) {
      console.log('docker-compose is not installed: `docker-compose config -q` was NOT run (apt-get install docker-compose)');
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'ocw-compose-'));
    try {
      for (const file of ['compose.yaml', 'Caddyfile', 'Dockerfile']) await copyFile(join(REPO_ROOT, file), join(dir, file));
      // compose needs the env_file to exist; the shipped example is what a user starts from.
      const example = join(REPO_ROOT, '.env.example');
      if (existsSync(example)) await copyFile(example, join(dir, '.env'));
      else await Bun.write(join(dir, '.env'), '');
      const result = await run([binary, '-f', 'compose.yaml', 'config', '-q'], { cwd: dir });
      expect(`${result.code} ${result.stderr}`).toBe('0 ');
      console.log(`docker-compose config -q passed (${binary})`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile', () => {
  it('lints clean with dockerfilelint', async () => {
    const result = await run([join(REPO_ROOT, 'node_modules/.bin/dockerfilelint'), '-o', 'json', 'Dockerfile']);
    const report = JSON.parse(result.stdout) as { totalIssues: number; files: Array<{ issues: unknown[] }> };
    expect(report.files[0]!.issues).toEqual([]);
    expect(report.totalIssues).toBe(0);
  });

  it('builds on a pinned official Bun image and installs from the frozen lockfile', () => {
    const images = stages.map((s) => s.from).filter((from) => !stages.some((s) => s.name === from));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^oven\/bun:1\.4\.\d+(-slim)?$/);
    const installs = stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN' && i.args.includes('bun install')));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install.args).toContain('--frozen-lockfile');
  });

  it('gives each service a slim, non-root runtime stage with a healthcheck and a /data volume for SQLite', () => {
    for (const target of RUNTIME_TARGETS) {
      const stage = stageNamed(stages, target);
      expect(stage.from).toEndWith('-slim');
      const ops = stage.instructions.map((i) => i.op);
      expect(instructions(target, 'USER')).toEqual(['bun']);
      expect(ops.indexOf('USER')).toBeLessThan(ops.indexOf('CMD'));
      expect(execFormOf(stage, 'HEALTHCHECK')[0]).toBe('bun');
      expect(envOf(stage).NODE_ENV).toBe('production');
      // Runtime stages never install: dependencies come from the production-only stage, sources are copied.
      expect(instructions(target, 'RUN').filter((r) => r.includes('bun install'))).toEqual([]);
      for (const copy of instructions(target, 'COPY').filter((c) => c.includes('node_modules'))) expect(copy).toContain('--from=prod-deps');
    }
    expect(envOf(stageNamed(stages, 'server')).DATABASE_PATH).toBe('/data/chat.db');
    expect(instructions('server', 'RUN').join('\n')).toMatch(/mkdir -p \/data && chown bun:bun \/data/);
    expect(instructions('prod-deps', 'RUN')).toEqual(['bun install --frozen-lockfile --production']);
  });

  it('ships no test code: nothing the runtime stages copy from the repository imports bun:test or test support', async () => {
    const copiedSources = RUNTIME_TARGETS.flatMap((target) => instructions(target, 'COPY'))
      .filter((args) => !args.startsWith('--from='))
      .flatMap((args) => args.split(' ').slice(0, -1));
    expect(copiedSources).toContain('server/src');
    const offenders: string[] = [];
    for (const source of copiedSources) {
      const files = existsSync(join(REPO_ROOT, source, '.')) && !source.includes('.')
        ? [...new Bun.Glob('**/*.{ts,js,svelte}').scanSync(join(REPO_ROOT, source))].map((file) => join(source, file))
        : [source];
      for (const file of files) {
        if (!/\.(ts|js|svelte)$/.test(file)) continue;
        const text = await read(file);
        if (/(from|import\(|require\()\s*['"](bun:test|[^'"]*\/test\/support\/[^'"]*)['"]/.test(text)) offenders.push(file);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps secrets, local data, dependencies and build outputs out of the build context', async () => {
    const ignored = dockerignoreMatcher(await read('.dockerignore'));
    for (const path of ['.env', 'server/.env', '.env.production', 'data/chat.db', 'server/data/chat.db-wal', 'node_modules/elysia/package.json',
      'widget/node_modules/svelte/package.json', '.git/HEAD', 'widget/dist/chat-widget.js', 'dashboard/build/index.js', 'dashboard/.svelte-kit/output/x.js']) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ['package.json', 'bun.lock', 'server/src/index.ts', 'widget/src/main.ts', 'dashboard/src/app.html', 'convex/schema.ts', 'convex/_generated/api.js']) {
      expect(ignored(path), path).toBe(false);
    }
  });
});
