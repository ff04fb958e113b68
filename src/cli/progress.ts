// Progress during long steps: one line rewritten in place on a terminal, plain lines otherwise (CI, pipes).
export class Progress {
  private readonly tty: boolean;
  private current = '';
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, enabled = true) {
    this.tty = enabled && stream.isTTY === true;
    if (!enabled) this.stream = { write: () => true } as unknown as NodeJS.WriteStream;
  }

  /** A transient status (replaced by the next one). `ttyOnly`: a countdown that would only repeat itself as plain lines. */
  status(text: string, ttyOnly = false): void {
    if (!this.tty) {
      if (ttyOnly) return;
      if (text !== this.current) this.stream.write(`  ${text}\n`);
      this.current = text;
      return;
    }
    this.current = text;
    this.timer ??= setInterval(() => this.draw(), 120).unref();
    this.draw();
  }

  /** A permanent line (a finished step). */
  line(text: string): void {
    if (this.tty) this.stream.write('\r\x1b[2K');
    this.stream.write(text + '\n');
    if (this.tty && this.timer) this.draw();
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.stream.write('\r\x1b[2K');
  }

  private draw(): void {
    const spin = '|/-\\'[this.frame++ % 4];
    const width = (this.stream.columns ?? 100) - 4;
    this.stream.write(`\r\x1b[2K${spin} ${this.current.slice(0, width)}`);
  }
}
