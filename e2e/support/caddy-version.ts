/**
 * The installed Caddy's spelling of what the Caddyfile leaves to the environment: Debian's package is 2.6, which
 * names request buffering `buffer_requests`; the compose image (caddy:2) is current and takes the Caddyfile's default.
 */
export function caddyVersion(): { major: number; minor: number } {
  const output = Bun.spawnSync(['caddy', 'version']).stdout.toString();
  const match = /v?(\d+)\.(\d+)\.\d+/.exec(output);
  if (!match) throw new Error(`could not read the Caddy version from: ${output}`);
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/** Environment the real Caddyfile needs on this machine's Caddy (empty on a current one). */
export function caddyCompatEnv(): Record<string, string> {
  const { major, minor } = caddyVersion();
  return major === 2 && minor < 7 ? { SERVER_BODY_BUFFER: 'buffer_requests' } : {};
}
