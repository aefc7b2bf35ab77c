// Keeps stack/docker-compose.yml in step with stack/src/engines/endpoints.ts
// (the single source of ports and users) and with the variables the stack
// writes to .stack/compose.env (its generated passwords), and checks that the
// file is a compose file that docker-compose accepts, with pinned images,
// healthchecks, loopback-only ports and no password written in it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import YAML from 'yaml';
import { COMPOSE_VARIABLES } from '../src/credentials.ts';
import { topics } from '@polyglot/contracts/topics';
import { postsConnector } from '../src/engines/cdc-connectors.ts';
import { endpoints, HOST, urls } from '../src/engines/endpoints.ts';
import { JAEGER_UI_DIR, JAEGER_UI_SOURCE, renderJaegerConfig } from '../src/engines/jaeger-config.ts';

const COMPOSE_FILE = join(import.meta.dirname, '..', 'docker-compose.yml');

type Service = {
  image?: unknown;
  ports?: unknown;
  environment?: unknown;
  command?: unknown;
  healthcheck?: unknown;
  depends_on?: unknown;
};

type ComposeFile = {
  version?: unknown;
  services: Record<string, Service>;
  volumes?: Record<string, unknown> | null;
};

type PortBinding = { hostIp: string; hostPort: number; containerPort: number };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadCompose(): ComposeFile {
  const parsed: unknown = YAML.parse(readFileSync(COMPOSE_FILE, 'utf8'));
  assert.ok(isRecord(parsed), 'docker-compose.yml must be a YAML mapping');
  const services = parsed['services'];
  assert.ok(isRecord(services), 'docker-compose.yml must have a services mapping');
  for (const [name, service] of Object.entries(services)) {
    assert.ok(isRecord(service), `service ${name} must be a mapping`);
  }
  return parsed as ComposeFile;
}

const compose = loadCompose();

function service(name: string): Service {
  const s = compose.services[name];
  assert.ok(s, `service ${name} is missing from docker-compose.yml`);
  return s;
}

// Short syntax "IP:HOST:CONTAINER[/proto]" or long syntax {host_ip, published, target}.
function portBindings(name: string): PortBinding[] {
  const ports = service(name).ports;
  assert.ok(Array.isArray(ports) && ports.length > 0, `service ${name} must publish ports`);
  return ports.map((entry: unknown): PortBinding => {
    if (typeof entry === 'string') {
      const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+):(\d+)(?:\/tcp)?$/.exec(entry);
      assert.ok(m, `service ${name}: port "${entry}" must be written IP:HOST:CONTAINER with an explicit IP`);
      return { hostIp: m[1] ?? '', hostPort: Number(m[2]), containerPort: Number(m[3]) };
    }
    assert.ok(isRecord(entry), `service ${name}: unreadable port entry ${JSON.stringify(entry)}`);
    return {
      hostIp: String(entry['host_ip'] ?? ''),
      hostPort: Number(entry['published']),
      containerPort: Number(entry['target']),
    };
  });
}

function hostPorts(name: string): number[] {
  return portBindings(name).map((p) => p.hostPort);
}

// Both the mapping form and the list form ("KEY=value") of `environment`.
function env(name: string): Record<string, string> {
  const raw = service(name).environment;
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const text = String(item);
      const eq = text.indexOf('=');
      if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
    }
  } else if (isRecord(raw)) {
    for (const [k, v] of Object.entries(raw)) out[k] = v === null ? '' : String(v);
  }
  return out;
}

test('docker-compose.yml parses and declares a compose version docker-compose 1.29 accepts', () => {
  assert.ok(Object.keys(compose.services).length > 0, 'no services');
  assert.match(String(compose.version ?? ''), /^3(\.\d+)?$/, 'version must be 3.x for docker-compose 1.29');
});

test('every service has a pinned image tag, a healthcheck and loopback-only ports', () => {
  for (const [name, s] of Object.entries(compose.services)) {
    assert.equal(typeof s.image, 'string', `service ${name} must name an image`);
    const image = String(s.image);
    const lastSegment = image.slice(image.lastIndexOf('/') + 1);
    const colon = lastSegment.indexOf(':');
    assert.ok(colon > 0, `service ${name}: image ${image} must carry a pinned tag`);
    const tag = lastSegment.slice(colon + 1);
    assert.ok(tag.length > 0 && tag !== 'latest', `service ${name}: image ${image} must not use "latest"`);

    assert.ok(isRecord(s.healthcheck), `service ${name} must have a healthcheck`);
    const check = s.healthcheck['test'];
    assert.ok(
      (Array.isArray(check) && check.length > 1) || (typeof check === 'string' && check.length > 0),
      `service ${name}: healthcheck.test must be set`,
    );

    for (const p of portBindings(name)) {
      assert.equal(p.hostIp, HOST, `service ${name}: port ${p.hostPort} must be bound to ${HOST} only`);
    }
  }
});

test('host ports match endpoints.ts', () => {
  const expected: Array<[string, number[]]> = [
    ['postgres', [endpoints.postgres.port]],
    ['timescaledb', [endpoints.timescaledb.port]],
    ['mongo', [endpoints.ferretdb.port]],
    ['neo4j', [endpoints.neo4j.httpPort, endpoints.neo4j.boltPort]],
    ['redis', [endpoints.redis.port]],
    ['redis-state', [endpoints.redisState.port]],
    ['kafka', [endpoints.kafka.port]],
    ['connect', [endpoints.connect.port]],
    ['jaeger', [endpoints.jaeger.otlpHttpPort, endpoints.jaeger.queryPort, endpoints.jaeger.healthPort]],
  ];
  for (const [name, ports] of expected) {
    const published = hostPorts(name);
    for (const port of ports) {
      assert.ok(published.includes(port), `service ${name} must publish host port ${port} (publishes ${published.join(', ')})`);
    }
  }
});

/** A password written in the file: "${NAME:?why}", where NAME is one of the variables the stack writes. */
function variable(value: string | undefined, what: string): keyof typeof COMPOSE_VARIABLES {
  const m = /^\$\{([A-Z0-9_]+):\?[^}]+\}$/.exec(value ?? '');
  assert.ok(m, `${what} must be a required variable \${NAME:?...} from .stack/compose.env, not ${JSON.stringify(value)}`);
  assert.ok(m[1]! in COMPOSE_VARIABLES, `${what}: ${m[1]} is not among the variables the stack writes (${Object.keys(COMPOSE_VARIABLES).join(', ')})`);
  return m[1] as keyof typeof COMPOSE_VARIABLES;
}

function commandOption(name: string, option: string): string | undefined {
  const command = service(name).command;
  const args = Array.isArray(command) ? command.map(String) : String(command ?? '').split(/\s+/);
  const at = args.indexOf(`--${option}`);
  return at >= 0 ? args[at + 1] : undefined;
}

test('postgres and timescaledb users and databases match endpoints.ts, each with its own generated password', () => {
  const expected = { postgres: 'POSTGRES_PASSWORD', timescaledb: 'TIMESCALEDB_PASSWORD' } as const;
  for (const name of ['postgres', 'timescaledb'] as const) {
    const e = env(name);
    assert.equal(e['POSTGRES_USER'], endpoints[name].user, `${name} POSTGRES_USER`);
    assert.equal(variable(e['POSTGRES_PASSWORD'], `${name} POSTGRES_PASSWORD`), expected[name]);
    assert.equal(e['POSTGRES_DB'], endpoints[name].database, `${name} POSTGRES_DB`);
    assert.ok(
      portBindings(name).some((p) => p.hostPort === endpoints[name].port && p.containerPort === 5432),
      `${name} must map host port ${endpoints[name].port} to container port 5432`,
    );
  }
});

test('neo4j: the user of endpoints.ts with the generated password', () => {
  const auth = env('neo4j')['NEO4J_AUTH'] ?? '';
  const [user, password] = [auth.slice(0, auth.indexOf('/')), auth.slice(auth.indexOf('/') + 1)];
  assert.equal(user, endpoints.neo4j.user);
  assert.equal(variable(password, 'NEO4J_AUTH'), 'NEO4J_PASSWORD');
});

test('both Redis instances require their generated password, and their healthchecks send it', () => {
  for (const [name, expected] of [['redis', 'REDIS_PASSWORD'], ['redis-state', 'REDIS_STATE_PASSWORD']] as const) {
    assert.equal(variable(commandOption(name, 'requirepass'), `${name} --requirepass`), expected);
    assert.equal(variable(env(name)['REDISCLI_AUTH'], `${name} REDISCLI_AUTH`), expected);
  }
});

test("Kafka Connect's REST API takes basic authentication, and its healthcheck sends it", () => {
  const e = env('connect');
  assert.equal(e['CONNECT_REST_EXTENSION_CLASSES'], 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension');
  assert.match(e['KAFKA_OPTS'] ?? '', /-Djava\.security\.auth\.login\.config=(\S+)/);
  assert.equal(variable(e['REST_USER'], 'connect REST_USER'), 'CONNECT_USER');
  assert.equal(variable(e['REST_PASSWORD'], 'connect REST_PASSWORD'), 'CONNECT_PASSWORD');
  const entrypoint = (service('connect') as { entrypoint?: unknown }).entrypoint;
  const script = Array.isArray(entrypoint) ? entrypoint.map(String).join(' ') : String(entrypoint ?? '');
  const jaas = /-Djava\.security\.auth\.login\.config=(\S+)/.exec(e['KAFKA_OPTS'] ?? '')![1]!;
  assert.ok(script.includes(`> ${jaas}`), `the entrypoint must write the JAAS file ${jaas}`);
  assert.match(script, /PropertyFileLoginModule/);
  assert.match(script, /exec \/docker-entrypoint\.sh start/, "the entrypoint must end in the image's own");
  const check = (service('connect').healthcheck as { test?: unknown }).test;
  assert.match(Array.isArray(check) ? check.join(' ') : String(check), /curl .*-u "\$\$?REST_USER:\$\$?REST_PASSWORD"/);
});

test('no password is written in the file, and every variable it needs is one the stack writes', () => {
  const text = readFileSync(COMPOSE_FILE, 'utf8');
  for (const known of ['neo4jpass', 'POSTGRES_PASSWORD: postgres']) assert.ok(!text.includes(known), `docker-compose.yml still holds the well-known "${known}"`);
  const settings = text.split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');
  const used = new Set([...settings.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
  assert.deepEqual([...used].sort(), Object.keys(COMPOSE_VARIABLES).sort(), 'the file must use exactly the variables .stack/compose.env holds');
});

test('the cache Redis evicts least-recently-used and the state Redis never evicts, both persisted (as natively)', () => {
  const setting = commandOption;
  assert.equal(setting('redis', 'maxmemory-policy'), 'allkeys-lru');
  assert.equal(setting('redis-state', 'maxmemory-policy'), 'noeviction', 'state must never be evicted');
  for (const name of ['redis', 'redis-state']) assert.equal(setting(name, 'appendonly'), 'yes', `${name} keeps an append-only file`);
  assert.ok(
    portBindings('redis-state').some((p) => p.hostPort === endpoints.redisState.port && p.containerPort === 6379),
    `redis-state must map host port ${endpoints.redisState.port} to container port 6379`,
  );
});

test('postgres runs with wal_level=logical (needed by Debezium)', () => {
  const command = service('postgres').command;
  const text = Array.isArray(command) ? command.map(String).join(' ') : String(command ?? '');
  assert.match(text, /(^|\s)wal_level=logical(\s|$)/, 'postgres command must set wal_level=logical');
});

test('mongo is a single-node replica set whose member Connect reaches, and the posts connector reads its change stream', () => {
  assert.equal(commandOption('mongo', 'replSet'), 'rs0', 'the change stream needs a replica set');
  const check = JSON.stringify(service('mongo').healthcheck);
  assert.match(check, /rs\.initiate\(\{ _id: 'rs0', members: \[\{ _id: 0, host: 'mongo:27017' \}\] \}\)/, 'the healthcheck initiates the set once, its member named for the containers');
  const dependsOn = service('connect').depends_on;
  assert.ok(isRecord(dependsOn) && 'mongo' in dependsOn, 'connect starts after mongo is healthy');
  const config = postsConnector.config('docker');
  assert.equal(config['connector.class'], 'io.debezium.connector.mongodb.MongoDbConnector');
  assert.equal(config['mongodb.connection.string'], 'mongodb://mongo:27017/?replicaSet=rs0');
  assert.equal(config['collection.include.list'], `${endpoints.ferretdb.database}.posts`);
  assert.equal(config['transforms.route.replacement'], topics.postChanges, 'both backends write the one topic the projections read');
  assert.match(urls.mongo, /directConnection=true/, 'the host’s services must not follow the member name mongo:27017');
});

test('kafka advertises the host port on loopback and connect reaches kafka inside the network', () => {
  const kafka = env('kafka');
  assert.match(kafka['KAFKA_ADVERTISED_LISTENERS'] ?? '', new RegExp(`(localhost|127\\.0\\.0\\.1):${endpoints.kafka.port}\\b`));
  const bootstrap = env('connect')['BOOTSTRAP_SERVERS'] ?? '';
  const internal = /INTERNAL:\/\/([^,]+)/.exec(kafka['KAFKA_ADVERTISED_LISTENERS'] ?? '');
  assert.ok(internal, 'kafka must advertise an INTERNAL listener for other containers');
  assert.equal(bootstrap, internal[1], 'connect BOOTSTRAP_SERVERS must be kafka\'s INTERNAL listener');
});

test("jaeger runs the stack's own config with the generated path secret, its host-facing listeners open inside the container only", () => {
  const command = service('jaeger').command;
  assert.ok(Array.isArray(command) && command.length === 1, 'jaeger: command is one --config=yaml:… argument');
  const flag = '--config=yaml:';
  const argument = String(command[0]);
  assert.ok(argument.startsWith(flag), `jaeger: the command must start with ${flag}`);
  const { otlpHttpPort, queryPort, queryGrpcPort, healthPort } = endpoints.jaeger;
  const inContainer = { host: '0.0.0.0', otlpHttpPort, queryPort, queryGrpcPort, healthPort };
  // The secret is the variable of compose.env, which Compose puts in place.
  const secret = '${JAEGER_PATH_SECRET:?run ./stackctl up --docker, which writes .stack/compose.env}';
  assert.equal(variable(secret, 'the jaeger path secret'), 'JAEGER_PATH_SECRET');
  assert.deepEqual(YAML.parse(argument.slice(flag.length)), YAML.parse(renderJaegerConfig(inContainer, secret)), 'the config in docker-compose.yml must be what jaeger-config.ts renders for a container');
  // The page the query port answers unknown paths with: the repository's, where the config looks for it.
  const volumes = (service('jaeger') as { volumes?: unknown }).volumes;
  assert.deepEqual(volumes, [`./${relative(join(import.meta.dirname, '..'), JAEGER_UI_SOURCE)}:${JAEGER_UI_DIR}:ro`]);
  for (const port of [endpoints.jaeger.otlpHttpPort, endpoints.jaeger.queryPort, endpoints.jaeger.healthPort]) {
    assert.ok(portBindings('jaeger').some((p) => p.hostPort === port && p.containerPort === port), `jaeger must map host port ${port} to the same container port`);
  }
  assert.ok(!portBindings('jaeger').some((p) => p.containerPort === endpoints.jaeger.queryGrpcPort), 'the gRPC query stays inside the container');
});

/** A compose.env like the stack's, with fresh values. */
function envFile(): { file: string; values: Record<string, string>; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'compose-env-'));
  const values = Object.fromEntries(Object.keys(COMPOSE_VARIABLES).map((name) => [name, randomBytes(16).toString('hex')]));
  const file = join(dir, 'compose.env');
  writeFileSync(file, Object.entries(values).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  return { file, values, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('docker-compose accepts the file (docker-compose config -q)', () => {
  let found = true;
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
  } catch (err) {
    if (isRecord(err) && err['code'] === 'ENOENT') found = false;
    else throw err;
  }
  assert.ok(found, 'docker-compose is not on PATH; install it (apt-get install docker-compose) to validate stack/docker-compose.yml');
  const variables = envFile();
  try {
    execFileSync('docker-compose', ['--env-file', variables.file, '-f', COMPOSE_FILE, 'config', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = isRecord(err) && err['stderr'] !== undefined ? String(err['stderr']) : String(err);
    assert.fail(`docker-compose --env-file ... -f ${COMPOSE_FILE} config -q failed:\n${stderr}`);
  } finally {
    variables.done();
  }
});

test('docker-compose puts the values of compose.env in place, and refuses to run without them', () => {
  const variables = envFile();
  try {
    const resolved = YAML.parse(execFileSync('docker-compose', ['--env-file', variables.file, '-f', COMPOSE_FILE, 'config'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as ComposeFile;
    const environment = (name: string) => (resolved.services[name]?.environment ?? {}) as Record<string, unknown>;
    const v = variables.values;
    assert.equal(environment('postgres')['POSTGRES_PASSWORD'], v['POSTGRES_PASSWORD']);
    assert.equal(environment('timescaledb')['POSTGRES_PASSWORD'], v['TIMESCALEDB_PASSWORD']);
    assert.equal(environment('neo4j')['NEO4J_AUTH'], `${endpoints.neo4j.user}/${v['NEO4J_PASSWORD']}`);
    assert.ok(((resolved.services['redis']?.command ?? []) as string[]).includes(v['REDIS_PASSWORD']!));
    assert.ok(((resolved.services['redis-state']?.command ?? []) as string[]).includes(v['REDIS_STATE_PASSWORD']!));
    assert.equal(environment('connect')['REST_PASSWORD'], v['CONNECT_PASSWORD']);
    const { otlpHttpPort, queryPort, queryGrpcPort, healthPort } = endpoints.jaeger;
    const jaegerCommand = resolved.services['jaeger']?.command;
    assert.ok(Array.isArray(jaegerCommand), 'jaeger: a command');
    const jaegerConfig = YAML.parse(String(jaegerCommand[0]).slice('--config=yaml:'.length)) as unknown;
    assert.deepEqual(jaegerConfig, YAML.parse(renderJaegerConfig({ host: '0.0.0.0', otlpHttpPort, queryPort, queryGrpcPort, healthPort }, v['JAEGER_PATH_SECRET']!)), 'jaeger serves under the path secret of compose.env');
  } finally {
    variables.done();
  }
  const withoutPasswords = (() => {
    try {
      execFileSync('docker-compose', ['-f', COMPOSE_FILE, 'config', '-q'], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
      return '';
    } catch (err) {
      return isRecord(err) ? String(err['stderr']) : String(err);
    }
  })();
  assert.match(withoutPasswords, /run \.\/stackctl up --docker, which writes \.stack\/compose\.env/);
});
