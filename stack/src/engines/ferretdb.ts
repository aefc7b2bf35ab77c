// FerretDB: the MongoDB wire protocol, for posts and comments, storing its
// documents in its own PostgreSQL cluster (ferretdb-store).
// (Docker Compose runs real MongoDB 7 on the same port instead.)
import { MongoClient } from 'mongodb';
import { endpoints, HOST, urls } from './endpoints.ts';
import { withTimeout, type Engine } from './engine.ts';

export const ferretdb: Engine = {
  name: 'ferretdb',
  kind: 'engine',
  title: 'FerretDB (posts, MongoDB wire)',
  address: `${HOST}:${endpoints.ferretdb.port}`,
  ports: [endpoints.ferretdb.port],
  needs: ['ferretdb'],
  dependsOn: ['ferretdb-store'],
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 15_000,
  startTimeoutMs: 30_000,

  async prepare() {},

  launch(ctx) {
    return {
      argv: [
        '/srv/dist/ferretdb',
        '-listen',
        `${HOST}:${endpoints.ferretdb.port}`,
        '-handler',
        'postgresql',
        '-postgresql-url',
        `postgres://${endpoints.ferretdbStore.user}@${HOST}:${endpoints.ferretdbStore.port}/${endpoints.ferretdbStore.database}`,
      ],
      binds: [{ source: ctx.artifacts.ferretdb!, target: '/srv/dist' }],
      // Its PostgreSQL driver (pgx) takes the password from the environment, which no `ps` shows, unlike the command line.
      env: { PGPASSWORD: endpoints.ferretdbStore.password },
    };
  },

  async probe() {
    const client = new MongoClient(urls.mongo, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
    try {
      return await withTimeout('ferretdb probe', 3000, (async () => {
        const info = await client.db('admin').command({ buildInfo: 1 });
        // An embedded build reports its own version as "unknown"; the wire version is what clients see.
        const own = typeof info.ferretdbVersion === 'string' && info.ferretdbVersion !== 'unknown' ? ` ${info.ferretdbVersion.replace(/^v/, '')}` : '';
        return { version: `FerretDB${own} (MongoDB wire ${String(info.version)})` };
      })());
    } finally {
      await client.close().catch(() => undefined);
    }
  },
};
