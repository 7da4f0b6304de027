// The Tollgate dev model: a deterministic stand-in for a Bedrock chat model, so local runs and tests need no AWS account.
import { createHash } from 'node:crypto';

export interface DevModelInput {
  modelId: string;
  messages: { role: string; content: { text?: string }[] }[];
  system?: { text?: string }[];
  maxTokens?: number;
  temperature?: number;
}

export interface DevModelReply {
  text: string;
  inputTokens: number;
  outputTokens: number;
  stopReason: 'end_turn' | 'max_tokens';
}

export const DEV_MODEL_PREFIX = '[tollgate dev model]';

// Roughly what Bedrock's tokenizers give for English text; quotas only need the right order of magnitude.
const BYTES_PER_TOKEN = 4;
const ECHO_CHARS = 60;

const OPENERS = [
  'Happy to help.',
  'Good question.',
  'Here is a local answer.',
  'Let me think about that.',
  'Sure thing.',
  'Thanks for asking.',
  'Interesting.',
  'Noted.',
];

const BODIES = [
  'In production this prompt would reach Amazon Bedrock; here it stays on your machine.',
  'This reply is generated offline, so it costs nothing and never changes for the same prompt.',
  'A real model would reason about this; the dev model only proves the plumbing works end to end.',
  'Your quota was still charged for this call, exactly as it would be against Bedrock.',
  'Point the emulator at real AWS credentials and a Bedrock region to get a real answer instead.',
  'Token counts in this reply are estimated at about four bytes of text per token.',
];

const CLOSERS = [
  'Anything else?',
  'Ask again and you will get the very same words.',
  'Change the prompt to see a different reply.',
  'That is all the dev model knows.',
  'Have a good build.',
];

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(text, 'utf8') / BYTES_PER_TOKEN));
}

export function devModelReply(input: DevModelInput): DevModelReply {
  const lastUser = [...input.messages].reverse().find((m) => m.role === 'user');
  const prompt = lastUser ? joinText(lastUser.content) : '';
  const systemText = input.system ? joinText(input.system) : '';

  // Phrases follow the prompt alone so that the same question reads the same across turns and models;
  // temperature is accepted and ignored, since repeatable answers are the point of a dev model.
  const digest = createHash('sha256').update(prompt, 'utf8').digest();
  const opener = OPENERS[digest[0] % OPENERS.length];
  const body = BODIES[digest[1] % BODIES.length];
  const closer = CLOSERS[digest[2] % CLOSERS.length];
  // With earlier turns the fingerprint follows the whole history, and the reply names the first
  // and the previous prompt, so a test can tell exactly which context arrived.
  const earlier = input.messages.slice(0, -1);
  const fingerprint = (earlier.length === 0 ? digest : historyDigest(input.messages)).subarray(0, 4).toString('hex');
  const users = earlier.filter((m) => m.role === 'user');
  const memory =
    users.length === 0
      ? ''
      : `I remember ${users.length} earlier ${users.length === 1 ? 'turn' : 'turns'}: you first said "${excerpt(joinText(users[0]!.content))}"` +
        (users.length > 1 ? ` and last said "${excerpt(joinText(users[users.length - 1]!.content))}".` : '.');

  const parts = [
    DEV_MODEL_PREFIX,
    opener,
    `You said: "${excerpt(prompt)}".`,
    memory,
    body,
    systemText ? `(Following a system prompt of ${Array.from(systemText).length} characters.)` : '',
    `Model ${input.modelId}, turn ${countTurns(input.messages)}, fingerprint ${fingerprint}.`,
    closer,
  ];
  const full = parts.filter((p) => p !== '').join(' ');

  const inputText = [systemText, ...input.messages.map((m) => joinText(m.content))].join('\n');
  const inputTokens = estimateTokens(inputText);

  const limit = input.maxTokens === undefined ? undefined : Math.max(1, Math.floor(input.maxTokens));
  if (limit !== undefined && estimateTokens(full) > limit) {
    const text = truncateToBytes(full, limit * BYTES_PER_TOKEN);
    return { text, inputTokens, outputTokens: estimateTokens(text), stopReason: 'max_tokens' };
  }
  return { text: full, inputTokens, outputTokens: estimateTokens(full), stopReason: 'end_turn' };
}

/** A digest of every message, role and text, in order. */
function historyDigest(messages: DevModelInput['messages']): Buffer {
  const hash = createHash('sha256');
  for (const m of messages) hash.update(`${m.role}\u0000${joinText(m.content)}\u0000`, 'utf8');
  return hash.digest();
}

function joinText(blocks: { text?: string }[]): string {
  return blocks
    .map((b) => b.text)
    .filter((t): t is string => typeof t === 'string')
    .join('\n');
}

function countTurns(messages: { role: string }[]): number {
  return messages.filter((m) => m.role === 'user').length;
}

function excerpt(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  // Code points, not UTF-16 units, so an emoji is never cut in half.
  const chars = Array.from(flat);
  return chars.length <= ECHO_CHARS ? flat : `${chars.slice(0, ECHO_CHARS).join('').trimEnd()}…`;
}

function truncateToBytes(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return out;
}
