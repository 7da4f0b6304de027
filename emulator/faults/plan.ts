// Fault injection for the local AWS services, from a setting (TOLLGATE_FAULTS) or from tests:
// which faults, where, how often, decided by a seeded generator so a run can be replayed.
//
//   TOLLGATE_FAULTS="dynamodb.ThrottlingException@UsageTable/UpdateItem=0.1; lambda.crash@ModelFunction=0.05"
//   TOLLGATE_FAULTS_SEED=42
//
// A rule is <service>.<kind>[@<target>[/<operation>]]=<probability>; the target is a table or
// function by construct id (UsageTable, ModelFunction) or physical name, or a model id; the
// operation an API action (UpdateItem, TransactWriteItems, GetSecretValue). Kinds:
//   dynamodb        ThrottlingException, ProvisionedThroughputExceededException, RequestLimitExceeded,
//                   InternalServerError (not applied), LostResponse (applied, then a 500: the
//                   caller cannot tell), TransactionConflict (TransactionCanceledException with a
//                   TransactionConflict reason; TransactionConflictException on a single write)
//   secretsmanager  InternalServiceError, ThrottlingException, Unreachable (connection dropped)
//   lambda          throttle (429, never ran), init (init failed, never ran), crash (the process
//                   exits at a random point of the invocation, its work so far done), timeout (the
//                   same, reported as Sandbox.Timedout)
//   bedrock         throttle, error, unavailable, stream-cut (a ConverseStream ends midway with
//                   modelStreamErrorException; a Converse call's connection is reset)
export const FAULT_KINDS = {
  dynamodb: ['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'InternalServerError', 'LostResponse', 'TransactionConflict'],
  secretsmanager: ['InternalServiceError', 'ThrottlingException', 'Unreachable'],
  lambda: ['throttle', 'init', 'crash', 'timeout'],
  bedrock: ['throttle', 'error', 'unavailable', 'stream-cut'],
} as const;

export type FaultService = keyof typeof FAULT_KINDS;

export interface FaultRule {
  service: FaultService;
  kind: string;
  /** Table, function or model, by construct id or physical name; any when absent. */
  target?: string;
  operation?: string;
  probability: number;
  /** Fire at most this many times. */
  limit?: number;
}

export class FaultSettingError extends Error {
  override readonly name = 'FaultSettingError';
}

/** mulberry32: small, fast and good enough to pick faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function parseFaults(text: string): FaultRule[] {
  return text
    .split(/[;,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((spec) => {
      const match = /^([a-z0-9]+)\.([A-Za-z-]+)(?:@([^/=\s]+)(?:\/([A-Za-z]+))?)?=([0-9.]+)$/.exec(spec);
      if (!match) throw new FaultSettingError(`TOLLGATE_FAULTS: "${spec}" is not <service>.<kind>[@<target>[/<operation>]]=<probability>`);
      const [, service, kind, target, operation, p] = match;
      if (!(service! in FAULT_KINDS)) throw new FaultSettingError(`TOLLGATE_FAULTS: unknown service "${service}". Known: ${Object.keys(FAULT_KINDS).join(', ')}`);
      const kinds = FAULT_KINDS[service as FaultService] as readonly string[];
      if (!kinds.includes(kind!)) throw new FaultSettingError(`TOLLGATE_FAULTS: ${service} has no fault "${kind}". Known: ${kinds.join(', ')}`);
      const probability = Number(p);
      if (!(probability >= 0 && probability <= 1)) throw new FaultSettingError(`TOLLGATE_FAULTS: probability must be from 0 to 1. Received: ${p}`);
      return { service: service as FaultService, kind: kind!, target, operation, probability };
    });
}

export class FaultPlan {
  private rules: (FaultRule & { fired: number })[] = [];
  private random: () => number;
  private readonly counts = new Map<string, number>();

  constructor(
    rules: FaultRule[] = [],
    readonly seed: number = Date.now() % 1_000_000,
  ) {
    this.random = seededRandom(seed);
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r, fired: 0 }));
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this call, if one fires; `names` are the target's names (construct id, physical). */
  pick(service: FaultService, names: string[], operation?: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.service !== service) continue;
      if (rule.target !== undefined && !names.includes(rule.target)) continue;
      if (rule.operation !== undefined && rule.operation !== operation) continue;
      if (rule.limit !== undefined && rule.fired >= rule.limit) continue;
      if (this.random() >= rule.probability) continue;
      rule.fired += 1;
      this.count(`${service}.${rule.kind}`);
      return rule;
    }
    return undefined;
  }

  /** A number between 0 and 1 from the same seeded sequence (where in an invocation to crash). */
  next(): number {
    return this.random();
  }

  count(name: string, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  /** Faults injected by `<service>.<kind>`, and the other counters (SDK retries seen). */
  stats(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
