// AWS SDK clients, created once per container. Endpoints come from the SDK's standard settings
// (AWS_ENDPOINT_URL_*), so the same code talks to AWS or to the local emulator.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

let documentClient: DynamoDBDocumentClient | undefined;
let secretsClient: SecretsManagerClient | undefined;

export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  return documentClient;
}

export function secrets(): SecretsManagerClient {
  secretsClient ??= new SecretsManagerClient({});
  return secretsClient;
}
