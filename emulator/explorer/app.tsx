// The explorer page's client: a register/log in/prompt/usage panel beside GraphiQL, both calling
// /graphql with the API key or the user's token as AppSync expects. Bundled by ./index.ts.
import 'graphiql/graphiql.css';
import './app.css';
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import { StrictMode, useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { firstError, loadSchema, postGraphQL, type ExplorerConfig, type GraphQLResult } from './api.ts';

type Fetcher = GraphiQLProps['fetcher'];

const TOKEN_KEY = 'tollgate.token';

const DEFAULT_QUERY = `# Ctrl-Enter runs, Ctrl-Space completes.
# register and login go with the API key,
# the rest with your token (log in first).

query Usage {
  myUsage { day queries limit balance resetsAt inputTokens outputTokens tokenLimit }
  models { id name default }
}
`;

const REGISTER = 'mutation Register($email: String!, $password: String!) { register(email: $email, password: $password) { id email message } }';
const LOGIN = 'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token expiresAt email message } }';
const USAGE = 'query Usage { myUsage { day queries limit balance resetsAt inputTokens outputTokens tokenLimit } }';
const SEND_PROMPT =
  'mutation SendPrompt($prompt: String!) { sendPrompt(prompt: $prompt) { id response model queries balance usage { inputTokens outputTokens } } }';

interface Usage {
  queries: number;
  limit: number;
  balance: number;
  resetsAt: string;
  inputTokens: number;
  outputTokens: number;
  tokenLimit: number;
}

interface Answer {
  response: string;
  model: string;
  balance: number;
  usage: { inputTokens: number; outputTokens: number };
}

interface Note {
  text: string;
  error: boolean;
}

function readConfig(): ExplorerConfig {
  const element = document.getElementById('tollgate-config');
  return JSON.parse(element?.textContent ?? '{}') as ExplorerConfig;
}

function loginToken(result: GraphQLResult): string | null {
  const login = result.data?.login as { token?: unknown } | null | undefined;
  return typeof login?.token === 'string' ? login.token : null;
}

function usageText(u: Usage): string {
  return `${u.queries} of ${u.limit} prompts used today, ${u.balance} left (resets ${u.resetsAt}). Tokens: ${u.inputTokens + u.outputTokens} of ${u.tokenLimit}.`;
}

function App({ config }: { config: ExplorerConfig }) {
  const [token, setTokenState] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  // One stable fetcher that reads the token from a ref, so GraphiQL is not reset at every login.
  const tokenRef = useRef(token);
  const setToken = useCallback((value: string) => {
    tokenRef.current = value;
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
    setTokenState(value);
  }, []);
  const credentials = useCallback(() => ({ apiKey: config.apiKey, token: tokenRef.current }), [config]);

  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [authNote, setAuthNote] = useState<Note | null>(null);
  const [usage, setUsage] = useState<Note>({ text: 'Log in to see your quota.', error: false });
  const [prompt, setPrompt] = useState('Explain rate limiting in one paragraph.');
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [promptError, setPromptError] = useState('');
  const [busy, setBusy] = useState(false);
  const [schema, setSchema] = useState<GraphQLSchema | null>(null);
  const [schemaNote, setSchemaNote] = useState<Note>({ text: 'Loading the schema…', error: false });

  const call = useCallback((query: string, variables: Record<string, unknown> = {}) => postGraphQL(config, credentials(), { query, variables }), [config, credentials]);

  const refreshUsage = useCallback(async () => {
    if (!tokenRef.current) {
      setUsage({ text: 'Log in to see your quota.', error: false });
      return;
    }
    const result = await call(USAGE);
    const u = result.data?.myUsage as Usage | undefined;
    setUsage(u ? { text: usageText(u), error: false } : { text: firstError(result) || 'No usage returned.', error: true });
  }, [call]);

  useEffect(() => {
    void refreshUsage();
  }, [token, refreshUsage]);

  useEffect(() => {
    loadSchema(config, { apiKey: config.apiKey, token: '' }).then(
      (s) => {
        setSchema(s);
        setSchemaNote({ text: 'Schema loaded: completion and docs are on.', error: false });
      },
      (error: unknown) => setSchemaNote({ text: `Could not load the schema: ${error instanceof Error ? error.message : String(error)}`, error: true }),
    );
  }, [config]);

  const register = async () => {
    const result = await call(REGISTER, { email, password });
    const r = result.data?.register as { message: string } | undefined;
    setAuthNote(r && !result.errors?.length ? { text: r.message, error: false } : { text: firstError(result), error: true });
  };

  const login = async (event: FormEvent) => {
    event.preventDefault();
    const result = await call(LOGIN, { email, password });
    const issued = loginToken(result);
    if (!issued || result.errors?.length) {
      setAuthNote({ text: firstError(result), error: true });
      return;
    }
    const l = result.data?.login as { message: string; expiresAt: string };
    setToken(issued);
    setAuthNote({ text: `${l.message} The token expires at ${l.expiresAt}.`, error: false });
  };

  const forget = () => {
    setToken('');
    setAuthNote({ text: 'Token forgotten.', error: false });
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setPromptError('');
    try {
      const result = await call(SEND_PROMPT, { prompt });
      const s = result.data?.sendPrompt as Answer | undefined;
      if (!s || result.errors?.length) {
        setAnswer(null);
        setPromptError(firstError(result));
      } else {
        setAnswer(s);
      }
      await refreshUsage();
    } finally {
      setBusy(false);
    }
  };

  const fetcher = useMemo<Fetcher>(
    () => async (params, opts) => {
      const headers = Object.fromEntries(Object.entries(opts?.headers ?? {}).map(([k, v]) => [k, String(v)]));
      const result = await postGraphQL(config, credentials(), { query: params.query, variables: params.variables as unknown, operationName: params.operationName }, headers);
      // Logging in from GraphiQL is as good as from the form.
      const issued = loginToken(result);
      if (issued) setToken(issued);
      // GraphiQL only reads the JSON shape of errors; its type asks for GraphQLError instances.
      return result as unknown as ExecutionResult;
    },
    [config, credentials, setToken],
  );

  return (
    <div className="tg-layout">
      <aside className="tg-panel">
        <header>
          <h1>Tollgate explorer</h1>
          <p className="tg-muted">
            Stack <code>{config.stackName}</code> · API <code>{config.graphqlPath}</code>
            <br />
            API key <code id="api-key">{config.apiKey}</code>
            <br />
            Token: <span id="token-state">{token ? 'set (kept for this tab)' : 'none'}</span>
          </p>
        </header>

        <section aria-labelledby="auth-title">
          <h2 id="auth-title">1. Register or log in</h2>
          <form onSubmit={(e) => void login(e)}>
            <label htmlFor="email">Email</label>
            <input id="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
            <label htmlFor="password">Password</label>
            <input id="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
            <div className="tg-buttons">
              <button type="button" onClick={() => void register()}>
                Register
              </button>
              <button type="submit">Log in</button>
              <button type="button" className="tg-secondary" onClick={forget} disabled={!token}>
                Forget token
              </button>
            </div>
          </form>
          <p id="auth-message" role="status" className={authNote?.error ? 'tg-error' : 'tg-muted'}>
            {authNote?.text}
          </p>
        </section>

        <section aria-labelledby="usage-title">
          <h2 id="usage-title">Today&apos;s usage</h2>
          <p id="usage" role="status" className={usage.error ? 'tg-error' : 'tg-muted'}>
            {usage.text}
          </p>
          <button type="button" className="tg-secondary" onClick={() => void refreshUsage()} disabled={!token}>
            Refresh
          </button>
        </section>

        <section aria-labelledby="prompt-title">
          <h2 id="prompt-title">2. Send a prompt</h2>
          <form onSubmit={(e) => void send(e)}>
            <label htmlFor="prompt">Prompt</label>
            <textarea id="prompt" rows={3} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
            <div className="tg-buttons">
              <button type="submit" disabled={busy || !token}>
                {busy ? 'Sending…' : 'Send'}
              </button>
            </div>
          </form>
          <p id="prompt-error" role="alert" className="tg-error">
            {promptError}
          </p>
          <div id="answer" className="tg-answer" aria-live="polite">
            {answer && (
              <>
                <p>{answer.response}</p>
                <p className="tg-muted">
                  {answer.model} · {answer.usage.inputTokens} in / {answer.usage.outputTokens} out tokens · {answer.balance} prompts left today
                </p>
              </>
            )}
          </div>
        </section>

        <p id="schema-state" className={schemaNote.error ? 'tg-error' : 'tg-muted'}>
          {schemaNote.text}
        </p>
      </aside>
      <main className="tg-graphiql">
        <GraphiQL fetcher={fetcher} schema={schema} defaultQuery={DEFAULT_QUERY} defaultEditorToolsVisibility={false}>
          <GraphiQL.Logo>Tollgate</GraphiQL.Logo>
        </GraphiQL>
      </main>
    </div>
  );
}

const config = readConfig();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App config={config} />
  </StrictMode>,
);
