// /graphql: the REST API as GraphQL (queries, mutations) and the live streams
// as subscriptions over graphql-ws (the graphql-transport-ws protocol) on the
// same path; /graphiql sends a browser to the UI's GraphiQL to try it. Kept
// out of the OpenAPI document: it is not REST, and a REST fuzzer has nothing
// to learn from it.
//
// Needs @fastify/websocket registered once on the app before it (app.ts):
// mercurius then uses that server instead of registering a second one, which
// would answer every upgrade twice.
import type { FastifyRequest } from 'fastify';
import mercurius from 'mercurius';
import { z } from 'zod';
import { AppError } from '@polyglot/platform/errors';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import type { HealthSnapshot } from '../domain/health-feed.ts';
import { checkCost, checkShape, type CostLimits } from './graphql.cost.ts';
import { contextOf, sessionOf } from './graphql.context.ts';
import { formatErrors, parseInput, refusingWithCode } from './graphql.errors.ts';
import { mutationResolvers } from './graphql.mutations.ts';
import { healthOf, queryResolvers, type GraphQLExtras } from './graphql.queries.ts';
import { JSONScalar, SafeInt } from './graphql.scalars.ts';
import { entryResolvers, schema, type ChangeBatch, type SubscriptionResolvers } from './graphql.schema.ts';
import { changeAppliedStream, changeVisibilityStream, healthStream } from './graphql.subscriptions.ts';
import type { ChangeVisibility } from '../domain/consistency.use-case.ts';

export const GRAPHQL_PATH = '/graphql';

// What a GraphQL request may carry (no batching, no persisted queries); strict, as every REST body.
const HINT = 'send {query, variables?, operationName?} as JSON to POST /graphql (or ?query= to GET for a query); GET /graphiql leads to GraphiQL';
const PostRequest = z.strictObject({
  query: z.string().min(1, `query must not be empty; ${HINT}`),
  variables: z.record(z.string(), z.unknown()).nullable().optional(),
  operationName: z.string().nullable().optional(),
  extensions: z.record(z.string(), z.unknown()).nullable().optional(),
});
const GetRequest = z.strictObject({
  query: z.string({ error: `query is missing; ${HINT}` }).min(1, `query must not be empty; ${HINT}`),
  variables: z.string().optional(),
  operationName: z.string().optional(),
  extensions: z.string().optional(),
});

async function checkRequest(request: FastifyRequest): Promise<void> {
  // A WebSocket upgrade carries its operations in messages, not in the URL.
  if ((request as FastifyRequest & { ws?: boolean }).ws) return;
  if (request.method === 'POST') {
    if (request.body === null || typeof request.body !== 'object' || Array.isArray(request.body)) throw new AppError('VALIDATION_FAILED', `invalid body: ${HINT}`);
    parseInput(PostRequest, request.body, 'body');
  } else {
    parseInput(GetRequest, request.query, 'querystring');
  }
}

/** extras: the same fault controls, lab results and reconciler as REST (app.ts builds each once), so both see each other's work. */
export async function registerGraphQL(app: HttpApp, deps: GatewayDeps, extras: GraphQLExtras): Promise<void> {
  // The one health report of the gateway (app.ts), which /health answers from too.
  const healthFeed = deps.health;
  app.addHook('onClose', async () => healthFeed.stop());

  // With AUTH_REQUIRED on, each needs a session: the upgrade's Authorization header, or
  // {authorization: 'Bearer …'} in connection_init (browsers cannot set a WebSocket's headers).
  const subscriptions: SubscriptionResolvers = {
    changeApplied: {
      subscribe: (_root, args, ctx) =>
        refusingWithCode(async () => {
          await sessionOf(deps, ctx);
          return changeAppliedStream(deps.watermarks, args);
        }),
      resolve: (batch: ChangeBatch) => batch,
    },
    changeVisibility: {
      subscribe: (_root, args, ctx) =>
        refusingWithCode(async () => {
          await sessionOf(deps, ctx);
          return changeVisibilityStream(deps, args);
        }),
      resolve: (state: ChangeVisibility) => state,
    },
    health: {
      subscribe: (_root, _args, ctx) =>
        refusingWithCode(async () => {
          await sessionOf(deps, ctx);
          return healthStream(healthFeed);
        }),
      resolve: (snapshot: HealthSnapshot) => healthOf(snapshot),
    },
  };

  await app.register(mercurius, {
    schema,
    resolvers: {
      SafeInt,
      JSON: JSONScalar,
      Query: queryResolvers(deps, extras),
      Mutation: mutationResolvers(deps, extras),
      Subscription: subscriptions,
      ...entryResolvers,
    },
    path: GRAPHQL_PATH,
    // The UI's, bundled from npm (ui/src/panels/GraphiQLView.tsx): GET /graphiql below leads there.
    graphiql: false,
    context: (request: FastifyRequest) => contextOf(request),
    subscription: {
      context: (_socket: unknown, request: FastifyRequest) => contextOf(request),
      // A client that names no subprotocol speaks graphql-ws's current one.
      wsDefaultSubprotocol: 'graphql-transport-ws',
    },
    errorFormatter: formatErrors,
    // The schema has no cycles; this bounds what a hand-written query can ask anyway.
    queryDepth: 8,
    additionalRouteOptions: {
      // Replaces mercurius' JSON schemas (the app validates with zod): the request is checked by checkRequest.
      schema: { hide: true },
      preValidation: checkRequest,
    },
  });

  // Bounded work per request (graphql.cost.ts): the shape before validation, the cost (with the variables) before execution.
  const limits: CostLimits = { maxCost: deps.config.GRAPHQL_MAX_COST, maxAliases: deps.config.GRAPHQL_MAX_ALIASES, maxRootFields: deps.config.GRAPHQL_MAX_ROOT_FIELDS };
  app.graphql.addHook('preValidation', async (_schema, document) => checkShape(document, limits));
  app.graphql.addHook('preExecution', async (schema, document, context, variables) => {
    checkCost(schema, document, variables, operationNameOf(context.reply?.request), limits);
  });
  // A subscription (over the WebSocket) is neither validated nor executed as a whole by mercurius, and runs one root field.
  app.graphql.addHook('preSubscriptionExecution', async (_schema, document) => checkShape(document, limits));

  // The UI bundles GraphiQL (nothing loaded from a CDN); a person who comes here for it is sent there.
  app.get('/graphiql', { schema: { hide: true } }, async (_request, reply) => reply.redirect(`${deps.config.UI_URL}/graphiql`, 302));
}

/** The operation a request names (POST body or GET query string), if any. */
function operationNameOf(request: FastifyRequest | undefined): string | undefined {
  const from = (request?.method === 'POST' ? request.body : request?.query) as { operationName?: unknown } | undefined;
  return typeof from?.operationName === 'string' && from.operationName !== '' ? from.operationName : undefined;
}
