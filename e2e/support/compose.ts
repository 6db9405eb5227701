/** Reads compose.yaml and env files the way compose does, for the tests that stand in for `docker compose up`. */
import { parse as parseYaml } from 'yaml';

// ---------------------------------------------------------------------------------------------------------
// compose.yaml

export interface ComposeService {
  image?: string;
  build?: { context?: string; target?: string } | string;
  command?: string | string[];
  env_file?: string | string[];
  environment?: Record<string, string | number | null> | string[];
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string; interval?: string; timeout?: string; retries?: number; start_period?: string };
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** An env_file as compose reads it: KEY=VALUE lines, `#` comments, the value taken verbatim. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!.trim();
  }
  return env;
}

export function parseCompose(text: string): ComposeFile {
  return parseYaml(text) as ComposeFile;
}

/** A service's `environment`, with `${VAR:-default}` interpolated from `shellEnv` as compose does. */
export function composeEnvironment(compose: ComposeFile, service: string, shellEnv: Record<string, string | undefined> = {}): Record<string, string> {
  const raw = compose.services[service]?.environment ?? {};
  const pairs: Array<[string, string]> = Array.isArray(raw)
    ? raw.map((entry) => {
        const at = entry.indexOf('=');
        return [entry.slice(0, at), entry.slice(at + 1)];
      })
    : Object.entries(raw).map(([key, value]) => [key, value === null ? '' : String(value)]);
  const interpolate = (value: string) =>
    value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, name: string, fallback?: string) => shellEnv[name] || fallback || '');
  return Object.fromEntries(pairs.map(([key, value]) => [key, interpolate(value)]));
}

