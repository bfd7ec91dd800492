/**
 * A one-line progress bar on stderr for long benchmark runs (redrawn in place on a terminal,
 * one line per step otherwise, so CI logs stay readable).
 */

/** Tracks `total` steps. */
export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private readonly tty = process.stderr.isTTY;

  constructor(
    private readonly total: number,
    private readonly enabled = true,
  ) {}

  /** Shows `label` as the current step. */
  step(label: string): void {
    if (!this.enabled) return;
    const width = 24;
    const filled = Math.round((this.done / Math.max(1, this.total)) * width);
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(0);
    const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${this.done}/${this.total} ${elapsed}s ${label}`;
    if (this.tty) process.stderr.write(`\r\u001b[2K${line}`);
    else process.stderr.write(`${line}\n`);
  }

  /** Marks one step done. */
  tick(): void {
    this.done++;
  }

  /** Ends the bar's line. */
  finish(): void {
    if (this.enabled && this.tty) process.stderr.write("\n");
  }
}
