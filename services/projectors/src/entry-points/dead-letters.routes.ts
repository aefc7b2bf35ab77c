// GET /dead-letters: the newest messages the pipeline gave up on, with their errors.
import { z } from 'zod';
import { DeadLetter, DeadLettersQuery, ErrorBody } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { DeadLetterIndex } from '../domain/dead-letter-index.ts';

export function deadLetterRoutes(app: HttpApp, index: DeadLetterIndex): void {
  app.get(
    '/dead-letters',
    {
      schema: {
        summary: 'The newest dead letters of every consumer group, newest first (the last 1000 are kept)',
        querystring: DeadLettersQuery,
        response: { 200: z.array(DeadLetter), 400: ErrorBody },
      },
    },
    (request) => index.newest(request.query.limit),
  );
}
