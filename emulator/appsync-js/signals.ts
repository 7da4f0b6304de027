// Exceptions the APPSYNC_JS runtime throws so the emulator can stop a handler the way AppSync does.

/** One entry for the GraphQL `errors[]` array, as produced by util.error / util.appendError / util.unauthorized. */
export interface ResolverErrorRecord {
  message: string;
  errorType: string | null;
  data: unknown;
  errorInfo: unknown;
}

/** Thrown by util.error and util.unauthorized: the field resolves to null and the pipeline stops. */
export class UtilError extends Error {
  constructor(public readonly record: ResolverErrorRecord) {
    super(record.message);
    this.name = 'UtilError';
  }
}

/** Thrown by util.unauthorized: a UtilError that EvaluateCode reports as just "Unauthorized". */
export class Unauthorized extends UtilError {}

/** Thrown by runtime.earlyReturn; the emulator decides what to skip from where it was caught and `skipTo`. */
export class EarlyReturn extends Error {
  constructor(
    public readonly value: unknown,
    public readonly skipTo: 'END' | 'NEXT' | undefined,
  ) {
    super('runtime.earlyReturn');
    this.name = 'EarlyReturn';
  }
}
