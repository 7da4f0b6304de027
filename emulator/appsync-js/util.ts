// The `util`, `runtime` and `extensions` objects AppSync injects into APPSYNC_JS code (the npm package only has stubs).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Extensions, Util as AwsUtil, runtime as awsRuntime } from '@aws-appsync/utils';
import {
  isPlainObject,
  renderFilterObject,
  toDynamoDB,
  toMapValues,
  type DynamoDbAttributeMap,
  type DynamoDbAttributeValue,
} from './dynamodb-values.ts';
import { EarlyReturn, UtilError, type ResolverErrorRecord } from './signals.ts';

export interface RuntimeHooks {
  /** Epoch milliseconds from the emulator's clock; every time-dependent util reads it. */
  now(): number;
  /** "Lambda Authorization" | "API Key Authorization". */
  authType(): string;
  fieldInfo(): { fieldName: string; parentTypeName: string };
  appendError(record: ResolverErrorRecord): void;
  log?(level: 'log' | 'error', args: unknown[]): void;
  /** extensions.* calls (subscription filters, invalidations) go here when given, else to records. */
  extension?(name: string, args: unknown[]): void;
}

/**
 * Fails to compile when `Impl` lacks a member that `@aws-appsync/utils` declares. Member *types*
 * are not checked here: the published types promise `never` from util.error and `{N: string}` from
 * util.dynamodb, neither of which is what AWS does at run time.
 */
type Covers<Declared, Impl extends Record<keyof Declared, unknown>> = Impl;

export interface DynamoDbUtil {
  toDynamoDB(value: unknown): DynamoDbAttributeValue;
  toString(value: string | null | undefined): { S: string } | null;
  toStringSet(values: string[] | null | undefined): { SS: string[] } | null;
  toNumber(value: number | null | undefined): { N: number } | null;
  toNumberSet(values: number[] | null | undefined): { NS: number[] } | null;
  toBinary(value: string | null | undefined): { B: string } | null;
  toBinarySet(values: string[] | null | undefined): { BS: string[] } | null;
  toBoolean(value: boolean | null | undefined): { BOOL: boolean } | null;
  toNull(): { NULL: null };
  toList(value: unknown): { L: DynamoDbAttributeValue[] } | null;
  toMap(value: unknown): { M: DynamoDbAttributeMap } | null;
  toMapValues(value: unknown): DynamoDbAttributeMap | null;
  toS3Object(key: string, bucket: string, region: string, version?: string): { S: string } | null;
  fromS3ObjectJson(value: string): Record<string, unknown> | null;
}

export interface TransformUtil {
  toDynamoDBFilterExpression(filter: unknown): string | null;
  toDynamoDBConditionExpression(condition: unknown): string | null;
  toSubscriptionFilter(filter: unknown, ignoredFields?: string[], rules?: unknown): SubscriptionFilterShape;
  toElasticsearchQueryDSL(query: unknown): string;
}

export interface SubscriptionFilterShape {
  filterGroup: { filters: { fieldName: string; operator: string; value: unknown }[] }[];
}

/** Helpers AppSync documents for VTL's $util that resolvers ported to JS still call. */
export interface UtilTypeHelpers {
  isNull(value: unknown): boolean;
  isNullOrEmpty(value: unknown): boolean;
  isNullOrBlank(value: unknown): boolean;
  defaultIfNull<T, D>(value: T, fallback: D): T | D;
  defaultIfNullOrEmpty<T, D>(value: T, fallback: D): T | D;
  defaultIfNullOrBlank<T, D>(value: T, fallback: D): T | D;
  isString(value: unknown): boolean;
  isNumber(value: unknown): boolean;
  isBoolean(value: unknown): boolean;
  isList(value: unknown): boolean;
  isMap(value: unknown): boolean;
  typeOf(value: unknown): string;
}

export type Util = Covers<
  AwsUtil,
  UtilTypeHelpers & {
    escapeJavaScript(value: string): string;
    urlEncode(value: string): string;
    urlDecode(value: string): string;
    base64Encode(value: string): string;
    base64Decode(value: string): string;
    autoId(): string;
    autoUlid(): string;
    autoKsuid(): string;
    unauthorized(): never;
    error(message: unknown, errorType?: unknown, data?: unknown, errorInfo?: unknown): undefined;
    appendError(message: unknown, errorType?: unknown, data?: unknown, errorInfo?: unknown): void;
    matches(pattern: string, value: string): boolean;
    authType(): string;
    time: AwsUtil['time'];
    dynamodb: Covers<AwsUtil['dynamodb'], DynamoDbUtil>;
    rds: AwsUtil['rds'];
    http: AwsUtil['http'];
    xml: AwsUtil['xml'];
    transform: Covers<AwsUtil['transform'], TransformUtil>;
    math: AwsUtil['math'];
    str: AwsUtil['str'];
  }
>;

export type Runtime = typeof awsRuntime;

export interface RecordedCall {
  name: string;
  args: unknown[];
}

/** What the handler asked for that the emulator does not act on (response headers; extension calls without a hook). */
export interface RuntimeRecords {
  responseHeaders: { name: string; value: unknown }[];
  extensionCalls: RecordedCall[];
}

export interface RuntimeModule {
  util: Util;
  runtime: Runtime;
  extensions: Extensions;
  /** Routed to hooks.log, so `console.log` in resolver code ends up where EvaluateCode would put it. */
  console: { log(...args: unknown[]): void; error(...args: unknown[]): void; warn(...args: unknown[]): void; info(...args: unknown[]): void; debug(...args: unknown[]): void };
  records: RuntimeRecords;
}

export function createRuntimeModule(hooks: RuntimeHooks): RuntimeModule {
  const records: RuntimeRecords = { responseHeaders: [], extensionCalls: [] };

  const util: Util = {
    ...typeHelpers,
    escapeJavaScript,
    urlEncode,
    urlDecode,
    base64Encode: (value) => Buffer.from(String(value), 'utf8').toString('base64'),
    base64Decode: (value) => Buffer.from(String(value), 'base64').toString('utf8'),
    autoId: () => randomUUID(),
    autoUlid: () => ulid(hooks.now()),
    autoKsuid: () => ksuid(hooks.now()),
    unauthorized(): never {
      const { fieldName, parentTypeName } = hooks.fieldInfo();
      throw new UtilError({
        message: `Not Authorized to access ${fieldName} on type ${parentTypeName}`,
        errorType: 'Unauthorized',
        data: null,
        errorInfo: null,
      });
    },
    error(message, errorType, data, errorInfo) {
      const record = errorRecord(message, errorType, data, errorInfo);
      // AppSync silently ignores util.error with a non-string message or type (aws-appsync-community#384).
      if (record === undefined) return undefined;
      throw new UtilError(record);
    },
    appendError(message, errorType, data, errorInfo) {
      const record = errorRecord(message, errorType, data, errorInfo);
      if (record !== undefined) hooks.appendError(record);
    },
    matches: (pattern, value) => new RegExp(`^(?:${pattern})$`).test(String(value)),
    authType: () => hooks.authType(),
    time: createTimeUtils(hooks.now),
    dynamodb: dynamoDbUtil,
    rds: {
      toJsonObject: () => unsupported('util.rds.toJsonObject'),
    },
    http: {
      copyHeaders: (headers) => copyHeaders(headers),
      addResponseHeader(name, value) {
        records.responseHeaders.push({ name: String(name), value });
      },
      addResponseHeaders(headers) {
        if (!isPlainObject(headers)) return;
        for (const [name, value] of Object.entries(headers)) records.responseHeaders.push({ name, value });
      },
    },
    xml: {
      toMap: () => unsupported('util.xml.toMap'),
      toJsonString: () => unsupported('util.xml.toJsonString'),
    },
    transform: transformUtil,
    math: {
      roundNum: (value) => Math.round(value),
      minVal: (a, b) => Math.min(a, b),
      maxVal: (a, b) => Math.max(a, b),
      randomDouble: () => Math.random(),
      randomWithinRange: (start, end) => {
        const low = Math.ceil(Math.min(start, end));
        const high = Math.floor(Math.max(start, end));
        return low + Math.floor(Math.random() * (high - low + 1));
      },
    },
    str: {
      normalize: (value, form) => String(value).normalize(String(form).toUpperCase()),
    },
  };

  const runtime: Runtime = {
    earlyReturn(value?: unknown, options?: { skipTo: 'END' | 'NEXT' }): never {
      const skipTo = options?.skipTo === 'END' || options?.skipTo === 'NEXT' ? options.skipTo : undefined;
      throw new EarlyReturn(value, skipTo);
    },
  };

  const record =
    (name: string) =>
    (...args: unknown[]): void => {
      // AppSync reads the filter when the handler returns: a later change by the handler must not leak in.
      const copy = args.map((a) => snapshot(a));
      if (hooks.extension) hooks.extension(name, copy);
      else records.extensionCalls.push({ name, args: copy });
    };
  const extensions = {
    evictFromApiCache: record('evictFromApiCache'),
    setSubscriptionFilter: record('setSubscriptionFilter'),
    setSubscriptionInvalidationFilter: record('setSubscriptionInvalidationFilter'),
    invalidateSubscriptions: record('invalidateSubscriptions'),
  } satisfies Extensions;

  const log =
    (level: 'log' | 'error') =>
    (...args: unknown[]): void => {
      hooks.log?.(level, args);
    };
  const consoleModule = { log: log('log'), info: log('log'), debug: log('log'), warn: log('error'), error: log('error') };

  return { util, runtime, extensions, console: consoleModule, records };
}

function unsupported(name: string): never {
  throw new Error(`${name} is not supported by the Tollgate emulator`);
}

/** The error entry util.error/appendError would add, or undefined when AppSync would ignore the call. */
function errorRecord(message: unknown, errorType: unknown, data: unknown, errorInfo: unknown): ResolverErrorRecord | undefined {
  if (typeof message !== 'string') return undefined;
  if (errorType !== undefined && errorType !== null && typeof errorType !== 'string') return undefined;
  return {
    message,
    errorType: errorType ?? null,
    // AppSync serialises the error when it is raised, so later mutation by the handler must not leak in.
    data: snapshot(data),
    errorInfo: snapshot(errorInfo),
  };
}

function snapshot(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  const json = JSON.stringify(value);
  return json === undefined ? null : (JSON.parse(json) as unknown);
}

// ---------------------------------------------------------------------------------------------
// Strings

/** Commons-lang `StringEscapeUtils.escapeEcmaScript`, which AppSync's Java side uses. */
function escapeJavaScript(value: string): string {
  let out = '';
  for (const char of String(value)) {
    const code = char.codePointAt(0) ?? 0;
    switch (char) {
      case "'":
      case '"':
      case '\\':
      case '/':
        out += `\\${char}`;
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\r':
        out += '\\r';
        continue;
    }
    if (code >= 0x20 && code < 0x7f) {
      out += char;
    } else {
      for (let i = 0; i < char.length; i += 1) out += `\\u${char.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
  return out;
}

/** Java `URLEncoder.encode(s, UTF-8)`: form encoding, so spaces become `+` and only `.-*_` stay bare. */
function urlEncode(value: string): string {
  return encodeURIComponent(String(value))
    .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function urlDecode(value: string): string {
  return decodeURIComponent(String(value).replace(/\+/g, ' '));
}

// Hop-by-hop and AWS-reserved headers must not be forwarded to an HTTP data source.
const UNCOPYABLE_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

function copyHeaders(headers: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(headers)) return out;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (UNCOPYABLE_HEADERS.has(lower) || lower.startsWith('x-amz-') || lower.startsWith('x-amzn-')) continue;
    out[name] = value;
  }
  return out;
}

const typeHelpers: UtilTypeHelpers = {
  isNull: (value) => value === null || value === undefined,
  isNullOrEmpty: (value) => value === null || value === undefined || value === '',
  isNullOrBlank: (value) => value === null || value === undefined || (typeof value === 'string' && value.trim() === ''),
  defaultIfNull: (value, fallback) => (value === null || value === undefined ? fallback : value),
  defaultIfNullOrEmpty: (value, fallback) => (value === null || value === undefined || value === '' ? fallback : value),
  defaultIfNullOrBlank: (value, fallback) =>
    value === null || value === undefined || (typeof value === 'string' && value.trim() === '') ? fallback : value,
  isString: (value) => typeof value === 'string',
  isNumber: (value) => typeof value === 'number',
  isBoolean: (value) => typeof value === 'boolean',
  isList: (value) => Array.isArray(value),
  isMap: (value) => isPlainObject(value),
  // The names VTL's $util.typeOf returns.
  typeOf: (value) => {
    if (value === null || value === undefined) return 'Null';
    if (typeof value === 'string') return 'String';
    if (typeof value === 'number') return 'Number';
    if (typeof value === 'boolean') return 'Boolean';
    if (Array.isArray(value)) return 'List';
    if (isPlainObject(value)) return 'Map';
    return 'Object';
  },
};

// ---------------------------------------------------------------------------------------------
// Identifiers

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KSUID_EPOCH_SECONDS = 1_400_000_000;

/** 48-bit millisecond time then 80 random bits, Crockford base32, 26 characters. */
function ulid(nowMs: number): string {
  let time = Math.max(0, Math.floor(nowMs));
  let timePart = '';
  for (let i = 0; i < 10; i += 1) {
    timePart = CROCKFORD[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  let randomPart = '';
  for (const byte of randomBytes(16)) randomPart += CROCKFORD[byte & 31];
  return timePart + randomPart;
}

/** 32-bit seconds since the KSUID epoch then 128 random bits, base62, 27 characters. */
function ksuid(nowMs: number): string {
  const payload = Buffer.alloc(20);
  const seconds = Math.floor(nowMs / 1000) - KSUID_EPOCH_SECONDS;
  payload.writeUInt32BE(Math.min(Math.max(seconds, 0), 0xffffffff), 0);
  randomBytes(16).copy(payload, 4);
  let n = BigInt(`0x${payload.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(27, '0');
}

// ---------------------------------------------------------------------------------------------
// util.dynamodb and util.transform

const dynamoDbUtil: DynamoDbUtil = {
  toDynamoDB: (value) => toDynamoDB(value),
  toString: (value) => (value === null || value === undefined ? null : { S: value }),
  toStringSet: (values) => (values === null || values === undefined ? null : { SS: [...values] }),
  toNumber: (value) => (value === null || value === undefined ? null : { N: value }),
  toNumberSet: (values) => (values === null || values === undefined ? null : { NS: [...values] }),
  toBinary: (value) => (value === null || value === undefined ? null : { B: value }),
  toBinarySet: (values) => (values === null || values === undefined ? null : { BS: [...values] }),
  toBoolean: (value) => (value === null || value === undefined ? null : { BOOL: value }),
  toNull: () => ({ NULL: null }),
  toList: (value) => (Array.isArray(value) ? { L: value.map((item: unknown) => toDynamoDB(item)) } : null),
  toMap: (value) => {
    const values = toMapValues(value);
    return values === null ? null : { M: values };
  },
  toMapValues: (value) => toMapValues(value),
  toS3Object: (key, bucket, region, version) => ({
    S: JSON.stringify({ s3: version === undefined ? { key, bucket, region } : { key, bucket, region, version } }),
  }),
  fromS3ObjectJson: (value) => {
    const parsed: unknown = JSON.parse(String(value));
    return isPlainObject(parsed) && isPlainObject(parsed.s3) ? parsed.s3 : null;
  },
};

const transformUtil: TransformUtil = {
  toDynamoDBFilterExpression: (filter) => stringifyRendered(filter),
  // Both entry points rendered every recorded input identically on AWS (localstack/appsync-utils transform tests).
  toDynamoDBConditionExpression: (condition) => stringifyRendered(condition),
  toSubscriptionFilter: (filter, ignoredFields, rules) => toSubscriptionFilter(filter, ignoredFields ?? [], rules),
  toElasticsearchQueryDSL: () => unsupported('util.transform.toElasticsearchQueryDSL'),
};

function stringifyRendered(filter: unknown): string | null {
  const rendered = renderFilterObject(filter);
  return rendered === null ? null : JSON.stringify(rendered);
}

type SubscriptionFilterEntry = SubscriptionFilterShape['filterGroup'][number]['filters'][number];

/**
 * {field: {op: value}}, and/or lists → OR-of-ANDs: operators on one field and `or` members become
 * alternatives; each `rules` entry is appended to every alternative (TF, checked 2026-11-30:
 * https://docs.aws.amazon.com/appsync/latest/devguide/transformation-helpers-in-utils-transform-js.html).
 */
function toSubscriptionFilter(filter: unknown, ignoredFields: string[], rules: unknown): SubscriptionFilterShape {
  const base = subscriptionAlternatives(filter, new Set(ignoredFields));
  const ruleEntries = isPlainObject(rules) ? subscriptionAlternatives(rules, new Set()).flat() : [];
  const groups = ruleEntries.length === 0 ? base : base.flatMap((filters) => ruleEntries.map((rule) => [...filters, rule]));
  return { filterGroup: groups.map((filters) => ({ filters })) };
}

function subscriptionAlternatives(filter: unknown, ignored: ReadonlySet<string>): SubscriptionFilterEntry[][] {
  if (!isPlainObject(filter)) return [[]];
  let alternatives: SubscriptionFilterEntry[][] = [[]];
  const combine = (next: SubscriptionFilterEntry[][]): void => {
    alternatives = alternatives.flatMap((left) => next.map((right) => [...left, ...right]));
  };
  for (const [key, value] of Object.entries(filter)) {
    if (ignored.has(key) || value === undefined) continue;
    if (key === 'or' && Array.isArray(value)) {
      combine(value.flatMap((member: unknown) => subscriptionAlternatives(member, ignored)));
    } else if (key === 'and' && Array.isArray(value)) {
      for (const member of value) combine(subscriptionAlternatives(member, ignored));
    } else if (isPlainObject(value)) {
      combine([Object.entries(value).map(([operator, operand]) => ({ fieldName: key, operator, value: operand }))]);
    }
  }
  return alternatives;
}

// ---------------------------------------------------------------------------------------------
// util.time: Java DateTimeFormatter patterns over IANA zones

function createTimeUtils(now: () => number): AwsUtil['time'] {
  return {
    nowISO8601: () => new Date(now()).toISOString(),
    nowEpochSeconds: () => Math.floor(now() / 1000),
    nowEpochMilliSeconds: () => now(),
    nowFormatted: (pattern: string, timezone?: string) => formatEpochMillis(now(), pattern, timezone),
    parseFormattedToEpochMilliSeconds: (timestamp: string, pattern: string, timezone?: string) =>
      parseFormatted(timestamp, pattern, timezone),
    parseISO8601ToEpochMilliSeconds: (timestamp) => {
      const ms = Date.parse(String(timestamp));
      if (Number.isNaN(ms)) throw new Error(`Text '${timestamp}' could not be parsed as an ISO 8601 timestamp`);
      return ms;
    },
    epochMilliSecondsToSeconds: (ms) => Math.trunc(ms / 1000),
    epochMilliSecondsToISO8601: (ms) => new Date(ms).toISOString(),
    epochMilliSecondsToFormatted: (ms: number, pattern: string, timezone?: string) => formatEpochMillis(ms, pattern, timezone),
  };
}

type PatternToken = { kind: 'literal'; text: string } | { kind: 'field'; letter: string; count: number };

function tokenizePattern(pattern: string): PatternToken[] {
  const tokens: PatternToken[] = [];
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === "'") {
      if (pattern[i + 1] === "'") {
        tokens.push({ kind: 'literal', text: "'" });
        i += 2;
        continue;
      }
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw new Error(`Pattern ends with an incomplete string literal: ${pattern}`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j += 1;
      }
      tokens.push({ kind: 'literal', text });
      i = j + 1;
    } else if (/[A-Za-z]/.test(char)) {
      let j = i;
      while (pattern[j] === char) j += 1;
      tokens.push({ kind: 'field', letter: char, count: j - i });
      i = j;
    } else if (char === '[' || char === ']') {
      // Optional sections: every field is always available when formatting, so print their content.
      i += 1;
    } else {
      tokens.push({ kind: 'literal', text: char });
      i += 1;
    }
  }
  return tokens;
}

interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** ISO day of week, Monday = 1. */
  weekday: number;
  offsetMinutes: number;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormatters.set(zone, formatter);
  }
  return formatter;
}

/** Builds a UTC instant from calendar fields without Date.UTC's two-digit-year remapping. */
function utcFromFields(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

function zonedParts(epochMs: number, zone: string): ZonedParts {
  const fields: Record<string, number> = {};
  for (const part of partsFormatter(zone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const millisecond = ((epochMs % 1000) + 1000) % 1000;
  const wallMs = utcFromFields(fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second, millisecond);
  const weekday = new Date(wallMs).getUTCDay();
  return {
    year: fields.year,
    month: fields.month,
    day: fields.day,
    hour: fields.hour,
    minute: fields.minute,
    second: fields.second,
    millisecond,
    weekday: weekday === 0 ? 7 : weekday,
    offsetMinutes: Math.round((wallMs - epochMs) / 60_000),
  };
}

function zoneName(epochMs: number, zone: string, style: 'short' | 'long'): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: style }).formatToParts(new Date(epochMs));
  return parts.find((part) => part.type === 'timeZoneName')?.value ?? zone;
}

function pad(value: number, width: number): string {
  const sign = value < 0 ? '-' : '';
  return sign + String(Math.abs(value)).padStart(width, '0');
}

function formatOffset(offsetMinutes: number, withColon: boolean, minutesOptional: boolean): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const hours = Math.floor(Math.abs(offsetMinutes) / 60);
  const minutes = Math.abs(offsetMinutes) % 60;
  if (minutesOptional && minutes === 0) return `${sign}${pad(hours, 2)}`;
  return `${sign}${pad(hours, 2)}${withColon ? ':' : ''}${pad(minutes, 2)}`;
}

function unsupportedLetter(letter: string, count: number): never {
  throw new Error(`Pattern letters '${letter.repeat(count)}' are not supported by the Tollgate emulator's util.time`);
}

function formatEpochMillis(epochMs: number, pattern: string, timezone?: string): string {
  const zone = timezone ?? 'UTC';
  const parts = zonedParts(epochMs, zone);
  let out = '';
  for (const token of tokenizePattern(String(pattern))) {
    out += token.kind === 'literal' ? token.text : formatField(token.letter, token.count, parts, epochMs, zone);
  }
  return out;
}

function formatField(letter: string, count: number, p: ZonedParts, epochMs: number, zone: string): string {
  switch (letter) {
    case 'y':
    case 'u':
      return count === 2 ? pad(p.year % 100, 2) : pad(p.year, count);
    case 'M':
    case 'L':
      if (count <= 2) return pad(p.month, count);
      if (count === 3) return MONTHS[p.month - 1].slice(0, 3);
      if (count === 4) return MONTHS[p.month - 1];
      return MONTHS[p.month - 1][0];
    case 'd':
      return pad(p.day, count);
    case 'D': {
      const dayOfYear = Math.round((utcFromFields(p.year, p.month, p.day, 0, 0, 0, 0) - utcFromFields(p.year, 1, 1, 0, 0, 0, 0)) / 86_400_000) + 1;
      return pad(dayOfYear, count);
    }
    case 'H':
      return pad(p.hour, count);
    case 'k':
      return pad(p.hour === 0 ? 24 : p.hour, count);
    case 'h':
      return pad(p.hour % 12 === 0 ? 12 : p.hour % 12, count);
    case 'K':
      return pad(p.hour % 12, count);
    case 'm':
      return pad(p.minute, count);
    case 's':
      return pad(p.second, count);
    case 'S':
      return pad(p.millisecond, 3).padEnd(count, '0').slice(0, count);
    case 'n':
      return pad(p.millisecond * 1_000_000, count);
    case 'A':
      return pad(((p.hour * 60 + p.minute) * 60 + p.second) * 1000 + p.millisecond, count);
    case 'a':
      return p.hour < 12 ? 'AM' : 'PM';
    case 'E':
      if (count <= 3) return WEEKDAYS[p.weekday - 1].slice(0, 3);
      if (count === 4) return WEEKDAYS[p.weekday - 1];
      return WEEKDAYS[p.weekday - 1][0];
    case 'G':
      return count === 4 ? 'Anno Domini' : count === 5 ? 'A' : 'AD';
    case 'Q':
    case 'q': {
      const quarter = Math.floor((p.month - 1) / 3) + 1;
      if (count <= 2) return pad(quarter, count);
      return count === 3 ? `Q${quarter}` : `${['1st', '2nd', '3rd', '4th'][quarter - 1]} quarter`;
    }
    case 'Z':
      if (count <= 3) return formatOffset(p.offsetMinutes, false, false);
      if (count === 4) return p.offsetMinutes === 0 ? 'GMT' : `GMT${formatOffset(p.offsetMinutes, true, false)}`;
      return p.offsetMinutes === 0 ? 'Z' : formatOffset(p.offsetMinutes, true, false);
    case 'X':
    case 'x':
      if (letter === 'X' && p.offsetMinutes === 0) return 'Z';
      if (count === 1) return formatOffset(p.offsetMinutes, false, true);
      return formatOffset(p.offsetMinutes, count === 3 || count === 5, false);
    case 'O':
      if (p.offsetMinutes === 0) return 'GMT';
      if (count === 4) return `GMT${formatOffset(p.offsetMinutes, true, false)}`;
      return `GMT${formatOffset(p.offsetMinutes, true, true).replace(/^([+-])0(\d)/, '$1$2')}`;
    case 'z':
      return zoneName(epochMs, zone, count === 4 ? 'long' : 'short');
    case 'V':
      return zone;
    default:
      return unsupportedLetter(letter, count);
  }
}

type FieldCapture = (value: string, fields: ParsedFields) => void;

interface ParsedFields {
  year?: number;
  month?: number;
  day?: number;
  dayOfYear?: number;
  hour?: number;
  clockHour?: number;
  pm?: boolean;
  minute?: number;
  second?: number;
  millisecond?: number;
  offsetMinutes?: number;
  zone?: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function digits(count: number, maxWhenSingle: number): string {
  return count === 1 ? `(\\d{1,${maxWhenSingle}})` : `(\\d{${count}})`;
}

function parseOffset(text: string): number {
  if (text === 'Z' || text === 'GMT' || text === 'UTC') return 0;
  const match = /^(?:GMT|UTC)?([+-])(\d{1,2}):?(\d{2})?$/.exec(text);
  if (match === null) throw new Error(`Unparseable offset '${text}'`);
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? '0');
  return match[1] === '-' ? -minutes : minutes;
}

function nameAlternatives(names: readonly string[], length: number | undefined): string {
  return `(${names.map((name) => (length === undefined ? name : name.slice(0, length))).join('|')})`;
}

function indexOfName(names: readonly string[], value: string, length: number | undefined): number {
  return names.findIndex((name) => (length === undefined ? name : name.slice(0, length)).toLowerCase() === value.toLowerCase());
}

function parseField(letter: string, count: number): { regex: string; capture: FieldCapture } {
  switch (letter) {
    case 'y':
    case 'u':
      if (count === 2) return { regex: '(\\d{2})', capture: (v, f) => (f.year = 2000 + Number(v)) };
      return { regex: count === 1 ? '(\\d+)' : `(\\d{${count},9})`, capture: (v, f) => (f.year = Number(v)) };
    case 'M':
    case 'L':
      if (count <= 2) return { regex: digits(count, 2), capture: (v, f) => (f.month = Number(v)) };
      if (count === 3) return { regex: nameAlternatives(MONTHS, 3), capture: (v, f) => (f.month = indexOfName(MONTHS, v, 3) + 1) };
      return { regex: nameAlternatives(MONTHS, undefined), capture: (v, f) => (f.month = indexOfName(MONTHS, v, undefined) + 1) };
    case 'd':
      return { regex: digits(count, 2), capture: (v, f) => (f.day = Number(v)) };
    case 'D':
      return { regex: digits(count, 3), capture: (v, f) => (f.dayOfYear = Number(v)) };
    case 'H':
      return { regex: digits(count, 2), capture: (v, f) => (f.hour = Number(v)) };
    case 'k':
      return { regex: digits(count, 2), capture: (v, f) => (f.hour = Number(v) % 24) };
    case 'h':
      return { regex: digits(count, 2), capture: (v, f) => (f.clockHour = Number(v) % 12) };
    case 'K':
      return { regex: digits(count, 2), capture: (v, f) => (f.clockHour = Number(v)) };
    case 'm':
      return { regex: digits(count, 2), capture: (v, f) => (f.minute = Number(v)) };
    case 's':
      return { regex: digits(count, 2), capture: (v, f) => (f.second = Number(v)) };
    case 'S':
      return { regex: `(\\d{${count}})`, capture: (v, f) => (f.millisecond = Number(v.padEnd(3, '0').slice(0, 3))) };
    case 'n':
      return { regex: '(\\d{1,9})', capture: (v, f) => (f.millisecond = Math.floor(Number(v) / 1_000_000)) };
    case 'a':
      return { regex: '(AM|PM)', capture: (v, f) => (f.pm = v.toUpperCase() === 'PM') };
    case 'E':
      return { regex: count === 4 ? nameAlternatives(WEEKDAYS, undefined) : nameAlternatives(WEEKDAYS, count <= 3 ? 3 : 1), capture: () => undefined };
    case 'G':
      return { regex: '(AD|BC|Anno Domini|A|B)', capture: () => undefined };
    case 'Z':
      if (count <= 3) return { regex: '([+-]\\d{4})', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
      if (count === 4) return { regex: '(GMT(?:[+-]\\d{2}:\\d{2})?)', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
      return { regex: '(Z|[+-]\\d{2}:\\d{2})', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
    case 'X':
      return { regex: '(Z|[+-]\\d{2}(?::?\\d{2})?)', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
    case 'x':
      return { regex: '([+-]\\d{2}(?::?\\d{2})?)', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
    case 'O':
      return { regex: '(GMT(?:[+-]\\d{1,2}(?::\\d{2})?)?)', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
    case 'z':
    case 'V':
      return {
        regex: '([A-Za-z][A-Za-z0-9_+\\-]*(?:/[A-Za-z0-9_+\\-]+)*)',
        capture: (v, f) => {
          if (v === 'Z' || v === 'UTC' || v === 'GMT') f.offsetMinutes = 0;
          else f.zone = v;
        },
      };
    default:
      return unsupportedLetter(letter, count);
  }
}

function parseFormatted(timestamp: string, pattern: string, timezone?: string): number {
  const captures: FieldCapture[] = [];
  let source = '';
  for (const token of tokenizePattern(String(pattern))) {
    if (token.kind === 'literal') {
      source += escapeRegExp(token.text);
    } else {
      const { regex, capture } = parseField(token.letter, token.count);
      source += regex;
      captures.push(capture);
    }
  }
  const match = new RegExp(`^${source}$`, 'i').exec(String(timestamp));
  if (match === null) throw new Error(`Text '${timestamp}' could not be parsed with pattern '${pattern}'`);
  const fields: ParsedFields = {};
  captures.forEach((capture, index) => capture(match[index + 1], fields));

  const year = fields.year ?? 1970;
  let month = fields.month ?? 1;
  let day = fields.day ?? 1;
  if (fields.dayOfYear !== undefined && fields.month === undefined && fields.day === undefined) {
    const date = new Date(utcFromFields(year, 1, 1, 0, 0, 0, 0) + (fields.dayOfYear - 1) * 86_400_000);
    month = date.getUTCMonth() + 1;
    day = date.getUTCDate();
  }
  const hour = fields.hour ?? (fields.clockHour !== undefined ? fields.clockHour + (fields.pm === true ? 12 : 0) : 0);
  const wall = utcFromFields(year, month, day, hour, fields.minute ?? 0, fields.second ?? 0, fields.millisecond ?? 0);

  if (fields.offsetMinutes !== undefined) return wall - fields.offsetMinutes * 60_000;
  const zone = fields.zone ?? timezone ?? 'UTC';
  // Two passes settle the offset even when the wall time sits next to a DST transition.
  const firstGuess = wall - zonedParts(wall, zone).offsetMinutes * 60_000;
  return wall - zonedParts(firstGuess, zone).offsetMinutes * 60_000;
}
