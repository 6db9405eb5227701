/**
 * Reads the Dockerfile and replays its COPY and `bun …` RUN steps into temp directories (one per stage, standing
 * for its /app), so the image's build steps run here without a Docker engine.
 */
import { cp, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

export const REPO_ROOT = join(import.meta.dir, '..', '..');

// ---------------------------------------------------------------------------------------------------------
// Dockerfile

export interface DockerInstruction {
  op: string;
  args: string;
  line: number;
}

export interface DockerStage {
  name: string;
  /** Image reference with build args substituted, or the name of an earlier stage. */
  from: string;
  instructions: DockerInstruction[];
}

/** Splits a Dockerfile into stages; global ARG defaults are substituted into FROM lines as `docker build` does. */
export function parseDockerfile(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  const globalArgs = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i]!;
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) logical = logical.replace(/\\\s*$/, ' ') + lines[++i]!;
    const trimmed = logical.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^(\w+)\s*(.*)$/s.exec(trimmed);
    if (!match) throw new Error(`Dockerfile line ${start + 1}: cannot parse "${trimmed}"`);
    const op = match[1]!.toUpperCase();
    const args = match[2]!.replace(/\s+/g, ' ').trim();
    if (op === 'ARG' && stages.length === 0) {
      const [name, value = ''] = args.split('=');
      globalArgs.set(name!, value);
      continue;
    }
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile line ${start + 1}: cannot parse FROM "${args}"`);
      const image = from[1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs.get(name) ?? '');
      stages.push({ name: from[2] ?? String(stages.length), from: image, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${start + 1}: ${op} before the first FROM`);
    stage.instructions.push({ op, args, line: start + 1 });
  }
  return stages;
}

export function stageNamed(stages: DockerStage[], name: string): DockerStage {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`The Dockerfile has no stage named "${name}" (has: ${stages.map((s) => s.name).join(', ')})`);
  return stage;
}

/** Exec-form JSON after CMD (or after HEALTHCHECK's options), the last one of the stage as Docker uses. */
export function execFormOf(stage: DockerStage, op: 'CMD' | 'HEALTHCHECK'): string[] {
  const instruction = stage.instructions.filter((i) => i.op === op).at(-1);
  if (!instruction) throw new Error(`Stage "${stage.name}" has no ${op}`);
  const json = op === 'HEALTHCHECK' ? instruction.args.replace(/^.*?\bCMD\s+/, '') : instruction.args;
  const cmd: unknown = JSON.parse(json);
  if (!Array.isArray(cmd) || !cmd.every((part) => typeof part === 'string')) {
    throw new Error(`Stage "${stage.name}": ${op} is not in exec (JSON array) form`);
  }
  return cmd;
}

export function envOf(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions.filter((i) => i.op === 'ENV')) {
    for (const pair of instruction.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[pair[1]!] = pair[2]!.replace(/^"|"$/g, '');
  }
  return env;
}

function workdirOf(stage: DockerStage): string {
  return stage.instructions.filter((i) => i.op === 'WORKDIR').at(-1)?.args ?? '/';
}

// ---------------------------------------------------------------------------------------------------------
// .dockerignore and the build context

/** `.dockerignore` semantics: patterns match a path or any of its parents; a later `!pattern` re-includes. */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({ include: l.startsWith('!'), glob: new Bun.Glob(l.replace(/^!/, '').replace(/^\/+|\/+$/g, '')) }));
  return (path) => {
    const parts = path.split('/');
    let ignored = false;
    for (const rule of rules) {
      for (let n = 1; n <= parts.length; n++) {
        if (rule.glob.match(parts.slice(0, n).join('/'))) {
          ignored = !rule.include;
          break;
        }
      }
    }
    return ignored;
  };
}

/** Every file of the build context that `.dockerignore` lets through, relative to the context. */
export async function contextFiles(contextDir: string): Promise<string[]> {
  const ignored = dockerignoreMatcher(await Bun.file(join(contextDir, '.dockerignore')).text());
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(join(contextDir, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (ignored(path)) continue;
      if (entry.isDirectory()) await walk(path);
      else files.push(path);
    }
  };
  await walk('');
  return files;
}

// ---------------------------------------------------------------------------------------------------------
// Replaying the build

export interface ReplayedBuild {
  /** Stage name → the directory standing for that stage's /app. */
  dirs: Record<string, string>;
  /** RUN steps executed, and those skipped because they act outside /app (mkdir /data, chown …). */
  ran: string[];
  skipped: string[];
}

/**
 * Replays the stages the targets need: COPY from the context (through .dockerignore) and from other stages,
 * and every RUN that is a `bun` command, executed in the stage directory. Each stage's WORKDIR must be /app.
 */
export async function replayDockerBuild(options: {
  contextDir: string;
  dockerfile: string;
  targets: string[];
  outDir: string;
}): Promise<ReplayedBuild> {
  const stages = parseDockerfile(options.dockerfile);
  const context = await contextFiles(options.contextDir);
  const result: ReplayedBuild = { dirs: {}, ran: [], skipped: [] };

  const build = async (name: string): Promise<string> => {
    const done = result.dirs[name];
    if (done) return done;
    const stage = stageNamed(stages, name);
    const dir = join(options.outDir, name);
    await mkdir(dir, { recursive: true });
    if (stages.some((s) => s.name === stage.from)) await cp(await build(stage.from), dir, { recursive: true, verbatimSymlinks: true });
    let workdir = '/';
    for (const instruction of stage.instructions) {
      if (instruction.op === 'WORKDIR') {
        workdir = instruction.args;
        if (workdir !== '/app') throw new Error(`Stage "${name}": the replay expects WORKDIR /app, found ${workdir}`);
      } else if (instruction.op === 'COPY') {
        await replayCopy(instruction, dir, workdir, async (from) => {
          const source = stageNamed(stages, from);
          if (workdirOf(source) !== '/app') throw new Error(`Stage "${from}" must use WORKDIR /app`);
          return build(from);
        });
      } else if (instruction.op === 'RUN') {
        if (!instruction.args.startsWith('bun ')) {
          result.skipped.push(`${name}: ${instruction.args}`);
          continue;
        }
        const run = Bun.spawn(['sh', '-c', instruction.args], {
          cwd: dir,
          // A build container's environment, not the test runner's (bun test sets NODE_ENV=test). HOME stays so
          // that bun install reads the package cache instead of the network.
          env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...envOf(stage) },
          stdout: 'pipe',
          stderr: 'pipe',
        });
        const [out, err, code] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text(), run.exited]);
        if (code !== 0) throw new Error(`Stage "${name}" RUN ${instruction.args} failed (${code}):\n${out.slice(-3000)}\n${err.slice(-3000)}`);
        result.ran.push(`${name}: ${instruction.args}`);
      }
    }
    result.dirs[name] = dir;
    return dir;
  };

  async function replayCopy(
    instruction: DockerInstruction,
    dir: string,
    workdir: string,
    stageDir: (name: string) => Promise<string>,
  ): Promise<void> {
    const words = instruction.args.split(' ');
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const dest = paths.pop()!;
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    const intoDir = dest.endsWith('/') || paths.length > 1;
    const destPath = join(dir, relative(workdir, dest.startsWith('/') ? dest : join(workdir, dest)));
    for (const source of paths) {
      if (from) {
        const sourcePath = join(await stageDir(from), relative('/app', source));
        const isDir = (await stat(sourcePath)).isDirectory();
        const target = intoDir && !isDir ? join(destPath, source.split('/').pop()!) : destPath;
        await mkdir(dirname(target), { recursive: true });
        await cp(sourcePath, target, { recursive: true, verbatimSymlinks: true });
        continue;
      }
      const prefix = source.replace(/^\.\/|\/$/g, '');
      const matched = context.filter((f) => f === prefix || f.startsWith(`${prefix}/`));
      if (matched.length === 0) throw new Error(`Dockerfile line ${instruction.line}: "${source}" is not in the build context (missing or excluded by .dockerignore)`);
      for (const file of matched) {
        const target = file === prefix ? (intoDir ? join(destPath, file.split('/').pop()!) : destPath) : join(destPath, file.slice(prefix.length + 1));
        await mkdir(dirname(target), { recursive: true });
        await cp(join(options.contextDir, file), target);
      }
    }
  }

  for (const target of options.targets) await build(target);
  return result;
}

