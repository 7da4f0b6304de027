// The API's schema, bundled into the build from schema.graphql (introspection is off outside the
// dev stage), with AppSync's own scalars and directives declared as the emulator declares them, and
// the auth modes AppSync's directives give each root field.
import { buildSchema, Kind, type DocumentNode, type GraphQLField, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import sdl from '../../../schema.graphql';
import { APPSYNC_PRELUDE } from '../../../emulator/appsync/prelude.ts';

export const schema: GraphQLSchema = buildSchema(APPSYNC_PRELUDE + sdl);

export type AuthMode = 'API_KEY' | 'AWS_LAMBDA' | 'AWS_IAM';

const DIRECTIVE_MODES: Record<string, AuthMode> = { aws_api_key: 'API_KEY', aws_lambda: 'AWS_LAMBDA', aws_iam: 'AWS_IAM' };

/**
 * The modes that may call a root field: the ones its auth directives name, or, without any,
 * the API's default mode (AWS_LAMBDA) only — AppSync's rule (APPSYNC.md).
 */
export function modesOf(field: GraphQLField<unknown, unknown>): AuthMode[] {
  const modes = (field.astNode?.directives ?? []).map((d) => DIRECTIVE_MODES[d.name.value]).filter((m): m is AuthMode => m !== undefined);
  return modes.length > 0 ? modes : ['AWS_LAMBDA'];
}

function rootType(operation: OperationDefinitionNode) {
  return operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
}

export function selectedOperation(document: DocumentNode, operationName?: string | null): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return operations.find((o) => o.name?.value === operationName) ?? (operations.length === 1 ? operations[0] : undefined);
  return operations.length === 1 ? operations[0] : undefined;
}

/**
 * The mode to send an operation with: the API key when every root field takes it (register,
 * login), else the token. Introspection fields go with either. IAM-only fields (the internal
 * publishPromptEvent) cannot be signed from a page; they go with the token and AppSync refuses them.
 */
export function authModeFor(operation: OperationDefinitionNode | undefined): 'API_KEY' | 'AWS_LAMBDA' {
  if (!operation) return 'AWS_LAMBDA';
  const type = rootType(operation);
  const fields = operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD && !s.name.value.startsWith('__'));
  if (fields.length === 0 || fields.length !== operation.selectionSet.selections.filter((s) => !(s.kind === Kind.FIELD && s.name.value.startsWith('__'))).length) {
    return fields.length === 0 ? 'API_KEY' : 'AWS_LAMBDA';
  }
  const all = fields.map((f) => (f.kind === Kind.FIELD ? type?.getFields()[f.name.value] : undefined));
  return all.every((f) => f && modesOf(f).includes('API_KEY')) ? 'API_KEY' : 'AWS_LAMBDA';
}
