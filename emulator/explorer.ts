// The explorer page at http://localhost:4000/: register, log in, send prompts and run any
// query against the local API. Self-contained: nothing is fetched from a CDN.

export function explorerPage(opts: { apiKey: string; stackName: string }): string {
  const config = JSON.stringify({ apiKey: opts.apiKey, stack: opts.stackName }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tollgate explorer</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
  body { max-width: 980px; margin: 0 auto; padding: 24px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 0 0 10px; }
  .muted { color: #5b6476; font-size: 13px; }
  section { background: #fff; border: 1px solid #dde1e8; border-radius: 8px; padding: 16px; margin: 16px 0; }
  label { display: block; font-size: 13px; margin: 8px 0 4px; }
  input, textarea { width: 100%; box-sizing: border-box; padding: 8px; border: 1px solid #c5cbd6; border-radius: 6px; font: inherit; }
  textarea { font-family: ui-monospace, monospace; font-size: 13px; }
  button { margin-top: 10px; padding: 8px 14px; border: 0; border-radius: 6px; background: #2456d3; color: #fff; font: inherit; cursor: pointer; }
  button.secondary { background: #e8ebf1; color: #1d2330; }
  pre { background: #0f1420; color: #e6e9ef; padding: 12px; border-radius: 6px; overflow: auto; font-size: 13px; min-height: 40px; }
  .row { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
  .answer { white-space: pre-wrap; background: #f0f4ff; border-radius: 6px; padding: 12px; min-height: 24px; }
  .error { color: #b3261e; }
</style>
</head>
<body>
<h1>Tollgate explorer</h1>
<div class="muted">Local API <code>/graphql</code> · stack <span id="stack"></span> · API key <code id="apikey"></code> · token: <span id="tokenState">none</span></div>

<div class="row">
<section>
  <h2>1. Register or log in</h2>
  <label for="email">Email</label><input id="email" type="email" autocomplete="username" value="">
  <label for="password">Password</label><input id="password" type="password" autocomplete="current-password" value="">
  <button id="register">Register</button> <button id="login">Log in</button> <button id="logout" class="secondary">Forget token</button>
  <div id="authMessage" class="muted" role="status"></div>
</section>
<section>
  <h2>Today's usage</h2>
  <div id="usage" class="muted">Log in to see your quota.</div>
  <button id="refreshUsage" class="secondary">Refresh</button>
</section>
</div>

<section>
  <h2>2. Send a prompt</h2>
  <label for="prompt">Prompt</label><textarea id="prompt" rows="3">Explain rate limiting in one paragraph.</textarea>
  <button id="send">Send</button>
  <div id="promptError" class="error" role="alert"></div>
  <label>Answer</label><div id="answer" class="answer"></div>
</section>

<section>
  <h2>Run any operation</h2>
  <label for="query">GraphQL</label><textarea id="query" rows="6">query { myUsage { day queries limit balance resetsAt } models { id name default } }</textarea>
  <label for="variables">Variables (JSON)</label><input id="variables" value="{}">
  <button id="run">Run</button> <span class="muted">register and login go with the API key, everything else with your token.</span>
  <pre id="result"></pre>
</section>

<script>
const CONFIG = ${config};
const $ = (id) => document.getElementById(id);
$('stack').textContent = CONFIG.stack;
$('apikey').textContent = CONFIG.apiKey;
let token = sessionStorage.getItem('tollgate.token') || '';
function showToken() { $('tokenState').textContent = token ? 'set' : 'none'; }
showToken();

async function gql(query, variables, usePublic) {
  const headers = { 'content-type': 'application/json' };
  if (usePublic) headers['x-api-key'] = CONFIG.apiKey; else if (token) headers['authorization'] = 'Bearer ' + token;
  const res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return res.json();
}
function firstError(r) { return r.errors && r.errors.length ? (r.errors[0].errorType ? r.errors[0].errorType + ': ' : '') + r.errors[0].message : ''; }

$('register').onclick = async () => {
  const r = await gql('mutation($e:String!,$p:String!){ register(email:$e,password:$p){ id email message } }', { e: $('email').value, p: $('password').value }, true);
  $('authMessage').textContent = firstError(r) || r.data.register.message;
};
$('login').onclick = async () => {
  const r = await gql('mutation($e:String!,$p:String!){ login(email:$e,password:$p){ token expiresAt message } }', { e: $('email').value, p: $('password').value }, true);
  if (firstError(r)) { $('authMessage').textContent = firstError(r); return; }
  token = r.data.login.token; sessionStorage.setItem('tollgate.token', token); showToken();
  $('authMessage').textContent = r.data.login.message + ' Expires ' + r.data.login.expiresAt + '.';
  refreshUsage();
};
$('logout').onclick = () => { token = ''; sessionStorage.removeItem('tollgate.token'); showToken(); $('authMessage').textContent = 'Token forgotten.'; };

async function refreshUsage() {
  const r = await gql('{ myUsage { day queries limit balance resetsAt inputTokens outputTokens tokenLimit } }', {}, false);
  if (firstError(r)) { $('usage').textContent = firstError(r); return; }
  const u = r.data.myUsage;
  $('usage').textContent = u.queries + ' of ' + u.limit + ' prompts used today, ' + u.balance + ' left (resets ' + u.resetsAt + '). Tokens: ' + (u.inputTokens + u.outputTokens) + ' of ' + u.tokenLimit + '.';
}
$('refreshUsage').onclick = refreshUsage;

$('send').onclick = async () => {
  $('promptError').textContent = ''; $('answer').textContent = '…';
  const r = await gql('mutation($p:String!){ sendPrompt(prompt:$p){ id response model queries balance usage { inputTokens outputTokens } } }', { p: $('prompt').value }, false);
  if (firstError(r)) { $('promptError').textContent = firstError(r); $('answer').textContent = ''; return; }
  const s = r.data.sendPrompt;
  $('answer').textContent = s.response + '\\n\\n— ' + s.model + ' · ' + s.balance + ' prompts left today';
  refreshUsage();
};

$('run').onclick = async () => {
  let variables = {};
  try { variables = JSON.parse($('variables').value || '{}'); } catch (e) { $('result').textContent = 'Variables are not valid JSON.'; return; }
  const q = $('query').value;
  const isPublic = /\\b(register|login)\\s*\\(/.test(q) && !/\\b(sendPrompt|myUsage|myPrompts|models|deletePrompt|logoutEverywhere)\\b/.test(q);
  $('result').textContent = JSON.stringify(await gql(q, variables, isPublic), null, 2);
};
if (token) refreshUsage();
</script>
</body>
</html>`;
}
