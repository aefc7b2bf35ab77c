// W3C Trace Context: the traceparent a request carries and the traceresponse
// (Level 2) the gateway answers with, both VERSION-TRACEID-SPANID-FLAGS in
// lowercase hex. Parsed here once, for the gateway and the UI alike (no zod:
// the UI's bundle imports it).

/** 32 lowercase hex characters, not all zero (the spec's invalid trace id). */
export const TRACE_ID = /^(?!0{32}$)[0-9a-f]{32}$/;

/** The header on every gateway answer that names the trace the request started or joined. */
export const TRACERESPONSE_HEADER = 'traceresponse';

export interface TraceContext {
  traceId: string;
  spanId: string;
  /** Flag 01: the trace is recorded (exported to Jaeger); 00: it was not sampled and will not exist. */
  sampled: boolean;
}

const FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * A traceparent or traceresponse value, or null when it is missing or malformed. Version 00 has exactly
 * four fields; a later version may add more after a dash, which are ignored (the spec's forward
 * compatibility); version ff and all-zero ids are invalid.
 */
export function parseTraceContext(value: string | null | undefined): TraceContext | null {
  const match = typeof value === 'string' ? FIELDS.exec(value.trim()) : null;
  if (!match) return null;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (!TRACE_ID.test(traceId) || spanId === '0'.repeat(16)) return null;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** The trace id of a traceresponse, only when it was sampled: an unsampled trace never reaches Jaeger. */
export function sampledTraceId(traceresponse: string | null | undefined): string | null {
  const context = parseTraceContext(traceresponse);
  return context?.sampled ? context.traceId : null;
}
