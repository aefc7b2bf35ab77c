// Jaeger's configuration (an OpenTelemetry Collector file, `--config`), rendered from
// the ports in the endpoints contract. The keys are Jaeger 2.12's (module v1.75.0):
// cmd/jaeger/internal/all-in-one.yaml and the extensions' Config structs in its source.
// One pipeline: OTLP over HTTP in, the memory store out, read back by the query extension.
// Both listeners a page could reach serve only under the machine's path secret (jaegerPaths):
// Jaeger checks no Host header and takes no credentials, so the path is what it cannot be
// reached without (docs/engines.md#jaeger-traces).
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';
import { HOST, jaegerPaths } from './endpoints.ts';

/**
 * How many traces the memory store keeps: a ring, each new trace pushing out the oldest, so memory stays bounded
 * whatever the load (0 would mean no bound). Measured with traces of 8 spans (4 services, 6 attributes a span): Jaeger
 * holds 51 MB idle, about 235 MB once this ring is full and turning over, and about 400 MB with a ring of 20 000;
 * RSS grows with the spans held, about 2.3 kB a span with the collector's headroom. 10 000 traces are the last
 * minute of a benchmark or hours of clicking about, and keep the engines under their 2 GiB target
 * (docs/benchmarks.md). A lookup past the ring answers 404; a search may ask for at most this many traces.
 */
export const JAEGER_MAX_TRACES = 10_000;

/**
 * The page the query port answers every path it has no route for with (status 200, inside the base path or not:
 * Jaeger serves its UI's index there and cannot be told to answer 404). Jaeger's own placeholder page would name
 * the base path, and so the path secret, to whoever asks for `/`; this folder's index.html names nothing. Natively
 * it is copied into the data folder (mounted at /srv/data); Compose mounts the repository's folder at the same path.
 */
export const JAEGER_UI_SOURCE = join(repoRoot, 'stack/provision/jaeger/ui');
export const JAEGER_UI_DIR = '/srv/data/ui';

/** The one storage backend, named in the query extension and the exporter. */
const STORE = 'traces_memory';

export interface JaegerListen {
  /**
   * Where the listeners the host reaches bind: loopback natively; 0.0.0.0 inside a container, whose ports Compose
   * publishes on the host's loopback only. The query's gRPC listener, which nothing uses, stays on loopback either way.
   */
  host: string;
  otlpHttpPort: number;
  queryPort: number;
  queryGrpcPort: number;
  healthPort: number;
}

/**
 * pathSecret: the engine credentials' (endpoints.jaeger.pathSecret); the Compose file gives a variable of its
 * compose.env instead, which Compose puts in place. The file holds it: the stack writes it readable by Jaeger only.
 */
export function renderJaegerConfig(listen: JaegerListen, pathSecret: string, maxTraces: number = JAEGER_MAX_TRACES): string {
  const paths = jaegerPaths(pathSecret);
  return `# Written by the stack at every start; edit stack/src/engines/jaeger-config.ts instead.
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      # No batch processor: each export is stored before its call returns, so a trace can be read back at once.
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    # Jaeger's own metrics (otherwise a Prometheus endpoint on port 8888) and spans: off.
    metrics:
      level: none
    traces:
      level: none
    logs:
      level: info

extensions:
  jaeger_storage:
    backends:
      ${STORE}:
        memory:
          max_traces: ${maxTraces}
  jaeger_query:
    storage:
      traces: ${STORE}
    # On by default in Jaeger 2: the query service would trace its own requests and send them to an OTLP endpoint.
    enable_tracing: false
    # Every route of the APIs under the secret. Any other path, there or not, answers the index page of the
    # ui folder: the stack's, which says nothing (Jaeger's own would print the base path, the secret with it).
    base_path: ${paths.queryBase}
    ui:
      assets_path: ${JAEGER_UI_DIR}
    # No cors: the browser reads traces through the gateway only.
    http:
      endpoint: ${listen.host}:${listen.queryPort}
    grpc:
      endpoint: ${HOST}:${listen.queryGrpcPort}
  healthcheckv2:
    use_v2: true
    # HTTP only (GET /status): without a grpc key there is no gRPC health service. /config would print
    # Jaeger's config, the path secret with it: off (as by default; said here so that it stays so).
    http:
      endpoint: ${listen.host}:${listen.healthPort}
      config:
        enabled: false

receivers:
  otlp:
    protocols:
      # HTTP only (protobuf and JSON), POST to the secret path alone: without a grpc key there is no gRPC
      # receiver, and with no metrics or logs pipeline no /v1/metrics or /v1/logs. No cors.
      http:
        endpoint: ${listen.host}:${listen.otlpHttpPort}
        traces_url_path: ${paths.otlpTraces}

exporters:
  jaeger_storage_exporter:
    trace_storage: ${STORE}
`;
}
