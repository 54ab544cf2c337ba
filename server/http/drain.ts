import http from 'node:http';
import net from 'node:net';
import type express from 'express';

/**
 * Graceful shutdown of the HTTP server (README "Operations: logs, metrics, readiness").
 *
 * Node's server.close() stops listening and closes the connections that are idle at that
 * moment, but a keep-alive connection busy with a request stays open after its answer (which
 * still says `Connection: keep-alive`), so its client sends the next request on it, and so on,
 * until a grace period destroys the socket mid-request: the ECONNRESETs seen during a drain.
 *
 * Here, once stop begins:
 * - the listener closes: new connections are refused (before any byte, so a client may retry);
 * - for a short grace (IDLE_GRACE_MS) a request on an already-open keep-alive connection is
 *   still served, with `Connection: close`; then connections idle at that moment are closed;
 * - every request already received or being received (its first bytes have arrived) runs to
 *   its complete answer, which carries `Connection: close` when its headers were not sent yet,
 *   and the connection is closed after it, so its client opens no further request on it;
 * - every response that starts afterwards carries `Connection: close` as well;
 * - after `timeoutMs`, connections still open are destroyed (requests still running lose
 *   their answer: the bound on how long a stop takes).
 */
export interface Drain {
  /** The first middleware: tracks responses in progress; `Connection: close` once stopping. */
  middleware(): express.RequestHandler;
  /** The same for a response served outside Express (the lean POST /graphql path). */
  track(res: http.ServerResponse): void;
  readonly stopping: boolean;
  /** Resolves once every connection is closed (or destroyed after timeoutMs). Idempotent. */
  stop(timeoutMs: number): Promise<void>;
}

/** HUB_SHUTDOWN_TIMEOUT_MS: how long stop() waits for requests in flight (default 10 s). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
export function readShutdownTimeout(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.HUB_SHUTDOWN_TIMEOUT_MS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`HUB_SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds, got ${raw}`);
  return n;
}

/**
 * How long, after stop begins, open keep-alive connections stay open (bounded by the shutdown
 * timeout). A client that sends its next request on a kept-alive connection just as the server
 * closes it gets a reset for a request the server never read (HTTP/1.1's race); under load
 * that hit one busy connection in five. During the grace such a request is served with
 * `Connection: close` instead, and its client's next request opens a new connection, which is
 * refused cleanly.
 */
export const IDLE_GRACE_MS = 1000;

export function drain(server: http.Server): Drain {
  const inFlight = new Set<http.ServerResponse>();
  let stopping = false;
  /** After the grace: the listener is closed and idle connections are closed as they appear. */
  let closing = false;
  let stopped: Promise<void> | undefined;

  const track = (res: http.ServerResponse) => {
    if (stopping) res.setHeader('connection', 'close');
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      // A response that began before stop (headers already sent, so still keep-alive): once
      // the grace is over its connection is idle now, close it rather than wait for its next request.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  };

  return {
    get stopping() {
      return stopping;
    },
    track,
    middleware() {
      return (_req, res, next) => {
        track(res);
        next();
      };
    },
    stop(timeoutMs) {
      stopped ??= new Promise<void>((resolve) => {
        stopping = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
        force.unref();
        // Stop listening now (new connections are refused, cleanly), but leave the open
        // connections alone: http.Server.close() would also close the idle ones at once.
        net.Server.prototype.close.call(server, () => {
          clearTimeout(force);
          resolve();
        });
        const grace = setTimeout(() => {
          closing = true;
          server.closeIdleConnections();
        }, Math.min(IDLE_GRACE_MS, timeoutMs));
        grace.unref();
      });
      return stopped;
    },
  };
}
