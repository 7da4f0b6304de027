// Lambda runs each function on the template's runtime (nodejs22.x, nodejs24.x); the emulator runs
// them on this machine's Node, so a difference is said at start (npm run test:node24 runs the
// suite on Node 24 without leaving npm).
import { constructId, type LambdaModel, type StackModel } from '../template.ts';

/** "nodejs24.x" → 24; undefined for a runtime that is not Node.js. */
export function nodeMajorOf(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

/** One line for each template runtime whose Node major differs from this process's, or none. */
export function runtimeNotices(lambdas: Iterable<LambdaModel>, nodeVersion = process.versions.node): string[] {
  const local = Number(nodeVersion.split('.')[0]);
  const byRuntime = new Map<string, string[]>();
  for (const fn of lambdas) byRuntime.set(fn.runtime, [...(byRuntime.get(fn.runtime) ?? []), constructId(fn.logicalId)]);
  const notices: string[] = [];
  for (const [runtime, names] of byRuntime) {
    const major = nodeMajorOf(runtime);
    if (major === undefined) {
      notices.push(`[lambda] ${names.join(', ')} deploy on ${runtime}, which the emulator cannot run; they run here on Node ${nodeVersion}`);
    } else if (major !== local) {
      const suite = major === 24 ? ' (npm run test:node24 runs the test suite on Node 24)' : '';
      notices.push(`[lambda] ${names.join(', ')} deploy on ${runtime} but run here on Node ${nodeVersion}${suite}`);
    }
  }
  return notices;
}

/** The functions the API invokes (its authorizer and Lambda data sources), not CDK's own helpers. */
export function apiLambdas(stack: StackModel): LambdaModel[] {
  const used = new Set<string>();
  if (stack.api.lambdaAuthorizer) used.add(stack.api.lambdaAuthorizer.lambdaLogicalId);
  for (const ds of stack.dataSources.values()) if (ds.type === 'AWS_LAMBDA') used.add(ds.lambdaLogicalId);
  return [...stack.lambdas.values()].filter((fn) => used.has(fn.logicalId));
}
