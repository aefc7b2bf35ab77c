// GET /graphiql: a page to try the GraphQL API. GraphiQL itself is not an npm
// dependency here, so the page loads it from unpkg (as mercurius' own page
// does); where that CDN cannot be reached (an offline machine), it falls back
// to a small explorer of its own: the schema, a query, variables, an
// Authorization header, and subscriptions over graphql-ws — nothing to install.
import type { HttpApp } from '@polyglot/platform/http-app';

const CDN = {
  css: 'https://unpkg.com/graphiql@3.8.3/graphiql.min.css',
  scripts: ['https://unpkg.com/react@18.3.1/umd/react.production.min.js', 'https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js', 'https://unpkg.com/graphiql@3.8.3/graphiql.min.js'],
};

const DEFAULT_QUERY = `# Reads are queries, writes mutations, live streams subscriptions (graphql-ws).
query Overview {
  users { id name email }
  posts(limit: 5) { total items { _id title user { name } } }
  cacheStatus { connected keys hitRate }
}

# subscription Changes {
#   changeApplied { dropped changes { projection source entityId type visibleAfterMs } }
# }
`;

const escapeHtml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

// Runs in the browser. One WebSocket per subscription keeps the client tiny;
// the protocol is graphql-transport-ws (connection_init → connection_ack → subscribe → next… → complete).
const CLIENT = String.raw`
const endpoint = location.pathname.replace(/\/graphiql\/?$/, '') + '/graphql';
const wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + endpoint;

function isSubscription(query, operationName) {
  const text = query.replace(/#[^\n]*/g, '');
  const name = operationName ? '\\s+' + operationName + '\\b' : '\\b';
  return new RegExp('(^|[\\s}])subscription' + name).test(text);
}

function subscribe(payload, headers) {
  const queue = [];
  let wake = null, done = false;
  const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
  const push = (item) => { queue.push(item); if (wake) { wake(); wake = null; } };
  ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init', payload: headers }));
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload }));
    else if (message.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    else if (message.type === 'next') push({ value: message.payload });
    else if (message.type === 'error') { push({ value: { errors: message.payload } }); push({ end: true }); }
    else if (message.type === 'complete') push({ end: true });
  };
  ws.onerror = () => push({ value: { errors: [{ message: 'the WebSocket ' + wsUrl + ' failed' }] } });
  ws.onclose = () => push({ end: true });
  return {
    [Symbol.asyncIterator]() { return this; },
    async next() {
      while (!done) {
        const item = queue.shift();
        if (item && item.end) break;
        if (item) return { value: item.value, done: false };
        await new Promise((resolve) => { wake = resolve; });
      }
      done = true;
      return { value: undefined, done: true };
    },
    async return() {
      done = true;
      if (ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify({ id: '1', type: 'complete' })); ws.close(1000); }
      if (wake) wake();
      return { value: undefined, done: true };
    },
  };
}

async function fetcher(params, options) {
  const headers = (options && options.headers) || {};
  if (isSubscription(params.query || '', params.operationName)) return subscribe(params, headers);
  const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(params) });
  return response.json();
}

function load(url, css) {
  return new Promise((resolve, reject) => {
    const element = document.createElement(css ? 'link' : 'script');
    if (css) { element.rel = 'stylesheet'; element.href = url; } else { element.src = url; element.crossOrigin = 'anonymous'; }
    element.onload = resolve;
    element.onerror = () => reject(new Error(url));
    document.head.appendChild(element);
  });
}

async function graphiql() {
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 6000));
  await Promise.race([(async () => {
    await load(CDN.css, true);
    for (const url of CDN.scripts) await load(url, false);
  })(), timeout]);
  document.getElementById('fallback').remove();
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY, isHeadersEditorEnabled: true, shouldPersistHeaders: true }),
  );
}

function explorer(reason) {
  document.getElementById('graphiql').remove();
  const $ = (id) => document.getElementById(id);
  $('fallback').hidden = false;
  $('why').textContent = 'GraphiQL could not be loaded from unpkg.com (' + reason + '): this is the built-in explorer.';
  $('query').value = localStorage.getItem('gql:query') || DEFAULT_QUERY;
  $('variables').value = localStorage.getItem('gql:variables') || '';
  $('auth').value = localStorage.getItem('gql:auth') || '';
  let running = null;
  const show = (value) => { $('result').textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2); };
  async function run() {
    if (running) await running.return();
    localStorage.setItem('gql:query', $('query').value);
    localStorage.setItem('gql:variables', $('variables').value);
    localStorage.setItem('gql:auth', $('auth').value);
    let variables;
    try { variables = $('variables').value.trim() ? JSON.parse($('variables').value) : undefined; }
    catch (error) { return show('variables are not JSON: ' + error.message); }
    const headers = $('auth').value.trim() ? { authorization: $('auth').value.trim() } : {};
    show('…');
    const result = await fetcher({ query: $('query').value, variables }, { headers }).catch((error) => ({ errors: [{ message: String(error) }] }));
    if (!result || typeof result[Symbol.asyncIterator] !== 'function') return show(result);
    running = result;
    $('stop').disabled = false;
    const log = [];
    for await (const value of result) {
      log.unshift(new Date().toLocaleTimeString() + ' ' + JSON.stringify(value, null, 2));
      show(log.slice(0, 50).join('\n\n'));
    }
    if (running === result) { running = null; $('stop').disabled = true; }
  }
  $('run').onclick = run;
  $('stop').onclick = () => running && running.return();
  $('query').onkeydown = (event) => { if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') run(); };
}

graphiql().catch((error) => explorer(error.message));
`;

export function graphiqlPage(sdl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>GraphiQL · polyglot persistence gateway</title>
  <style>
    body { margin: 0; font: 14px/1.4 system-ui, sans-serif; }
    #graphiql { height: 100vh; }
    #fallback { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; padding: 12px; height: 100vh; box-sizing: border-box; }
    #fallback[hidden] { display: none; }
    #fallback header { grid-column: 1 / -1; }
    #fallback .column { display: flex; flex-direction: column; gap: 8px; min-height: 0; }
    textarea, pre, input { font: 13px/1.4 ui-monospace, monospace; box-sizing: border-box; width: 100%; }
    textarea#query { flex: 3; } textarea#variables { flex: 1; }
    pre { margin: 0; padding: 8px; background: #f6f8fa; overflow: auto; flex: 1; border: 1px solid #ddd; }
    details pre { max-height: 40vh; }
    @media (max-width: 720px) { #fallback { grid-template-columns: 1fr; height: auto; } textarea#query { min-height: 40vh; } }
  </style>
</head>
<body>
  <div id="graphiql"></div>
  <main id="fallback" hidden>
    <header><strong>GraphQL explorer</strong> · POST /graphql, subscriptions over graphql-ws on the same path · <span id="why"></span></header>
    <section class="column">
      <label for="query">Query (Ctrl+Enter runs it)</label>
      <textarea id="query" spellcheck="false"></textarea>
      <label for="variables">Variables (JSON)</label>
      <textarea id="variables" spellcheck="false"></textarea>
      <label for="auth">Authorization header (Bearer TOKEN from the login mutation)</label>
      <input id="auth" autocomplete="off">
      <div><button id="run">Run</button> <button id="stop" disabled>Stop subscription</button></div>
    </section>
    <section class="column">
      <pre id="result" aria-live="polite"></pre>
      <details><summary>Schema</summary><pre>${escapeHtml(sdl)}</pre></details>
    </section>
  </main>
  <script>
const CDN = ${JSON.stringify(CDN)};
const DEFAULT_QUERY = ${JSON.stringify(DEFAULT_QUERY).replaceAll('<', '\\u003c')};
${CLIENT}
  </script>
</body>
</html>`;
}

export function registerGraphiQL(app: HttpApp, sdl: string): void {
  const page = graphiqlPage(sdl);
  app.get('/graphiql', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}
