// The Secrets Manager client, created once per container; a module of its own so functions that
// never read a secret (model) do not load it at cold start.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

let client: SecretsManagerClient | undefined;

export function secrets(): SecretsManagerClient {
  client ??= new SecretsManagerClient({});
  return client;
}
