/** The base connection string without a database name, e.g. for creating databases. */
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432';
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/**
 * The servers of a `NATS_URL`: one URL, or a cluster's URLs comma-separated
 * (`nats://a:4222,nats://b:4222`; spaces around the commas and `host:port` without a scheme
 * are fine). Throws, naming the entry, on anything the NATS client would refuse later.
 */
export function natsServers(url: string): string[] {
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (servers.length === 0) throw new Error('no NATS server given');
  for (const server of servers) natsAddress(server);
  return servers;
}

/** Host and port of one NATS server URL (`nats://host:port`, `tls://…` or `host:port`; port 4222 by default). */
export function natsAddress(server: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(/^[a-z]+:\/\//i.test(server) ? server : `nats://${server}`);
  } catch {
    throw new Error(`"${server}" is not a NATS server URL (nats://host:port)`);
  }
  if (!['nats:', 'tls:'].includes(parsed.protocol) || parsed.hostname === '' || parsed.pathname.length > 1)
    throw new Error(`"${server}" is not a NATS server URL (nats://host:port)`);
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || 4222) };
}

export function withDatabase(serverUrl: string, database: string): string {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
