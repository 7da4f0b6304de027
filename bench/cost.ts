// Cost per million prompts at published us-east-1 on-demand prices, Bedrock tokens excluded, for
// Tollgate (from the operations counted in bench/operations.ts) and for the original REST design
// (API Gateway + one Lambda that reads the JWT secret from Secrets Manager on every request,
// counts today's prompts with a Query that reads them all, then writes the log unconditionally).
import type { OperationProfile, OperationsReport } from './operations.ts';
import { round } from './stats.ts';

export interface Price {
  name: string;
  usd: number;
  per: string;
  source: string;
  /** When the price took effect or the page's date, and when it was checked. */
  date: string;
}

export const PRICES = {
  appsync: {
    name: 'AppSync query/mutation operations',
    usd: 4.0 / 1e6,
    per: 'operation ($4.00 per million)',
    source: 'https://aws.amazon.com/appsync/pricing/ (figure as quoted by https://awsi.click/en/glossary/appsync/)',
    date: 'current list price; checked 2026-11-25',
  },
  lambdaRequest: {
    name: 'Lambda requests',
    usd: 0.2 / 1e6,
    per: 'invocation ($0.20 per million)',
    source: 'https://aws.amazon.com/lambda/pricing/',
    date: 'checked 2026-11-25',
  },
  lambdaArmGbSecond: {
    name: 'Lambda duration, arm64 (first 7.5 billion GB-s a month)',
    usd: 0.0000133334,
    per: 'GB-second ($0.0000133334)',
    source: 'https://aws.amazon.com/lambda/pricing/; tiers: https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/',
    date: 'checked 2026-11-25; INIT billed too since 2025-08-01 (https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase)',
  },
  dynamoWrite: {
    name: 'DynamoDB on-demand write request unit',
    usd: 0.625 / 1e6,
    per: 'WRU ($0.625 per million)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (50 % cut; figures as quoted by https://www.jusdb.com/blog/dynamodb-cost-optimization-a-comprehensive-guide-by-jusdb)',
    date: 'effective 2024-11-01; checked 2026-11-25',
  },
  dynamoRead: {
    name: 'DynamoDB on-demand read request unit',
    usd: 0.125 / 1e6,
    per: 'RRU ($0.125 per million)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (as above)',
    date: 'effective 2024-11-01; checked 2026-11-25',
  },
  secretsManagerCall: {
    name: 'Secrets Manager API calls',
    usd: 0.05 / 10_000,
    per: 'call ($0.05 per 10,000)',
    source: 'https://aws.amazon.com/secrets-manager/pricing/',
    date: 'checked 2026-11-25 (the $0.40 per secret-month is fixed, not per request)',
  },
  apiGatewayRest: {
    name: 'API Gateway REST API requests (original design; first 333 million a month)',
    usd: 3.5 / 1e6,
    per: 'request ($3.50 per million)',
    source: 'https://aws.amazon.com/api-gateway/pricing/; AWS whitepaper "Best Practices for Designing Amazon API Gateway Private APIs", Cost optimization',
    date: 'checked 2026-11-25',
  },
  wafRequest: {
    name: 'AWS WAF requests (optional; plus $5 per web ACL and $1 per rule a month)',
    usd: 0.6 / 1e6,
    per: 'request ($0.60 per million)',
    source: 'https://aws.amazon.com/waf/pricing/ (figures as quoted by https://c3x.dev/blog/aws-waf-cost-explained/)',
    date: 'checked 2026-11-25',
  },
} satisfies Record<string, Price>;

export interface CostAssumptions {
  /** How long the model Lambda waits on Bedrock. */
  modelWaitMs: number;
  /** Share of invocations that start a new execution environment (INIT billed, secret read). */
  coldStartRate: number;
  /** Logins per user per day (the token lives an hour). */
  loginsPerUserDay: number;
  memoryMb: { authorizer: number; auth: number; model: number; original: number };
  /** Measured locally: handler time beyond the model wait, and login (bcrypt) time. */
  durationsMs: { authorizer: number; modelHandler: number; login: number };
  initMs: { authorizer: number; auth: number; model: number };
  /** The original design's count Query: eventually consistent (DynamoDB's default). */
  originalQueryEventuallyConsistent: boolean;
}

export interface CostLine {
  service: string;
  usdPerMillionPrompts: number;
}

export interface DesignCost {
  design: string;
  promptsPerUserDay: number;
  lines: CostLine[];
  totalPerMillionPrompts: number;
}

const lambdaGbS = (memoryMb: number, ms: number) => (memoryMb / 1024) * (Math.ceil(ms) / 1000) * PRICES.lambdaArmGbSecond.usd;

/** One invocation of a function: request, duration, and its share of cold starts (INIT and secret reads). */
function invocation(memoryMb: number, ms: number, initMs: number, coldRate: number, secretReadsPerColdStart: number) {
  return {
    lambda: PRICES.lambdaRequest.usd + lambdaGbS(memoryMb, ms) + coldRate * lambdaGbS(memoryMb, initMs),
    secrets: coldRate * secretReadsPerColdStart * PRICES.secretsManagerCall.usd,
  };
}

interface Bill {
  appsync: number;
  apiGateway: number;
  lambda: number;
  dynamodb: number;
  secrets: number;
  waf: number;
}

const empty = (): Bill => ({ appsync: 0, apiGateway: 0, lambda: 0, dynamodb: 0, secrets: 0, waf: 0 });

function add(into: Bill, more: Partial<Bill>): void {
  for (const [k, v] of Object.entries(more) as [keyof Bill, number][]) into[k] += v;
}

/** What one request of this profile costs on AWS, its Lambda durations replaced by the AWS assumptions. */
function billOf(p: OperationProfile, a: CostAssumptions): Bill {
  const bill = empty();
  bill.appsync += p.appsyncOperations * PRICES.appsync.usd;
  bill.waf += p.appsyncOperations * PRICES.wafRequest.usd;
  bill.dynamodb += p.dynamodb.rru * PRICES.dynamoRead.usd + p.dynamodb.wru * PRICES.dynamoWrite.usd;
  if (p.lambda.authorizer.invocations > 0) {
    // Each invocation reads the secret only on a cold start; that share is in invocation().
    add(bill, invocation(a.memoryMb.authorizer, a.durationsMs.authorizer, a.initMs.authorizer, a.coldStartRate, 2));
  }
  if (p.lambda.model.invocations > 0) add(bill, invocation(a.memoryMb.model, a.modelWaitMs + a.durationsMs.modelHandler, a.initMs.model, a.coldStartRate, 0));
  if (p.lambda.auth.invocations > 0) add(bill, invocation(a.memoryMb.auth, a.durationsMs.login, a.initMs.auth, a.coldStartRate, 2));
  return bill;
}

function lines(bill: Bill, prompts: number, withWaf: boolean): CostLine[] {
  const per = (usd: number) => round((usd / prompts) * 1e6, 3);
  const out: CostLine[] = [];
  if (bill.apiGateway) out.push({ service: 'API Gateway', usdPerMillionPrompts: per(bill.apiGateway) });
  if (bill.appsync) out.push({ service: 'AppSync', usdPerMillionPrompts: per(bill.appsync) });
  out.push({ service: 'Lambda', usdPerMillionPrompts: per(bill.lambda) });
  out.push({ service: 'DynamoDB', usdPerMillionPrompts: per(bill.dynamodb) });
  out.push({ service: 'Secrets Manager', usdPerMillionPrompts: per(bill.secrets) });
  if (withWaf) out.push({ service: 'WAF', usdPerMillionPrompts: per(bill.waf) });
  return out;
}

/**
 * Tollgate for a user who sends `perDay` prompts spread over the day (so each one invokes the
 * authorizer: its cache lives 60 s) and logs in `loginsPerUserDay` times.
 */
export function tollgateCost(ops: OperationsReport, a: CostAssumptions, perDay: number, withWaf = false): DesignCost {
  const bill = empty();
  for (let k = 1; k <= perDay; k++) {
    const p = ops.promptsOfADay[Math.min(k, ops.promptsOfADay.length) - 1]!;
    add(bill, billOf(p, a));
  }
  for (let i = 0; i < a.loginsPerUserDay; i++) add(bill, billOf(ops.login, a));
  if (!withWaf) bill.waf = 0;
  const l = lines(bill, perDay, withWaf);
  return { design: withWaf ? 'Tollgate + WAF' : 'Tollgate', promptsPerUserDay: perDay, lines: l, totalPerMillionPrompts: round(l.reduce((s, x) => s + x.usdPerMillionPrompts, 0), 3) };
}

export interface OriginalOps {
  perPrompt: (k: number) => { secretsManagerCalls: number; rru: number; wru: number; lambdaInvocations: number };
  perLogin: { secretsManagerCalls: number; rru: number; wru: number; lambdaInvocations: number };
}

/** The original REST design's operations, from its description, sized with our measured items. */
export function originalOperations(ops: OperationsReport, a: CostAssumptions): OriginalOps {
  const logBytes = ops.promptLogItemBytes.mean;
  const consistency = a.originalQueryEventuallyConsistent ? 0.5 : 1;
  const userBytes = ops.itemSizes.find((s) => s.table === 'UsersTable')?.bytes ?? 200;
  return {
    perPrompt: (k) => ({
      secretsManagerCalls: 1,
      // A Query is billed on the total size of the items it reads, rounded up to 4 KB (a
      // COUNT reads them all the same): the k-th prompt reads the k − 1 before it.
      rru: Math.max(1, Math.ceil(((k - 1) * logBytes) / 4096)) * consistency,
      wru: Math.max(1, Math.ceil(logBytes / 1024)),
      lambdaInvocations: 1,
    }),
    perLogin: { secretsManagerCalls: 1, rru: Math.max(1, Math.ceil(userBytes / 4096)) * consistency, wru: 0, lambdaInvocations: 1 },
  };
}

export function originalCost(ops: OperationsReport, a: CostAssumptions, perDay: number): DesignCost {
  const original = originalOperations(ops, a);
  const bill = empty();
  for (let k = 1; k <= perDay; k++) {
    const p = original.perPrompt(k);
    bill.apiGateway += PRICES.apiGatewayRest.usd;
    bill.secrets += p.secretsManagerCalls * PRICES.secretsManagerCall.usd;
    bill.dynamodb += p.rru * PRICES.dynamoRead.usd + p.wru * PRICES.dynamoWrite.usd;
    // Same memory and model wait as our model function; its own secret/query/write time is not added (in its favour).
    add(bill, { lambda: invocation(a.memoryMb.original, a.modelWaitMs + a.durationsMs.modelHandler, a.initMs.model, a.coldStartRate, 0).lambda });
  }
  for (let i = 0; i < a.loginsPerUserDay; i++) {
    const l = original.perLogin;
    bill.apiGateway += PRICES.apiGatewayRest.usd;
    bill.secrets += l.secretsManagerCalls * PRICES.secretsManagerCall.usd;
    bill.dynamodb += l.rru * PRICES.dynamoRead.usd;
    add(bill, { lambda: invocation(a.memoryMb.auth, a.durationsMs.login, a.initMs.auth, a.coldStartRate, 0).lambda });
  }
  const l = lines(bill, perDay, false);
  return { design: 'original REST', promptsPerUserDay: perDay, lines: l, totalPerMillionPrompts: round(l.reduce((s, x) => s + x.usdPerMillionPrompts, 0), 3) };
}

export interface DayOperations {
  perDay: number;
  /** Averages per prompt, the day's login included. */
  tollgate: { appsync: number; lambdaInvocations: number; lambdaGbSeconds: number; rru: number; wru: number; secretsManagerCalls: number };
  original: { apiGateway: number; lambdaInvocations: number; lambdaGbSeconds: number; rru: number; wru: number; secretsManagerCalls: number };
}

/** The two designs' operations side by side, per prompt, for a user sending `perDay` prompts a day. */
export function dayOperations(ops: OperationsReport, a: CostAssumptions, perDay: number): DayOperations {
  const gbS = (memoryMb: number, ms: number) => (memoryMb / 1024) * (Math.ceil(ms) / 1000);
  const t = { appsync: 0, lambdaInvocations: 0, lambdaGbSeconds: 0, rru: 0, wru: 0, secretsManagerCalls: 0 };
  const requests = [...Array.from({ length: perDay }, (_, i) => ops.promptsOfADay[Math.min(i, ops.promptsOfADay.length - 1)]!), ...Array.from({ length: a.loginsPerUserDay }, () => ops.login)];
  for (const p of requests) {
    t.appsync += p.appsyncOperations;
    t.rru += p.dynamodb.rru;
    t.wru += p.dynamodb.wru;
    const l = p.lambda;
    t.lambdaInvocations += l.authorizer.invocations + l.model.invocations + l.auth.invocations;
    t.lambdaGbSeconds +=
      l.authorizer.invocations * gbS(a.memoryMb.authorizer, a.durationsMs.authorizer) +
      l.model.invocations * gbS(a.memoryMb.model, a.modelWaitMs + a.durationsMs.modelHandler) +
      l.auth.invocations * gbS(a.memoryMb.auth, a.durationsMs.login);
    t.secretsManagerCalls += a.coldStartRate * 2 * (l.authorizer.invocations + l.auth.invocations);
  }
  const orig = originalOperations(ops, a);
  const o = { apiGateway: 0, lambdaInvocations: 0, lambdaGbSeconds: 0, rru: 0, wru: 0, secretsManagerCalls: 0 };
  for (let k = 1; k <= perDay; k++) {
    const p = orig.perPrompt(k);
    o.apiGateway += 1;
    o.lambdaInvocations += p.lambdaInvocations;
    o.lambdaGbSeconds += gbS(a.memoryMb.original, a.modelWaitMs + a.durationsMs.modelHandler);
    o.rru += p.rru;
    o.wru += p.wru;
    o.secretsManagerCalls += p.secretsManagerCalls;
  }
  for (let i = 0; i < a.loginsPerUserDay; i++) {
    o.apiGateway += 1;
    o.lambdaInvocations += orig.perLogin.lambdaInvocations;
    o.lambdaGbSeconds += gbS(a.memoryMb.auth, a.durationsMs.login);
    o.rru += orig.perLogin.rru;
    o.secretsManagerCalls += orig.perLogin.secretsManagerCalls;
  }
  const avg = <T extends Record<string, number>>(x: T): T => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, round(v / perDay, 4)])) as T;
  return { perDay, tollgate: avg(t), original: avg(o) };
}

/** Cost of single requests, in dollars per million of them. */
export function perMillion(p: OperationProfile, a: CostAssumptions): number {
  const b = billOf(p, a);
  return round((b.appsync + b.lambda + b.dynamodb + b.secrets) * 1e6, 3);
}
