// GraphiQL, bundled from npm (this page loads nothing from a CDN): the
// gateway's GraphQL API to explore, queries and mutations over HTTP,
// subscriptions over graphql-ws.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { useMemo } from 'react';
import { gateway } from '../api/config.ts';

const FIRST_QUERY = `# The gateway's GraphQL API: the same use cases as REST.
# Try a subscription too: subscription { changeApplied { changes { projection type entityId } } }
query Users {
  users {
    id
    name
    email
  }
}
`;

export function GraphiQLView() {
  const fetcher = useMemo(() => {
    const { http, ws } = gateway();
    return createGraphiQLFetcher({ url: `${http}/graphql`, subscriptionUrl: ws });
  }, []);
  return (
    <div className="graphiql-host" data-testid="graphiql">
      <GraphiQL fetcher={fetcher} defaultQuery={FIRST_QUERY} />
    </div>
  );
}
