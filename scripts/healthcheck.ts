/**
 * The container health check (`node dist/healthcheck.js [url]`): exits 0 when the URL (by
 * default this process's gateway, `http://127.0.0.1:$GATEWAY_PORT/readyz`) answers 2xx
 * within 3 s, else 1. Plain node, because the runtime image has no curl or wget.
 */
export {};

const url = process.argv[2] ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? '4000'}/readyz`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
