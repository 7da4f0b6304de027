// GIVEN the stack in each shape it deploys in, WHEN cfn-lint (AWS's CloudFormation linter, a pip
// package on the machine image; .ci/run refuses to run without it) reads the synthesized template,
// THEN it reports no errors. Warnings are printed, not failed: today they are W3005 (CDK's
// explicit DependsOn beside a GetAtt), which CloudFormation ignores.
import { App } from 'aws-cdk-lib';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, settingsFrom } from '../../infra/config.ts';
import { TollgateStack } from '../../infra/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-cfn-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Finding {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Location: { Path: (string | number)[] };
}

const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });

function lint(name: string, env: Record<string, string>): Finding[] {
  const app = new App();
  const stack = new TollgateStack(app, name, { config: loadConfig(settingsFrom(() => undefined, env)) });
  const file = join(dir, `${name}.template.json`);
  writeFileSync(file, JSON.stringify(app.synth().getStackArtifact(stack.artifactId).template, null, 1));
  const run = spawnSync('cfn-lint', ['--format', 'json', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // Exit status is a bit mask: 2 errors, 4 warnings, 8 informational; 1 means cfn-lint itself failed.
  expect(run.status! & 1, run.stderr).toBe(0);
  const findings = JSON.parse(run.stdout || '[]') as Finding[];
  for (const f of findings.filter((f) => f.Level !== 'Error')) console.log(`cfn-lint ${name}: ${f.Rule.Id} ${f.Message}`);
  return findings;
}

describe('cfn-lint', () => {
  it('is installed (pip install cfn-lint; the machine image has it)', () => {
    expect(version.error?.message ?? '', 'cfn-lint is not on PATH: install it with `pip install cfn-lint`. CI installs it in .ci/run and fails without it.').toBe('');
    expect(version.stdout).toMatch(/^cfn-lint \d+\.\d+/);
  });

  const shapes: Record<string, Record<string, string>> = {
    Dev: {},
    ProdEuGlobal: { TOLLGATE_STAGE: 'prod', TOLLGATE_REGION: 'eu-west-1', TOLLGATE_GLOBAL_INFERENCE: 'true' },
    EveryOption: {
      TOLLGATE_GUARDRAIL_ID: 'abc123def456',
      TOLLGATE_TRACING: 'true',
      TOLLGATE_MODEL_RESERVED_CONCURRENCY: '20',
      TOLLGATE_MODELS: 'us.amazon.nova-2-lite-v1:0,amazon.nova-lite-v1:0,arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6@us.amazon.nova-2-lite-v1:0',
    },
  };
  for (const [name, env] of Object.entries(shapes)) {
    it(`finds no errors in the ${name} template`, () => {
      expect(version.error, 'cfn-lint is not installed (see the test above)').toBeUndefined();
      const errors = lint(name, env).filter((f) => f.Level === 'Error');
      expect(errors.map((e) => `${e.Rule.Id} ${e.Location.Path.join('/')}: ${e.Message}`)).toEqual([]);
    });
  }
});
