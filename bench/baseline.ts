// The bare baseline: a plain graphql-js HTTP server on the same schema whose resolvers return
// constants. No auth, no data sources: what parsing, validating, executing and serializing the
// same operations costs on this machine. Parsed and validated documents are cached by their
// text, as the emulator (and any production GraphQL server) does.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildSchema, execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { APPSYNC_PRELUDE } from '../emulator/appsync/prelude.ts';

export interface Baseline {
  graphqlUrl: string;
  close(): Promise<void>;
}

const NOW = '2026-01-01T12:00:00.000Z';
// About the size of the dev model's answers, so responses weigh the same.
const ANSWER =
  '[tollgate dev model] Interesting. You said: "a benchmark prompt". Token counts in this reply are estimated at about four bytes of text per token. Model us.amazon.nova-2-lite-v1:0, turn 1, fingerprint 4e478266. Anything else?';
const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IjAxMjM0NTY3ODlhYmNkZWYifQ.' + 'e'.repeat(220) + '.' + 's'.repeat(43);

const rootValue = {
  sendPrompt: (args: { prompt: string }) => ({
    id: '01JBENCHBASELINE0000000000',
    prompt: args.prompt,
    response: ANSWER,
    model: 'us.amazon.nova-2-lite-v1:0',
    queries: 1,
    balance: 49,
    usage: { inputTokens: 3, outputTokens: 53 },
    createdAt: NOW,
    status: 'COMPLETED',
    conversationId: '01JBENCHBASELINECONVERSATN',
    contextTurns: 0,
  }),
  myUsage: () => ({
    day: NOW.slice(0, 10),
    queries: 1,
    limit: 50,
    balance: 49,
    resetsAt: '2026-01-02T00:00:00.000Z',
    inputTokens: 3,
    outputTokens: 53,
    tokenLimit: 200000,
  }),
  login: (args: { email: string }) => ({ token: TOKEN, expiresAt: NOW, email: args.email, message: 'Logged in.' }),
  register: (args: { email: string }) => ({ id: '00000000-0000-0000-0000-000000000000', email: args.email, message: 'Account created.' }),
};

function documentCache(schema: GraphQLSchema) {
  const cache = new Map<string, DocumentNode | readonly { message: string }[]>();
  return (query: string) => {
    let entry = cache.get(query);
    if (!entry) {
      const document = parse(query);
      const errors = validate(schema, document);
      entry = errors.length > 0 ? errors.map((e) => ({ message: e.message })) : document;
      if (cache.size < 256) cache.set(query, entry);
    }
    return entry;
  };
}

export async function startBaseline(root: string): Promise<Baseline> {
  const schema = buildSchema(APPSYNC_PRELUDE + readFileSync(join(root, 'schema.graphql'), 'utf8'));
  const documentFor = documentCache(schema);
  const server: Server = createServer((req, res) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let status = 200;
        let out: Record<string, unknown>;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; operationName?: string; variables?: Record<string, unknown> };
          const document = documentFor(body.query);
          out = Array.isArray(document)
            ? { data: null, errors: document }
            : { ...(await execute({ schema, document: document as DocumentNode, rootValue, variableValues: body.variables, operationName: body.operationName })) };
        } catch (error) {
          status = 400;
          out = { errors: [{ message: error instanceof Error ? error.message : String(error) }] };
        }
        if (req.headers['x-tollgate-timings'] === '1') {
          out.extensions = { tollgate: { totalMs: performance.now() - started, authorizer: { ms: 0, cached: false, mode: 'NONE' }, steps: [] } };
        }
        const text = JSON.stringify(out);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    graphqlUrl: `http://127.0.0.1:${port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
