// The prompt checks of resolvers/lib/text.ts, written without regular expressions for APPSYNC_JS,
// against Node's own Unicode tables (regular expressions with property escapes) as the oracle.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textFacts } from '../../resolvers/lib/text.ts';

const BLANK = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\u2800]/u;
const CONTROL = /[\p{Cc}]/u;
const oracle = (text: string) => {
  const chars = [...text];
  return {
    codePoints: chars.length,
    utf8Bytes: Buffer.byteLength(text, 'utf8'),
    broken: chars.some((c) => /\p{Cs}/u.test(c)),
    control: chars.some((c) => CONTROL.test(c) && !['\t', '\n', '\r'].includes(c)),
    visible: chars.some((c) => !/\p{Cs}/u.test(c) && !CONTROL.test(c) && !BLANK.test(c)),
  };
};

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n));
const anyText = fc.array(fc.oneof({ weight: 8, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) }, { weight: 1, arbitrary: loneSurrogate }), { maxLength: 12 }).map((parts) => parts.join(''));

describe('text facts', () => {
  it('classify every BMP character as Node’s Unicode tables do', () => {
    // One assertion over the disagreements: 65,536 expect() calls took seconds on a busy machine.
    const disagreements: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp += 1) {
      const ch = String.fromCharCode(cp);
      const [ours, node] = [textFacts(ch), oracle(ch)];
      if (!isDeepStrictEqual(ours, node)) disagreements.push(`U+${cp.toString(16)}: ${JSON.stringify(ours)} != ${JSON.stringify(node)}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('classify the astral invisibles and their neighbours as Node does', () => {
    for (const cp of [0x1bc9f, 0x1bca0, 0x1bca3, 0x1bca4, 0x1d172, 0x1d173, 0x1d17a, 0x1d17b, 0xdffff, 0xe0000, 0xe0001, 0xe0fff, 0xe1000, 0x1f600, 0x10ffff]) {
      const ch = String.fromCodePoint(cp);
      expect(textFacts(ch), `U+${cp.toString(16)}`).toEqual(oracle(ch));
    }
  });

  it('agree with the oracle on arbitrary text, lone surrogates included', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(textFacts(text)).toEqual(oracle(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('count a 4,000-character CJK prompt as 4,000 characters and 12,000 bytes', () => {
    expect(textFacts('漢'.repeat(4000))).toMatchObject({ codePoints: 4000, utf8Bytes: 12000, visible: true, control: false, broken: false });
  });

  it('find no visible text in NUL, zero-width and filler characters', () => {
    expect(textFacts('\u200b\u200c\u200d\ufeff\u3164\u2800 \t\n').visible).toBe(false);
    expect(textFacts('\u0000\u0000')).toMatchObject({ visible: false, control: true });
    expect(textFacts('\ud800')).toMatchObject({ visible: false, broken: true });
  });
});
