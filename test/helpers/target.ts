// The API an e2e test talks to: a deployed stack when TOLLGATE_E2E_URL and TOLLGATE_E2E_API_KEY
// are set (after `npx cdk deploy`: the GraphQLUrl output and the API key's value), otherwise the
// e2e project's shared emulator (e2e-setup.ts). Tests written against this see only HTTP, and
// take a fresh user each (freshUser in emulator.ts).
import { inject } from 'vitest';
import { createClient, type TollgateClient } from '../../client/index.ts';
import { fetchFrom, nextLoopbackAddress } from './loopback.ts';

export interface ApiTarget {
  graphqlUrl: string;
  apiKey: string;
  /** True for the emulator, whose deterministic dev model echoes the prompt; a deployed stack calls Bedrock. */
  devModel: boolean;
  client(token?: string): TollgateClient;
  /**
   * The fetch a new client should use: against the emulator, each client connects from a loopback
   * address of its own, as separate people would, so per-address limits (registrations, logins)
   * count each client apart. A deployed stack sees this machine's one address.
   */
  clientFetch(): typeof fetch;
  stop(): Promise<void>;
}

/** The deployed stack named by the environment, or undefined to use the emulator. */
function remoteTarget(): { graphqlUrl: string; apiKey: string } | undefined {
  const graphqlUrl = process.env.TOLLGATE_E2E_URL?.trim() || undefined;
  const apiKey = process.env.TOLLGATE_E2E_API_KEY?.trim() || undefined;
  if (!graphqlUrl && !apiKey) return undefined;
  if (!graphqlUrl || !apiKey) {
    throw new Error(
      `Set both TOLLGATE_E2E_URL and TOLLGATE_E2E_API_KEY to run the e2e tests against a deployed stack (only ${graphqlUrl ? 'TOLLGATE_E2E_URL' : 'TOLLGATE_E2E_API_KEY'} is set), or neither to use the emulator.`,
    );
  }
  return { graphqlUrl, apiKey };
}

export async function apiTarget(): Promise<ApiTarget> {
  const remote = remoteTarget();
  if (remote) {
    return {
      ...remote,
      devModel: false,
      client: (token?: string) => createClient({ url: remote.graphqlUrl, apiKey: remote.apiKey, token }),
      clientFetch: () => fetch,
      stop: async () => undefined,
    };
  }
  const shared = inject('e2eEmulator');
  if (!shared) throw new Error('No API for the e2e tests: run them through vitest (npm run test:e2e), which starts the shared emulator.');
  return {
    ...shared,
    devModel: true,
    client: (token?: string) => createClient({ url: shared.graphqlUrl, apiKey: shared.apiKey, token, fetch: fetchFrom(nextLoopbackAddress()) }),
    clientFetch: () => fetchFrom(nextLoopbackAddress()),
    // The emulator belongs to the whole project; e2e-setup.ts stops it after the last file.
    stop: async () => undefined,
  };
}
