import { describe, expect, it } from 'vitest';
import { classifyBedrockError } from '../../functions/model/errors.ts';

const MODEL = 'us.amazon.nova-2-lite-v1:0';
const named = (name: string, message = 'boom') => Object.assign(new Error(message), { name });

describe('Bedrock failures', () => {
  it('are retryable when Bedrock is busy, slow or down', () => {
    for (const name of ['ThrottlingException', 'ModelTimeoutException', 'ServiceUnavailableException', 'InternalServerException', 'TimeoutError']) {
      expect(classifyBedrockError(named(name), MODEL)).toMatchObject({ retryable: true });
    }
  });

  it('are permanent for invalid requests and missing access', () => {
    for (const name of ['ValidationException', 'AccessDeniedException', 'ResourceNotFoundException']) {
      expect(classifyBedrockError(named(name), MODEL)).toMatchObject({ retryable: false });
    }
  });

  it('are refunded only when Bedrock did not run the call, and say so, never echoing Bedrock’s raw message', () => {
    for (const name of ['ThrottlingException', 'ServiceUnavailableException', 'ServiceQuotaExceededException', 'AccessDeniedException', 'ValidationException', 'ResourceNotFoundException']) {
      const error = classifyBedrockError(named(name), MODEL);
      expect(error, name).toMatchObject({ charged: false, timedOut: false });
      expect(error.message).toContain('not charged');
      expect(error.message).not.toContain('boom');
    }
    const refused = classifyBedrockError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), MODEL);
    expect(refused).toMatchObject({ charged: false, retryable: true });
  });

  it('are charged when the call was sent and timed out, or the model failed while running it', () => {
    for (const name of ['ModelTimeoutException', 'TimeoutError', 'AbortError']) {
      expect(classifyBedrockError(named(name), MODEL), name).toMatchObject({ charged: true, timedOut: true, retryable: true });
    }
    expect(classifyBedrockError(named('ModelErrorException'), MODEL)).toMatchObject({ charged: true, timedOut: false, retryable: false });
    const unknown = classifyBedrockError(named('SocketResetDuringResponse'), MODEL);
    expect(unknown).toMatchObject({ charged: true, timedOut: false });
    expect(unknown.message).toContain('charged');
  });

  it('say a model reached end of life, and that retrying will not help', () => {
    const error = classifyBedrockError(named('ResourceNotFoundException', 'This model version has reached the end of its life. Please refer to the AWS documentation for more details.'), 'cohere.command-r-v1:0');
    expect(error).toMatchObject({ retryable: false });
    expect(error.message).toMatch(/^The model cohere\.command-r-v1:0 has reached its end of life on Bedrock/);
    expect(classifyBedrockError(named('ResourceNotFoundException', 'Model not found'), MODEL).message).toBe('That model is not available in this region. Your quota was not charged.');
  });

  it('say a model needs an inference profile when on-demand throughput is refused', () => {
    const error = classifyBedrockError(
      named('ValidationException', 'Invocation of model ID amazon.nova-2-lite-v1:0 with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.'),
      'amazon.nova-2-lite-v1:0',
    );
    expect(error).toMatchObject({ retryable: false });
    expect(error.message).toMatch(/only be called through an inference profile/);
  });

  it('tell each kind of missing access apart, with the operator’s step', () => {
    const message = (text: string) => classifyBedrockError(named('AccessDeniedException', text), MODEL).message;
    expect(message("You don't have access to the model with the specified model ID.")).toMatch(/enable it in the Bedrock console \(Model access\)/);
    expect(message('Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model.')).toMatch(/use case form/);
    expect(message('Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe)')).toMatch(/AWS Marketplace subscription/);
    expect(message('User: arn:aws:sts::111122223333:assumed-role/x/y is not authorized to perform: bedrock:InvokeModel on resource: z')).toMatch(/role may not invoke/);
    expect(message('User: arn:aws:sts::111122223333:assumed-role/x/y is not authorized to perform: bedrock:InvokeModel on resource: z')).not.toContain('111122223333');
  });
});
