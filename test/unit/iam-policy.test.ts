// How the emulator decides an IAM caller's access from its role's statements (AWS's evaluation
// logic: an explicit Deny wins, otherwise an Allow must match action and resource).
import { describe, expect, it } from 'vitest';
import { TemplatePolicies, type PolicyStatement } from '../../emulator/iam/policy.ts';

const API = 'arn:aws:appsync:us-east-1:000000000000:apis/local';
const field = (type: string, name: string) => `${API}/types/${type}/fields/${name}`;
const allow = (actions: string[], resources: string[], unsupported: string[] = []): PolicyStatement => ({ effect: 'Allow', actions, resources, unsupported });
const deny = (actions: string[], resources: string[], unsupported: string[] = []): PolicyStatement => ({ effect: 'Deny', actions, resources, unsupported });
const role = (...statements: PolicyStatement[]) => new TemplatePolicies(new Map([['Role', statements]]));

describe('IAM policy evaluation', () => {
  it('allows exactly the granted field, and nothing to a role without statements', () => {
    const policies = role(allow(['appsync:GraphQL'], [field('Mutation', 'publishPromptEvent')]));
    expect(policies.allows('Role', 'appsync:GraphQL', field('Mutation', 'publishPromptEvent'))).toBe(true);
    expect(policies.allows('Role', 'appsync:GraphQL', field('Mutation', 'sendPrompt'))).toBe(false);
    expect(policies.allows('Other', 'appsync:GraphQL', field('Mutation', 'publishPromptEvent'))).toBe(false);
  });

  it('matches * and ? in resources, and actions case-insensitively', () => {
    const policies = role(allow(['AppSync:*'], [`${API}/types/Mutation/fields/publish*`, `${API}/types/Query/fields/m?Usage`]));
    expect(policies.allows('Role', 'appsync:GraphQL', field('Mutation', 'publishPromptEvent'))).toBe(true);
    expect(policies.allows('Role', 'appsync:GraphQL', field('Query', 'myUsage'))).toBe(true);
    expect(policies.allows('Role', 'appsync:GraphQL', field('Query', 'myyUsage'))).toBe(false);
    expect(policies.allows('Role', 'appsync:GraphQL', `${API}x/types/Mutation/fields/publishPromptEvent`)).toBe(false);
  });

  it('lets an explicit Deny win over any Allow', () => {
    const policies = role(allow(['*'], ['*']), deny(['appsync:GraphQL'], [field('Mutation', '*')]));
    expect(policies.allows('Role', 'appsync:GraphQL', field('Mutation', 'publishPromptEvent'))).toBe(false);
    expect(policies.allows('Role', 'appsync:GraphQL', field('Query', 'myUsage'))).toBe(true);
  });

  it('never grants through a statement it cannot evaluate, and says so', () => {
    const warnings: string[] = [];
    const conditional = role(allow(['appsync:GraphQL'], ['*'], ['Condition']));
    expect(conditional.allows('Role', 'appsync:GraphQL', field('Mutation', 'publishPromptEvent'), (m) => warnings.push(m))).toBe(false);
    const notAction = role(allow(['*'], ['*']), deny([], [], ['NotAction']));
    expect(notAction.allows('Role', 'appsync:GraphQL', field('Query', 'myUsage'), (m) => warnings.push(m))).toBe(false);
    expect(warnings).toEqual([expect.stringContaining('Condition'), expect.stringContaining('NotAction')]);
  });
});
