// The files generated from the GraphQL schema (schema.graphql committed; the UI's
// operation types made by ./stackctl before it compiles the UI): this fails while
// one of them is not what the contracts and ui/src/api/operations.graphql make
// today. No engine needed.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { test } from 'node:test';
import { buildSchema } from 'graphql';
import { generatedFiles, REGENERATE } from '../src/graphql-codegen.ts';
import { schema } from '../src/entry-points/graphql.schema.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');

test('the generated GraphQL files are up to date', async () => {
  for (const [file, expected] of Object.entries(await generatedFiles())) {
    const actual = await readFile(file, 'utf8').catch(() => null);
    assert.ok(actual === expected, `${relative(root, file)} is stale (or missing): run ${REGENERATE} (commit schema.graphql; the UI's operation types stay out of git)`);
  }
});

test("the schema is valid and types every field: JSON only where a map is user-defined or open-ended (a span's attributes), or lines of a history kept verbatim", () => {
  const built = buildSchema(schema);
  const json: string[] = [];
  for (const type of Object.values(built.getTypeMap())) {
    if (type.name.startsWith('__') || !('getFields' in type)) continue;
    for (const field of Object.values(type.getFields())) if (String(field.type).replace(/[[\]!]/g, '') === 'JSON') json.push(`${type.name}.${field.name}`);
  }
  assert.deepEqual(json.sort(), ['AnalyticsEvent.properties', 'CreatePostInput.meta', 'LabAnomaly.lines', 'Post.meta', 'TraceSpan.attributes', 'UpdatePostInput.meta']);
});
