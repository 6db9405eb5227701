import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * Svelte keeps component CSS as written (comments, indentation) in the injected string, and every host page pays
 * for those bytes. This drops comments and the whitespace that never matters: around `{ } ; ,` and after `:`
 * (a space after a colon is never significant; the one before `:is(` in a selector is, and is kept).
 */
export function compactCss(css: string): string {
  // Custom properties defined in this stylesheet get short names; `--accent`/`--on-accent` come from main.ts.
  const names = [...new Set(css.match(/--[\w-]+(?=\s*:)/g))].filter((name) => !name.endsWith('accent'));
  const short = new Map(names.map((name, i) => [name, `--${i.toString(36)}`]));
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/--[\w-]+/g, (name) => short.get(name) ?? name)
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    .trim();
}

// One self-contained IIFE: component CSS is injected by Svelte into the shadow root it mounts in.
export default defineConfig({
  plugins: [
    svelte({
      compilerOptions: { css: 'injected', discloseVersion: false },
      emitCss: false,
      preprocess: { style: ({ content }) => ({ code: compactCss(content) }) },
    }),
  ],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    lib: {
      entry: 'src/main.ts',
      name: 'OpenChatWidgetBundle',
      formats: ['iife'],
      fileName: () => 'chat-widget.js',
    },
  },
});
