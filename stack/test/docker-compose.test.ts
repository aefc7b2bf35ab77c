// Keeps stack/docker-compose.yml in step with stack/src/engines/endpoints.ts
// (the single source of ports and credentials) and checks that the file is a
// compose file that docker-compose accepts, with pinned images, healthchecks
// and loopback-only ports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import YAML from 'yaml';
import { endpoints, HOST } from '../src/engines/endpoints.ts';

const COMPOSE_FILE = join(import.meta.dirname, '..', 'docker-compose.yml');

type Service = {
  image?: unknown;
  ports?: unknown;
  environment?: unknown;
  command?: unknown;
  healthcheck?: unknown;
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
    ['kafka', [endpoints.kafka.port]],
    ['connect', [endpoints.connect.port]],
  ];
  for (const [name, ports] of expected) {
    const published = hostPorts(name);
    for (const port of ports) {
      assert.ok(published.includes(port), `service ${name} must publish host port ${port} (publishes ${published.join(', ')})`);
    }
  }
});

test('postgres and timescaledb credentials and databases match endpoints.ts', () => {
  for (const name of ['postgres', 'timescaledb'] as const) {
    const e = env(name);
    assert.equal(e['POSTGRES_USER'], endpoints[name].user, `${name} POSTGRES_USER`);
    assert.equal(e['POSTGRES_PASSWORD'], endpoints[name].password, `${name} POSTGRES_PASSWORD`);
    assert.equal(e['POSTGRES_DB'], endpoints[name].database, `${name} POSTGRES_DB`);
    assert.ok(
      portBindings(name).some((p) => p.hostPort === endpoints[name].port && p.containerPort === 5432),
      `${name} must map host port ${endpoints[name].port} to container port 5432`,
    );
  }
});

test('neo4j credentials match endpoints.ts', () => {
  assert.equal(env('neo4j')['NEO4J_AUTH'], `${endpoints.neo4j.user}/${endpoints.neo4j.password}`);
});

test('postgres runs with wal_level=logical (needed by Debezium)', () => {
  const command = service('postgres').command;
  const text = Array.isArray(command) ? command.map(String).join(' ') : String(command ?? '');
  assert.match(text, /(^|\s)wal_level=logical(\s|$)/, 'postgres command must set wal_level=logical');
});

test('kafka advertises the host port on loopback and connect reaches kafka inside the network', () => {
  const kafka = env('kafka');
  assert.match(kafka['KAFKA_ADVERTISED_LISTENERS'] ?? '', new RegExp(`(localhost|127\\.0\\.0\\.1):${endpoints.kafka.port}\\b`));
  const bootstrap = env('connect')['BOOTSTRAP_SERVERS'] ?? '';
  const internal = /INTERNAL:\/\/([^,]+)/.exec(kafka['KAFKA_ADVERTISED_LISTENERS'] ?? '');
  assert.ok(internal, 'kafka must advertise an INTERNAL listener for other containers');
  assert.equal(bootstrap, internal[1], 'connect BOOTSTRAP_SERVERS must be kafka\'s INTERNAL listener');
});

test('docker-compose accepts the file (docker-compose config -q)', () => {
  let found = true;
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
  } catch (err) {
    if (isRecord(err) && err['code'] === 'ENOENT') found = false;
    else throw err;
  }
  assert.ok(found, 'docker-compose is not on PATH; install it (apt-get install docker-compose) to validate stack/docker-compose.yml');
  try {
    execFileSync('docker-compose', ['-f', COMPOSE_FILE, 'config', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = isRecord(err) && err['stderr'] !== undefined ? String(err['stderr']) : String(err);
    assert.fail(`docker-compose -f ${COMPOSE_FILE} config -q failed:\n${stderr}`);
  }
});
