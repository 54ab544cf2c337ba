// autocannon ships no types (and @types/autocannon is not a dependency): the little the runner uses.
declare module 'autocannon' {
  import { EventEmitter } from 'node:events';
  function autocannon(opts: Record<string, unknown>, done: (err: Error | null, result: any) => void): EventEmitter;
  export = autocannon;
}
