import { QueryRunner } from 'typeorm';

/** Helpers for migrations that run outside a transaction, step by step, while replicas keep serving. */

/**
 * CONCURRENTLY outside a transaction (how the hub runs its migrations); plain inside one, where
 * PostgreSQL refuses it (TypeORM's undoLastMigration wraps every `down` in a transaction).
 */
export const cc = (q: QueryRunner) => (q.isTransactionActive ? '' : 'CONCURRENTLY');

/** Builds an index unless a valid one of that name exists (an invalid one, left by an interrupted build, is dropped first). */
export async function index(q: QueryRunner, name: string, create: string): Promise<void> {
  const [found] = await q.query(`SELECT x.indisvalid AS valid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE i.relname = $1`, [name]);
  if (found?.valid) return;
  if (found) await q.query(`DROP INDEX ${cc(q)} ${name}`);
  await q.query(create);
}

/** Adds a constraint unless one of that name exists. */
export async function constraint(q: QueryRunner, name: string, add: string): Promise<void> {
  const [found] = await q.query(`SELECT 1 FROM pg_constraint WHERE conname = $1`, [name]);
  if (!found) await q.query(add);
}
