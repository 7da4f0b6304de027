// Prints the slowest test files after a run (import, hooks and tests together), so a file that
// grows slow shows up before the whole suite does.
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export default class SlowestFiles implements Reporter {
  private readonly count: number;

  /** vitest passes the options given beside the reporter in the config (none: the 8 slowest). */
  constructor(options: { count?: number } = {}) {
    this.count = options.count ?? 8;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules
      .map((m) => {
        const d = m.diagnostic();
        return { file: relative(process.cwd(), m.moduleId), project: m.project.name, ms: d.collectDuration + d.duration + d.prepareDuration + d.setupDuration };
      })
      .sort((a, b) => b.ms - a.ms)
      .slice(0, this.count);
    if (rows.length === 0) return;
    const width = Math.max(...rows.map((r) => r.file.length));
    const lines = rows.map((r) => `  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.file.padEnd(width)}  (${r.project})`);
    process.stdout.write(`\n Slowest test files (import + hooks + tests):\n${lines.join('\n')}\n\n`);
  }
}
