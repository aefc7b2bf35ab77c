// W3C trace context travels from the request into the outbox event, so the UI
// can follow one write end to end. A malformed header is ignored, never trusted.
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function traceparentOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers.traceparent;
  return typeof value === 'string' && TRACEPARENT.test(value) ? value : undefined;
}
