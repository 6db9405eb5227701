/**
 * Summarises a `.cpuprofile` (from `bun --cpu-prof`): where the time went, by function and by source file.
 *
 *   bun bench/profile-summary.ts <file.cpuprofile> [top=25]
 *
 * Caveat seen with Bun 1.4: time the process spends idle is charged to whatever frame ran last, so profile a process
 * that was busy for most of its life (start it, load it, stop it) and compare CPU time (/proc) for the totals.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  name: string;
  selfMs: number;
  share: number;
}

function shortUrl(url: string): string {
  return url.replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/work\/main\//, '').replace(/^file:\/\//, '') || '(native)';
}

/**
 * Self time per function, and per file with native time (SQLite, fetch, JSON…) charged to the nearest JavaScript
 * caller's file, so "which module costs what" includes the native work it asked for. Largest first.
 */
export function summarizeProfile(profile: Profile): { byFunction: Hotspot[]; byFile: Hotspot[]; totalMs: number } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const owningFile = (id: number): string => {
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) {
      const { url } = nodes.get(current)!.callFrame;
      if (url && !url.startsWith('bun:') && !url.startsWith('node:')) return shortUrl(url);
    }
    return '(native, no JS caller: idle or event loop)';
  };
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const name = `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
    const file = owningFile(id);
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byFile.set(file, (byFile.get(file) ?? 0) + micros);
  }
  const rank = (map: Map<string, number>) =>
    [...map].map(([name, micros]) => ({ name, selfMs: micros / 1000, share: micros / total })).sort((a, b) => b.selfMs - a.selfMs);
  return { byFunction: rank(byFunction), byFile: rank(byFile), totalMs: total / 1000 };
}

if (import.meta.main) {
  const [path, top = '25'] = process.argv.slice(2);
  if (!path) throw new Error('usage: bun bench/profile-summary.ts <file.cpuprofile> [top]');
  const summary = summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as Profile);
  const print = (title: string, rows: Hotspot[]) => {
    console.log(`\n${title}`);
    for (const row of rows.slice(0, Number(top))) console.log(`${(row.share * 100).toFixed(1).padStart(5)}% ${row.selfMs.toFixed(0).padStart(7)} ms  ${row.name}`);
  };
  console.log(`total sampled: ${summary.totalMs.toFixed(0)} ms`);
  print('by file (self time, native work charged to its JS caller)', summary.byFile);
  print('by function (self time)', summary.byFunction);
}
