// The fault plan as the emulator's parts ask for it: the Lambda runner per invocation, the local
// Bedrock per model call.
import type { Fault, FaultController } from '../local/bedrock.ts';
import type { LambdaFault } from '../lambda/runner.ts';
import type { FaultPlan } from './plan.ts';

/** A crash or timeout ends the invocation somewhere in its first this-many milliseconds (or when it finishes). */
export const KILL_WINDOW_MS = 150;

export function lambdaFaults(plan: FaultPlan, namesOf: (functionId: string) => string[]): (functionId: string) => LambdaFault | undefined {
  return (functionId) => {
    const rule = plan.pick('lambda', namesOf(functionId), 'Invoke');
    if (!rule) return undefined;
    if (rule.kind === 'throttle' || rule.kind === 'init') return { kind: rule.kind };
    return { kind: rule.kind === 'timeout' ? 'timeout' : 'crash', afterMs: Math.floor(plan.next() * KILL_WINDOW_MS) };
  };
}

export function bedrockFaults(plan: FaultPlan): FaultController {
  return {
    next(modelId: string): Fault | undefined {
      const rule = plan.pick('bedrock', [modelId], 'Converse');
      switch (rule?.kind) {
        case 'throttle':
          return { kind: 'throttle' };
        case 'error':
          return { kind: 'error' };
        case 'unavailable':
          return { kind: 'unavailable' };
        case 'stream-cut':
          return { kind: 'streamCut', afterDeltas: Math.floor(plan.next() * 4) };
        default:
          return undefined;
      }
    },
  };
}
