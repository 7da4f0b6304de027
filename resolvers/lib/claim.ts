// A streamed prompt's claim item in the Prompts table (resolvers/Mutation.startPrompt/1.claimAccess.ts):
// keyed by the id alone, so whose id it is can be looked up without knowing the owner. Its
// partition key can never be a user's (user ids do not start with '#'), so myPrompts never lists it.
export function claimKey(id: string): { userId: { S: string }; id: { S: string } } {
  return { userId: { S: '#' + id }, id: { S: '#claim' } };
}

/** The claim item as stored. */
export interface ClaimItem {
  owner: string;
  prompt: string;
  model: string;
  createdAt: string;
  /** The answer so far (the stream function's snapshot). */
  partial?: string;
  /** The turn it is, written with the snapshots (functions/stream): absent until the first text. */
  conversationId?: string;
  seq?: number;
}
