import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` listening and answers where it ended up (port 0 picks a free port). */
export async function listen(
  server: http.Server,
  port: number,
  host = '127.0.0.1',
): Promise<{ port: number; origin: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { port: address.port, origin: `http://${shown}:${address.port}` };
}
