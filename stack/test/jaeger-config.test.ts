// Jaeger's rendered configuration (jaeger-config.ts): every listener on loopback, OTLP over
// HTTP only, no CORS, both APIs under the path secret and an index page that names nothing,
// a bounded memory store that the query and the exporter both name, and none of Jaeger's own
// telemetry; and the Go module the stack builds pins the release we name.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import YAML from 'yaml';
import { endpoints, HOST, jaegerPaths, versions } from '../src/engines/endpoints.ts';
import { JAEGER_MAX_TRACES, JAEGER_UI_DIR, JAEGER_UI_SOURCE, renderJaegerConfig } from '../src/engines/jaeger-config.ts';
import { JAEGER_PACKAGE, jaegerSourceDir } from '../src/provision/jaeger-binary.ts';

type Tree = Record<string, unknown>;

const { otlpHttpPort, queryPort, queryGrpcPort, healthPort } = endpoints.jaeger;
/** Made like the stack's (engine-credentials.ts): 128 bits, hex. */
const SECRET = randomBytes(16).toString('hex');
const config = YAML.parse(renderJaegerConfig({ host: HOST, otlpHttpPort, queryPort, queryGrpcPort, healthPort }, SECRET)) as Tree;

function at(tree: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Tree)[key] : undefined), tree);
}

/** Every value of a key named `name`, with its path, anywhere in the tree. */
function everyKey(tree: unknown, name: string, path = ''): Array<[string, unknown]> {
  if (tree === null || typeof tree !== 'object') return [];
  return Object.entries(tree as Tree).flatMap(([key, value]) => [...(key === name ? [[`${path}${key}`, value] as [string, unknown]] : []), ...everyKey(value, name, `${path}${key}.`)]);
}

describe('the rendered Jaeger config', () => {
  test('every listener binds loopback, on the ports of the endpoints contract', () => {
    const listeners = Object.fromEntries(everyKey(config, 'endpoint'));
    assert.deepEqual(listeners, {
      'extensions.jaeger_query.http.endpoint': `${HOST}:${endpoints.jaeger.queryPort}`,
      'extensions.jaeger_query.grpc.endpoint': `${HOST}:${endpoints.jaeger.queryGrpcPort}`,
      'extensions.healthcheckv2.http.endpoint': `${HOST}:${endpoints.jaeger.healthPort}`,
      'receivers.otlp.protocols.http.endpoint': `${HOST}:${endpoints.jaeger.otlpHttpPort}`,
    });
  });

  test('OTLP comes over HTTP only, and no listener answers a cross-origin preflight', () => {
    assert.deepEqual(Object.keys(at(config, 'receivers.otlp.protocols') as Tree), ['http']);
    assert.deepEqual(Object.keys(at(config, 'receivers') as Tree), ['otlp']);
    assert.equal(at(config, 'extensions.healthcheckv2.grpc'), undefined, 'no gRPC health service');
    assert.deepEqual(everyKey(config, 'cors'), []);
  });

  test('both APIs are served under the path secret alone, the health check (which tells nothing) outside it', () => {
    assert.equal(at(config, 'receivers.otlp.protocols.http.traces_url_path'), `/${SECRET}/v1/traces`);
    assert.equal(at(config, 'extensions.jaeger_query.base_path'), `/${SECRET}`);
    assert.deepEqual(jaegerPaths(SECRET), { otlpTraces: `/${SECRET}/v1/traces`, queryBase: `/${SECRET}` }, 'what the urls of the endpoints contract carry');
    // Jaeger wants a base path that starts with a slash and does not end with one (cmd/query/app/static_handler.go).
    assert.match(String(at(config, 'extensions.jaeger_query.base_path')), /^\/[^/]+$/);
    // Only traces have a pipeline, so the receiver opens no /v1/metrics or /v1/logs.
    assert.deepEqual(Object.keys(at(config, 'service.pipelines') as Tree), ['traces']);
    assert.equal(at(config, 'extensions.healthcheckv2.http.config.enabled'), false, "/config would print Jaeger's config, the secret with it");
  });

  test("the query port answers paths it has no route for with the stack's page, which names nothing", () => {
    assert.equal(at(config, 'extensions.jaeger_query.ui.assets_path'), JAEGER_UI_DIR);
    const page = readFileSync(join(JAEGER_UI_SOURCE, 'index.html'), 'utf8');
    // Jaeger writes the base path into `<base href="/"` and its settings into JAEGER_* placeholders of its index page.
    assert.doesNotMatch(page, /<base\b/i);
    assert.doesNotMatch(page, /JAEGER_/);
    assert.match(page, /\.\/stackctl credentials/);
  });

  test('traces go to a bounded memory store, which the query reads', () => {
    const backends = at(config, 'extensions.jaeger_storage.backends') as Tree;
    assert.equal(Object.keys(backends).length, 1);
    const [name, backend] = Object.entries(backends)[0]!;
    assert.deepEqual(backend, { memory: { max_traces: JAEGER_MAX_TRACES } });
    assert.ok(Number.isInteger(JAEGER_MAX_TRACES) && JAEGER_MAX_TRACES > 0, 'max_traces 0 means unbounded to Jaeger');
    assert.equal(at(config, 'extensions.jaeger_query.storage.traces'), name);
    assert.equal(at(config, 'exporters.jaeger_storage_exporter.trace_storage'), name);
    assert.deepEqual(at(config, 'service.pipelines'), { traces: { receivers: ['otlp'], exporters: ['jaeger_storage_exporter'] } });
    assert.deepEqual(at(config, 'service.extensions'), ['jaeger_storage', 'jaeger_query', 'healthcheckv2']);
  });

  test('Jaeger neither serves its own metrics nor traces itself', () => {
    assert.equal(at(config, 'service.telemetry.metrics.level'), 'none');
    assert.equal(at(config, 'service.telemetry.traces.level'), 'none');
    assert.equal(at(config, 'extensions.jaeger_query.enable_tracing'), false);
  });

  test('another host and bound render in place (the Compose file and a hand-run use them)', () => {
    const other = YAML.parse(renderJaegerConfig({ host: '0.0.0.0', otlpHttpPort: 14318, queryPort: 26686, queryGrpcPort: 26685, healthPort: 23133 }, 'another-secret-0123', 5)) as Tree;
    assert.equal(at(other, 'receivers.otlp.protocols.http.endpoint'), '0.0.0.0:14318');
    assert.equal(at(other, 'extensions.jaeger_query.http.endpoint'), '0.0.0.0:26686');
    assert.equal(at(other, 'extensions.jaeger_query.grpc.endpoint'), `${HOST}:26685`, 'the unused gRPC query stays on loopback');
    assert.equal(at(other, 'extensions.jaeger_storage.backends.traces_memory.memory.max_traces'), 5);
    assert.equal(at(other, 'extensions.jaeger_query.base_path'), '/another-secret-0123');
  });
});

test('the Go module builds the Jaeger release the contract names', () => {
  const goMod = readFileSync(join(jaegerSourceDir, 'go.mod'), 'utf8');
  assert.match(goMod, new RegExp(`^tool ${JAEGER_PACKAGE.replaceAll('.', '\\.')}$`, 'm'));
  assert.match(goMod, new RegExp(`^\\s+github\\.com/jaegertracing/jaeger v${versions.jaegerModule.replaceAll('.', '\\.')}( // indirect)?$`, 'm'));
  // Jaeger's own go.mod replaces sarama; a dependency's replace does not apply to us, so ours repeats it.
  assert.match(goMod, /^replace github\.com\/Shopify\/sarama => github\.com\/Shopify\/sarama v1\.33\.0$/m);
});
