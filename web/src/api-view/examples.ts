// An example operation for every root field of the bundled schema — queries, mutations and
// subscriptions — with variables, generated from the schema so a new field gets one at once.
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { modesOf, schema, type AuthMode } from './schema.ts';

export interface Example {
  kind: 'query' | 'mutation' | 'subscription';
  field: string;
  name: string;
  query: string;
  variables: string;
  modes: AuthMode[];
}

/** Values a person would type, by argument or input-field name; the type decides otherwise. */
const SAMPLES: Record<string, unknown> = {
  email: 'you@example.com',
  password: 'correct horse battery staple',
  prompt: 'Explain rate limiting in one sentence.',
  id: 'PASTE-A-PROMPT-ID-FROM-myPrompts',
  promptId: 'PASTE-A-PROMPT-ID',
  limit: 10,
  maxTokens: 256,
  temperature: 0.5,
  idempotencyKey: 'my-first-prompt',
  conversationId: 'PASTE-A-CONVERSATION-ID-FROM-myConversations',
  title: 'Trip to Lisbon',
};

/** Optional arguments an example leaves null: sendPrompt without a conversation starts one. */
const NULL_WHEN_OPTIONAL = new Set(['conversationId']);

function sample(name: string, type: GraphQLInputType, depth = 0): unknown {
  if (!isNonNullType(type) && NULL_WHEN_OPTIONAL.has(name)) return null;
  if (name in SAMPLES) return SAMPLES[name];
  if (isNonNullType(type)) return sample(name, type.ofType, depth);
  if (isListType(type)) return [sample(name, type.ofType, depth)];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type)) {
    if (depth > 2) return {};
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || f.name in SAMPLES);
    return Object.fromEntries(fields.map((f) => [f.name, sample(f.name, f.type, depth + 1)]));
  }
  if (isScalarType(type)) {
    if (type.name === 'Int') return 0;
    if (type.name === 'Float') return 0.5;
    if (type.name === 'Boolean') return true;
    return name;
  }
  return null;
}

function selection(type: GraphQLOutputType, indent: string, depth = 0): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  const fields = Object.values((named as GraphQLObjectType).getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)));
  const lines = fields.flatMap((f) => {
    const inner = getNamedType(f.type);
    if (!isObjectType(inner)) return [`${indent}  ${f.name}`];
    if (depth >= 2) return [];
    return [`${indent}  ${f.name} {${selection(f.type, indent + '  ', depth + 1).trimEnd()}\n${indent}  }`];
  });
  return `\n${lines.join('\n')}\n`;
}

const MODE_NOTES: Record<AuthMode, string> = {
  API_KEY: 'the API key (set for you)',
  AWS_LAMBDA: 'your token (log in first, in the Chat view or with the login example)',
  AWS_IAM: 'AWS IAM (SigV4), which a web page cannot sign: only the model function calls it',
};

function example(kind: Example['kind'], field: GraphQLField<unknown, unknown>): Example {
  const name = field.name[0]!.toUpperCase() + field.name.slice(1);
  const args = field.args;
  const declared = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const body = selection(field.type, '  ');
  const modes = modesOf(field);
  const note = modes.map((m) => MODE_NOTES[m]).join(', or ');
  const query = `# ${field.description?.split('\n')[0] ?? `${kind} ${field.name}`}\n# Sent with ${note}.\n${kind} ${name}${declared ? `(${declared})` : ''} {\n  ${field.name}${passed ? `(${passed})` : ''}${body ? ` {${body.trimEnd()}\n  }` : ''}\n}\n`;
  const variables = JSON.stringify(Object.fromEntries(args.map((a) => [a.name, sample(a.name, a.type)])), null, 2);
  return { kind, field: field.name, name, query, variables: args.length ? variables : '', modes };
}

export function examples(): Example[] {
  const roots: [Example['kind'], GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) => (type ? Object.values(type.getFields()).map((f) => example(kind, f)) : []));
}
