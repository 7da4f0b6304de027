// The signed-in person: the token from login, kept in this tab's sessionStorage (gone when the
// tab closes, never sent anywhere but the configured API) and the SDK clients that carry it.
// Model output never becomes markup (chat/markdown.tsx renders React elements, and the CSP allows
// no inline script), so nothing an answer contains can run and read the token.
import { createClient, type TollgateClient } from '../../client/index.ts';
import type { WebConfig } from './config.ts';

const TOKEN_KEY = 'tollgate.session';

export interface StoredSession {
  token: string;
  email: string;
  expiresAt: string;
}

export class Session {
  private stored: StoredSession | null;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly config: WebConfig,
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = sessionStorage,
    /** The page's location, to resolve a relative graphqlUrl ("/graphql"). */
    private readonly base: string = location.href,
  ) {
    this.stored = Session.read(storage);
  }

  private static read(storage: Pick<Storage, 'getItem'>): StoredSession | null {
    try {
      const value = JSON.parse(storage.getItem(TOKEN_KEY) ?? 'null') as Partial<StoredSession> | null;
      return value && typeof value.token === 'string' && typeof value.email === 'string' && typeof value.expiresAt === 'string' ? (value as StoredSession) : null;
    } catch {
      return null;
    }
  }

  get graphqlUrl(): string {
    return new URL(this.config.graphqlUrl, this.base).href;
  }

  /**
   * The signed-in person, or null. An expired or revoked token is noticed when the API refuses
   * it (401), not from the page's clock, which may disagree with the API's.
   */
  get current(): StoredSession | null {
    return this.stored;
  }

  get token(): string | undefined {
    return this.current?.token;
  }

  signIn(session: StoredSession): void {
    this.stored = session;
    this.storage.setItem(TOKEN_KEY, JSON.stringify(session));
    this.emit();
  }

  signOut(): void {
    if (!this.stored) return;
    this.stored = null;
    this.storage.removeItem(TOKEN_KEY);
    this.emit();
  }

  /** Calls back when the person signs in or out (React subscribes with useSyncExternalStore). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  /** An SDK client with the API key and the current token; its requests stop when signal aborts. */
  clientFor(signal?: AbortSignal): TollgateClient {
    return createClient({
      url: this.graphqlUrl,
      apiKey: this.config.apiKey,
      token: this.token,
      fetch: signal ? (input, init) => fetch(input, { ...init, signal }) : (input, init) => fetch(input, init),
    });
  }
}
