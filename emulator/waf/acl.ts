// The web ACL associated with the API in the synthesized template (AWS::WAFv2::WebACL, CloudFormation
// property names), and which of its rules the emulator can evaluate offline.
import { readFileSync } from 'node:fs';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface CustomResponse {
  ResponseCode: number;
  CustomResponseBodyKey?: string;
  ResponseHeaders?: { Name: string; Value: string }[];
}

export type RuleAction = { kind: 'block'; custom: CustomResponse | undefined } | { kind: 'allow' } | { kind: 'count' };

export interface WafRule {
  name: string;
  priority: number;
  action: RuleAction;
  statement: JsonObject;
}

export interface SkippedRule {
  name: string;
  reason: string;
}

export interface WebAclModel {
  name: string;
  defaultAction: RuleAction;
  rules: WafRule[];
  skipped: SkippedRule[];
  customBodies: Record<string, { ContentType: string; Content: string }>;
}

interface Resource {
  Type: string;
  Properties?: JsonObject;
}

/** Statements the emulator evaluates; each of the others makes its rule skipped, with the reason. */
const UNSUPPORTED: Record<string, string> = {
  ManagedRuleGroupStatement: 'AWS managed rule group; its rules are not public',
  RuleGroupReferenceStatement: 'rule group reference',
  IPSetReferenceStatement: 'IP set reference',
  GeoMatchStatement: 'geo match: no country for a local address',
  AsnMatchStatement: 'ASN match: no network for a local address',
  SqliMatchStatement: 'SQL injection detection is WAF’s own',
  XssMatchStatement: 'cross-site scripting detection is WAF’s own',
  LabelMatchStatement: 'labels come from rules the emulator does not run',
  RegexPatternSetReferenceStatement: 'regex pattern set reference',
};

const SUPPORTED = new Set(['ByteMatchStatement', 'SizeConstraintStatement', 'RegexMatchStatement', 'RateBasedStatement', 'AndStatement', 'OrStatement', 'NotStatement']);
const FIELDS = new Set(['Body', 'JsonBody', 'SingleHeader', 'UriPath', 'QueryString', 'Method', 'SingleQueryArgument', 'AllQueryArguments']);
export const TRANSFORMATIONS = new Set([
  'NONE',
  'JS_DECODE',
  'LOWERCASE',
  'COMPRESS_WHITE_SPACE',
  'URL_DECODE',
  'URL_DECODE_UNI',
  'BASE64_DECODE',
  'HEX_DECODE',
  'REMOVE_NULLS',
  'REPLACE_NULLS',
  'NORMALIZE_PATH',
  'CMD_LINE',
  'HTML_ENTITY_DECODE',
  'TRIM',
  'MD5',
]);

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why the emulator cannot evaluate this statement, or undefined when it can. */
export function unsupportedReason(statement: JsonObject): string | undefined {
  const [kind, body] = Object.entries(statement)[0] ?? [];
  if (!kind) return 'empty statement';
  if (UNSUPPORTED[kind]) return UNSUPPORTED[kind];
  if (!SUPPORTED.has(kind) || !isObject(body)) return `${kind} is not evaluated offline`;
  if (kind === 'AndStatement' || kind === 'OrStatement') {
    for (const inner of (body.Statements as Json[] | undefined) ?? []) {
      const reason = isObject(inner) ? unsupportedReason(inner) : 'malformed statement';
      if (reason) return reason;
    }
    return undefined;
  }
  if (kind === 'NotStatement') return isObject(body.Statement) ? unsupportedReason(body.Statement) : 'malformed statement';
  if (kind === 'RateBasedStatement') {
    const key = body.AggregateKeyType ?? 'IP';
    if (key !== 'IP' && key !== 'FORWARDED_IP' && key !== 'CONSTANT') return `rate-based rule aggregated by ${String(key)}`;
    return isObject(body.ScopeDownStatement) ? unsupportedReason(body.ScopeDownStatement) : undefined;
  }
  const field = isObject(body.FieldToMatch) ? Object.keys(body.FieldToMatch)[0] : undefined;
  if (!field || !FIELDS.has(field)) return `inspects ${field ?? 'nothing'}, which is not evaluated offline`;
  for (const t of (body.TextTransformations as Json[] | undefined) ?? []) {
    const type = isObject(t) ? t.Type : undefined;
    if (typeof type !== 'string' || !TRANSFORMATIONS.has(type)) return `text transformation ${String(type)} is not evaluated offline`;
  }
  return undefined;
}

function actionOf(action: Json | undefined): RuleAction | string {
  if (!isObject(action)) return 'no action';
  if (isObject(action.Block)) {
    const custom = action.Block.CustomResponse;
    return { kind: 'block', custom: isObject(custom) ? (custom as unknown as CustomResponse) : undefined };
  }
  if (isObject(action.Allow)) return { kind: 'allow' };
  if (isObject(action.Count)) return { kind: 'count' };
  if (isObject(action.Captcha) || isObject(action.Challenge)) return 'CAPTCHA and challenge actions need a browser token';
  return 'unknown action';
}

/** The web ACL associated with the template's GraphQL API, or undefined when there is none. */
export function loadWebAcl(templateFile: string): WebAclModel | undefined {
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as { Resources: Record<string, Resource> };
  const resources = Object.entries(template.Resources);
  const apiIds = new Set(resources.filter(([, r]) => r.Type === 'AWS::AppSync::GraphQLApi').map(([id]) => id));
  const refId = (value: Json | undefined): string | undefined => {
    if (!isObject(value)) return undefined;
    if (Array.isArray(value['Fn::GetAtt'])) return String(value['Fn::GetAtt'][0]);
    return typeof value.Ref === 'string' ? value.Ref : undefined;
  };
  const association = resources.find(([, r]) => r.Type === 'AWS::WAFv2::WebACLAssociation' && apiIds.has(refId(r.Properties?.ResourceArn) ?? ''));
  const aclId = association ? refId(association[1].Properties?.WebACLArn) : undefined;
  const acl = aclId ? template.Resources[aclId] : undefined;
  if (!aclId || !acl || acl.Type !== 'AWS::WAFv2::WebACL') return undefined;
  const p = acl.Properties ?? {};

  const rules: WafRule[] = [];
  const skipped: SkippedRule[] = [];
  for (const raw of (p.Rules as Json[] | undefined) ?? []) {
    if (!isObject(raw)) continue;
    const name = String(raw.Name);
    const statement = isObject(raw.Statement) ? raw.Statement : {};
    const reason = unsupportedReason(statement);
    // A rule group's rules act through its OverrideAction; the emulator runs no rule group.
    const action = raw.Action === undefined && raw.OverrideAction !== undefined ? 'rule group' : actionOf(raw.Action);
    if (reason) skipped.push({ name, reason });
    else if (typeof action === 'string') skipped.push({ name, reason: action });
    else rules.push({ name, priority: Number(raw.Priority ?? 0), action, statement });
  }
  rules.sort((a, b) => a.priority - b.priority);
  const defaultAction = actionOf(p.DefaultAction);
  return {
    name: typeof p.Name === 'string' ? p.Name : aclId,
    defaultAction: typeof defaultAction === 'string' ? { kind: 'allow' } : defaultAction,
    rules,
    skipped,
    customBodies: (isObject(p.CustomResponseBodies) ? p.CustomResponseBodies : {}) as unknown as WebAclModel['customBodies'],
  };
}
