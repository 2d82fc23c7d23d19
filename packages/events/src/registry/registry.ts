import { Ajv, type FormatDefinition, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { EventValidationError } from '../errors.ts';
import type { EventEnvelopeFields } from '../generated/event-types.ts';
import type { Domain } from '../subjects.ts';
import { readSchemaFiles, type EventSchemaFile, type JsonSchema, type SchemaFiles } from './schema-files.ts';
import { defaultSchemaDir } from './schema-dir.ts';

/** The envelope fields every event carries, before its data is checked against (type, version). */
export type RawEnvelope = Omit<EventEnvelopeFields, 'data'> & { data: Record<string, unknown> };

export type CheckResult =
  | { ok: true; envelope: RawEnvelope }
  | { ok: false; kind: 'invalid-envelope'; problems: string }
  | { ok: false; kind: 'unknown-schema'; envelope: RawEnvelope; problems: string }
  | { ok: false; kind: 'invalid-data'; envelope: RawEnvelope; problems: string };

// ajv-formats is CommonJS; under Node's ESM interop its default export is the plugin itself.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

/**
 * Formats whose values repeat across an event's items (a batch's `appliedAt`, its `day`): their
 * full check (calendar, time zone) cost ~2 µs of the ledger consumer's CPU per posting.
 */
const REPEATED_FORMATS = ['date-time', 'date'] as const;

/**
 * Wraps a format's validator so that the value it last accepted is accepted without the check
 * again: the same string, the same answer; any other string gets the full check.
 */
function rememberLastValid(ajv: Ajv, name: string): void {
  const format = ajv.formats[name] as FormatDefinition<string> | undefined;
  if (typeof format?.validate !== 'function') return;
  const validate = format.validate as (value: string) => boolean;
  let last: string | undefined;
  ajv.addFormat(name, {
    ...format,
    validate: (value: string) => {
      if (value === last) return true;
      if (!validate(value)) return false;
      last = value;
      return true;
    },
  });
}

/**
 * The event schema registry: which (type, version) exist, their domain, and their validators.
 * A validator is compiled when first needed: a process checks a few of the event types, and
 * compiling every schema cost each start ~0.1 s of CPU.
 */
export class EventRegistry {
  private readonly ajv: Ajv;
  private readonly envelope: JsonSchema;
  private envelopeCompiled: ValidateFunction | undefined;
  private readonly byKey = new Map<string, { file: EventSchemaFile; compiled?: ValidateFunction }>();
  private readonly domains = new Map<string, Domain>();
  private readonly versionsByType = new Map<string, number[]>();

  constructor(files: SchemaFiles) {
    this.ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(this.ajv);
    for (const name of REPEATED_FORMATS) rememberLastValid(this.ajv, name);
    this.ajv.addVocabulary(['x-event']);
    this.envelope = files.envelope;
    for (const file of files.events) {
      this.byKey.set(key(file.type, file.version), { file });
      this.domains.set(file.type, file.domain);
      this.versionsByType.set(
        file.type,
        [...(this.versionsByType.get(file.type) ?? []), file.version].sort((a, b) => a - b),
      );
    }
  }

  private get envelopeValidator(): ValidateFunction {
    return (this.envelopeCompiled ??= this.ajv.compile(this.envelope));
  }

  static load(dir: string = defaultSchemaDir): EventRegistry {
    return new EventRegistry(readSchemaFiles(dir));
  }

  types(): string[] {
    return [...this.domains.keys()].sort();
  }

  has(type: string, version: number): boolean {
    return this.byKey.has(key(type, version));
  }

  versions(type: string): number[] {
    return this.versionsByType.get(type) ?? [];
  }

  latestVersion(type: string): number | undefined {
    return this.versions(type).at(-1);
  }

  domainOf(type: string): Domain {
    const domain = this.domains.get(type);
    if (!domain) throw new Error(`Unknown event type ${type}: add its schema under schema/events/`);
    return domain;
  }

  schema(type: string, version: number): JsonSchema | undefined {
    return this.byKey.get(key(type, version))?.file.schema;
  }

  /** Checks the envelope alone: its data is not looked at. */
  checkEnvelope(value: unknown): { ok: true; envelope: RawEnvelope } | { ok: false; problems: string } {
    if (this.envelopeValidator(value)) return { ok: true, envelope: value as RawEnvelope };
    return { ok: false, problems: this.ajv.errorsText(this.envelopeValidator.errors) };
  }

  /** Checks the envelope, then the data against the schema of (type, version). */
  check(value: unknown): CheckResult {
    const checked = this.checkEnvelope(value);
    if (!checked.ok) return { ok: false, kind: 'invalid-envelope', problems: checked.problems };
    return this.checkData(checked.envelope);
  }

  /** Checks the data of an envelope already checked, against the schema of its (type, version). */
  checkData(envelope: RawEnvelope): CheckResult {
    const entry = this.byKey.get(key(envelope.type, envelope.version));
    if (!entry) {
      const known = this.versions(envelope.type);
      const problems = known.length
        ? `no schema for ${envelope.type} v${envelope.version} (known: v${known.join(', v')})`
        : `unknown event type ${envelope.type}`;
      return { ok: false, kind: 'unknown-schema', envelope, problems };
    }
    const validate = (entry.compiled ??= this.ajv.compile(entry.file.schema));
    if (!validate(envelope.data)) {
      return {
        ok: false,
        kind: 'invalid-data',
        envelope,
        problems: this.ajv.errorsText(validate.errors),
      };
    }
    return { ok: true, envelope };
  }

  /** Throws an EventValidationError unless the event is valid. */
  assertValid(value: unknown): RawEnvelope {
    const result = this.check(value);
    if (result.ok) return result.envelope;
    const envelope = 'envelope' in result ? result.envelope : (value as Partial<RawEnvelope> | null);
    throw new EventValidationError(String(envelope?.type ?? '?'), envelope?.version, result.problems);
  }
}

const key = (type: string, version: number) => `${type}@${version}`;

let shared: EventRegistry | undefined;

/** The registry of `schema/events/`, loaded once per process. */
export function getRegistry(): EventRegistry {
  shared ??= EventRegistry.load();
  return shared;
}
