// Where the gateway is. The page is served on :3000 and talks to the gateway
// (:4000) directly; the UI's server says where that is (/config.json,
// UI_GATEWAY_URL), else it is this page's own host name on the gateway's port.
// ?gateway=http://host:4000 in the address overrides both (for a remote system).

export interface GatewayAddress {
  http: string;
  ws: string;
}

let address: GatewayAddress | null = null;

function fromBase(base: string): GatewayAddress {
  const http = base.replace(/\/+$/, '');
  return { http, ws: `${http.replace(/^http/, 'ws')}/graphql` };
}

export async function loadGatewayAddress(): Promise<GatewayAddress> {
  const override = new URLSearchParams(location.search).get('gateway');
  if (override && /^https?:\/\/[^/]+/.test(override)) return (address = fromBase(override));
  let configured: string | null = null;
  let port = 4000;
  try {
    const response = await fetch('/config.json', { signal: AbortSignal.timeout(1500) });
    if (response.ok) {
      const body = (await response.json()) as { gatewayUrl?: string | null; gatewayPort?: number };
      configured = body.gatewayUrl ?? null;
      if (typeof body.gatewayPort === 'number') port = body.gatewayPort;
    }
  } catch {
    // A dev server without /config.json: the defaults below.
  }
  return (address = fromBase(configured ?? `${location.protocol}//${location.hostname}:${port}`));
}

export function gateway(): GatewayAddress {
  if (!address) throw new Error('loadGatewayAddress() first');
  return address;
}
