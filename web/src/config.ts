// What a page needs to know about the API it talks to. The emulator writes it into the page it
// serves; `npm run build:web` writes it into the static build. Read by the browser and by Node.

/** Bounds the API enforces on a prompt, so the page can refuse what the API would refuse. */
export interface PromptLimits {
  /** Longest prompt in Unicode code points: the stack's MAX_PROMPT_CHARS (lib/validate-prompt.ts). */
  maxPromptChars: number;
  /** Largest maxTokens of a blocking prompt (sendPrompt), and its default: the stack's MAX_OUTPUT_TOKENS (lib/validate-prompt.ts). */
  maxOutputTokens: number;
  /** Largest maxTokens of a streamed prompt (startPrompt), and its default: the stack's STREAM_MAX_OUTPUT_TOKENS (lib/validate-prompt.ts). */
  streamMaxOutputTokens: number;
  /** temperature bounds: the prompt's validation (lib/validate-prompt.ts) refuses values outside 0…1 (test/unit/web-config.test.ts checks it). */
  temperature: { min: number; max: number };
}

export interface WebConfig {
  stackName: string;
  /** The GraphQL endpoint: absolute, or a path on the page's own origin ("/graphql"). */
  graphqlUrl: string;
  /** The real-time endpoint; derived from graphqlUrl when absent (see realtimeUrlFor). */
  realtimeUrl?: string;
  /** The public API key, sent only with register and login. */
  apiKey: string;
  limits: PromptLimits;
  /** The API view's stylesheet, loaded with its code when the view opens. */
  apiViewCss: string;
}

/** temperature's bounds as resolvers/lib/validate-prompt.ts checks them. */
export const TEMPERATURE_BOUNDS = { min: 0, max: 1 } as const;

/** The limits from the API's resolver environment (the template's MAX_PROMPT_CHARS, MAX_OUTPUT_TOKENS, STREAM_MAX_OUTPUT_TOKENS). */
export function limitsFromEnvironment(env: Record<string, unknown>): PromptLimits {
  const number = (name: string): number => {
    const value = Number(env[name]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`The API's environment has no usable ${name} (received ${JSON.stringify(env[name])}).`);
    return value;
  };
  return {
    maxPromptChars: number('MAX_PROMPT_CHARS'),
    maxOutputTokens: number('MAX_OUTPUT_TOKENS'),
    streamMaxOutputTokens: number('STREAM_MAX_OUTPUT_TOKENS'),
    temperature: { ...TEMPERATURE_BOUNDS },
  };
}

const AWS_GRAPHQL = /^https:\/\/(\w{26})\.appsync-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/graphql$/;

/**
 * AppSync's real-time endpoint for a GraphQL URL: on an AppSync domain the host's `appsync-api`
 * becomes `appsync-realtime-api`; anywhere else (a custom domain, the emulator) `/realtime` is
 * appended — https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html,
 * checked 2026-11-30. http becomes ws and https wss.
 */
export function realtimeUrlFor(graphqlUrl: string): string {
  const url = new URL(graphqlUrl);
  if (AWS_GRAPHQL.test(url.href)) {
    url.hostname = url.hostname.replace('.appsync-api.', '.appsync-realtime-api.');
  } else {
    url.pathname = url.pathname.replace(/\/$/, '') + '/realtime';
  }
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/**
 * The Content-Security-Policy of the page: scripts, styles and images from its own origin only;
 * network requests (connect-src) to its own origin and the configured API, over HTTP(S) and its
 * real-time WebSocket endpoint, and nowhere else. GraphiQL's stylesheet carries its fonts and
 * icons as data: URLs.
 */
export function contentSecurityPolicy(apiOrigins: { graphqlUrl: string; realtimeUrl: string }, delivery: 'header' | 'meta' = 'header'): string {
  const connect = new Set(["'self'", new URL(apiOrigins.graphqlUrl).origin, new URL(apiOrigins.realtimeUrl).origin]);
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src ${[...connect].join(' ')}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ];
  // Browsers ignore frame-ancestors in a <meta> policy (and say so on the console): only a header can carry it.
  if (delivery === 'header') directives.push("frame-ancestors 'none'");
  return directives.join('; ');
}
