import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../graphql/context';

/**
 * An answer's bytes without one large string.
 *
 * JSON.stringify returns a rope of parts. Encoding it (Buffer.from, or a socket's write) first
 * flattens it into one string, and past 128 KB V8 puts that string in its large-object space.
 * For a 200 KB page that costs 2-3 ms, several times the serialisation itself: a sixth of the
 * hub's CPU on scenario (c) of bench/.
 *
 * jsonPieces serialises an answer item by item, by JSON.stringify itself, into pieces of at most
 * PIECE characters, and each piece is encoded at once. The bytes are JSON.stringify's, in the
 * same order with the same escapes; the test/answer-bytes tests compare them.
 */
export function jsonPieces(value: unknown, suffix = ''): Buffer[] {
  const pieces: Buffer[] = [];
  let pending = '';
  const emit = (s: string) => {
    if (pending.length + s.length > PIECE && pending.length > 0) {
      pieces.push(Buffer.from(pending, 'utf8'));
      pending = '';
    }
    pending += s;
  };
  const write = (v: unknown, depth: number): void => {
    // Scalars, and objects that serialise themselves, as JSON.stringify writes them.
    if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function' || depth > MAX_DEPTH) {
      emit(JSON.stringify(v) ?? 'null');
      return;
    }
    if (Array.isArray(v)) {
      emit('[');
      // Items by runs, each run serialised by one JSON.stringify (of the list's slice, brackets
      // dropped): runs sized to fill about half a piece, so that a long list of small items
      // costs a few calls, not one per item.
      let run = 1;
      for (let i = 0; i < v.length; ) {
        const n = Math.min(run, v.length - i);
        const s = JSON.stringify(v.slice(i, i + n));
        if (s.length > PIECE && n > 1) {
          run = 1; // together too large: item by item
          continue;
        }
        if (i > 0) emit(',');
        const item: unknown = v[i];
        // One large item (a group with thousands of rows): by its parts instead; its string is dropped.
        if (s.length > PIECE && item !== null && typeof item === 'object') write(item, depth + 1);
        else emit(s.slice(1, -1));
        i += n;
        run = Math.max(1, Math.floor(PIECE / 2 / (s.length / n)));
      }
      emit(']');
      return;
    }
    // An object on the way down to the lists: key by key (undefined, functions and symbols left out).
    let first = true;
    emit('{');
    for (const key of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[key];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      emit(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      write(x, depth + 1);
    }
    emit('}');
  };
  write(value, 0);
  pending += suffix;
  if (pending.length > 0) pieces.push(Buffer.from(pending, 'utf8'));
  return pieces;
}

/** Characters per piece: a piece of two-byte characters stays far below the large-object threshold. */
const PIECE = 16 * 1024;
/** Deeper than any answer the query depth limit lets through: past it, JSON.stringify takes over. */
const MAX_DEPTH = 64;

/**
 * Answers the lean POST path (http/graphql-post.ts) sends as jsonPieces instead of Apollo's
 * string. Apollo serialises an answer in `stringifyResult`, which sees only the answer, after
 * the plugins' `willSendResponse`, which see the request's context. So the plugin ties the
 * answer's `data` object to the request's sink (found through the context); `stringify` then
 * fills that sink and hands Apollo an empty string, which the lean path replaces with the pieces. Every other
 * answer (the Express path, errors without data) is Apollo's own string, as before. Both maps
 * are weak, per request: nothing outlives the request or is shared between replicas.
 */
export class AnswerBytes {
  /**
   * By the request's statistics object: Apollo hands plugins a shallow copy of the context
   * (cloneObject), and that object is one the copy and the original share.
   */
  private readonly sinks = new WeakMap<object, AnswerSink>();
  private readonly byData = new WeakMap<object, AnswerSink>();

  /** The lean path: this request's answer is wanted as bytes. */
  open(ctx: Context): AnswerSink {
    const sink: AnswerSink = {};
    this.sinks.set(ctx.stats, sink);
    return sink;
  }

  plugin(): ApolloServerPlugin<Context> {
    const byData = this.byData;
    const sinks = this.sinks;
    return {
      async requestDidStart() {
        return {
          async willSendResponse({ response, contextValue, requestIsBatched }) {
            const sink = contextValue?.stats && sinks.get(contextValue.stats);
            // A batch's answers are joined as strings by Apollo: each keeps its own (batching is off by default anyway).
            if (!sink || requestIsBatched || response.body.kind !== 'single') return;
            const data = response.body.singleResult.data;
            if (data && typeof data === 'object') byData.set(data, sink);
          },
        };
      },
    };
  }

  /** Apollo's `stringifyResult`: its own serialisation (JSON plus a newline), or the bytes into a claimed answer's sink. */
  readonly stringify = (result: { data?: unknown }): string => {
    const sink = result.data && typeof result.data === 'object' ? this.byData.get(result.data) : undefined;
    if (!sink) return `${JSON.stringify(result)}\n`;
    sink.pieces = jsonPieces(result, '\n');
    return '';
  };
}

export interface AnswerSink {
  pieces?: Buffer[];
}
