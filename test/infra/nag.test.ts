// GIVEN the stack in each shape it deploys in, WHEN the cdk-nag AwsSolutions pack runs at synth,
// THEN there is no finding left that is neither fixed nor acknowledged with a written reason.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { loadConfig, settingsFrom } from '../../infra/config.ts';
import { TollgateStack } from '../../infra/stack.ts';

function synthWithNag(env: Record<string, string>): void {
  const app = new App();
  const stack = new TollgateStack(app, 'Nag', { config: loadConfig(settingsFrom(() => undefined, env)) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  const acknowledged = stack.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data as Record<string, string>))
    .flatMap((entry) => Object.entries(entry));
  expect(acknowledged.length).toBeGreaterThan(0);
  for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(40);
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in a prod stack', () => {
    expect(() => synthWithNag({ TOLLGATE_STAGE: 'prod' })).not.toThrow();
  });

  it('finds nothing unacknowledged with a guardrail, tracing, reserved concurrency and every kind of model', () => {
    expect(() =>
      synthWithNag({
        TOLLGATE_GUARDRAIL_ID: 'abc123def456',
        TOLLGATE_TRACING: 'true',
        TOLLGATE_MODEL_RESERVED_CONCURRENCY: '20',
        TOLLGATE_MODELS: 'us.amazon.nova-2-lite-v1:0,amazon.nova-lite-v1:0,arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6@us.amazon.nova-2-lite-v1:0',
      }),
    ).not.toThrow();
  });
});
