import { createJsonLogger, type Logger } from '../../src/logger.ts';

/** A logger that keeps its lines, for tests that check what is (and is not) logged. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, ...createJsonLogger((line) => lines.push(line)) };
}
