/** An event that does not match the envelope or the schema of its (type, version). */
export class EventValidationError extends Error {
  constructor(
    readonly type: string,
    readonly version: number | undefined,
    readonly problems: string,
  ) {
    super(`Invalid event ${type}${version === undefined ? '' : ` v${version}`}: ${problems}`);
    this.name = 'EventValidationError';
  }
}
