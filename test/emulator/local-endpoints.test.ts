// The local Bedrock and Secrets Manager stand-ins, exercised through the real AWS SDK v3 clients.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InternalServerException,
  ModelTimeoutException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import type { ConverseCommandInput } from '@aws-sdk/client-bedrock-runtime';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { BedrockClient, GetFoundationModelAvailabilityCommand, GetFoundationModelCommand, GetInferenceProfileCommand } from '@aws-sdk/client-bedrock';
import { GUARDRAIL_MESSAGE, startBedrock } from '../../emulator/local/bedrock.ts';
import { catalogModel } from '../../infra/models.ts';
import type { Fault } from '../../emulator/local/bedrock.ts';
import { startSecretsManager } from '../../emulator/local/secrets-manager.ts';

const MODEL = 'us.amazon.nova-2-lite-v1:0';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let queuedFault: Fault | undefined;
const LEGACY = { ...catalogModel('amazon.nova-lite-v1:0')!, modelId: 'acme.legacy-v1:0', name: 'Acme Legacy', lifecycle: 'LEGACY' as const, eolDate: '2027-01-31' };
const bedrock = await startBedrock({
  port: 0,
  control: { extraModels: [LEGACY], notAuthorized: ['anthropic.claude-haiku-4-5-20251001-v1:0'] },
  faults: {
    next() {
      const fault = queuedFault;
      queuedFault = undefined;
      return fault;
    },
  },
});
// One attempt, so a fault shows up as-is instead of behind the SDK's retry backoff.
const runtime = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: bedrock.url, credentials, maxAttempts: 1 });
const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-local-endpoints-'));

afterAll(async () => {
  runtime.destroy();
  await bedrock.close();
  await rm(dataDir, { recursive: true, force: true });
});

function converse(prompt: string, extra: Partial<ConverseCommandInput> = {}): ConverseCommandInput {
  return { modelId: MODEL, messages: [{ role: 'user', content: [{ text: prompt }] }], ...extra };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('local Bedrock Converse endpoint', () => {
  it('answers with the dev model text and realistic token usage', async () => {
    const out = await runtime.send(
      new ConverseCommand(converse('What is OWASP LLM10?', { system: [{ text: 'Be brief.' }] })),
    );
    const text = out.output?.message?.content?.[0]?.text ?? '';

    expect(out.output?.message?.role).toBe('assistant');
    expect(text.startsWith('[tollgate dev model]')).toBe(true);
    expect(text).toContain('What is OWASP LLM10?');
    expect(out.stopReason).toBe('end_turn');
    expect(out.usage?.inputTokens).toBe(Math.ceil(Buffer.byteLength('Be brief.\nWhat is OWASP LLM10?') / 4));
    expect(out.usage?.outputTokens).toBe(Math.ceil(Buffer.byteLength(text) / 4));
    expect(out.usage?.totalTokens).toBe((out.usage?.inputTokens ?? 0) + (out.usage?.outputTokens ?? 0));
    expect(out.metrics?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('gives the same answer to the same prompt and a different one to another prompt', async () => {
    const first = await runtime.send(new ConverseCommand(converse('Tell me a joke')));
    const again = await runtime.send(new ConverseCommand(converse('Tell me a joke')));
    const other = await runtime.send(new ConverseCommand(converse('Explain DynamoDB conditional writes')));

    expect(again.output).toEqual(first.output);
    expect(again.usage).toEqual(first.usage);
    expect(other.output?.message?.content?.[0]?.text).not.toBe(first.output?.message?.content?.[0]?.text);
  });

  it('cuts the reply at maxTokens and reports max_tokens', async () => {
    const out = await runtime.send(new ConverseCommand(converse('Write a long essay', { inferenceConfig: { maxTokens: 5 } })));
    const text = out.output?.message?.content?.[0]?.text ?? '';

    expect(out.stopReason).toBe('max_tokens');
    expect(out.usage?.outputTokens).toBe(5);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(20);
    expect('[tollgate dev model]'.startsWith(text)).toBe(true);
  });

  it('rejects out-of-range settings and a conversation ending with the assistant as ValidationException', async () => {
    const hot = await failure(runtime.send(new ConverseCommand(converse('hi', { inferenceConfig: { temperature: 1.5 } }))));
    const zero = await failure(runtime.send(new ConverseCommand(converse('hi', { inferenceConfig: { maxTokens: 0 } }))));
    const lastAssistant = await failure(
      runtime.send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [
            { role: 'user', content: [{ text: 'hi' }] },
            { role: 'assistant', content: [{ text: 'hello' }] },
          ],
        }),
      ),
    );

    for (const err of [hot, zero, lastAssistant]) {
      expect(err).toBeInstanceOf(ValidationException);
      expect(err).toMatchObject({ $metadata: { httpStatusCode: 400 } });
    }
    expect((hot as ValidationException).message).toContain('temperature');
  });

  it.each([
    [{ kind: 'throttle' }, ThrottlingException, 429],
    [{ kind: 'error' }, InternalServerException, 500],
    [{ kind: 'timeout', ms: 30 }, ModelTimeoutException, 408],
    [{ kind: 'unavailable' }, ServiceUnavailableException, 503],
    [{ kind: 'accessDenied' }, AccessDeniedException, 403],
  ] as const)('turns an injected %o fault into the SDK exception it maps to', async (fault, ErrorClass, status) => {
    queuedFault = fault;
    const started = Date.now();
    const err = await failure(runtime.send(new ConverseCommand(converse('fault please'))));

    expect(err).toBeInstanceOf(ErrorClass);
    expect(err).toMatchObject({ $metadata: { httpStatusCode: status } });
    if (fault.kind === 'timeout') expect(Date.now() - started).toBeGreaterThanOrEqual(fault.ms - 5);
    const healthy = await runtime.send(new ConverseCommand(converse('fault please')));
    expect(healthy.stopReason).toBe('end_turn');
  });

  it.each([
    ['[[fault:throttle]]', ThrottlingException],
    ['[[fault:error]]', InternalServerException],
    ['[[fault:timeout:20]]', ModelTimeoutException],
    ['[[fault:unavailable]]', ServiceUnavailableException],
    ['[[fault:denied]]', AccessDeniedException],
  ] as const)('fails a prompt containing %s with the matching exception', async (marker, ErrorClass) => {
    const err = await failure(runtime.send(new ConverseCommand(converse(`please ${marker} now`))));

    expect(err).toBeInstanceOf(ErrorClass);
  });

  it('streams the same reply through ConverseStream', async () => {
    const input = converse('Stream me something', { inferenceConfig: { maxTokens: 200 } });
    const whole = await runtime.send(new ConverseCommand(input));
    const out = await runtime.send(new ConverseStreamCommand(input));

    const kinds: string[] = [];
    let text = '';
    let stopReason: string | undefined;
    let usage: unknown;
    for await (const event of out.stream ?? []) {
      if (event.messageStart) kinds.push('messageStart');
      if (event.contentBlockDelta) {
        kinds.push('contentBlockDelta');
        text += event.contentBlockDelta.delta?.text ?? '';
      }
      if (event.contentBlockStop) kinds.push('contentBlockStop');
      if (event.messageStop) {
        kinds.push('messageStop');
        stopReason = event.messageStop.stopReason;
      }
      if (event.metadata) {
        kinds.push('metadata');
        usage = event.metadata.usage;
      }
    }

    expect(text).toBe(whole.output?.message?.content?.[0]?.text);
    expect(stopReason).toBe(whole.stopReason);
    expect(usage).toEqual(whole.usage);
    expect(kinds[0]).toBe('messageStart');
    expect(kinds.filter((k) => k === 'contentBlockDelta').length).toBeGreaterThan(1);
    expect(kinds.slice(-3)).toEqual(['contentBlockStop', 'messageStop', 'metadata']);
  });

  it('answers an unknown path with 404 UnknownOperationException', async () => {
    const session = connect(bedrock.url);
    try {
      const answer = await new Promise<{ status: number; errorType: unknown; body: string }>((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': '/model/x/invoke-nothing' });
        let status = 0;
        let errorType: unknown;
        let body = '';
        req.setEncoding('utf8');
        req.on('response', (headers) => {
          status = Number(headers[':status']);
          errorType = headers['x-amzn-errortype'];
        });
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => resolve({ status, errorType, body }));
        req.on('error', reject);
        req.end('{}');
      });

      expect(answer.status).toBe(404);
      expect(answer.errorType).toBe('UnknownOperationException');
      expect(JSON.parse(answer.body)).toHaveProperty('message');
    } finally {
      session.close();
    }
  });

  it('is reached through AWS_ENDPOINT_URL_BEDROCK_RUNTIME by a client given only a region', async () => {
    const saved = {
      endpoint: process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
      key: process.env.AWS_ACCESS_KEY_ID,
      secret: process.env.AWS_SECRET_ACCESS_KEY,
    };
    process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = bedrock.url;
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    const plain = new BedrockRuntimeClient({ region: 'us-east-1' });
    try {
      const out = await plain.send(new ConverseCommand(converse('via the env var')));
      expect(out.output?.message?.content?.[0]?.text).toContain('via the env var');
    } finally {
      plain.destroy();
      restore('AWS_ENDPOINT_URL_BEDROCK_RUNTIME', saved.endpoint);
      restore('AWS_ACCESS_KEY_ID', saved.key);
      restore('AWS_SECRET_ACCESS_KEY', saved.secret);
    }
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

describe('local Bedrock and the model catalog', () => {
  it('answers an end-of-life model with ResourceNotFoundException, as Bedrock does since its EOL date', async () => {
    const error = await failure(runtime.send(new ConverseCommand(converse('hi', { modelId: 'cohere.command-r-v1:0' }))));
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', message: expect.stringMatching(/reached the end of its life/) });
  });

  it('refuses a profile-only model called by its bare ID: on-demand throughput isn’t supported', async () => {
    const error = await failure(runtime.send(new ConverseCommand(converse('hi', { modelId: 'amazon.nova-2-lite-v1:0' }))));
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(/^Invocation of model ID amazon\.nova-2-lite-v1:0 with on-demand throughput isn’t supported/);
    await expect(runtime.send(new ConverseCommand(converse('hi', { modelId: 'amazon.nova-lite-v1:0' })))).resolves.toMatchObject({ stopReason: 'end_turn' });
  });

  it('reproduces a guardrail intervention as an answer with stopReason guardrail_intervened', async () => {
    const out = await runtime.send(new ConverseCommand(converse('blocked [[fault:guardrail]]')));
    expect(out).toMatchObject({ stopReason: 'guardrail_intervened', output: { message: { content: [{ text: GUARDRAIL_MESSAGE }] } }, usage: { outputTokens: 0 } });
    expect(out.usage!.inputTokens).toBeGreaterThan(0);
  });

  it('reproduces missing access: model access, and Anthropic’s use case form', async () => {
    expect(await failure(runtime.send(new ConverseCommand(converse('x [[fault:use-case]]'))))).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(/^Model use case details have not been submitted/),
    });
  });

  it('serves GetFoundationModel, GetInferenceProfile and GetFoundationModelAvailability from the catalog over HTTP/1.1', async () => {
    const control = new BedrockClient({ region: 'us-east-1', endpoint: bedrock.controlUrl, credentials, maxAttempts: 1 });
    try {
      const nova2 = await control.send(new GetFoundationModelCommand({ modelIdentifier: 'amazon.nova-2-lite-v1:0' }));
      expect(nova2.modelDetails).toMatchObject({ modelLifecycle: { status: 'ACTIVE' }, inferenceTypesSupported: ['INFERENCE_PROFILE'] });
      const legacy = await control.send(new GetFoundationModelCommand({ modelIdentifier: 'acme.legacy-v1:0' }));
      expect(legacy.modelDetails?.modelLifecycle?.status).toBe('LEGACY');
      expect(await failure(control.send(new GetFoundationModelCommand({ modelIdentifier: 'cohere.command-r-plus-v1:0' })))).toMatchObject({ name: 'ResourceNotFoundException' });
      const profile = await control.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: MODEL }));
      expect(profile).toMatchObject({ status: 'ACTIVE', type: 'SYSTEM_DEFINED' });
      expect(profile.models!.map((m) => m.modelArn)).toContain('arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-2-lite-v1:0');
      expect(await failure(control.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: 'global.amazon.nova-lite-v1:0' })))).toMatchObject({ name: 'ResourceNotFoundException' });
      const denied = await control.send(new GetFoundationModelAvailabilityCommand({ modelId: 'anthropic.claude-haiku-4-5-20251001-v1:0' }));
      expect(denied).toMatchObject({ authorizationStatus: 'NOT_AUTHORIZED', entitlementAvailability: 'NOT_AVAILABLE' });
    } finally {
      control.destroy();
    }
  });
});

describe('local Secrets Manager endpoint', () => {
  async function withSecrets<T>(file: string, run: (client: SecretsManagerClient, put: (name: string, value: string) => Promise<{ arn: string }>) => Promise<T>): Promise<T> {
    const server = await startSecretsManager({ port: 0, file });
    const client = new SecretsManagerClient({ region: 'us-east-1', endpoint: server.url, credentials, maxAttempts: 1 });
    try {
      return await run(client, (name, value) => server.putSecret(name, value));
    } finally {
      client.destroy();
      await server.close();
    }
  }

  it('keeps secrets across a restart with the same file, readable by name and by ARN', async () => {
    const file = join(dataDir, 'restart', 'secrets.json');
    const { arn, createdArn } = await withSecrets(file, async (client, put) => {
      const registered = await put('tollgate/jwt', 'first-signing-key');
      const created = await client.send(new CreateSecretCommand({ Name: 'tollgate/other', SecretString: 'other-value' }));
      return { arn: registered.arn, createdArn: created.ARN };
    });

    expect(arn).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:tollgate\/jwt-[A-Za-z0-9]{6}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    await withSecrets(file, async (client, put) => {
      const byArn = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      const byName = await client.send(new GetSecretValueCommand({ SecretId: 'tollgate/other' }));
      const again = await put('tollgate/jwt', 'a-different-key');

      expect(byArn).toMatchObject({ Name: 'tollgate/jwt', ARN: arn, SecretString: 'first-signing-key', VersionStages: ['AWSCURRENT'] });
      expect(byArn.CreatedDate).toBeInstanceOf(Date);
      expect(byName).toMatchObject({ ARN: createdArn, SecretString: 'other-value' });
      expect(again.arn).toBe(arn);
      const still = await client.send(new GetSecretValueCommand({ SecretId: 'tollgate/jwt' }));
      expect(still.SecretString).toBe('first-signing-key');
    });
  });

  it('moves the old value to AWSPREVIOUS when PutSecretValue stores a new one', async () => {
    await withSecrets(join(dataDir, 'rotate.json'), async (client, put) => {
      const { arn } = await put('rotating', 'v1');
      const second = await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2' }));
      await client.send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'v3' }));

      const current = await client.send(new GetSecretValueCommand({ SecretId: 'rotating' }));
      const previous = await client.send(new GetSecretValueCommand({ SecretId: 'rotating', VersionStage: 'AWSPREVIOUS' }));
      const described = await client.send(new DescribeSecretCommand({ SecretId: 'rotating' }));

      expect(current).toMatchObject({ SecretString: 'v3', VersionStages: ['AWSCURRENT'] });
      expect(previous).toMatchObject({ SecretString: 'v2', VersionId: second.VersionId, VersionStages: ['AWSPREVIOUS'] });
      expect(Object.values(described.VersionIdsToStages ?? {}).sort()).toEqual([['AWSCURRENT'], ['AWSPREVIOUS']]);
    });
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    await withSecrets(join(dataDir, 'missing.json'), async (client) => {
      const err = await failure(client.send(new GetSecretValueCommand({ SecretId: 'no-such-secret' })));

      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect(err).toMatchObject({ message: "Secrets Manager can't find the specified secret.", $metadata: { httpStatusCode: 400 } });
    });
  });
});
