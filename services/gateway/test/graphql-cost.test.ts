// Bounded work per GraphQL request: an operation with too many aliases or
// root fields, or whose cost is over the limit, is refused with 400
// QUERY_TOO_COMPLEX before any resolver runs — shown by the real analytics
// and users services behind counting proxies, which see no request at all —
// while every operation the UI sends passes the same checks, at the largest
// page sizes the API allows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildSchema, getNamedType, isEnumType, isInputObjectType, isNonNullType, parse, typeFromAST, type GraphQLInputType } from 'graphql';
import { M, Q, S } from '@polyglot/ui/api/documents';
import type { RunningGateway } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';
import { checkCost, checkShape, type CostLimits } from '../src/entry-points/graphql.cost.ts';
import { schema as schemaText } from '../src/entry-points/graphql.schema.ts';
import { connectGraphQL } from '../test-fixtures/graphql-ws.ts';
import { countingProxy, type CountingProxy } from './counting-proxy.ts';
import { call, startGateway, startStack, type Answer, type Stack } from './support.ts';

const defaults = loadGatewayConfig({});
const LIMITS: CostLimits = { maxCost: defaults.GRAPHQL_MAX_COST, maxAliases: defaults.GRAPHQL_MAX_ALIASES, maxRootFields: defaults.GRAPHQL_MAX_ROOT_FIELDS };

// The types are all the cost needs; the samples below are valid for the server's scalars too.
const graphqlSchema = buildSchema(schemaText);

/** A value of the type for a variable the UI would fill: page sizes at the API's largest, the rest as small as valid. */
function sample(type: GraphQLInputType, name: string): unknown {
  if (isNonNullType(type)) return sample(type.ofType, name);
  const named = getNamedType(type);
  if (name === 'limit') return 200; // ListPostsQuery and FeedQuery allow 200 at most; deadLetters more, at no extra cost
  if (isEnumType(named)) return named.getValues()[0]!.value;
  if (isInputObjectType(named)) {
    return Object.fromEntries(Object.values(named.getFields()).filter((f) => isNonNullType(f.type)).map((f) => [f.name, sample(f.type, f.name)]));
  }
  switch (named.name) {
    case 'SafeInt':
    case 'Int':
      return 1;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'ID':
      return 'a'.repeat(24);
    default:
      return 'x';
  }
}

function variablesFor(source: string): Record<string, unknown> {
  const document = parse(source);
  const variables: Record<string, unknown> = {};
  for (const definition of document.definitions) {
    if (definition.kind !== 'OperationDefinition') continue;
    for (const v of definition.variableDefinitions ?? []) {
      variables[v.variable.name.value] = sample(typeFromAST(graphqlSchema, v.type as never) as GraphQLInputType, v.variable.name.value);
    }
  }
  return variables;
}

describe("the UI's own operations pass the limits", () => {
  const documents: Array<[string, string]> = [
    ...Object.entries(Q).map(([name, q]): [string, string] => [`Q.${name}`, q.text]),
    ...Object.entries(M).map(([name, q]): [string, string] => [`M.${name}`, q.text]),
    ...Object.entries(S).map(([name, q]): [string, string] => [`S.${name}`, q.text]),
  ];

  test('every query, mutation and subscription of ui/src/api/documents.ts', () => {
    assert.ok(documents.length >= 30, `found ${documents.length} documents`);
    for (const [name, source] of documents) {
      const document = parse(source);
      try {
        checkShape(document, LIMITS);
        checkCost(graphqlSchema, document, variablesFor(source), undefined, LIMITS);
      } catch (error) {
        assert.fail(`${name} is refused: ${(error as Error).message}`);
      }
    }
  });

  test('the checks can fail: one alias too many, one root field too many, a cost over the limit', () => {
    const aliases = parse(`{ ${Array.from({ length: LIMITS.maxAliases + 1 }, (_, i) => `a${i}: cacheStatus { keys }`).join(' ')} }`);
    assert.throws(() => checkShape(aliases, LIMITS), (e: any) => e.code === 'QUERY_TOO_COMPLEX' && /aliases/.test(e.message));
    const roots = parse(`{ ${'cacheStatus { keys } '.repeat(LIMITS.maxRootFields + 1)} }`);
    assert.throws(() => checkShape(roots, LIMITS), (e: any) => e.code === 'QUERY_TOO_COMPLEX' && /root fields/.test(e.message));
    const dear = parse('query ($n: Int) { a: posts(limit: $n) { items { user { id } } } b: posts(limit: $n) { items { user { id } } } c: posts(limit: $n) { items { user { id } } } }');
    assert.ok(checkCost(graphqlSchema, dear, { n: 10 }, undefined, LIMITS) <= LIMITS.maxCost, 'ten posts a page is cheap');
    assert.throws(() => checkCost(graphqlSchema, dear, { n: 200 }, undefined, LIMITS), (e: any) => e.code === 'QUERY_TOO_COMPLEX' && /costs \d+/.test(e.message));
  });
});

describe('an over-costly operation is refused before any resolver runs', () => {
  let stack: Stack;
  let gateway: RunningGateway;
  let base: string;
  let analytics: CountingProxy;
  let users: CountingProxy;

  before(async () => {
    stack = await startStack({ services: ['users', 'analytics'] });
    analytics = await countingProxy(stack.services.analytics!);
    users = await countingProxy(stack.services.users!);
    // users' /health stands for every probe of a health round (each round asks it once).
    gateway = await startGateway({ ANALYTICS_URL: analytics.url, USERS_URL: users.url });
    base = `http://127.0.0.1:${gateway.port}`;
  });
  after(async () => {
    await gateway?.stop();
    await Promise.all([analytics?.close(), users?.close()]);
    await stack?.stop();
  });

  const gql = (query: string, variables?: Record<string, unknown>): Promise<Answer> => call(base, 'POST', '/graphql', { query, variables });
  const refused = (r: Answer, pattern: RegExp) => {
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.data, undefined, 'nothing ran: no data key');
    assert.equal(r.body.errors.length, 1, r.text);
    assert.equal(r.body.errors[0].extensions.code, 'QUERY_TOO_COMPLEX', r.text);
    assert.match(r.body.errors[0].message, pattern);
  };

  test('300 aliases of health: refused, and no health round ran', async () => {
    const query = `{ ${Array.from({ length: 300 }, (_, i) => `h${i}: health { status }`).join(' ')} }`;
    refused(await gql(query), /300 aliases; at most 50/);
    refused(await call(base, 'GET', `/graphql?query=${encodeURIComponent(query)}`), /300 aliases/);
    // The same field 300 times without aliases: 300 root fields.
    refused(await gql(`{ ${'health { status } '.repeat(300)} }`), /300 root fields/);
    assert.equal(users.count('/health'), 0, 'no probe was made');
  });

  test('a 64 KiB query of analytics aliases: refused, and the analytics service was not asked', async () => {
    const parts: string[] = [];
    let size = 4;
    for (let i = 0; size < 63 * 1024; i++) {
      const part = `a${i}: analytics { stats { totalEvents } }`;
      parts.push(part);
      size += part.length + 1;
    }
    const query = `{ ${parts.join(' ')} }`;
    assert.ok(query.length > 60 * 1024 && parts.length > 1500, `${query.length} characters, ${parts.length} aliases`);
    refused(await gql(query), new RegExp(`${parts.length} aliases`));
    // Under the alias limit but over the cost: 25 analytics reads (50 each, and 1 for stats) cost 1275.
    refused(await gql(`{ ${parts.slice(0, 25).join(' ')} }`), /costs 1275; at most 1000/);
    assert.equal(analytics.count('/analytics'), 0, 'no analytics read was made');
  });

  test('the cost counts what the variables ask for', async () => {
    const query = 'query ($n: Int) { a: posts(limit: $n) { items { user { id } } } b: posts(limit: $n) { items { user { id } } } c: posts(limit: $n) { items { user { id } } } }';
    refused(await gql(query, { n: 200 }), /costs 1215/);
    // Ten a page passes the check (the posts service is not running here: the read itself fails, with data).
    const cheap = await gql(query, { n: 10 });
    assert.equal(cheap.status, 200, cheap.text);
    assert.ok('data' in cheap.body, cheap.text);
  });

  test('a subscription with too many aliases is refused with the code', async () => {
    const socket = await connectGraphQL(`ws://127.0.0.1:${gateway.port}/graphql`);
    try {
      const sub = socket.subscribe(`subscription { ${Array.from({ length: 60 }, (_, i) => `h${i}: health { status }`).join(' ')} }`);
      await sub.untilDone(5000);
      assert.equal((sub.errors?.[0] as any)?.extensions?.code, 'QUERY_TOO_COMPLEX', JSON.stringify(sub.errors));
      assert.equal(sub.payloads.length, 0);
    } finally {
      await socket.close();
    }
    assert.equal(users.count('/health'), 0, 'no probe was made');
  });

  test('the proxies do count: an ordinary query reaches the services', async () => {
    const r = await gql('{ analytics { stats { totalEvents } } health { status } }');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.errors, undefined, r.text);
    assert.equal(typeof r.body.data.analytics.stats.totalEvents, 'number');
    assert.equal(analytics.count('/analytics'), 1);
    assert.equal(users.count('/health'), 1);
  });
});
