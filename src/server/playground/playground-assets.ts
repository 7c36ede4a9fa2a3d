import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Browser builds shipped inside installed packages: the IDE works with no internet access. */
const PACKAGE_FILES = {
  'react.js': ['react', 'umd/react.production.min.js'],
  'react-dom.js': ['react-dom', 'umd/react-dom.production.min.js'],
  'graphiql.js': ['graphiql', 'graphiql.min.js'],
  'graphiql.css': ['graphiql', 'graphiql.min.css'],
} as const;

export type AssetName = keyof typeof PACKAGE_FILES | 'init.js';

export interface Asset {
  body: Buffer;
  contentType: string;
}

const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/**
 * Starts GraphiQL: HTTP for queries and mutations, graphql-ws for subscriptions, same origin.
 * A subscription's events are shown as a growing list (oldest first), not only the latest;
 * the first tab signs up or logs in and returns a token; headers are kept across reloads only
 * when the developer turns on "Persist headers" in the settings.
 */
const INIT_SCRIPT = `(function () {
  var wsUrl = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/graphql';
  var base = GraphiQL.createFetcher({ url: '/graphql', subscriptionUrl: wsUrl });
  // The server reads "authorization" from the connection_init payload; headers typed in the
  // header editor go there (subscriptions) or into the request (queries and mutations).
  function lowerKeys(headers) {
    var out = {};
    Object.keys(headers || {}).forEach(function (k) { out[k.toLowerCase()] = headers[k]; });
    return out;
  }
  async function* asList(source) {
    var events = [];
    for await (var result of source) {
      events.push(result);
      yield { events: events.slice() };
    }
  }
  function isSubscription(params, opts) {
    var definitions = (opts && opts.documentAST && opts.documentAST.definitions) || [];
    var operations = definitions.filter(function (d) { return d.kind === 'OperationDefinition'; });
    var chosen = operations.filter(function (d) {
      return !params.operationName || (d.name && d.name.value === params.operationName);
    })[0];
    return Boolean(chosen && chosen.operation === 'subscription');
  }
  function fetcher(params, opts) {
    var options = Object.assign({}, opts || {});
    options.headers = lowerKeys(options.headers);
    var result = base(params, options);
    if (!isSubscription(params, opts)) return result;
    // A subscription comes back as (a promise of) an async iterable of its events.
    return Promise.resolve(result).then(function (events) {
      return events && typeof events[Symbol.asyncIterator] === 'function' ? asList(events) : events;
    });
  }
  var signIn = [
    '# Run SignUp (a new account) or LogIn (an existing one): the answer has a token.',
    '# Put it in Headers as { "authorization": "Bearer <token>" } for the other tabs;',
    '# subscriptions send the same header over WebSocket (graphql-ws).',
    '',
    'mutation SignUp {',
    '  signUp(input: { email: "ada@example.com", password: "Quartz-Lantern-Meadow-47!", displayName: "Ada" }) {',
    '    token',
    '    user { id displayName }',
    '  }',
    '}',
    '',
    'mutation LogIn {',
    '  logIn(email: "ada@example.com", password: "Quartz-Lantern-Meadow-47!") {',
    '    token',
    '    user { id displayName }',
    '  }',
    '}',
    ''
  ].join('\\n');
  var me = 'query Me {\\n  me { id displayName teams { role team { id name } } }\\n}\\n';
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultTabs: [{ query: signIn }, { query: me }],
    defaultEditorToolsVisibility: 'headers',
    isHeadersEditorEnabled: true
  }));
})();
`;

const cache = new Map<AssetName, Asset>();

export function playgroundAsset(name: string): Asset | undefined {
  if (name !== 'init.js' && !(name in PACKAGE_FILES)) return undefined;
  const key = name as AssetName;
  let asset = cache.get(key);
  if (!asset) {
    const contentType = key.endsWith('.css')
      ? 'text/css; charset=utf-8'
      : 'text/javascript; charset=utf-8';
    if (key === 'init.js') {
      asset = { body: Buffer.from(INIT_SCRIPT), contentType };
    } else {
      const [pkg, file] = PACKAGE_FILES[key];
      asset = { body: readFileSync(join(packageDir(pkg), file)), contentType };
    }
    cache.set(key, asset);
  }
  return asset;
}

export const PLAYGROUND_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>teamgraph playground</title>
    <link rel="icon" href="/favicon.ico" />
    <link rel="stylesheet" href="/playground/graphiql.css" />
    <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
  </head>
  <body>
    <div id="graphiql">Loading the playground…</div>
    <script src="/playground/react.js"></script>
    <script src="/playground/react-dom.js"></script>
    <script src="/playground/graphiql.js"></script>
    <script src="/playground/init.js"></script>
  </body>
</html>
`;
