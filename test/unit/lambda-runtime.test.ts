import { describe, expect, it } from 'vitest';
import { nodeMajorOf, runtimeNotices } from '../../emulator/lambda/runtime.ts';
import type { LambdaModel } from '../../emulator/template.ts';

const fn = (functionName: string, runtime: string): LambdaModel => ({
  logicalId: functionName,
  functionName,
  codeDir: '/tmp',
  handler: 'index.handler',
  runtime,
  timeoutSeconds: 3,
  memoryMb: 128,
  environment: {},
  roleLogicalId: null,
});

describe('the Lambda runtime notice at start', () => {
  it('reads the Node major of a nodejs runtime', () => {
    expect(nodeMajorOf('nodejs24.x')).toBe(24);
    expect(nodeMajorOf('python3.13')).toBeUndefined();
  });

  it('says nothing when the machine runs the template’s Node major', () => {
    expect(runtimeNotices([fn('auth', 'nodejs24.x')], '24.21.0')).toEqual([]);
  });

  it('names the functions whose runtime differs from this machine’s Node, once per runtime', () => {
    expect(runtimeNotices([fn('AuthFunctionA1CD5E0F', 'nodejs24.x'), fn('ModelFunction3BC726C4', 'nodejs24.x'), fn('Old', 'nodejs22.x')], '20.20.2')).toEqual([
      '[lambda] AuthFunction, ModelFunction deploy on nodejs24.x but run here on Node 20.20.2 (npm run test:node24 runs the test suite on Node 24)',
      '[lambda] Old deploy on nodejs22.x but run here on Node 20.20.2',
    ]);
  });
});
