// No engine accepts a well-known password, or none: each refuses what it
// accepted before the stack generated its credentials (postgres/postgres,
// neo4j/neo4jpass, Redis and Connect without any) and accepts the generated
// ones, which live in .stack/credentials.json (0600) and appear on no command
// line and in no log. `./stackctl credentials` prints commands that work.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import neo4jDriver from 'neo4j-driver';
import pg from 'pg';
import { CREDENTIAL_KEYS, credentialsFile, engineCredentials } from '@polyglot/contracts/engine-credentials';
import { basicAuthorization, connectHeaders, endpoints, HOST, urls } from '../src/engines/endpoints.ts';
import { engineDataDir, statePaths } from '../src/paths.ts';
import { knownArtifactDirs } from '../src/supervisor/artifacts.ts';
import { runCli } from '../test-fixtures/run-cli.ts';

const run = promisify(execFile);
const credentials = engineCredentials();
const passwords = CREDENTIAL_KEYS.map((key) => credentials[key]);

describe('the credentials file', () => {
  test('is readable by its owner only, and holds a different random password for each engine', () => {
    const file = credentialsFile(statePaths.root);
    assert.equal((statSync(file).mode & 0o777).toString(8), '600');
    assert.equal(new Set(passwords).size, passwords.length, 'each engine has its own password');
    for (const password of passwords) {
      assert.match(password, /^[0-9a-f]{32}$/, '128 random bits');
      assert.ok(!['postgres', 'neo4jpass', 'neo4j', ''].includes(password));
    }
  });

  test('no running unit has a password on its command line (every `ps` shows it)', async () => {
    const status = JSON.parse((await runCli(['status', '--json'])).stdout) as { engines: Array<{ engine: string; pid?: number; state: string }> };
    const running = status.engines.filter((u) => u.pid !== undefined && u.state === 'healthy');
    assert.ok(running.length >= 10, `too few running units to check: ${running.map((u) => u.engine).join(', ')}`);
    for (const unit of running) {
      const cmdline = readFileSync(`/proc/${unit.pid}/cmdline`, 'utf8');
      for (const password of passwords) assert.ok(!cmdline.includes(password), `${unit.engine} (pid ${unit.pid}) shows a password on its command line`);
    }
  });

  test('no log of an engine or a service holds a password', () => {
    const logs = readdirSync(statePaths.logs).filter((name) => name.endsWith('.log'));
    assert.ok(logs.length >= 10, `too few logs to check in ${statePaths.logs}`);
    for (const name of logs) {
      const text = readFileSync(join(statePaths.logs, name), 'utf8');
      for (const password of passwords) assert.ok(!text.includes(password), `${name} holds a password`);
    }
  });
});

describe('PostgreSQL, TimescaleDB and FerretDB\'s store refuse postgres/postgres', () => {
  for (const key of ['postgres', 'timescaledb', 'ferretdbStore'] as const) {
    const e = endpoints[key];
    const connect = async (password: string) => {
      const client = new pg.Client({ host: HOST, port: e.port, user: e.user, password, database: e.database, connectionTimeoutMillis: 3000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.query<{ who: string }>('SELECT current_user AS who')).rows[0]?.who;
      } finally {
        await client.end();
      }
    };

    test(`${key} on ${e.port}`, async () => {
      await assert.rejects(connect('postgres'), (error: { code?: string }) => error.code === '28P01', 'the old well-known password must fail authentication');
      await assert.rejects(connect(''), 'no password must not get in');
      assert.equal(await connect(e.password), e.user);
    });
  }

  test('their sockets, where local connections need no password, are for the engine user (and root) only', () => {
    for (const [name, port] of [['postgres', endpoints.postgres.port], ['timescaledb', endpoints.timescaledb.port], ['ferretdb-store', endpoints.ferretdbStore.port]] as const) {
      assert.equal((statSync(join(engineDataDir(name), `.s.PGSQL.${port}`)).mode & 0o777).toString(8), '700', name);
    }
  });
});

describe('Neo4j refuses neo4j/neo4jpass', () => {
  // Each refusal is followed by a success, which resets Neo4j's count of failed logins (it locks a user after 3).
  test('over Bolt', async () => {
    const withPassword = async (password: string) => {
      const driver = neo4jDriver.driver(urls.neo4jBolt, neo4jDriver.auth.basic(endpoints.neo4j.user, password));
      try {
        return await driver.verifyAuthentication();
      } finally {
        await driver.close();
      }
    };
    assert.equal(await withPassword('neo4jpass'), false);
    assert.equal(await withPassword(endpoints.neo4j.password), true);
  });

  test('over HTTP (:7474, what a DNS-rebinding page could reach)', async () => {
    const query = (headers: Record<string, string>) =>
      fetch(`${urls.neo4jHttp}/db/neo4j/tx/commit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ statements: [{ statement: 'RETURN 1 AS one' }] }),
      });
    assert.equal((await query({})).status, 401);
    assert.equal((await query({ authorization: basicAuthorization(endpoints.neo4j.user, 'neo4jpass') })).status, 401);
    const ok = await query({ authorization: basicAuthorization(endpoints.neo4j.user, endpoints.neo4j.password) });
    assert.equal(ok.status, 200);
    assert.deepEqual(((await ok.json()) as { results: Array<{ data: Array<{ row: unknown[] }> }> }).results[0]?.data[0]?.row, [1]);
  });
});

describe('both Redis instances require their password', () => {
  for (const key of ['redis', 'redisState'] as const) {
    test(`${key} on ${endpoints[key].port}`, async () => {
      const options = { host: HOST, port: endpoints[key].port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null };
      const anonymous = new Redis(options);
      anonymous.on('error', () => undefined);
      try {
        await assert.rejects(anonymous.ping(), /NOAUTH/);
        await assert.rejects(anonymous.get('session:any'), /NOAUTH/);
        await assert.rejects(anonymous.auth('default', 'postgres'), /WRONGPASS/);
      } finally {
        anonymous.disconnect();
      }
      const client = new Redis({ ...options, password: endpoints[key].password });
      try {
        assert.equal(await client.ping(), 'PONG');
      } finally {
        client.disconnect();
      }
    });
  }
});

describe("Kafka Connect's REST API requires basic authentication", () => {
  test('without it, or with a wrong password, every call is 401, a change of the connector included', async () => {
    const connectors = `${urls.connect}/connectors`;
    assert.equal((await fetch(connectors)).status, 401);
    assert.equal((await fetch(`${urls.connect}/`)).status, 401);
    assert.equal((await fetch(connectors, { headers: { authorization: basicAuthorization(endpoints.connect.user, 'wrong') } })).status, 401);
    // What a rebinding page would do: re-register the CDC connector without its hashed_password exclusion.
    const hijack = await fetch(`${connectors}/users-cdc/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'column.exclude.list': '' }) });
    assert.equal(hijack.status, 401);
    const config = (await (await fetch(`${connectors}/users-cdc/config`, { headers: connectHeaders() })).json()) as Record<string, string>;
    assert.equal(config['column.exclude.list'], 'public.users.hashed_password', 'the connector is unchanged');
  });

  test('with the generated credentials it answers', async () => {
    const response = await fetch(`${urls.connect}/connectors`, { headers: connectHeaders() });
    assert.equal(response.status, 200);
    assert.ok(((await response.json()) as string[]).includes('users-cdc'));
  });
});

describe('./stackctl credentials', () => {
  const shell = (command: string, root?: string) => run(root ? 'chroot' : 'sh', root ? [root, 'sh', '-c', command] : ['-c', command], { timeout: 20_000 });
  const printed = runCli(['credentials']);
  const lineAfter = (text: string, title: RegExp): string => {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => title.test(l));
    assert.ok(at >= 0, `no section ${title} in:\n${text}`);
    return lines[at + 1]!.trim();
  };

  test('prints a psql command per PostgreSQL cluster that logs in', async () => {
    const { stdout, code, stderr } = await printed;
    assert.equal(code, 0, stderr);
    for (const [title, e] of [[/^PostgreSQL \(users\)/, endpoints.postgres], [/^TimescaleDB/, endpoints.timescaledb], [/^PostgreSQL under FerretDB/, endpoints.ferretdbStore]] as const) {
      const command = lineAfter(stdout, title);
      assert.match(command, /^psql '/);
      const { stdout: who } = await shell(`${command} -Atc 'SELECT current_user, current_database()'`);
      assert.equal(who.trim(), `${e.user}|${e.database}`);
    }
  });

  test('prints redis-cli commands that work (run from the Debian root, which has redis-cli)', async () => {
    const { stdout } = await printed;
    const root = knownArtifactDirs().debianRoot!;
    for (const [title, port] of [[/^Redis \(cache\)/, endpoints.redis.port], [/^Redis \(state\)/, endpoints.redisState.port]] as const) {
      const command = lineAfter(stdout, title);
      assert.match(command, new RegExp(`redis-cli -h ${HOST} -p ${port}$`));
      assert.equal((await shell(`${command} ping`, root)).stdout.trim(), 'PONG');
      assert.match((await shell(`redis-cli -h ${HOST} -p ${port} ping`, root)).stdout, /NOAUTH/, 'the same without the password is refused');
    }
  });

  test('prints a curl command for Connect that works, and the Neo4j user and password', async () => {
    const { stdout } = await printed;
    const curl = lineAfter(stdout, /^Kafka Connect/);
    assert.match(curl, /^curl -u /);
    const answer = JSON.parse((await shell(`${curl} -s`)).stdout) as { connector?: { state?: string } };
    assert.equal(answer.connector?.state, 'RUNNING');
    assert.ok(stdout.includes(`cypher-shell -a ${urls.neo4jBolt} -u ${endpoints.neo4j.user} -p ${endpoints.neo4j.password}`));
    assert.ok(stdout.includes(`${urls.neo4jHttp}/browser/`));
  });

  test("prints curl commands for Jaeger's query API and OTLP receiver, under the path secret, that work, and a line on why", async () => {
    const { stdout } = await printed;
    const lines = stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Jaeger'));
    assert.ok(at >= 0, `no Jaeger section in:\n${stdout}`);
    const section = lines.slice(at + 1, lines.indexOf('', at)).map((l) => l.trim());
    const [services, trace, otlp] = section;
    assert.equal(services, `curl ${urls.jaegerQuery}/api/services`);
    assert.equal(trace, `curl ${urls.jaegerQuery}/api/traces/TRACE_ID`);
    assert.ok(urls.jaegerQuery.endsWith(`/${endpoints.jaeger.pathSecret}`) && urls.otlpTraces.includes(`/${endpoints.jaeger.pathSecret}/`));
    // Jaeger's JSON answer, not the stack's page for unknown paths; its list is null until a span arrived.
    const listed = (JSON.parse((await shell(`${services} -s`)).stdout) as { data?: unknown }).data;
    assert.ok(listed === null || Array.isArray(listed), `Jaeger's services, not ${JSON.stringify(listed)}`);
    assert.match(otlp!, new RegExp(`^curl -XPOST ${urls.otlpTraces.replaceAll('.', '\\.')} `));
    assert.deepEqual(JSON.parse((await shell(`${otlp} -s`)).stdout), { partialSuccess: {} }, 'an empty export is taken');
    assert.match(section.at(-1)!, /^\(Jaeger takes no password .*path secret/, 'the line saying why the path');
  });

  test('--json gives the same, and ./stackctl status points to it', async () => {
    const json = JSON.parse((await runCli(['credentials', '--json'])).stdout) as Array<{ engine: string; url?: string; password?: string }>;
    assert.equal(json.find((e) => e.engine === 'postgres')?.url, urls.postgres);
    assert.equal(json.find((e) => e.engine === 'redis-state')?.password, endpoints.redisState.password);
    assert.match((await runCli(['status'])).stdout, /\.\/stackctl credentials/);
  });
});
