import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { DataSource } from 'typeorm';
import { Authenticator, AuthConfig } from '../access/authenticate';
import { Scope } from '../access/scope';
import { Db, statementCounter } from '../db/datasource';
import { Context } from '../graphql/context';
import { formatError } from '../graphql/errors';
import { hubSchema } from '../graphql/schema';
import { graphiqlRouter } from './graphiql';

export interface HubServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * The HTTP face of the hub: POST/GET /graphql (Apollo Server on Express 5), GET /graphiql
 * (bundled, works offline) and GET /health.
 * Stateless: everything a request needs comes from the database, so replicas can be added.
 */
export async function startHttpServer(ds: DataSource, opts: { port: number; host?: string; auth: AuthConfig; exposeStatementCount?: boolean; fixedNow?: Date }): Promise<HubServer> {
  const app = express();
  const httpServer = http.createServer(app);
  const db = new Db(ds);
  const authenticator = new Authenticator(ds, opts.auth);
  const apollo = new ApolloServer<Context>({
    schema: await hubSchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    // Apollo's landing pages load from a CDN; bureau networks are often offline.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response }) {
              const counter = statementCounter.getStore();
              if (opts.exposeStatementCount && counter) response.http.headers.set('x-sql-statements', String(counter.count));
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.get('/health', async (_req, res) => {
    try {
      await ds.query('SELECT 1');
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });
  app.use(graphiqlRouter());
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    (_req, _res, next) => statementCounter.run({ count: 0 }, next),
    expressMiddleware(apollo, {
      // Every GraphQL request needs a caller; the access module turns it into a SQL scope.
      context: async ({ req }) => {
        const caller = await authenticator.authenticate(req.headers);
        return new Context(db, Scope.forCaller(caller), opts.fixedNow ?? new Date());
      },
    }),
  );

  await new Promise<void>((resolve) => httpServer.listen(opts.port, opts.host ?? '0.0.0.0', resolve));
  const port = (httpServer.address() as { port: number }).port;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    stop: () => apollo.stop(),
  };
}
