import { DataSource, QueryRunner } from 'typeorm';
import { Progress } from './progress';
import { Scale } from './scale';

/**
 * What every generation step works with: the database (two connections, this machine has two
 * cores), the scale, the progress bar. Working tables live in the schema `bench_gen`
 * (UNLOGGED, dropped at the end): visible from both connections, cheap to write.
 */
export class Gen {
  constructor(
    readonly ds: DataSource,
    readonly main: QueryRunner,
    readonly side: QueryRunner,
    readonly scale: Scale,
    readonly progress: Progress,
  ) {}

  /** One statement on the main connection. */
  async q<T = any>(text: string, values: unknown[] = []): Promise<T[]> {
    const t0 = Date.now();
    const rows = await this.main.query(text, values);
    // BENCH_DATA_TIMING=1: which statements take the time.
    if (process.env.BENCH_DATA_TIMING === '1' && Date.now() - t0 > 1000) {
      this.progress.log(`${((Date.now() - t0) / 1000).toFixed(1)}s  ${text.trim().split('\n')[0].slice(0, 90)}`);
    }
    return rows;
  }

  /** Statements split over both connections, each list run in order on its connection. */
  async both(a: Array<() => Promise<unknown>>, b: Array<() => Promise<unknown>>): Promise<void> {
    const run = async (list: Array<() => Promise<unknown>>) => {
      for (const f of list) await f();
    };
    await Promise.all([run(a), run(b)]);
  }

  /** Runs `texts` over both connections, two at a time. */
  async parallel(texts: string[], onDone?: (done: number) => void): Promise<void> {
    let next = 0;
    let done = 0;
    const worker = async (r: QueryRunner) => {
      while (next < texts.length) {
        const t = texts[next++];
        await r.query(t);
        onDone?.(++done);
      }
    };
    await Promise.all([worker(this.main), worker(this.side)]);
  }
}

/** Session settings for bulk work: no timeout, no waiting on the WAL flush, room to sort and build indexes. */
export async function tuneSession(r: QueryRunner): Promise<void> {
  await r.query(`SET statement_timeout = 0`);
  await r.query(`SET synchronous_commit = off`);
  await r.query(`SET work_mem = '128MB'`);
  await r.query(`SET maintenance_work_mem = '512MB'`);
  await r.query(`SET jit = off`);
}

/** A SQL text[] literal of trusted constants. */
export const textArray = (xs: readonly string[]) => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::text[]`;
