// Jaeger's configuration (an OpenTelemetry Collector file, `--config`), rendered from
// the ports in the endpoints contract. The keys are Jaeger 2.12's (module v1.75.0):
// cmd/jaeger/internal/all-in-one.yaml and the extensions' Config structs in its source.
// One pipeline: OTLP over HTTP in, the memory store out, read back by the query extension.
import { HOST } from './endpoints.ts';

/**
 * How many traces the memory store keeps: a ring, each new trace pushing out the oldest, so memory stays bounded
 * whatever the load (0 would mean no bound). Measured with traces of 8 spans (4 services, 6 attributes a span): Jaeger
 * holds 51 MB idle, about 235 MB once this ring is full and turning over, and about 400 MB with a ring of 20 000;
 * RSS grows with the spans held, about 2.3 kB a span with the collector's headroom. 10 000 traces are the last
 * minute of a benchmark or hours of clicking about, and keep the engines under their 2 GiB target
 * (docs/benchmarks.md). A lookup past the ring answers 404; a search may ask for at most this many traces.
 */
export const JAEGER_MAX_TRACES = 10_000;

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

export function renderJaegerConfig(listen: JaegerListen, maxTraces: number = JAEGER_MAX_TRACES): string {
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
    # No cors: the browser reads traces through the gateway only.
    http:
      endpoint: ${listen.host}:${listen.queryPort}
    grpc:
      endpoint: ${HOST}:${listen.queryGrpcPort}
  healthcheckv2:
    use_v2: true
    # HTTP only (GET /status): without a grpc key there is no gRPC health service.
    http:
      endpoint: ${listen.host}:${listen.healthPort}

receivers:
  otlp:
    protocols:
      # HTTP only (protobuf and JSON, POST /v1/traces): without a grpc key there is no gRPC receiver. No cors.
      http:
        endpoint: ${listen.host}:${listen.otlpHttpPort}

exporters:
  jaeger_storage_exporter:
    trace_storage: ${STORE}
`;
}
