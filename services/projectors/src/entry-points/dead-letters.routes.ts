// GET /dead-letters: the newest messages the pipeline gave up on, with their errors.
// POST /dead-letters/replay: publish one (or all) again for the group that failed it.
import { z } from 'zod';
import { DeadLetterEntry, DeadLetterReplayRequest, DeadLetterReplayResult, DeadLettersQuery, ErrorBody } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { DeadLetterIndex } from '../domain/dead-letter-index.ts';
import type { ReplayPublisher } from '../data-access/replay.publisher.ts';
import { replayDeadLetters } from '../domain/replay-dead-letters.use-case.ts';

export function deadLetterRoutes(app: HttpApp, index: DeadLetterIndex, replays: ReplayPublisher): void {
  app.get(
    '/dead-letters',
    {
      schema: {
        summary: 'The newest dead letters of every consumer group and relay, newest first (the last 1000 are kept; a replayed letter leaves once applied)',
        querystring: DeadLettersQuery,
        response: { 200: z.array(DeadLetterEntry), 400: ErrorBody },
      },
    },
    (request) => index.newest(request.query.limit),
  );

  app.post(
    '/dead-letters/replay',
    {
      schema: {
        summary: 'Publish dead letters again to their topic and partition, for the group that failed them',
        body: DeadLetterReplayRequest,
        response: { 200: DeadLetterReplayResult, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => replayDeadLetters(index, replays, request.body),
  );
}
