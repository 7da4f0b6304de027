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

  it('always tell the user the quota was not charged, and never echo Bedrock’s raw message', () => {
    const error = classifyBedrockError(named('AccessDeniedException'));
    expect(error.message).toContain('not charged');
    expect(error.message).not.toContain('boom');
  });
});
