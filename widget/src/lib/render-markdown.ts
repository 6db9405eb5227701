/**
 * Builds DOM nodes from the parsed Markdown tree. Text goes in as text nodes (`append(string)`), elements come
 * from a fixed set of tags, and the only attribute taken from model text is an href that `safeHref` accepted.
 */
import { parseMarkdown, type Block, type Inline } from './markdown.ts';

export interface CodeCopyLabels {
  copy: string;
  copied: string;
}

export function renderMarkdown(target: HTMLElement, text: string, labels: CodeCopyLabels): void {
  const doc = target.ownerDocument;
  const el = (tag: string, ...children: Array<Node | string>) => {
    const element = doc.createElement(tag);
    element.append(...children);
    return element;
  };
  const inline = (nodes: Inline[]): Array<Node | string> =>
    nodes.map((node) => {
      if (node.type === 'text') return node.text;
      if (node.type === 'br') return el('br');
      if (node.type === 'code') return el('code', node.text);
      if (node.type !== 'link') return el(node.type, ...inline(node.children));
      const link = el('a', ...inline(node.children)) as HTMLAnchorElement;
      link.href = node.href;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      return link;
    });
  const codeBlock = (code: string) => {
    const button = el('button', labels.copy);
    button.setAttribute('type', 'button');
    button.className = 'copy-code';
    button.onclick = () =>
      navigator.clipboard.writeText(code).then(
        () => {
          button.textContent = labels.copied;
          setTimeout(() => (button.textContent = labels.copy), 1500);
        },
        () => {}, // clipboard refused: the code stays selectable by hand
      );
    const box = el('div', button, el('pre', el('code', code)));
    box.className = 'code';
    return box;
  };
  const block = (node: Block): Node => {
    if (node.type === 'code') return codeBlock(node.text);
    if (node.type === 'list') {
      const list = el(node.ordered ? 'ol' : 'ul', ...node.items.map((item) => el('li', ...inline(item))));
      if (node.ordered && node.start !== 1) list.setAttribute('start', String(node.start));
      return list;
    }
    return el('p', ...inline(node.children));
  };
  target.replaceChildren(...parseMarkdown(text).map(block));
}
