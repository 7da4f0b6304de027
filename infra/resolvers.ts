// Derives the AppSync resolvers from the files in resolvers/: the file name is the wiring.
//   resolvers/Query.myUsage.ts                 unit resolver on Query.myUsage
//   resolvers/Mutation.sendPrompt/index.ts     pipeline resolver (before/after steps)
//   resolvers/Mutation.sendPrompt/2.reserveQuota.ts   its second function, named reserveQuota
// Each file names its data source in a `// @dataSource <Name>` line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, isObjectType, type GraphQLSchema } from 'graphql';
import { APPSYNC_PRELUDE } from '../emulator/appsync/prelude.ts';


/** Functions in one pipeline resolver, at most (a hard AppSync quota). */
export const MAX_PIPELINE_FUNCTIONS = 10;
export interface FunctionFile {
  name: string;
  file: string;
  dataSource: string;
}

export interface ResolverFile {
  typeName: string;
  fieldName: string;
  file: string;
  /** Unit resolvers only. */
  dataSource?: string;
  /** Pipeline resolvers only, in run order. */
  functions?: FunctionFile[];
}

export class ResolverLayoutError extends Error {
  override readonly name = 'ResolverLayoutError';
}

const COORDINATE = /^([A-Z][A-Za-z0-9_]*)\.([a-z_][A-Za-z0-9_]*)$/;
const FUNCTION_FILE = /^(\d+)\.([a-zA-Z][A-Za-z0-9_]*)\.ts$/;

function dataSourceOf(file: string, known: ReadonlySet<string>): string {
  const match = /^\/\/ @dataSource ([A-Za-z0-9_]+)\s*$/m.exec(readFileSync(file, 'utf8'));
  if (!match) throw new ResolverLayoutError(`${file} must name its data source in a "// @dataSource <Name>" line.`);
  const name = match[1]!;
  if (!known.has(name)) {
    throw new ResolverLayoutError(`${file} names an unknown data source. Expected one of ${[...known].join(', ')}. Received: ${name}`);
  }
  return name;
}

export function appSyncSchema(schemaFile: string): GraphQLSchema {
  return buildSchema(APPSYNC_PRELUDE + '\n' + readFileSync(schemaFile, 'utf8'));
}

function checkCoordinate(schema: GraphQLSchema, typeName: string, fieldName: string, file: string): void {
  const type = schema.getType(typeName);
  if (!type || !isObjectType(type) || !type.getFields()[fieldName]) {
    throw new ResolverLayoutError(`${file} does not name a field of schema.graphql. Received: ${typeName}.${fieldName}`);
  }
}

/** Every resolver under dir, checked against the schema and the declared data sources. */
export function discoverResolvers(dir: string, schema: GraphQLSchema, dataSources: ReadonlySet<string>): ResolverFile[] {
  const found: ResolverFile[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (entry === 'lib') continue;
    if (statSync(path).isDirectory()) {
      const coordinate = COORDINATE.exec(entry);
      if (!coordinate) throw new ResolverLayoutError(`resolvers/${entry}/ is not a Type.field folder. Received: ${entry}`);
      const [, typeName, fieldName] = coordinate as unknown as [string, string, string];
      checkCoordinate(schema, typeName, fieldName, path);
      const functions: FunctionFile[] = [];
      const orders = new Set<number>();
      for (const child of readdirSync(path).sort((a, b) => parseInt(a) - parseInt(b))) {
        if (child === 'index.ts') continue;
        const fn = FUNCTION_FILE.exec(child);
        if (!fn) throw new ResolverLayoutError(`Pipeline files are index.ts and <order>.<name>.ts. Received: resolvers/${entry}/${child}`);
        const order = Number(fn[1]);
        if (orders.has(order)) throw new ResolverLayoutError(`Two functions of resolvers/${entry} share the order ${order}.`);
        orders.add(order);
        functions.push({ name: fn[2]!, file: join(path, child), dataSource: dataSourceOf(join(path, child), dataSources) });
      }
      if (functions.length === 0) throw new ResolverLayoutError(`resolvers/${entry}/ has no pipeline functions.`);
      // AppSync's hard quota: CloudFormation refuses more ("A resolver can only be composed of 10
      // functions"; AppSync quotas, https://docs.aws.amazon.com/general/latest/gr/appsync.html, as
      // quoted in aws-amplify/amplify-cli#9547; checked 2026-11-30). The emulator would run more.
      if (functions.length > MAX_PIPELINE_FUNCTIONS) {
        throw new ResolverLayoutError(`resolvers/${entry}/ has ${functions.length} pipeline functions; AppSync allows at most ${MAX_PIPELINE_FUNCTIONS} per resolver. Merge steps (or move checks into index.ts).`);
      }
      found.push({ typeName, fieldName, file: join(path, 'index.ts'), functions });
    } else if (entry.endsWith('.ts')) {
      const coordinate = COORDINATE.exec(entry.slice(0, -3));
      if (!coordinate) throw new ResolverLayoutError(`resolvers/${entry} is not named Type.field.ts. Received: ${entry}`);
      const [, typeName, fieldName] = coordinate as unknown as [string, string, string];
      checkCoordinate(schema, typeName, fieldName, path);
      found.push({ typeName, fieldName, file: path, dataSource: dataSourceOf(path, dataSources) });
    }
  }
  return found;
}
