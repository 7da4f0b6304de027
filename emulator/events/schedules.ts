// EventBridge schedule rules of the template (AWS::Events::Rule with a rate() expression and
// Lambda targets), run on the emulator's clock: each period the targets are invoked
// asynchronously with EventBridge's "Scheduled Event", as on AWS. A test can run a rule now.
// cron() expressions are not run here (none in the template); the start says so if one appears.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LOCAL_ACCOUNT, LOCAL_REGION, type StackModel } from '../template.ts';
import type { Scheduler } from './scheduler.ts';

export interface ScheduleRule {
  logicalId: string;
  periodMs: number;
  /** Target functions' logical ids. */
  targets: string[];
}

const UNITS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

interface RuleResource {
  Type: string;
  Properties?: { ScheduleExpression?: string; State?: string; Targets?: { Arn?: unknown }[] };
}

/** The template's enabled rate() rules and the functions they target. */
export function scheduleRules(stack: StackModel, warn: (message: string) => void): ScheduleRule[] {
  const template = JSON.parse(readFileSync(stack.templateFile, 'utf8')) as { Resources: Record<string, RuleResource> };
  const rules: ScheduleRule[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule' || !resource.Properties?.ScheduleExpression) continue;
    if (resource.Properties.State === 'DISABLED') continue;
    const match = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(resource.Properties.ScheduleExpression);
    if (!match) {
      warn(`${logicalId}: ${resource.Properties.ScheduleExpression} is not run offline (rate() expressions only)`);
      continue;
    }
    const targets = (resource.Properties.Targets ?? [])
      .map((t) => (t.Arn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0])
      .filter((id): id is string => id !== undefined && stack.lambdas.has(id));
    rules.push({ logicalId, periodMs: Number(match[1]) * UNITS[match[2]!]!, targets });
  }
  return rules;
}

/** EventBridge's event for a scheduled rule. */
export function scheduledEvent(ruleLogicalId: string, stackName: string, nowMs: number): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT,
    time: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${stackName}-${ruleLogicalId}`],
    detail: {},
  };
}

export interface Schedules {
  rules: ScheduleRule[];
  /** Invokes a rule's targets now (synchronously, for tests), answering their results. */
  run(ruleLogicalIdPrefix?: string): Promise<unknown[]>;
  close(): void;
}

export function startSchedules(
  stack: StackModel,
  deps: {
    scheduler: Scheduler;
    now(): number;
    enqueue(functionId: string, event: unknown): void;
    invoke(functionId: string, event: unknown): Promise<{ ok: boolean; payload?: unknown; errorType?: string; errorMessage?: string }>;
    warn(message: string): void;
    /** false: rules run only when asked (tests that own the clock). */
    automatic: boolean;
  },
): Schedules {
  const rules = scheduleRules(stack, deps.warn);
  const cancels: (() => void)[] = [];
  let closed = false;
  const arm = (rule: ScheduleRule, due: number) => {
    cancels.push(
      deps.scheduler.at(due, () => {
        if (closed) return;
        for (const target of rule.targets) deps.enqueue(target, scheduledEvent(rule.logicalId, stack.stackName, deps.now()));
        // EventBridge does not catch up on periods a moved clock skipped: the next is one period on.
        arm(rule, deps.now() + rule.periodMs);
      }),
    );
  };
  if (deps.automatic) for (const rule of rules) arm(rule, deps.now() + rule.periodMs);
  return {
    rules,
    async run(prefix = '') {
      const chosen = rules.filter((r) => r.logicalId.startsWith(prefix));
      if (chosen.length === 0) throw new Error(`No schedule rule ${prefix} in the template. Known: ${rules.map((r) => r.logicalId).join(', ')}`);
      const results: unknown[] = [];
      for (const rule of chosen) {
        for (const target of rule.targets) {
          const out = await deps.invoke(target, scheduledEvent(rule.logicalId, stack.stackName, deps.now()));
          if (!out.ok) throw new Error(`${rule.logicalId} → ${target} failed: ${out.errorType}: ${out.errorMessage}`);
          results.push(out.payload);
        }
      }
      return results;
    },
    close() {
      closed = true;
      for (const cancel of cancels) cancel();
    },
  };
}

interface InvokeConfigResource {
  Type: string;
  Properties?: {
    FunctionName?: unknown;
    MaximumRetryAttempts?: number;
    MaximumEventAgeInSeconds?: number;
    DestinationConfig?: { OnFailure?: { Destination?: unknown }; OnSuccess?: { Destination?: unknown } };
  };
}

export interface Destination {
  arn: string;
  functionId?: string;
}

export interface InvokeConfig {
  maxRetryAttempts?: number;
  maxEventAgeSeconds?: number;
  onFailure?: Destination;
  onSuccess?: Destination;
}

/** Each function's AWS::Lambda::EventInvokeConfig, by the function's logical id. */
export function eventInvokeConfigs(stack: StackModel): Map<string, InvokeConfig> {
  const template = JSON.parse(readFileSync(stack.templateFile, 'utf8')) as { Resources: Record<string, InvokeConfigResource> };
  const destination = (value: unknown): Destination | undefined => {
    if (value === undefined) return undefined;
    const id = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
    if (id && stack.lambdas.has(id)) return { arn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${stack.lambdas.get(id)!.functionName}`, functionId: id };
    return { arn: typeof value === 'string' ? value : JSON.stringify(stack.resolve(value as never)) };
  };
  const out = new Map<string, InvokeConfig>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventInvokeConfig' || !resource.Properties) continue;
    const fn = (resource.Properties.FunctionName as { Ref?: string } | undefined)?.Ref;
    if (!fn) continue;
    const p = resource.Properties;
    out.set(fn, {
      maxRetryAttempts: p.MaximumRetryAttempts,
      maxEventAgeSeconds: p.MaximumEventAgeInSeconds,
      onFailure: destination(p.DestinationConfig?.OnFailure?.Destination),
      onSuccess: destination(p.DestinationConfig?.OnSuccess?.Destination),
    });
  }
  return out;
}
