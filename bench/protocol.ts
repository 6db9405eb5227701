/** How bench child processes talk to the runner: one tagged JSON line per message on stdout. */

export type Tag = 'READY' | 'OPENED' | 'RESULT' | 'WINDOW';

export function readyLine(payload: object): string {
  return tagged('READY', payload);
}

export function tagged(tag: Tag, payload: object): string {
  return `${tag} ${JSON.stringify(payload)}`;
}

/** The payload of the first line carrying `tag`, or null when the line has another tag. */
export function parseTagged<T>(line: string, tag: Tag): T | null {
  return line.startsWith(`${tag} `) ? (JSON.parse(line.slice(tag.length + 1)) as T) : null;
}
