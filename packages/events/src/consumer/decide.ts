import type { AnyEventEnvelope } from '../envelope.ts';
import type { EventRegistry, RawEnvelope } from '../registry/registry.ts';
import { errorMessage } from '../util/backoff.ts';
import type { EventHandlers, HandlerContext, Upcasters } from './handlers.ts';

export type LooseHandler<TSchema extends Record<string, unknown>> = (
  event: AnyEventEnvelope,
  ctx: HandlerContext<TSchema>,
) => Promise<void> | void;
type LooseUpcaster = (event: AnyEventEnvelope) => AnyEventEnvelope;

export type Decision<TSchema extends Record<string, unknown>> =
  /** Valid, upcast to a version this consumer handles. */
  | { kind: 'handle'; received: RawEnvelope; envelope: AnyEventEnvelope; handler: LooseHandler<TSchema> }
  /** A type this consumer does not react to. */
  | { kind: 'ignore'; received: RawEnvelope }
  /** A version newer than this consumer's registry: its code may not be deployed yet. */
  | { kind: 'wait'; received: RawEnvelope; reason: string }
  /** Will never succeed as is: an operator has to look at it. */
  | { kind: 'dead'; received?: RawEnvelope; reason: string };

export interface DecideContext<TSchema extends Record<string, unknown>> {
  registry: EventRegistry;
  handlers: EventHandlers<TSchema>;
  upcasters: Upcasters;
}

// The handler and upcaster maps are typed per (type, version) for their authors; here they
// are looked up by the runtime type and version of a validated envelope.
const lookup = <F>(table: object, type: string, version: number): F | undefined =>
  (table as Record<string, Record<number, F> | undefined>)[type]?.[version];

/** What to do with a message body: pure, so every path is unit-testable. */
export function decide<TSchema extends Record<string, unknown>>(
  body: string,
  { registry, handlers, upcasters }: DecideContext<TSchema>,
): Decision<TSchema> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return { kind: 'dead', reason: `not JSON: ${errorMessage(error)}` };
  }
  const envelopeChecked = registry.checkEnvelope(parsed);
  if (!envelopeChecked.ok) return { kind: 'dead', reason: `invalid envelope: ${envelopeChecked.problems}` };
  const received = envelopeChecked.envelope;
  // Ignored before its data is checked: most of a stream can be types this consumer skips.
  if (!(received.type in handlers)) return { kind: 'ignore', received };
  const checked = registry.checkData(received);
  if (!checked.ok && checked.kind === 'unknown-schema') {
    const latest = registry.latestVersion(received.type) ?? 0;
    if (received.version > latest) {
      return { kind: 'wait', received, reason: `unknown newer version: ${checked.problems}` };
    }
    return { kind: 'dead', received, reason: checked.problems };
  }
  if (!checked.ok) return { kind: 'dead', received, reason: `schema violation: ${checked.problems}` };

  // Checked against the registry's schema of its (type, version) just above.
  let envelope = received as unknown as AnyEventEnvelope;
  for (;;) {
    const handler = lookup<LooseHandler<TSchema>>(handlers, envelope.type, envelope.version);
    if (handler) return { kind: 'handle', received, envelope, handler };
    const upcast = lookup<LooseUpcaster>(upcasters, envelope.type, envelope.version);
    if (!upcast) {
      return {
        kind: 'dead',
        received,
        reason: `no handler or upcaster for ${envelope.type} v${envelope.version}`,
      };
    }
    let next: AnyEventEnvelope;
    try {
      next = upcast(envelope);
    } catch (error) {
      return {
        kind: 'dead',
        received,
        reason: `upcaster of ${envelope.type} v${envelope.version} failed: ${errorMessage(error)}`,
      };
    }
    const valid = registry.check(next);
    if (next.type !== envelope.type || next.version <= envelope.version || !valid.ok) {
      const problems = valid.ok ? 'must return a newer version of the same type' : valid.problems;
      return {
        kind: 'dead',
        received,
        reason: `upcaster of ${envelope.type} v${envelope.version}: ${problems}`,
      };
    }
    envelope = next;
  }
}
