import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appSyncSchema, discoverResolvers } from '../../infra/resolvers.ts';
import { ROOT } from '../../infra/bundle.ts';

const schema = appSyncSchema(join(ROOT, 'schema.graphql'));
const sources = new Set(['None', 'UsageTable']);

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'resolvers-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

describe('the resolver layout', () => {
  it('derives every resolver of the project from its file names, pipeline order included', () => {
    const all = discoverResolvers(join(ROOT, 'resolvers'), schema, new Set(['UsersTable', 'UsageTable', 'PromptsTable', 'ConversationsTable', 'AuthFunction', 'ModelFunction', 'StreamFunction', 'None']));
    const send = all.find((r) => r.fieldName === 'sendPrompt');
    expect(send?.functions?.map((f) => `${f.name}@${f.dataSource}`)).toEqual([
      'checkAccess@UsersTable',
      'readContext@PromptsTable',
      'reserveQuota@UsageTable',
      'readUsage@UsageTable',
      'findFirst@PromptsTable',
      'readmit@UsageTable',
      'openTurn@ConversationsTable',
      'invokeModel@ModelFunction',
      'logPrompt@PromptsTable',
      'settle@UsageTable',
    ]);
    // startPrompt shares sendPrompt's steps (files that re-export them) around its own two, and
    // fits AppSync's 10 with the conversation steps: the account check rides on the id's claim.
    const start = all.find((r) => r.fieldName === 'startPrompt');
    expect(start?.functions?.map((f) => `${f.name}@${f.dataSource}`)).toEqual([
      'claimAccess@PromptsTable',
      'readContext@PromptsTable',
      'reserveQuota@UsageTable',
      'readUsage@UsageTable',
      'findFirst@PromptsTable',
      'readmit@UsageTable',
      'openTurn@ConversationsTable',
      'invokeStream@StreamFunction',
      'logPrompt@PromptsTable',
      'settle@UsageTable',
    ]);
    expect(all.map((r) => `${r.typeName}.${r.fieldName}`).sort()).toEqual(
      [
        'Mutation.deleteConversation',
        'Mutation.deletePrompt',
        'Mutation.login',
        'Mutation.logoutEverywhere',
        'Mutation.publishPromptEvent',
        'Mutation.register',
        'Mutation.renameConversation',
        'Mutation.sendPrompt',
        'Mutation.startPrompt',
        'Query.conversation',
        'Query.conversationTurns',
        'Query.models',
        'Query.myConversations',
        'Query.myPrompts',
        'Query.myUsage',
        'Query.prompt',
        'Subscription.onPromptEvent',
      ],
    );
  });

  it('fails at synth on a file that names no schema field, and says what it received', () => {
    const dir = tree({ 'Mutation.sendPromt.ts': '// @dataSource None\n' });
    expect(() => discoverResolvers(dir, schema, sources)).toThrow(/Received: Mutation\.sendPromt/);
  });

  it('fails at synth on a pipeline of more functions than AppSync allows (10), and takes 10', () => {
    const pipeline = (n: number) =>
      tree(Object.fromEntries([['Mutation.sendPrompt/index.ts', 'export {}\n'], ...Array.from({ length: n }, (_, i) => [`Mutation.sendPrompt/${i + 1}.step${i + 1}.ts`, '// @dataSource None\n'])]));
    expect(discoverResolvers(pipeline(10), schema, sources)[0]!.functions).toHaveLength(10);
    expect(() => discoverResolvers(pipeline(11), schema, sources)).toThrow(/has 11 pipeline functions; AppSync allows at most 10 per resolver/);
  });

  it('fails at synth on an unknown or missing data source', () => {
    expect(() => discoverResolvers(tree({ 'Query.models.ts': '// @dataSource Nowhere\n' }), schema, sources)).toThrow(/Received: Nowhere/);
    expect(() => discoverResolvers(tree({ 'Query.models.ts': 'export {}\n' }), schema, sources)).toThrow(/must name its data source/);
  });
});
