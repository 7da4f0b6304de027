// The identity policies of the template's roles, and the decision IAM makes from them
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
// checked 2026-11-30): an explicit Deny wins, otherwise some Allow must match the action, the
// resource and its conditions; nothing else allows. A role's policies are its inline Policies, the
// AWS::IAM::Policy, AWS::IAM::RolePolicy and AWS::IAM::ManagedPolicy resources attached to it, and
// the AWS-managed policies it names that are written out below (the template does not hold them).
//
// What the emulator evaluates: Effect; Action and NotAction with * and ?; Resource and NotResource
// with * and ?, segment by segment as ARNs; Condition with StringEquals, StringNotEquals,
// StringLike, StringNotLike, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike (each also …IfExists).
// Anything else — another condition operator, a set operator (ForAnyValue:), a policy variable
// (${aws:username}), Principal or NotPrincipal in an identity policy, a permissions boundary, an
// AWS-managed policy not written out here — is listed once at start and treated as denying: a
// statement holding it grants nothing, and a Deny holding it applies as if the part matched.
// Stricter than AWS, never looser, so a grant that only works by luck fails here first.
import { readFileSync } from 'node:fs';
import type { StackModel } from '../template.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type Effect = 'Allow' | 'Deny';

const OPERATORS = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'] as const;
type Operator = (typeof OPERATORS)[number];

export interface ConditionTest {
  operator: Operator;
  /** …IfExists: true when the request has no such key. */
  ifExists: boolean;
  /** Condition keys are case-insensitive: kept lower-case. */
  key: string;
  values: string[];
}

export interface PolicyStatement {
  effect: Effect;
  /** Action, or NotAction when `notAction` is true. */
  actions: string[];
  notAction?: boolean;
  /** Resource, or NotResource when `notResource` is true. */
  resources: string[];
  notResource?: boolean;
  conditions?: ConditionTest[];
  /** Parts the emulator does not evaluate (see the file's head): such a statement never grants. */
  unsupported: string[];
}

/** The request context's condition keys (lower-case names), e.g. bedrock:inferenceprofilearn. */
export type RequestContext = Readonly<Record<string, string>>;

/** IAM's three outcomes; the two denials read differently in AWS's AccessDenied message. */
export type Decision = 'allow' | 'implicitDeny' | 'explicitDeny';

/**
 * AWS-managed policies the stack attaches, as AWS publishes them (they grant only CloudWatch
 * Logs actions, which nothing offline checks, but they are evaluated like any other policy):
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html and
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSAppSyncPushToCloudWatchLogs.html, checked 2026-11-30.
 */
const LOGS_WRITER: PolicyStatement[] = [{ effect: 'Allow', actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], resources: ['*'], unsupported: [] }];
export const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyStatement[]>> = {
  'service-role/AWSLambdaBasicExecutionRole': LOGS_WRITER,
  'service-role/AWSAppSyncPushToCloudWatchLogs': LOGS_WRITER,
};

const list = (value: Json | undefined): string[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** IAM's wildcards: * for any run of characters, ? for one; everything else literal. */
function wildcard(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : 's');
}

const patterns = new Map<string, RegExp>();
function like(pattern: string, value: string, caseInsensitive = false): boolean {
  const key = (caseInsensitive ? 'i' : 's') + pattern;
  let re = patterns.get(key);
  if (!re) {
    re = wildcard(pattern, caseInsensitive);
    patterns.set(key, re);
  }
  return re.test(value);
}

/** The six colon-separated parts of an ARN; the last keeps its own colons. */
function arnParts(arn: string): string[] | null {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return null;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * ArnLike (and ArnEquals, which IAM treats the same): each of the six parts matched on its own, so
 * a wildcard never reaches into the next part
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN, checked 2026-11-30).
 */
export function arnLike(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = arnParts(pattern);
  const a = arnParts(arn);
  if (!p || !a) return !pattern.startsWith('arn:') && like(pattern, arn);
  return p.every((part, i) => like(part, a[i]!));
}

function holds(test: ConditionTest, context: RequestContext): boolean {
  const value = context[test.key];
  const negated = test.operator.includes('Not');
  // A key the request lacks matches nothing: a positive test fails, a negated one holds.
  if (value === undefined) return test.ifExists || negated;
  const matches = test.values.some((v) => {
    switch (test.operator) {
      case 'StringEquals':
      case 'StringNotEquals':
        return v === value;
      case 'StringLike':
      case 'StringNotLike':
        return like(v, value);
      default:
        return arnLike(v, value);
    }
  });
  return negated ? !matches : matches;
}

function conditionsOf(raw: Json | undefined, unsupported: string[]): ConditionTest[] {
  if (raw === undefined) return [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    unsupported.push('a Condition that is not an object');
    return [];
  }
  const tests: ConditionTest[] = [];
  for (const [name, block] of Object.entries(raw)) {
    const ifExists = name.endsWith('IfExists');
    const operator = (ifExists ? name.slice(0, -'IfExists'.length) : name) as Operator;
    if (!OPERATORS.includes(operator) || !block || typeof block !== 'object' || Array.isArray(block)) {
      unsupported.push(`the condition operator ${name}`);
      continue;
    }
    for (const [key, values] of Object.entries(block)) {
      const strings = list(values);
      if (strings.some((v) => v.includes('${'))) unsupported.push(`a policy variable in the condition on ${key}`);
      tests.push({ operator, ifExists, key: key.toLowerCase(), values: strings });
    }
  }
  return tests;
}

function statementsOf(document: Json | undefined, resolve: StackModel['resolve']): PolicyStatement[] {
  const raw = document && typeof document === 'object' && !Array.isArray(document) ? document.Statement : undefined;
  return (Array.isArray(raw) ? raw : raw ? [raw] : []).flatMap((entry): PolicyStatement[] => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return [];
    const s = resolve(entry) as { [key: string]: Json };
    const unsupported: string[] = [];
    for (const k of ['Principal', 'NotPrincipal']) if (s[k] !== undefined) unsupported.push(k);
    const notAction = s.Action === undefined && s.NotAction !== undefined;
    const notResource = s.Resource === undefined && s.NotResource !== undefined;
    const actions = list(notAction ? s.NotAction : s.Action);
    const resources = list(notResource ? s.NotResource : s.Resource);
    if (resources.some((r) => r.includes('${'))) unsupported.push('a policy variable in the Resource');
    const conditions = conditionsOf(s.Condition, unsupported);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') unsupported.push(`the Effect ${JSON.stringify(s.Effect)}`);
    return [{ effect: s.Effect === 'Allow' ? 'Allow' : 'Deny', actions, notAction, resources, notResource, conditions, unsupported }];
  });
}

const actionMatches = (s: PolicyStatement, action: string) => s.actions.some((a) => like(a, action, true)) !== Boolean(s.notAction);
const resourceMatches = (s: PolicyStatement, resource: string) => s.resources.some((r) => arnLike(r, resource)) !== Boolean(s.notResource);

type Resources = Record<string, { Type: string; Properties?: { [key: string]: Json } }>;

const isObject = (v: Json | undefined): v is { [key: string]: Json } => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const refOf = (v: Json | undefined): string | undefined => (isObject(v) && typeof v.Ref === 'string' ? v.Ref : undefined);

export class TemplatePolicies {
  private readonly decisions = new Map<string, Decision>();

  constructor(
    private readonly byRole: Map<string, PolicyStatement[]>,
    /** What the emulator cannot evaluate, one sentence each, for the start log. */
    readonly notes: readonly string[] = [],
  ) {}

  static load(stack: StackModel): TemplatePolicies {
    const template = JSON.parse(readFileSync(stack.templateFile, 'utf8')) as { Resources: Resources };
    return TemplatePolicies.fromResources(template.Resources, stack.resolve);
  }

  static fromResources(resources: Resources, resolve: StackModel['resolve']): TemplatePolicies {
    const byRole = new Map<string, PolicyStatement[]>();
    const notes: string[] = [];
    const add = (role: string, statements: PolicyStatement[], where: string) => {
      byRole.set(role, [...(byRole.get(role) ?? []), ...statements]);
      for (const s of statements) {
        if (s.unsupported.length > 0) {
          notes.push(`${where} (role ${role}) uses ${s.unsupported.join(', ')}, which the emulator does not evaluate: ${s.effect === 'Allow' ? 'that Allow grants nothing here' : 'that Deny applies as if it matched'}.`);
        }
      }
    };
    const denyAll = (unsupported: string): PolicyStatement => ({ effect: 'Deny', actions: ['*'], resources: ['*'], unsupported: [unsupported] });
    const customerManaged = new Map<string, { [key: string]: Json }>();
    for (const [id, r] of Object.entries(resources)) if (r.Type === 'AWS::IAM::ManagedPolicy') customerManaged.set(id, r.Properties ?? {});

    for (const [id, r] of Object.entries(resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::IAM::Role') {
        add(id, [], id);
        for (const inline of Array.isArray(p.Policies) ? p.Policies : []) {
          if (isObject(inline)) add(id, statementsOf(inline.PolicyDocument, resolve), `An inline policy of ${id}`);
        }
        for (const attached of Array.isArray(p.ManagedPolicyArns) ? p.ManagedPolicyArns : []) {
          const ref = refOf(attached);
          if (ref && customerManaged.has(ref)) {
            add(id, statementsOf(customerManaged.get(ref)!.PolicyDocument, resolve), `The managed policy ${ref}`);
            continue;
          }
          const arn = String(resolve(attached));
          const name = /^arn:aws[a-z-]*:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
          if (name && AWS_MANAGED_POLICIES[name]) add(id, AWS_MANAGED_POLICIES[name], name);
          else notes.push(`Role ${id} has the managed policy ${arn}, which the emulator does not know: it grants nothing here.`);
        }
        if (p.PermissionsBoundary !== undefined) add(id, [denyAll('a permissions boundary')], `Role ${id}`);
      } else if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
        const statements = statementsOf(p.PolicyDocument, resolve);
        for (const role of (Array.isArray(p.Roles) ? p.Roles : []).map(refOf)) if (role) add(role, statements, `The policy ${id}`);
      } else if (r.Type === 'AWS::IAM::RolePolicy') {
        const role = refOf(p.RoleName);
        if (role) add(role, statementsOf(p.PolicyDocument, resolve), `The policy ${id}`);
      }
    }
    return new TemplatePolicies(byRole, [...new Set(notes)]);
  }

  statements(roleLogicalId: string): readonly PolicyStatement[] {
    return this.byRole.get(roleLogicalId) ?? [];
  }

  /** Whether the role may do `action` on `resource` in this context (decisions are cached). */
  decide(roleLogicalId: string, action: string, resource: string, context: RequestContext = {}): Decision {
    const key = `${roleLogicalId}\u0000${action}\u0000${resource}\u0000${JSON.stringify(context)}`;
    const known = this.decisions.get(key);
    if (known) return known;
    const decision = this.evaluate(roleLogicalId, action, resource, context);
    // Requests name a bounded set of resources; the bound only guards against a runaway caller.
    if (this.decisions.size >= 10_000) this.decisions.clear();
    this.decisions.set(key, decision);
    return decision;
  }

  allows(roleLogicalId: string, action: string, resource: string, context: RequestContext = {}): boolean {
    return this.decide(roleLogicalId, action, resource, context) === 'allow';
  }

  private evaluate(roleLogicalId: string, action: string, resource: string, context: RequestContext): Decision {
    let allowed = false;
    for (const s of this.statements(roleLogicalId)) {
      const unsure = s.unsupported.length > 0;
      // A part it cannot evaluate counts as matching, so a Deny holding one applies.
      const resourceOk = s.unsupported.some((u) => u.includes('Resource')) || resourceMatches(s, resource);
      if (!actionMatches(s, action) || !resourceOk) continue;
      const conditionsHold = (s.conditions ?? []).every((c) => holds(c, context));
      if (s.effect === 'Deny' && (unsure || conditionsHold)) return 'explicitDeny';
      if (s.effect === 'Allow' && !unsure && conditionsHold) allowed = true;
    }
    return allowed ? 'allow' : 'implicitDeny';
  }
}
