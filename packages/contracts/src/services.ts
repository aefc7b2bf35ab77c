// The platform's own processes: where each listens. Services bind 127.0.0.1;
// only the gateway is meant for clients (and the web UI's static server, ui). Each reads its port from the
// environment (PORT), these are the defaults the stack uses.

export const SERVICE_NAMES = ['users', 'posts', 'graph', 'analytics', 'projectors', 'gateway', 'ui'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const servicePorts: Record<ServiceName, number> = {
  gateway: 4000,
  users: 4001,
  posts: 4002,
  graph: 4003,
  analytics: 4004,
  projectors: 4005,
  ui: 3000,
};

export function serviceUrl(name: ServiceName): string {
  const fromEnv = process.env[`${name.toUpperCase().replace('-', '_')}_URL`];
  return fromEnv ?? `http://127.0.0.1:${servicePorts[name]}`;
}
