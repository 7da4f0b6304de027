import { describe, expect, it } from 'vitest';
import { classifyBedrockError } from '../../functions/model/errors.ts';

const named = (name: string) => Object.assign(new Error('boom'), { name });

describe('Bedrock failures', () => {
  it('are retryable when Bedrock is busy, slow or down', () => {
    for (const name of ['ThrottlingException', 'ModelTimeoutException', 'ServiceUnavailableException', 'InternalServerException', 'TimeoutError']) {
      expect(classifyBedrockError(named(name))).toMatchObject({ retryable: true });
    }
  });

  it('are permanent for invalid requests and missing access', () => {
    for (const name of ['ValidationException', 'AccessDeniedException', 'ResourceNotFoundException']) {
      expect(classifyBedrockError(named(name))).toMatchObject({ retryable: false });
    }
  });

  it('are refunded only when Bedrock did not run the call, and say so, never echoing Bedrock’s raw message', () => {
    for (const name of ['ThrottlingException', 'ServiceUnavailableException', 'ServiceQuotaExceededException', 'AccessDeniedException', 'ValidationException', 'ResourceNotFoundException']) {
      const error = classifyBedrockError(named(name));
      expect(error, name).toMatchObject({ charged: false, timedOut: false });
      expect(error.message).toContain('not charged');
      expect(error.message).not.toContain('boom');
    }
    const refused = classifyBedrockError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(refused).toMatchObject({ charged: false, retryable: true });
  });

  it('are charged when the call was sent and timed out, or the model failed while running it', () => {
    for (const name of ['ModelTimeoutException', 'TimeoutError', 'AbortError']) {
      expect(classifyBedrockError(named(name)), name).toMatchObject({ charged: true, timedOut: true, retryable: true });
    }
    expect(classifyBedrockError(named('ModelErrorException'))).toMatchObject({ charged: true, timedOut: false, retryable: false });
    const unknown = classifyBedrockError(named('SocketResetDuringResponse'));
    expect(unknown).toMatchObject({ charged: true, timedOut: false });
    expect(unknown.message).toContain('charged');
  });
});
