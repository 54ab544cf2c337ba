/**
 * A progress bar on stderr (stdout carries only the final JSON line): one updating line on a
 * terminal, otherwise a plain line per step and at most one per few seconds within a step.
 * Steps carry weights (their rough share of the run), so the percentage tracks time.
 */
export class Progress {
  private readonly started = Date.now();
  private done = 0;
  private current = { label: '', weight: 0 };
  private lastLine = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly total: number) {}

  /** Starts a step; the previous one counts as done. */
  step(label: string, weight: number): void {
    this.done += this.current.weight;
    this.current = { label, weight };
    this.draw(0, '', true);
  }

  /** Progress within the current step (0..1), with an optional detail such as "12000/300000". */
  update(fraction: number, detail = ''): void {
    this.draw(Math.min(1, Math.max(0, fraction)), detail, false);
  }

  finish(): void {
    this.done += this.current.weight;
    this.current = { label: 'done', weight: 0 };
    this.draw(0, '', true);
    if (this.tty) process.stderr.write('\n');
  }

  elapsed(): string {
    return formatSeconds((Date.now() - this.started) / 1000);
  }

  /** A message on its own line, not disturbing the bar. */
  log(message: string): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
    process.stderr.write(`[bench:data] ${message}\n`);
  }

  private draw(fraction: number, detail: string, force: boolean): void {
    const now = Date.now();
    if (!this.tty && !force && now - this.lastLine < 5000) return;
    this.lastLine = now;
    const pct = Math.min(100, Math.floor((100 * (this.done + this.current.weight * fraction)) / this.total));
    const width = 30;
    const filled = Math.round((width * pct) / 100);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${this.current.label}${detail ? ` ${detail}` : ''} (${this.elapsed()})`;
    if (this.tty) process.stderr.write(`\r\x1b[K${bar}`);
    else process.stderr.write(`[bench:data] ${bar}\n`);
  }
}

export function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(1)}s`;
}
