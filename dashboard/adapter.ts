/**
 * adapter-node, plus our own process entry (entry/index.js → build/index.js) so the origin Kit checks form
 * posts against is known at runtime for both a plain-http local run and a TLS proxy in front.
 */
import adapterNode from '@sveltejs/adapter-node';
import type { Adapter } from '@sveltejs/kit';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

export function dashboardAdapter(out = join(import.meta.dirname, 'build')): Adapter {
  const node = adapterNode({ out });
  return {
    ...node,
    name: 'dashboard-node',
    async adapt(builder) {
      await node.adapt(builder);
      copyFileSync(join(import.meta.dirname, 'entry', 'index.js'), join(out, 'index.js'));
    },
  };
}
