// A copy of a synthesized assembly with its template edited, for tests of what a different grant
// would do (a grant removed, a Deny added, the models' list and their grant drifted apart): the
// emulator serves the copy exactly as it serves a synthesized one.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../emulator/synth.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Resource {
  Type: string;
  Properties: { [key: string]: Json };
}
export type Resources = Record<string, Resource>;

/** The template file of the assembly's one stack. */
function templateFile(cdkOut: string): string {
  const manifest = JSON.parse(readFileSync(join(cdkOut, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string; properties?: { templateFile?: string } }> };
  const stack = Object.values(manifest.artifacts).find((a) => a.type === 'aws:cloudformation:stack');
  return join(cdkOut, stack!.properties!.templateFile!);
}

/**
 * Copies `cdkOut` into a temporary folder and edits the copy's template resources in place. The
 * copy stays inside the repository: the bundles load the AWS SDK from its node_modules, as Lambda
 * gives it from the runtime.
 */
export function templateVariant(cdkOut: string, edit: (resources: Resources) => void): { cdkOut: string; remove(): void } {
  mkdirSync(join(ROOT, '.tollgate'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tollgate', 'variant-'));
  cpSync(cdkOut, dir, { recursive: true });
  const file = templateFile(dir);
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Resources };
  edit(template.Resources);
  writeFileSync(file, JSON.stringify(template, null, 1));
  return { cdkOut: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The resource of a construct: its logical id is the construct path's id plus CDK's 8-hex hash. */
export function resourceNamed(resources: Resources, name: string): Resource {
  const found = Object.entries(resources).filter(([id]) => id.replace(/[0-9A-F]{8}$/, '') === name);
  if (found.length !== 1) throw new Error(`Expected one resource named ${name}, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0]![1];
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
}

/** The statements of the AWS::IAM::Policy named `prefix…`, to edit. */
export function statementsOf(resources: Resources, prefix: string): Statement[] {
  return (resourceNamed(resources, prefix).Properties.PolicyDocument as unknown as { Statement: Statement[] }).Statement;
}

/** Takes `action` out of every statement of the policy (a statement left with none goes). */
export function withoutAction(resources: Resources, policy: string, action: string): void {
  const doc = resourceNamed(resources, policy).Properties.PolicyDocument as unknown as { Statement: Statement[] };
  doc.Statement = doc.Statement.flatMap((s) => {
    const actions = (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => a !== action);
    return actions.length === 0 ? [] : [{ ...s, Action: actions.length === 1 ? actions[0]! : actions }];
  });
}

/** Takes `resource` out of every statement of the policy that names it (a statement left with none goes). */
export function withoutResource(resources: Resources, policy: string, resource: string): void {
  const doc = resourceNamed(resources, policy).Properties.PolicyDocument as unknown as { Statement: Statement[] };
  doc.Statement = doc.Statement.flatMap((s) => {
    const listed = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    const kept = listed.filter((r) => r !== resource);
    return kept.length === 0 ? [] : [{ ...s, Resource: kept.length === 1 ? kept[0]! : kept }];
  });
}
