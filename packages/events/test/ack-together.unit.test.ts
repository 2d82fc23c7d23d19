import type { JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { ackTogether } from '../src/consumer/ack-together.ts';

/** A message that records when it was acked (the order of acks across messages). */
function message(log: string[], name: string): JsMsg {
  const msg: Pick<JsMsg, 'ack'> = { ack: () => void log.push(name) };
  return msg as JsMsg;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('acks sent together', () => {
  it('acks the messages settled in one turn together, after it, in order, and again in later turns', async () => {
    const log: string[] = [];
    const ack = ackTogether();
    ack(message(log, 'a'));
    await Promise.resolve();
    ack(message(log, 'b'));
    log.push('turn ends');
    await nextTurn();
    expect(log).toEqual(['turn ends', 'a', 'b']);

    ack(message(log, 'c'));
    await nextTurn();
    expect(log).toEqual(['turn ends', 'a', 'b', 'c']);
  });
});
