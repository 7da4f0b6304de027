// The order test files start in. Files run in parallel, so the run ends when the slowest file
// started last ends: start the slow ones first. Slow means, by what vitest remembers of the last
// run, its duration; on a first run (CI's fresh clone), whether the file starts child processes
// (npm start, npm run dev, the CLI, admin), which makes it the slowest kind; then its size.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SPAWNS = /\b(spawn|spawnSync|execFile|execFileSync|fork)\(/;

export default class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const weight = new Map<TestSpecification, number>();
    for (const spec of files) {
      const key = `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`;
      const remembered = cache.getFileTestResults(key)?.duration;
      const source = readFileSync(spec.moduleId, 'utf8');
      weight.set(spec, remembered ?? (SPAWNS.test(source) ? 1_000_000 : 0) + source.length);
    }
    return [...files].sort((a, b) => weight.get(b)! - weight.get(a)!);
  }
}
