// The template's web ACL, applied offline in front of the API: rules in priority order, the first
// terminating action wins (Block with WAF's response, Allow), Count goes on, then the default
// action. Rules the emulator cannot evaluate are skipped and listed at start.
import type { IncomingMessage } from 'node:http';
import { WAF_CHOICES } from '../appsync/choices.ts';
import { loadWebAcl, type Json, type JsonObject, type RuleAction, type SkippedRule, type WebAclModel } from './acl.ts';
import { matches, type WafRequest } from './match.ts';

export type { WafRequest } from './match.ts';

export type WafDecision = { allowed: true } | { allowed: false; rule: string; status: number; headers: Record<string, string>; body: string };

export interface Waf {
  name: string;
  applied: string[];
  skipped: SkippedRule[];
  inspect(request: WafRequest): WafDecision;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sliding-window request counts per rule and aggregation key. */
class RateCounter {
  private readonly hits = new Map<string, number[]>();

  /** Records one request and answers how many the key made within the window, this one included. */
  count(key: string, now: number, windowMs: number): number {
    const since = now - windowMs;
    const times = (this.hits.get(key) ?? []).filter((t) => t > since);
    times.push(now);
    this.hits.set(key, times);
    if (this.hits.size > 10_000) {
      for (const [k, list] of this.hits) if (list[list.length - 1]! <= since) this.hits.delete(k);
    }
    return times.length;
  }
}

function firstForwardedIp(value: string | undefined): string | undefined {
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}

/** ::ffff:127.0.0.1 → 127.0.0.1, as WAF reports IPv4 clients. */
export function clientIp(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

function blockResponse(acl: WebAclModel, rule: string, action: RuleAction & { kind: 'block' }): WafDecision {
  const custom = action.custom;
  if (!custom) {
    return {
      allowed: false,
      rule,
      status: WAF_CHOICES.blockStatus,
      headers: { 'content-type': 'application/json; charset=UTF-8', 'x-amzn-errortype': WAF_CHOICES.blockErrorType },
      body: JSON.stringify(WAF_CHOICES.blockBody),
    };
  }
  // A custom response: its code, its body, and its headers with WAF's x-amzn-waf- prefix.
  const stored = custom.CustomResponseBodyKey ? acl.customBodies[custom.CustomResponseBodyKey] : undefined;
  const type = stored?.ContentType === 'APPLICATION_JSON' ? 'application/json' : stored?.ContentType === 'TEXT_HTML' ? 'text/html' : 'text/plain';
  const headers: Record<string, string> = stored ? { 'content-type': type } : {};
  for (const h of custom.ResponseHeaders ?? []) headers[`x-amzn-waf-${h.Name.toLowerCase()}`] = h.Value;
  return { allowed: false, rule, status: Number(custom.ResponseCode), headers, body: stored?.Content ?? '' };
}

export function createWaf(templateFile: string, now: () => number): Waf | undefined {
  const acl = loadWebAcl(templateFile);
  if (!acl) return undefined;
  const rates = new RateCounter();

  /** A rate-based rule matches once its key has made more than Limit requests in the window. */
  const rateExceeded = (rule: string, spec: JsonObject, request: WafRequest): boolean => {
    if (isObject(spec.ScopeDownStatement) && !matches(spec.ScopeDownStatement, request)) return false;
    let key: string | undefined;
    if (spec.AggregateKeyType === 'CONSTANT') key = '';
    else if (spec.AggregateKeyType === 'FORWARDED_IP') {
      const config = isObject(spec.ForwardedIPConfig) ? spec.ForwardedIPConfig : {};
      key = firstForwardedIp(request.headers[String(config.HeaderName ?? 'x-forwarded-for').toLowerCase()]);
      if (key === undefined) return config.FallbackBehavior === 'MATCH';
    } else key = request.ip;
    const windowSeconds = typeof spec.EvaluationWindowSec === 'number' ? spec.EvaluationWindowSec : WAF_CHOICES.defaultRateWindowSeconds;
    return rates.count(`${rule}\u0000${key}`, now(), windowSeconds * 1000) > Number(spec.Limit);
  };

  return {
    name: acl.name,
    applied: acl.rules.map((r) => r.name),
    skipped: acl.skipped,
    inspect(request) {
      for (const rule of acl.rules) {
        const rate = rule.statement.RateBasedStatement;
        const hit = isObject(rate) ? rateExceeded(rule.name, rate, request) : matches(rule.statement, request);
        if (!hit) continue;
        if (rule.action.kind === 'block') return blockResponse(acl, rule.name, rule.action);
        if (rule.action.kind === 'allow') return { allowed: true };
      }
      return acl.defaultAction.kind === 'block' ? blockResponse(acl, 'DefaultAction', acl.defaultAction) : { allowed: true };
    },
  };
}

/** The start-up lines: which rules apply offline and which are skipped, with why. */
export function describeWaf(waf: Waf | undefined, enabled: boolean): string[] {
  if (!enabled) return ['[waf] off: the web ACL is not applied (TOLLGATE_WAF=off)'];
  if (!waf) return ['[waf] no web ACL in the template'];
  return [
    `[waf] web ACL ${waf.name}: applying ${waf.applied.length ? waf.applied.join(', ') : 'no rule'}`,
    ...waf.skipped.map((s) => `[waf] skipped ${s.name}: ${s.reason}`),
  ];
}

/** What WAF sees of a request: the client address, method, path, query, headers and body. */
export function wafRequest(req: IncomingMessage, url: URL, body: string | null): WafRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return {
    ip: clientIp(req.socket.remoteAddress),
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.search.slice(1),
    headers,
    body: body === null ? null : Buffer.from(body, 'utf8'),
    // A body too large to read is larger than anything WAF inspects.
    bodyBytes: body === null ? Number.MAX_SAFE_INTEGER : Buffer.byteLength(body, 'utf8'),
  };
}
