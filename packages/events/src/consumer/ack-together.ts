import type { JsMsg } from '@nats-io/jetstream';

/**
 * Acks messages settled one at a time (events a consumer ignores) together, once the messages
 * that arrived in one read have been decided. The NATS client writes its buffer to the socket
 * once per microtask turn, and the consumer loop decides each message in a turn of its own: an
 * ack sent at once cost one write per ignored event (~30% of analytics' CPU while it skipped a
 * shuffle's `task.assigned`). A message whose ack is lost (the process ends first) is
 * redelivered and ignored again.
 */
export function ackTogether(): (msg: JsMsg) => void {
  let pending: JsMsg[] = [];
  return (msg) => {
    pending.push(msg);
    if (pending.length > 1) return;
    setImmediate(() => {
      const due = pending;
      pending = [];
      for (const m of due) m.ack();
    });
  };
}
