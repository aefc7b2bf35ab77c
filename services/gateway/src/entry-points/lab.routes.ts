// The consistency lab: run an experiment (writes in a mode, each read back at
// once from every store) and list the results kept for the UI.
import { z } from 'zod';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { LabResults } from '../data-access/lab-results.store.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { ExperimentInput, ExperimentResult } from '@polyglot/contracts/lab';
import { ObserveBody, ObservedEntities } from '@polyglot/contracts/observations';
import { observeEntities } from '../domain/observe-entities.use-case.ts';
import { runExperiment } from '../domain/run-experiment.use-case.ts';
import { adminOnly } from './admin.hook.ts';
import { consistencyTimeout } from './consistency.hooks.ts';
import { bearer, callerOf, errors } from './route-helpers.ts';

const tags = ['lab'];

/** results: the one store app.ts builds, which GraphQL shares. */
export function registerLabRoutes(app: HttpApp, deps: GatewayDeps, results: LabResults): void {
  // Experiments write on purpose, at a rate: with AUTH_REQUIRED on, only an admin runs them.
  const admin = adminOnly(app, deps);

  app.post(
    '/lab/experiments',
    {
      onRequest: admin,
      schema: {
        tags,
        operationId: 'runLabExperiment', summary: 'Run writes in a consistency mode, each followed at once by reads from every store; answers (and keeps) the result',
        description:
          'Before the clock starts the lab creates its own users (lab-ID-N@lab.example) and waits until every store shows them. users: renames of those users; posts: new posts by one of them; follows: follows between them. A read is stale when the store does not show the write yet (Neo4j and TimescaleDB: the source position they hold; Redis: the cached profile, the posts page a client gets, the follower\'s feed generation). Time-to-visible is what the projections measured, source commit → applied. Lasts writes / rate seconds (at most 120).',
        security: bearer,
        body: ExperimentInput,
        response: { 201: ExperimentResult, ...errors(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      const result = await runExperiment(deps, callerOf(request), request.body);
      await results.add(result);
      request.log.info({ experiment: result.id, input: result.input, durationMs: result.durationMs, by: request.admin?.email ?? request.ip }, 'lab experiment finished');
      return reply.code(201).send(result);
    },
  );

  // What a recorder (the lab, ./stackctl check) reads: every store's view of each entity, with its source position.
  app.post(
    '/lab/observations',
    {
      onRequest: admin,
      schema: {
        tags,
        operationId: 'observeEntities',
        summary: 'What every store an entity lives in shows of it, as source positions (the reads of a recorded history)',
        description:
          'Per entity, per store: {position, deleted} as docs/history-checker.md defines a read: the source position of the state the store holds (null: absent), and whether that state is a deletion. users:ID → postgres, neo4j, redis, timescaledb; posts:<24 hex> → ferretdb, redis, timescaledb; graph:FOLLOWER:FOLLOWEE → neo4j, timescaledb. Redis counts only what the pipeline keeps without expiry (a profile or post filled on a miss is left out). A store that does not answer is left out and named under unavailable. With token, first waits until every projection of that write shows it (504 CONSISTENCY_TIMEOUT otherwise).',
        security: bearer,
        body: ObserveBody,
        response: { 200: ObservedEntities, ...errors(400, 401, 403), ...consistencyTimeout },
      },
    },
    async (request) => observeEntities(deps, request.body),
  );

  app.get(
    '/lab/experiments',
    { onRequest: admin, schema: { tags, operationId: 'listLabExperiments', summary: 'The experiments run so far, newest first (the last 50)', security: bearer, response: { 200: z.array(ExperimentResult), ...errors(401, 403, 503) } } },
    async () => results.list(),
  );
}
