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
 * `piece` characters (PIECE; tests ask for smaller ones), and each piece is encoded at once.
 * The bytes are JSON.stringify's, in the same order with the same escapes; the
 * test/answer-bytes tests compare them.
 */
export function jsonPieces(value: unknown, suffix = '', piece = PIECE): Buffer[] {
  // Most answers are small: one JSON.stringify and one piece (the runs below cost a small answer
  // several copies of itself: a tenth of all a small request allocated, bench/ scenario d).
  if (fitsOnePiece(value, piece)) return [Buffer.from((JSON.stringify(value) ?? 'null') + suffix, 'utf8')];
  const pieces: Buffer[] = [];
  let pending = '';
  const emit = (s: string) => {
    if (pending.length + s.length > piece && pending.length > 0) {
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
        if (s.length > piece && n > 1) {
          run = 1; // together too large: item by item
          continue;
        }
        if (i > 0) emit(',');
        const item: unknown = v[i];
        // One large item (a group with thousands of rows): by its parts instead; its string is dropped.
        if (s.length > piece && item !== null && typeof item === 'object') write(item, depth + 1);
        else emit(s.slice(1, -1));
        i += n;
        run = Math.max(1, Math.floor(piece / 2 / (s.length / n)));
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

/**
 * Whether a value's JSON surely fits one piece: a walk that stops as soon as an over-estimate
 * of its length passes `piece`. It only chooses the way (both write the same bytes), so an
 * estimate need not be exact; on a large answer it stops after a few thousand values.
 */
function fitsOnePiece(value: unknown, piece: number): boolean {
  let budget = piece;
  const walk = (v: unknown, depth: number): boolean => {
    // Twice a string's length: should it be all escapes (6 characters each), the answer is still
    // under 48K characters, below V8's large-object space even in two-byte characters.
    if (typeof v === 'string') return (budget -= v.length * 2 + 2) > 0;
    if (v === null || typeof v !== 'object') return (budget -= 24) > 0;
    if (depth > MAX_DEPTH) return false;
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return (budget -= 64) > 0;
    if (Array.isArray(v)) {
      for (const x of v) if (!walk(x, depth + 1) || --budget <= 0) return false;
      return (budget -= 2) > 0;
    }
    for (const key in v) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
      if ((budget -= key.length * 2 + 4) <= 0 || !walk((v as Record<string, unknown>)[key], depth + 1)) return false;
    }
    return (budget -= 2) > 0;
  };
  return walk(value, 0);
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
