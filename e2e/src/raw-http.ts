import net from 'node:net';

export interface RawAnswer {
  /** The status code of the first response, or 0 when the server closed without one. */
  status: number;
  /** Bytes received in all (capped at `maxBytes`, then the socket is cut). */
  bytes: number;
  ms: number;
  text: string;
}

/**
 * Sends `request` as raw bytes (a malformed request line or header that `fetch` would refuse
 * to send) and reads until the server closes, `maxBytes` arrive, or `timeoutMs` passes.
 */
export function sendRaw(
  port: number,
  request: string | Buffer,
  { timeoutMs = 5000, maxBytes = 64 * 1024 } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let bytes = 0;
    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, bytes, ms: performance.now() - started, text });
    };
    const timer = setTimeout(finish, timeoutMs);
    // Not end(): a server drops a request whose client half-closed before the answer (Node's default).
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= maxBytes) chunks.push(chunk);
      else finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A server may reset a connection it refused; what it answered before counts.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') finish();
      else {
        clearTimeout(timer);
        reject(error);
      }
    });
  });
}

/** A GET with the given request target, HTTP/1.1, closing after the answer. */
export const rawGet = (target: string, headers = 'Host: localhost\r\n') =>
  `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`;

/** The request lines of issue 19 that took every process down, and their kin. */
export const MALFORMED_TARGETS = [
  '//',
  '//[',
  'http://',
  '/%zz',
  '/graphql/%zz',
  '//%zz',
  '///[]',
  '/\\\\evil',
];
