// The live subscriptions of every connection, indexed by subscription field for fan-out.
import type { Caller } from '../appsync/auth.ts';
import type { FilterGroup } from './filters.ts';
import type { ServerMessage } from './message-types.ts';

/** What the registry needs of a connection: send a frame, or end it. */
export interface ConnectionHandle {
  readonly id: string;
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

export interface Subscription {
  id: string;
  connection: ConnectionHandle;
  fieldName: string;
  query: string;
  operationName: string | null;
  variables: Record<string, unknown>;
  caller: Caller;
  headers: Record<string, string>;
  args: Record<string, unknown>;
  /** Set by the subscription resolver; replaces argument filtering when present. */
  filter: FilterGroup | null;
  invalidationFilter: FilterGroup | null;
}

export class SubscriptionRegistry {
  private readonly byField = new Map<string, Set<Subscription>>();

  add(subscription: Subscription): void {
    let set = this.byField.get(subscription.fieldName);
    if (!set) this.byField.set(subscription.fieldName, (set = new Set()));
    set.add(subscription);
  }

  remove(subscription: Subscription): void {
    const set = this.byField.get(subscription.fieldName);
    set?.delete(subscription);
    if (set?.size === 0) this.byField.delete(subscription.fieldName);
  }

  /** A snapshot: delivery may remove subscriptions (a closed socket) while it runs. */
  forField(fieldName: string): Subscription[] {
    return [...(this.byField.get(fieldName) ?? [])];
  }

  get size(): number {
    let n = 0;
    for (const set of this.byField.values()) n += set.size;
    return n;
  }
}
