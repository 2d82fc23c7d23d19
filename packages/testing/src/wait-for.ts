import { epochMs } from '@ates/service-kit';
/**
 * Waits until `check` holds, re-checking on a short interval: for conditions that have no
 * event to await (another process's state). Fails with `what` after the timeout.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = epochMs() + timeoutMs;
  while (!(await check())) {
    if (epochMs() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
