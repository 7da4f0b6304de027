// The token budget's arithmetic, kept pure so a property test can check it: what a prompt
// reserves at admission and what settle moves once the model has answered (or failed).

/**
 * Tokens a Converse call may add around the prompt (role markers, begin/end-of-text, the model's
 * chat template). An allowance, not a measurement: a model that ever reports more than the
 * reservation is logged as a TokenOverrun event, which has an alarm.
 */
export const TEMPLATE_ALLOWANCE_TOKENS = 256;

/**
 * An upper bound on a prompt's tokens: no tokenizer makes more tokens of a text than it has UTF-8
 * bytes (byte-level BPE and byte fallback both bottom out at one token per byte), plus the
 * template allowance, plus every output token the call may produce.
 */
export function reservation(promptUtf8Bytes: number, maxTokens: number): number {
  return promptUtf8Bytes + TEMPLATE_ALLOWANCE_TOKENS + maxTokens;
}

export interface Settlement {
  /** Added to the day's token counter (negative: part of the reservation comes back). */
  tokensDelta: number;
  /** Added to the day's prompt count (-1: the slot comes back). */
  queriesDelta: number;
  /** What the prompt is charged as, recorded in the log and the day's usage. */
  inputTokens: number;
  outputTokens: number;
  /** Tokens the model reported beyond the reservation (0 when the bound held). */
  overrun: number;
}

/** An answer: the reservation becomes the real usage. */
export function settleAnswer(reserve: number, inputTokens: number, outputTokens: number): Settlement {
  const used = inputTokens + outputTokens;
  return { tokensDelta: used - reserve, queriesDelta: 0, inputTokens, outputTokens, overrun: Math.max(0, used - reserve) };
}

/**
 * A failure. One Bedrock may have run (a timeout after sending) keeps its slot and its whole
 * reservation, charged as input up to the prompt's bound and output up to maxTokens; one Bedrock
 * refused (throttled, unavailable, denied, invalid) gives both back.
 */
export function settleFailure(reserve: number, maxTokens: number, charged: boolean): Settlement {
  if (!charged) return { tokensDelta: -reserve, queriesDelta: -1, inputTokens: 0, outputTokens: 0, overrun: 0 };
  return { tokensDelta: 0, queriesDelta: 0, inputTokens: reserve - maxTokens, outputTokens: maxTokens, overrun: 0 };
}
