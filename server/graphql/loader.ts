import DataLoader from 'dataloader';

/**
 * DataLoaders of one request, dispatched in waves: a batch waits until none of the request's
 * statements is in flight, so every load that the previous wave's results trigger (from any
 * branch of the query) joins one batch. Statement counts then follow the query's shape,
 * never the timing of the database or the size of the result.
 */
export class Waves {
  private inflight = 0;
  private queued: Array<() => void> = [];
  private flushing = false;

  readonly schedule = (dispatch: () => void) => {
    this.queued.push(dispatch);
    this.maybeFlush();
  };

  /** Wraps one statement of the request. */
  async track<T>(run: () => Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await run();
    } finally {
      this.inflight--;
      this.maybeFlush();
    }
  }

  private maybeFlush() {
    if (this.flushing || this.inflight > 0 || this.queued.length === 0) return;
    this.flushing = true;
    // setImmediate: after the promise callbacks that the finished statements set off.
    setImmediate(() => {
      this.flushing = false;
      if (this.inflight > 0) return; // a statement started meanwhile: flush when it ends
      const queued = this.queued;
      this.queued = [];
      for (const dispatch of queued) dispatch();
    });
  }
}

let constructing: Waves | null = null;

/** Runs `make` so that RequestLoaders it creates dispatch in the given request's waves. */
export function withWaves<T>(waves: Waves, make: () => T): T {
  const previous = constructing;
  constructing = waves;
  try {
    return make();
  } finally {
    constructing = previous;
  }
}

/** A DataLoader dispatched by its request's waves (create it inside Context.loader). */
export class RequestLoader<K, V, C = K> extends DataLoader<K, V, C> {
  constructor(batch: DataLoader.BatchLoadFn<K, V>, options: DataLoader.Options<K, V, C> = {}) {
    super(batch, constructing ? { ...options, batchScheduleFn: constructing.schedule } : options);
  }
}
