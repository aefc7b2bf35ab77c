// The one registry of error codes. Every error a client can see is
// {error: "<what happened and what to do>", code: "<one of these>"}.

export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, meaning: 'a field is missing, has the wrong type or is out of range' },
  MALFORMED_JSON: { status: 400, meaning: 'the body is not valid JSON' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'the body is not application/json' },
  INVALID_ID: { status: 400, meaning: 'an id in the path is not in the expected format' },
  SELF_FOLLOW: { status: 400, meaning: 'a user cannot follow themselves' },
  UNAUTHENTICATED: { status: 401, meaning: 'no valid session; log in first' },
  INVALID_CREDENTIALS: { status: 401, meaning: 'email or password is wrong' },
  FORBIDDEN: { status: 403, meaning: 'the session may not change this resource' },
  ADMIN_REQUIRED: { status: 403, meaning: 'only an admin session (its email in ADMIN_EMAILS) may do this' },
  USER_NOT_FOUND: { status: 404, meaning: 'no user has this id' },
  POST_NOT_FOUND: { status: 404, meaning: 'no post has this id' },
  COMMENT_NOT_FOUND: { status: 404, meaning: 'no comment has this id' },
  FOLLOW_NOT_FOUND: { status: 404, meaning: 'this follow does not exist' },
  ROUTE_NOT_FOUND: { status: 404, meaning: 'no such endpoint' },
  UNKNOWN_PROJECTION: { status: 404, meaning: 'no projection has this name (graph, analytics, projectors, user-cascade)' },
  UNKNOWN_UNIT: { status: 404, meaning: 'no engine or service that faults may stop, start or kill has this name' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'the endpoint does not accept this method' },
  EMAIL_TAKEN: { status: 409, meaning: 'another user has this email (case-insensitive)' },
  FAULT_IN_PROGRESS: { status: 409, meaning: 'another stop, start or kill of this unit is still running' },
  BODY_TOO_LARGE: { status: 413, meaning: 'the body is larger than the limit' },
  RATE_LIMITED: { status: 429, meaning: 'too many attempts; wait and try again' },
  INTERNAL_ERROR: { status: 500, meaning: 'a bug; the log has the details' },
  UNIT_CONTROL_UNAVAILABLE: { status: 501, meaning: 'the gateway cannot drive the stack here (no stack CLI, or switched off with STACK_CLI=off)' },
  UNIT_ACTION_FAILED: { status: 502, meaning: 'the stack CLI could not stop, start or kill the unit; the message has its report' },
  STORE_UNAVAILABLE: { status: 503, meaning: 'a store or service does not answer' },
  UI_NOT_BUILT: { status: 503, meaning: 'the web UI has no build in ui/dist; ./stackctl up builds it' },
  TIMEOUT: { status: 504, meaning: 'a dependency did not answer in time' },
  CONSISTENCY_TIMEOUT: { status: 504, meaning: 'the write committed, but not every projection showed it in time (strong mode or a read with a token); the body names the late ones' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
