// Each engine, reached through the Node client the services will use, doing
// real work. Runs against the stack that `./stackctl test` brought up.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { Redis } from 'ioredis';
import { MongoClient, MongoServerError, ObjectId } from 'mongodb';
import neo4jDriver from 'neo4j-driver';
import pg from 'pg';
import { httpRequest } from '@polyglot/platform/http-request';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { connectHeaders, endpoints, HOST, urls } from '../src/engines/endpoints.ts';
import { JAEGER_UI_SOURCE } from '../src/engines/jaeger-config.ts';
import { DEBEZIUM_POSTGRES_CLASS } from '../src/engines/connect.ts';
import { connectorState, postsConnector, usersConnector } from '../src/engines/cdc-connectors.ts';
import { POSTS_CAPTURE_NAME, POSTS_SCHEMA } from '../src/engines/posts-capture.ts';
import { partitionsOf } from '@polyglot/contracts/topics';

const suffix = randomUUID().replaceAll('-', '').slice(0, 12);

describe('PostgreSQL (users) on 5432', () => {
  const client = new pg.Client(urls.postgres);
  after(() => client.end());

  test('runs with wal_level=logical and the users migration applied', async () => {
    await client.connect();
    const wal = await client.query<{ wal_level: string }>('SHOW wal_level');
    assert.equal(wal.rows[0]?.wal_level, 'logical');
    const columns = await client.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position");
    assert.deepEqual(columns.rows.map((r) => r.column_name), ['id', 'email', 'name', 'hashed_password', 'created_at', 'updated_at', 'role', 'traceparent']);
  });

  test('insert and select, and a logical replication slot sees the insert', async () => {
    const slot = `stack_test_${suffix}`;
    const table = `stack_probe_${suffix}`;
    await client.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, note text NOT NULL)`);
    await client.query("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [slot]);
    try {
      const note = `hello-${suffix}`;
      const inserted = await client.query<{ id: number }>(`INSERT INTO ${table} (note) VALUES ($1) RETURNING id`, [note]);
      const selected = await client.query<{ note: string }>(`SELECT note FROM ${table} WHERE id = $1`, [inserted.rows[0]?.id]);
      assert.equal(selected.rows[0]?.note, note);
      const changes = await client.query<{ data: string }>('SELECT data FROM pg_logical_slot_get_changes($1, NULL, NULL)', [slot]);
      const insertLine = changes.rows.map((r) => r.data).find((d) => d.startsWith(`table public.${table}: INSERT`));
      assert.ok(insertLine, `the slot saw no INSERT into ${table}; it saw: ${changes.rows.map((r) => r.data).join(' | ')}`);
      assert.match(insertLine, new RegExp(`note\\[text\\]:'${note}'`));
    } finally {
      await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
      await client.query(`DROP TABLE ${table}`);
    }
  });
});

describe('TimescaleDB (analytics) on 5433', () => {
  const client = new pg.Client(urls.timescaledb);
  after(() => client.end());

  test('the events hypertable exists and the license is detected as apache', async () => {
    await client.connect();
    const hypertables = await client.query<{ hypertable_name: string }>('SELECT hypertable_name FROM timescaledb_information.hypertables');
    assert.ok(hypertables.rows.some((r) => r.hypertable_name === 'events'));
    const license = await client.query<{ license: string }>("SELECT current_setting('timescaledb.license') AS license");
    assert.equal(license.rows[0]?.license, 'apache');
  });

  test('create_hypertable and time_bucket over real rows', async () => {
    const table = `stack_probe_${suffix}`;
    await client.query(`CREATE TABLE ${table} (time timestamptz NOT NULL, value int NOT NULL)`);
    try {
      await client.query(`SELECT create_hypertable('${table}', 'time')`);
      // 180 rows, one per 10 s over 30 minutes: 6 per minute.
      await client.query(`INSERT INTO ${table} SELECT timestamptz '2026-01-01 00:00:00+00' + (i * interval '10 seconds'), 1 FROM generate_series(0, 179) AS i`);
      const buckets = await client.query<{ bucket: Date; n: string }>(`SELECT time_bucket('1 minute', time) AS bucket, count(*) AS n FROM ${table} GROUP BY bucket ORDER BY bucket`);
      assert.equal(buckets.rowCount, 30);
      assert.ok(buckets.rows.every((r) => Number(r.n) === 6));
      const chunks = await client.query<{ n: string }>(`SELECT count(*) AS n FROM show_chunks('${table}')`);
      assert.ok(Number(chunks.rows[0]?.n) >= 1);
    } finally {
      await client.query(`DROP TABLE ${table}`);
    }
  });
});

describe('MongoDB wire (FerretDB) on 27017', () => {
  const client = new MongoClient(urls.mongo, { serverSelectionTimeoutMS: 5000 });
  after(() => client.close());

  test('insert, find and a unique index that rejects a duplicate with code 11000', async () => {
    const collection = client.db(endpoints.ferretdb.database).collection<{ slug: string; title: string }>(`stack_probe_${suffix}`);
    try {
      await collection.createIndex({ slug: 1 }, { unique: true });
      await collection.insertOne({ slug: 'first', title: 'Hello' });
      await collection.insertMany([{ slug: 'second', title: 'World' }, { slug: 'third', title: '!' }]);
      const found = await collection.find({ slug: { $in: ['first', 'second'] } }).sort({ slug: 1 }).toArray();
      assert.deepEqual(found.map((d) => d.title), ['Hello', 'World']);
      await assert.rejects(collection.insertOne({ slug: 'first', title: 'again' }), (error: unknown) => error instanceof MongoServerError && error.code === 11000);
      assert.equal(await collection.countDocuments(), 3);
    } finally {
      await collection.drop();
    }
  });

  test('a new collection gets the GIN index that answers lookups by _id (FerretDB asks with @>)', async () => {
    const name = `stack_probe_gin_${suffix}`;
    const collection = client.db(endpoints.ferretdb.database).collection<{ _id: string; n: number }>(name);
    const store = new pg.Client({ ...endpoints.ferretdbStore, host: HOST });
    await store.connect();
    try {
      await collection.insertMany(Array.from({ length: 200 }, (_, n) => ({ _id: `doc-${n}`, n })));
      assert.equal((await collection.findOne({ _id: 'doc-123' }))?.n, 123);
      // FerretDB keeps each database in a schema, and names each collection's table in its metadata.
      const schemaname = endpoints.ferretdb.database;
      const table = await store.query<{ table: string }>(`SELECT _jsonb->>'table' AS table FROM "${schemaname}"._ferretdb_database_metadata WHERE _jsonb->>'_id' = $1`, [name]);
      const tablename = table.rows[0]!.table;
      const indexes = await store.query<{ indexdef: string }>('SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2', [schemaname, tablename]);
      assert.ok(indexes.rows.some((i) => /USING gin .*_id.* jsonb_path_ops/.test(i.indexdef)), JSON.stringify(indexes.rows));
      // The statement FerretDB sends for {_id: x} can be answered by the index (200 rows are too few for the
      // planner to prefer it on its own; among thousands it does).
      await store.query('SET enable_seqscan = off');
      const plan = await store.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT _jsonb FROM "${schemaname}"."${tablename}" WHERE _jsonb->'_id' @> '"doc-123"'`);
      assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan/);
    } finally {
      await store.end();
      await collection.drop();
    }
  });
});

describe('Neo4j on 7687 (Bolt) and 7474 (HTTP, Browser)', () => {
  const driver = neo4jDriver.driver(urls.neo4jBolt, neo4jDriver.auth.basic(endpoints.neo4j.user, endpoints.neo4j.password));
  after(() => driver.close());

  test('MERGE then MATCH a follow relationship', async () => {
    const label = `StackProbe_${suffix}`;
    const session = driver.session();
    try {
      await session.run(`MERGE (a:${label} {id: $a}) MERGE (b:${label} {id: $b}) MERGE (a)-[:FOLLOWS]->(b)`, { a: 'alice', b: 'bob' });
      // MERGE twice creates nothing new.
      await session.run(`MERGE (a:${label} {id: $a}) MERGE (b:${label} {id: $b}) MERGE (a)-[:FOLLOWS]->(b)`, { a: 'alice', b: 'bob' });
      const result = await session.run(`MATCH (a:${label})-[r:FOLLOWS]->(b:${label}) RETURN a.id AS follower, b.id AS followee, count(r) AS n`);
      assert.equal(result.records.length, 1);
      assert.equal(result.records[0]?.get('follower'), 'alice');
      assert.equal(result.records[0]?.get('followee'), 'bob');
      assert.equal(result.records[0]?.get('n').toNumber(), 1);
    } finally {
      await session.run(`MATCH (n:${label}) DETACH DELETE n`);
      await session.close();
    }
  });

  test('serves Neo4j Browser on 7474', async () => {
    const response = await fetch(`${urls.neo4jHttp}/browser/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await response.text(), /neo4j/i);
  });
});

describe('Redis on 6379', () => {
  const client = new Redis(urls.redis, { maxRetriesPerRequest: 1 });
  after(() => client.quit());

  test('set with a TTL, get, and delete', async () => {
    const key = `stack:probe:${suffix}`;
    assert.equal(await client.set(key, 'value', 'EX', 60), 'OK');
    assert.equal(await client.get(key), 'value');
    assert.ok((await client.ttl(key)) > 0);
    assert.equal(await client.del(key), 1);
    assert.equal(await client.get(key), null);
  });
});

describe('Redis for state on 6380', () => {
  const client = new Redis(urls.redisState, { maxRetriesPerRequest: 1 });
  after(() => client.quit());

  test('never evicts, and keeps an append-only file', async () => {
    assert.deepEqual(await client.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
    assert.deepEqual(await client.config('GET', 'appendonly'), ['appendonly', 'yes']);
    const key = `stack:probe:${suffix}`;
    assert.equal(await client.set(key, 'value', 'EX', 60), 'OK');
    assert.equal(await client.get(key), 'value');
    assert.equal(await client.del(key), 1);
  });
});

describe('Kafka on 9092', () => {
  test('a produce / consume round trip with @platformatic/kafka', async () => {
    const topic = `stack-probe-${suffix}`;
    const bootstrapBrokers = [`${HOST}:${endpoints.kafka.port}`];
    const admin = new Admin({ clientId: 'stack-test-admin', bootstrapBrokers });
    const producer = new Producer({ clientId: 'stack-test-producer', bootstrapBrokers, serializers: stringSerializers });
    const consumer = new Consumer({ clientId: 'stack-test-consumer', groupId: `stack-test-${suffix}`, bootstrapBrokers, deserializers: stringDeserializers });
    try {
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      const sent = Array.from({ length: 5 }, (_, i) => `message-${i}`);
      await producer.send({ messages: sent.map((value, i) => ({ topic, key: `user-${i}`, value })) });
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: true, maxWaitTime: 200 });
      const received: string[] = [];
      const deadline = setTimeout(() => stream.destroy(new Error(`only ${received.length} of ${sent.length} messages arrived within 20 s`)), 20_000);
      for await (const message of stream) {
        received.push(message.value);
        if (received.length === sent.length) break;
      }
      clearTimeout(deadline);
      assert.deepEqual(received, sent);
    } finally {
      await consumer.close(true).catch(() => undefined);
      await producer.close().catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.close().catch(() => undefined);
    }
  });
});

describe('Kafka Connect on 8083', () => {
  test('lists the Debezium PostgreSQL connector plugin', async () => {
    const response = await fetch(`${urls.connect}/connector-plugins`, { headers: connectHeaders() });
    assert.equal(response.status, 200);
    const plugins = (await response.json()) as Array<{ class: string; type: string; version: string }>;
    const debezium = plugins.find((p) => p.class === DEBEZIUM_POSTGRES_CLASS);
    assert.ok(debezium, `plugins: ${plugins.map((p) => p.class).join(', ')}`);
    assert.equal(debezium.type, 'source');
    assert.match(debezium.version, /^3\.6\.1/);
  });
});

describe('Jaeger (traces) on 4318 and 16686, under the path secret', () => {
  /** One span of its own trace, as OTLP/JSON. */
  const oneSpan = (name: string) => {
    const traceId = randomBytes(16).toString('hex');
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const span = { traceId, spanId: randomBytes(8).toString('hex'), name, kind: 2, startTimeUnixNano: String(nowNs - 5_000_000n), endTimeUnixNano: String(nowNs) };
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'stack-test' } }] }, scopeSpans: [{ scope: { name: 'stack-test' }, spans: [span] }] }] };
    return { traceId, span, json: JSON.stringify(body) };
  };

  test('a span sent as OTLP/JSON is read back by its trace id from the query API', async () => {
    const { traceId, span, json } = oneSpan(`probe-${suffix}`);
    const sent = await fetch(urls.otlpTraces, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json });
    assert.equal(sent.status, 200, await sent.text());
    // No batch processor: the export is stored before its answer.
    const read = await fetch(`${urls.jaegerQuery}/api/traces/${traceId}`);
    assert.equal(read.status, 200);
    const trace = (await read.json()) as { data: Array<{ traceID: string; spans: Array<{ operationName: string }> }> };
    assert.equal(trace.data[0]?.traceID, traceId);
    assert.deepEqual(trace.data[0]?.spans.map((s) => s.operationName), [span.name]);
    assert.equal((await fetch(`${urls.jaegerQuery}/api/traces/${randomBytes(16).toString('hex')}`)).status, 404);
  });

  // What a DNS-rebinding page sends: its own name in Host (Jaeger checks none), to the paths every Jaeger has.
  // Without the secret the OTLP port serves nothing (404), and the query port only the stack's page, which names
  // nothing (it answers 200 with its index page wherever it has no route: Jaeger's own page would name the secret).
  test('with a foreign Host and without the path secret: no span is taken and no trace or service is read', async () => {
    const { otlpHttpPort, queryPort, pathSecret } = endpoints.jaeger;
    const page = readFileSync(join(JAEGER_UI_SOURCE, 'index.html'), 'utf8');
    const { traceId, json } = oneSpan(`rebinding-${suffix}`);
    const foreign = (port: number) => ({ host: `rebind.example:${port}` });
    const at = (port: number, path: string) => new URL(`http://${HOST}:${port}${path}`);

    const post = await httpRequest(at(otlpHttpPort, '/v1/traces'), { method: 'POST', headers: { ...foreign(otlpHttpPort), 'content-type': 'application/json' }, body: json, timeoutMs: 5000 });
    assert.equal(post.status, 404, post.body.toString());
    for (const path of [`/api/traces/${traceId}`, '/api/services', `/api/v3/traces/${traceId}`, '/']) {
      const answer = await httpRequest(at(queryPort, path), { method: 'GET', headers: foreign(queryPort), timeoutMs: 5000 });
      const body = answer.body.toString();
      assert.equal(answer.status, 200, `${path}: ${body}`);
      assert.equal(body, page, `${path}: only the stack's page`);
      assert.ok(!body.includes(pathSecret), `${path} shows the path secret`);
    }
    // The span posted without the secret was not stored.
    assert.equal((await fetch(`${urls.jaegerQuery}/api/traces/${traceId}`)).status, 404);
  });

  test('with the path secret it works, whatever the Host: the secret is what a page cannot have', async () => {
    const { otlpHttpPort, queryPort } = endpoints.jaeger;
    const { traceId, span, json } = oneSpan(`secret-${suffix}`);
    const foreign = (port: number) => ({ host: `rebind.example:${port}` });
    const otlp = new URL(urls.otlpTraces);
    const query = (path: string) => new URL(`${urls.jaegerQuery}${path}`);
    assert.equal(otlp.port, String(otlpHttpPort));
    assert.equal(query('').port, String(queryPort));

    const post = await httpRequest(otlp, { method: 'POST', headers: { ...foreign(otlpHttpPort), 'content-type': 'application/json' }, body: json, timeoutMs: 5000 });
    assert.equal(post.status, 200, post.body.toString());
    const read = await httpRequest(query(`/api/traces/${traceId}`), { method: 'GET', headers: foreign(queryPort), timeoutMs: 5000 });
    assert.equal(read.status, 200, read.body.toString());
    const trace = JSON.parse(read.body.toString()) as { data: Array<{ traceID: string; spans: Array<{ operationName: string }> }> };
    assert.deepEqual(trace.data[0]?.spans.map((s) => s.operationName), [span.name]);
    const services = await httpRequest(query('/api/services'), { method: 'GET', headers: foreign(queryPort), timeoutMs: 5000 });
    assert.equal(services.status, 200);
    assert.ok((JSON.parse(services.body.toString()) as { data: string[] }).data.includes('stack-test'));
  });

  test('neither port answers a cross-origin preflight, so a page cannot post spans as JSON nor read traces', async () => {
    for (const url of [urls.otlpTraces, `${urls.jaegerQuery}/api/services`]) {
      const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      await preflight.arrayBuffer();
      assert.equal(preflight.headers.get('access-control-allow-origin'), null, 'a cross-origin preflight is not allowed');
    }
    // What a page may send without a preflight (a form's content types) is refused by the receiver.
    const form = await fetch(urls.otlpTraces, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'http://evil.example' }, body: '{}' });
    await form.arrayBuffer();
    assert.equal(form.status, 415);
  });

  test('the health check, outside the secret, tells only whether Jaeger runs; its /config (the secret in it) is off', async () => {
    const { healthPort, pathSecret } = endpoints.jaeger;
    const status = await fetch(`http://${HOST}:${healthPort}/status`);
    const text = await status.text();
    assert.equal(status.status, 200);
    assert.ok(!text.includes(pathSecret));
    const config = await fetch(`http://${HOST}:${healthPort}/config`);
    await config.arrayBuffer();
    assert.equal(config.status, 404);
  });
});

describe('Debezium CDC from PostgreSQL to Kafka', () => {
  test('the users connector runs, handing each change over at once, looking every 50 ms', async () => {
    const state = await connectorState(usersConnector);
    assert.deepEqual(state, { connector: 'RUNNING', tasks: ['RUNNING'] });
    const config = (await (await fetch(`${urls.connect}/connectors/${usersConnector.name}/config`, { headers: connectHeaders() })).json()) as Record<string, string>;
    assert.equal(config['poll.interval.ms'], '50');
    assert.equal(config['max.batch.size'], '1');
  });

  test('an insert into users reaches Kafka from the WAL, keyed by id and without the password hash', async () => {
    const bootstrapBrokers = [`${HOST}:${endpoints.kafka.port}`];
    // Positioned at the end of the topic before it joins: only this insert can match, with no wait for an assignment.
    const group = await testGroupAtEnd('stack-test-cdc', [usersConnector.topic]);
    const consumer = new Consumer({ clientId: 'stack-test-cdc', groupId: group, bootstrapBrokers, deserializers: stringDeserializers });
    const db = new pg.Client(urls.postgres);
    await db.connect();
    const email = `cdc-${suffix}@example.test`;
    try {
      const stream = await consumer.consume({ topics: [usersConnector.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: true, maxWaitTime: 100 });
      const inserted = await db.query<{ id: string }>("INSERT INTO users (email, name, hashed_password) VALUES ($1, 'CDC probe', 'not-a-real-hash') RETURNING id", [email]);
      const id = Number(inserted.rows[0]?.id);
      const deadline = setTimeout(() => stream.destroy(new Error('no change event for the insert within 20 s')), 20_000);
      let event: { op: string; after: Record<string, unknown> } | undefined;
      let key: Record<string, unknown> | undefined;
      for await (const message of stream) {
        // A delete's tombstone (no value) may pass by too.
        const value = JSON.parse(message.value ?? 'null') as { op: string; after: Record<string, unknown> } | null;
        if (value?.after?.email === email) {
          event = value;
          key = JSON.parse(message.key) as Record<string, unknown>;
          break;
        }
      }
      clearTimeout(deadline);
      assert.ok(event);
      assert.equal(event.op, 'c');
      assert.deepEqual(key, { id });
      assert.equal(event.after.name, 'CDC probe');
      assert.equal('hashed_password' in event.after, false);
    } finally {
      await db.query('DELETE FROM users WHERE email = $1', [email]);
      await db.end();
      await consumer.close(true).catch(() => undefined);
      await deleteTestGroups(group);
    }
  });
});

describe('Debezium CDC from FerretDB’s PostgreSQL to Kafka (posts)', () => {
  const store = () => new pg.Client({ host: HOST, port: endpoints.ferretdbStore.port, user: endpoints.ferretdbStore.user, password: endpoints.ferretdbStore.password, database: endpoints.ferretdbStore.database });

  test('the posts connector runs; the posts table alone is published, with its whole row as identity, through the stack’s slot', async () => {
    assert.deepEqual(await connectorState(postsConnector), { connector: 'RUNNING', tasks: ['RUNNING'] });
    const db = store();
    await db.connect();
    try {
      const published = await db.query<{ schemaname: string; tablename: string; relreplident: string }>(
        `SELECT t.schemaname, t.tablename, c.relreplident FROM pg_publication_tables t
           JOIN pg_class c ON c.relname = t.tablename JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = t.schemaname
          WHERE t.pubname = $1`, [POSTS_CAPTURE_NAME]);
      assert.equal(published.rows.length, 1, JSON.stringify(published.rows));
      assert.equal(published.rows[0]?.schemaname, POSTS_SCHEMA);
      assert.match(published.rows[0]?.tablename ?? '', /^posts_[0-9a-f]{8}$/);
      assert.equal(published.rows[0]?.relreplident, 'f', 'REPLICA IDENTITY FULL, or PostgreSQL refuses its updates');
      const slot = await db.query<{ plugin: string }>('SELECT plugin FROM pg_replication_slots WHERE slot_name = $1', [POSTS_CAPTURE_NAME]);
      assert.equal(slot.rows[0]?.plugin, 'pgoutput');
    } finally {
      await db.end();
    }
  });

  test('each connector’s topic has its contract’s partitions: the posts’ changes one, since they have no key', async () => {
    const admin = new Admin({ clientId: 'stack-test-partitions', bootstrapBrokers: [urls.kafka] });
    try {
      const metadata = await admin.metadata({ topics: [postsConnector.topic, usersConnector.topic] });
      assert.equal(metadata.topics.get(postsConnector.topic)?.partitionsCount, 1);
      assert.equal(metadata.topics.get(usersConnector.topic)?.partitionsCount, partitionsOf(usersConnector.topic));
    } finally {
      await admin.close();
    }
  });

  test('a document’s insert, update and removal reach posts-db.changes in order, each with the row before and after', async () => {
    const group = await testGroupAtEnd('stack-test-posts-cdc', [postsConnector.topic]);
    const consumer = new Consumer({ clientId: 'stack-test-posts-cdc', groupId: group, bootstrapBrokers: [urls.kafka], deserializers: stringDeserializers });
    // No lastEvent: the projections, which read this topic too, take such a version for one that says nothing.
    const mongo = new MongoClient(urls.mongo, { serverSelectionTimeoutMS: 5000 });
    const id = new ObjectId();
    try {
      const stream = await consumer.consume({ topics: [postsConnector.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: true, maxWaitTime: 100 });
      const posts = mongo.db().collection('posts');
      await posts.insertOne({ _id: id, probe: suffix, version: 1 });
      await posts.updateOne({ _id: id }, { $set: { version: 2 } });
      await posts.deleteOne({ _id: id });
      const deadline = setTimeout(() => stream.destroy(new Error('the three changes did not arrive within 20 s')), 20_000);
      const seen: Array<{ op: string; before: number | null; after: number | null }> = [];
      const version = (image: { _jsonb: string } | null) => (image ? (JSON.parse(image._jsonb) as { version: number }).version : null);
      for await (const message of stream) {
        if (!message.value?.includes(id.toHexString())) continue;
        const change = JSON.parse(message.value) as { op: string; before: { _jsonb: string } | null; after: { _jsonb: string } | null };
        seen.push({ op: change.op, before: version(change.before), after: version(change.after) });
        if (seen.length === 3) break;
      }
      clearTimeout(deadline);
      assert.deepEqual(seen, [
        { op: 'c', before: null, after: 1 },
        { op: 'u', before: 1, after: 2 },
        { op: 'd', before: 2, after: null },
      ]);
    } finally {
      await mongo.db().collection('posts').deleteOne({ _id: id }).catch(() => undefined);
      await mongo.close();
      await consumer.close(true).catch(() => undefined);
      await deleteTestGroups(group);
    }
  });
});
