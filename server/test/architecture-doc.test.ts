/**
 * docs/ARCHITECTURE.md is the map of server/src: a newcomer must find every file on it. This keeps the map true as
 * files are added, moved or renamed, and checks that the imports run the way the map says.
 */
import { describe, expect, it } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(import.meta.dir, '..', 'src');
const doc = readFileSync(join(import.meta.dir, '..', '..', 'docs', 'ARCHITECTURE.md'), 'utf8');
const files = [...new Bun.Glob('**/*.ts').scanSync(SRC)].sort();

function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)].map((match) =>
    relative(SRC, join(SRC, file, '..', match[1]!)),
  );
}

describe('docs/ARCHITECTURE.md', () => {
  it('names every file of server/src', () => {
    const missing = files.filter((file) => !doc.includes(file.split('/').pop()!));
    expect(missing).toEqual([]);
  });

  it('names every folder of server/src in its own paragraph', () => {
    const folders = [...new Set(files.filter((file) => file.includes('/')).map((file) => file.split('/')[0]!))];
    const missing = folders.filter((folder) => !doc.includes(`**\`${folder}/\`**`));
    expect(missing).toEqual([]);
  });
});

describe('imports run one way', () => {
  it('shared/ imports nothing (Convex and the widget take it as it is)', () => {
    const offenders = files.filter((file) => file.startsWith('shared/') && /^\s*import\s/m.test(readFileSync(join(SRC, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('only routes, app.ts and http/ itself import http/', () => {
    const offenders = files.filter(
      (file) => !file.startsWith('http/') && !file.endsWith('routes.ts') && file !== 'app.ts' && importsOf(file).some((path) => path.startsWith('http/')),
    );
    expect(offenders).toEqual([]);
  });

  it('llm/, security/ and shared/ know nothing of the store, the chat or HTTP', () => {
    const lowerLayers = files.filter((file) => /^(llm|security|shared)\//.test(file));
    const offenders = lowerLayers.filter((file) => importsOf(file).some((path) => /^(store|chat|admin|http|knowledge)\//.test(path)));
    expect(offenders).toEqual([]);
  });

  it('nothing imports the config module except the wiring and the parts it configures by type', () => {
    const offenders = files.filter((file) => file.startsWith('security/') && importsOf(file).includes('config.ts'));
    expect(offenders).toEqual([]);
  });
});
