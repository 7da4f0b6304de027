// The caller's IP address as AppSync saw it. For API-key callers AppSync fills no identity (no
// sourceIp), so the only record is the X-Forwarded-For header, to which every proxy appends the
// address it was connected from. A client may send its own X-Forwarded-For; those entries stay in
// front and are never read here. AppSync's front end is CloudFront, which appends the client's
// address and is itself appended after it: resolvers saw
// `x-forwarded-for: <client>, <CloudFront>` with `via: … (CloudFront)`
// (https://github.com/awslabs/aws-mobile-appsync-sdk-js/issues/584, a 2020 report; checked
// 2026-11-30). AWS documents the same appending for the callers it does give a sourceIp (IAM,
// Cognito): "a list of IP addresses from the x-forwarded-for header, in addition to the IP address
// from the TCP connection", and for API_KEY "the identity field isn't populated"
// (https://docs.aws.amazon.com/appsync/latest/eventapi/context-reference.html, checked
// 2026-11-30). So the client is the entry FORWARDED_FOR_HOPS places from the right (a setting, in
// case AWS's front end changes: README, "Threat model").
import type { Context } from '@aws-appsync/utils';

/** No entry where the client's should be: every such request shares one key (fail closed). */
export const UNKNOWN_SOURCE = 'unknown';

export function sourceIpOf(ctx: Context): string {
  const value: unknown = (ctx.request.headers as Record<string, unknown>)['x-forwarded-for'];
  const raw = typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : '';
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const index = entries.length - 1 - Number(ctx.env.FORWARDED_FOR_HOPS);
  // An address is at most 45 characters (IPv6 with an IPv4 tail); the Lambda parses the rest.
  return index >= 0 ? entries[index].slice(0, 64) : UNKNOWN_SOURCE;
}
