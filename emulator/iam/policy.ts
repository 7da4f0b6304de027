// The identity policies of the template's roles, and the decision IAM makes from them: an
// explicit Deny wins, otherwise some Allow must match the action and the resource
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
// AWS-managed policies (ManagedPolicyArns) are not in the template and grant nothing here; none
// of them grants appsync:GraphQL on our API anyway.
import { readFileSync } from 'node:fs';
import type { StackModel } from '../template.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
  /** Parts the emulator does not evaluate (Condition, NotAction, NotResource): see decide(). */
  unsupported: string[];
}

const list = (value: Json | undefined): string[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** IAM's wildcards: * for any run of characters, ? for one; everything else literal. */
function wildcard(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : '');
}

function statementsOf(document: Json | undefined, resolve: StackModel['resolve']): PolicyStatement[] {
  const raw = document && typeof document === 'object' && !Array.isArray(document) ? document.Statement : undefined;
  return (Array.isArray(raw) ? raw : raw ? [raw] : []).flatMap((entry) => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return [];
    const s = resolve(entry) as { [key: string]: Json };
    const unsupported = ['Condition', 'NotAction', 'NotResource', 'NotPrincipal'].filter((k) => s[k] !== undefined);
    return [{ effect: s.Effect === 'Deny' ? 'Deny' : 'Allow', actions: list(s.Action), resources: list(s.Resource), unsupported }];
  });
}

export class TemplatePolicies {
  constructor(private readonly byRole: Map<string, PolicyStatement[]>) {}

  /** Inline role policies and AWS::IAM::Policy resources attached to roles, by role logical id. */
  static load(stack: StackModel): TemplatePolicies {
    const template = JSON.parse(readFileSync(stack.templateFile, 'utf8')) as { Resources: Record<string, { Type: string; Properties?: { [key: string]: Json } }> };
    const byRole = new Map<string, PolicyStatement[]>();
    const add = (role: string, statements: PolicyStatement[]) => byRole.set(role, [...(byRole.get(role) ?? []), ...statements]);
    for (const [id, r] of Object.entries(template.Resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::IAM::Role') {
        add(id, []);
        for (const inline of Array.isArray(p.Policies) ? p.Policies : []) {
          if (inline && typeof inline === 'object' && !Array.isArray(inline)) add(id, statementsOf(inline.PolicyDocument, stack.resolve));
        }
      } else if (r.Type === 'AWS::IAM::Policy') {
        const statements = statementsOf(p.PolicyDocument, stack.resolve);
        for (const ref of Array.isArray(p.Roles) ? p.Roles : []) {
          if (ref && typeof ref === 'object' && !Array.isArray(ref) && typeof ref.Ref === 'string') add(ref.Ref, statements);
        }
      }
    }
    return new TemplatePolicies(byRole);
  }

  statements(roleLogicalId: string): readonly PolicyStatement[] {
    return this.byRole.get(roleLogicalId) ?? [];
  }

  /**
   * Whether the role may do `action` on `resource`. A statement with parts the emulator does not
   * evaluate can never grant (an Allow with a Condition is skipped) but still denies (a matching
   * Deny with a Condition applies, a Deny with NotAction/NotResource applies to everything):
   * stricter than AWS, never looser. `warn` hears about each.
   */
  allows(roleLogicalId: string, action: string, resource: string, warn: (message: string) => void = () => undefined): boolean {
    const matches = (s: PolicyStatement) =>
      s.actions.some((a) => wildcard(a, true).test(action)) && s.resources.some((r) => wildcard(r, false).test(resource));
    let allowed = false;
    for (const s of this.statements(roleLogicalId)) {
      const unmatchable = s.unsupported.includes('NotAction') || s.unsupported.includes('NotResource');
      if (s.effect === 'Deny' && (matches(s) || unmatchable)) {
        if (s.unsupported.length > 0) warn(`A Deny of role ${roleLogicalId} uses ${s.unsupported.join(', ')}, which the emulator does not evaluate; it applies it always.`);
        return false;
      }
      if (s.effect === 'Allow' && matches(s)) {
        if (s.unsupported.length > 0) warn(`An Allow of role ${roleLogicalId} uses ${s.unsupported.join(', ')}, which the emulator does not evaluate; it grants nothing here.`);
        else allowed = true;
      }
    }
    return allowed;
  }
}
