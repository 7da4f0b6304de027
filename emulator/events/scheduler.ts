// Timers on the emulator's clock: what AWS does later (Lambda's asynchronous retries, EventBridge
// schedules) happens when the clock says so, and a test that moves the clock forward sees it at
// once instead of waiting for real time.
export class Scheduler {
  private tasks: { due: number; run: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly now: () => number) {}

  /** Runs `run` once the clock reaches `due` (epoch ms); returns a cancel function. */
  at(due: number, run: () => void): () => void {
    const task = { due, run };
    this.tasks.push(task);
    this.kick();
    return () => {
      this.tasks = this.tasks.filter((t) => t !== task);
    };
  }

  /** Runs what is due and waits for the next; call it when the clock moves. */
  kick(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    const now = this.now();
    const due = this.tasks.filter((t) => t.due <= now);
    this.tasks = this.tasks.filter((t) => t.due > now);
    for (const t of due) queueMicrotask(t.run);
    if (this.tasks.length === 0) return;
    const next = Math.min(...this.tasks.map((t) => t.due));
    this.timer = setTimeout(() => this.kick(), Math.max(0, Math.min(next - now, 2 ** 31 - 1)));
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.tasks = [];
  }
}
