// Evaluates WAFv2 match statements against one HTTP request the way AWS WAF does: the request
// component (FieldToMatch), its text transformations, then the statement's test; a statement
// matches when any inspected value does. AWS WAF Developer Guide, "Request components" and
// "Text transformations"; API reference JsonBody, ByteMatchStatement, SizeConstraintStatement
// (https://docs.aws.amazon.com/waf/latest/APIReference/API_JsonBody.html), checked 2026-11-30.
import { createHash } from 'node:crypto';
import { WAF_CHOICES } from '../appsync/choices.ts';
import type { Json, JsonObject } from './acl.ts';

export interface WafRequest {
  ip: string;
  method: string;
  /** The URI path, e.g. /graphql. */
  path: string;
  /** The raw query string without '?'. */
  query: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The body's bytes, or null when it was too large to read (its size is then over bodyBytes). */
  body: Buffer | null;
  bodyBytes: number;
}

/** What a component yields: values to test, or a verdict set by oversize or fallback handling. */
type Inspected = { kind: 'values'; values: string[] } | { kind: 'verdict'; match: boolean };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const verdict = (handling: Json | undefined, fallback: () => Inspected): Inspected =>
  handling === 'MATCH' ? { kind: 'verdict', match: true } : handling === 'NO_MATCH' ? { kind: 'verdict', match: false } : fallback();

/** WAF sees at most the first bodyInspectionLimitBytes of an AppSync body. */
function inspectedBody(request: WafRequest): { text: string; oversize: boolean } {
  const limit = WAF_CHOICES.bodyInspectionLimitBytes;
  const oversize = request.bodyBytes > limit;
  return { text: request.body ? request.body.subarray(0, limit).toString('utf8') : '', oversize };
}

/** Follows a JSON Pointer (RFC 6901) into a parsed body. */
function pointer(document: unknown, path: string): { found: boolean; value: unknown; key: string | undefined } {
  if (path === '' || path === '/') return { found: true, value: document, key: undefined };
  let value = document;
  let key: string | undefined;
  for (const raw of path.split('/').slice(1)) {
    key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value) && /^\d+$/.test(key)) value = value[Number(key)];
    else if (value !== null && typeof value === 'object' && Object.hasOwn(value, key)) value = (value as Record<string, unknown>)[key];
    else return { found: false, value: undefined, key };
  }
  return { found: true, value, key };
}

/** Keys and scalar values of a JSON subtree (scalars as their text). */
function elements(value: unknown, scope: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) elements(item, scope, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (scope !== 'VALUE') out.push(key);
      elements(inner, scope, out);
    }
  } else if (scope !== 'KEY') {
    out.push(typeof value === 'string' ? value : JSON.stringify(value));
  }
}

function jsonBody(spec: JsonObject, request: WafRequest): Inspected {
  const { text, oversize } = inspectedBody(request);
  if (oversize && spec.OversizeHandling !== undefined && spec.OversizeHandling !== 'CONTINUE') return verdict(spec.OversizeHandling, () => ({ kind: 'values', values: [] }));
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    if (spec.InvalidFallbackBehavior === 'EVALUATE_AS_STRING') return { kind: 'values', values: [text] };
    // Without a fallback WAF evaluates what it parsed before the failure; the emulator parses nothing.
    return verdict(spec.InvalidFallbackBehavior, () => ({ kind: 'values', values: [] }));
  }
  const scope = typeof spec.MatchScope === 'string' ? spec.MatchScope : 'ALL';
  const pattern: JsonObject = isObject(spec.MatchPattern) ? spec.MatchPattern : { All: {} };
  const values: string[] = [];
  if (isObject(pattern.All)) {
    elements(document, scope, values);
  } else {
    for (const path of (pattern.IncludedPaths as Json[] | undefined) ?? []) {
      const at = pointer(document, String(path));
      if (!at.found) continue;
      if (scope !== 'VALUE' && at.key !== undefined) values.push(at.key);
      elements(at.value, scope, values);
    }
  }
  return { kind: 'values', values };
}

function queryArguments(query: string): [string, string][] {
  return [...new URLSearchParams(query)];
}

function inspect(field: JsonObject, request: WafRequest): Inspected {
  const [kind, spec] = Object.entries(field)[0] as [string, Json];
  const options = isObject(spec) ? spec : {};
  switch (kind) {
    case 'Body': {
      const { text, oversize } = inspectedBody(request);
      return oversize ? verdict(options.OversizeHandling, () => ({ kind: 'values', values: [text] })) : { kind: 'values', values: [text] };
    }
    case 'JsonBody':
      return jsonBody(options, request);
    case 'SingleHeader': {
      const value = request.headers[String(options.Name).toLowerCase()];
      return { kind: 'values', values: value === undefined ? [] : [value] };
    }
    case 'UriPath':
      return { kind: 'values', values: [request.path] };
    case 'QueryString':
      return { kind: 'values', values: [request.query] };
    case 'Method':
      return { kind: 'values', values: [request.method] };
    case 'SingleQueryArgument': {
      const name = String(options.Name).toLowerCase();
      return { kind: 'values', values: queryArguments(request.query).filter(([k]) => k.toLowerCase() === name).map(([, v]) => v) };
    }
    case 'AllQueryArguments':
      return { kind: 'values', values: queryArguments(request.query).map(([, v]) => v) };
    default:
      throw new Error(`FieldToMatch ${kind} is not evaluated offline`);
  }
}

function transform(type: string, value: string): string {
  switch (type) {
    case 'NONE':
      return value;
    case 'LOWERCASE':
      return value.toLowerCase();
    case 'COMPRESS_WHITE_SPACE':
      return value.replace(/[\t\n\v\f\r \u00a0]+/g, ' ');
    case 'TRIM':
      return value.trim();
    case 'URL_DECODE':
    case 'URL_DECODE_UNI':
      return value.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})|%u([0-9a-fA-F]{4})/g, (whole, hex: string | undefined, uni: string | undefined) =>
        hex ? String.fromCharCode(parseInt(hex, 16)) : type === 'URL_DECODE_UNI' && uni ? String.fromCharCode(parseInt(uni, 16)) : whole,
      );
    case 'BASE64_DECODE':
      return Buffer.from(value, 'base64').toString('latin1');
    case 'HEX_DECODE':
      return Buffer.from(value.replace(/[^0-9a-fA-F]/g, ''), 'hex').toString('latin1');
    case 'REMOVE_NULLS':
      return value.replace(/\0/g, '');
    case 'REPLACE_NULLS':
      return value.replace(/\0/g, ' ');
    case 'NORMALIZE_PATH': {
      const parts: string[] = [];
      for (const part of value.replace(/\/{2,}/g, '/').split('/')) {
        if (part === '.') continue;
        if (part === '..') parts.pop();
        else parts.push(part);
      }
      return parts.join('/');
    }
    case 'CMD_LINE':
      return value.replace(/["'\\^]/g, '').replace(/\s*\/\s*|\s*\(\s*/g, (m) => m.trim()).replace(/[,;]/g, ' ').replace(/\s+/g, ' ').toLowerCase();
    case 'HTML_ENTITY_DECODE':
      return value
        .replace(/&#x([0-9a-f]+);?/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
        .replace(/&#(\d+);?/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
        .replace(/&(quot|amp|lt|gt|nbsp);/g, (_m, name: string) => ({ quot: '"', amp: '&', lt: '<', gt: '>', nbsp: '\u00a0' })[name as 'quot'] ?? _m);
    case 'JS_DECODE':
      return jsDecode(value);
    case 'MD5':
      return createHash('md5').update(value).digest().toString('latin1');
    default:
      throw new Error(`Text transformation ${type} is not evaluated offline`);
  }
}

/**
 * JS_DECODE as AWS WAF describes it (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-transformation.html,
 * checked 2026-11-30): JavaScript escape sequences are decoded; a \uHHHH in the full-width ASCII
 * range FF01–FF5E becomes its ASCII character (the higher byte adjusts the lower), any other keeps
 * only its lower byte. \xHH, octal \OOO and the one-letter escapes are decoded as in ModSecurity's
 * jsDecode, which WAF's description follows; a backslash before any other character is dropped.
 */
function jsDecode(value: string): string {
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
  return value.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|[\s\S])/g, (_whole, seq: string) => {
    if (seq.length === 5 && seq[0] === 'u') {
      const code = parseInt(seq.slice(1), 16);
      return String.fromCharCode(code >= 0xff01 && code <= 0xff5e ? (code & 0xff) + 0x20 : code & 0xff);
    }
    if (seq.length === 3 && seq[0] === 'x') return String.fromCharCode(parseInt(seq.slice(1), 16));
    if (/^[0-7]+$/.test(seq)) return String.fromCharCode(parseInt(seq, 8) & 0xff);
    return simple[seq] ?? seq;
  });
}

function transformed(spec: JsonObject, value: string): string {
  const steps = ((spec.TextTransformations as Json[] | undefined) ?? []).filter(isObject).sort((a, b) => Number(a.Priority) - Number(b.Priority));
  return steps.reduce((text, step) => transform(String(step.Type), text), value);
}

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && /[A-Za-z0-9_]/.test(char);
}

function byteMatch(spec: JsonObject, value: string): boolean {
  const search = typeof spec.SearchString === 'string' ? spec.SearchString : Buffer.from(String(spec.SearchStringBase64 ?? ''), 'base64').toString('latin1');
  switch (spec.PositionalConstraint) {
    case 'EXACTLY':
      return value === search;
    case 'STARTS_WITH':
      return value.startsWith(search);
    case 'ENDS_WITH':
      return value.endsWith(search);
    case 'CONTAINS_WORD': {
      for (let at = value.indexOf(search); at >= 0; at = value.indexOf(search, at + 1)) {
        if (!isWordChar(value[at - 1]) && !isWordChar(value[at + search.length])) return true;
      }
      return false;
    }
    default:
      return value.includes(search);
  }
}

function sizeMatch(spec: JsonObject, value: string): boolean {
  const size = Buffer.byteLength(value, 'utf8');
  const limit = Number(spec.Size);
  switch (spec.ComparisonOperator) {
    case 'EQ':
      return size === limit;
    case 'NE':
      return size !== limit;
    case 'LE':
      return size <= limit;
    case 'LT':
      return size < limit;
    case 'GE':
      return size >= limit;
    default:
      return size > limit;
  }
}

/** Size constraints on the body compare its whole size when WAF can see it (oversize handling aside). */
function bodySize(spec: JsonObject, request: WafRequest): Inspected | undefined {
  const field = isObject(spec.FieldToMatch) ? spec.FieldToMatch : {};
  if (!isObject(field.Body)) return undefined;
  const { text, oversize } = inspectedBody(request);
  return oversize ? verdict(field.Body.OversizeHandling, () => ({ kind: 'values', values: [text] })) : { kind: 'values', values: [text] };
}

/** Does this (non-rate-based) statement match? Rate-based statements are the caller's: they keep state. */
export function matches(statement: JsonObject, request: WafRequest): boolean {
  const [kind, raw] = Object.entries(statement)[0] as [string, Json];
  const spec = isObject(raw) ? raw : {};
  switch (kind) {
    case 'AndStatement':
      return ((spec.Statements as Json[] | undefined) ?? []).filter(isObject).every((s) => matches(s, request));
    case 'OrStatement':
      return ((spec.Statements as Json[] | undefined) ?? []).filter(isObject).some((s) => matches(s, request));
    case 'NotStatement':
      return isObject(spec.Statement) ? !matches(spec.Statement, request) : false;
    case 'ByteMatchStatement':
    case 'SizeConstraintStatement':
    case 'RegexMatchStatement': {
      const inspected = (kind === 'SizeConstraintStatement' && bodySize(spec, request)) || inspect(isObject(spec.FieldToMatch) ? spec.FieldToMatch : {}, request);
      if (inspected.kind === 'verdict') return inspected.match;
      const test =
        kind === 'ByteMatchStatement'
          ? (v: string) => byteMatch(spec, v)
          : kind === 'SizeConstraintStatement'
            ? (v: string) => sizeMatch(spec, v)
            : (v: string) => new RegExp(String(spec.RegexString)).test(v);
      return inspected.values.some((value) => test(transformed(spec, value)));
    }
    default:
      throw new Error(`${kind} is not evaluated offline`);
  }
}
