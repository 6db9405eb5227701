/** The `done` event's citations as the widget shows them: a title, and a link only when it is http(s). */
import { safeHref } from './markdown.ts';
// Types only: the server's citation shape costs the bundle nothing, and a renamed field breaks this build.
import type { Citation } from '../../../server/src/knowledge/schemas.ts';

/** A citation as shown: `url` is null unless http(s) (a file or pasted text, or anything a link must not become). */
export type Source = Pick<Citation, 'title' | 'url'>;

/** Anything else in the list (a newer or broken server) is dropped rather than shown half. */
export const toSources = (value: unknown): Source[] =>
  Array.isArray(value)
    ? value
        .filter((item) => typeof item?.title == 'string' && item.title)
        .map(({ title, url }) => ({ title, url: typeof url == 'string' && /^https?:/i.test(url) ? safeHref(url) : null }))
    : [];

/** Fills the list under a reply: text nodes and `<a>` elements only, never markup built from the server's strings. */
export function renderSources(list: HTMLElement, sources: Source[], label: string): void {
  const item = (child: Node | string) => {
    const li = list.ownerDocument.createElement('li');
    li.append(child);
    return li;
  };
  list.replaceChildren(
    item(`${label}:`),
    ...sources.map(({ title, url }) => {
      if (!url) return item(title);
      const link = list.ownerDocument.createElement('a');
      link.href = url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      link.append(title);
      return item(link);
    }),
  );
}
