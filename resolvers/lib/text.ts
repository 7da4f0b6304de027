// Unicode facts about user text, within what APPSYNC_JS allows: no regular expressions and no
// charCodeAt (AWS's no-regex and no-disallowed-methods rules), so text is walked one code point at
// a time with for-of and characters are compared as strings. A one-unit string orders by its
// UTF-16 unit; two astral characters (surrogate pairs) order by code point.

export interface TextFacts {
  /** Length in Unicode code points: what a person counts, whatever the encoding. */
  codePoints: number;
  /** Bytes in UTF-8, what the model's tokenizer is fed. */
  utf8Bytes: number;
  /** Holds something besides whitespace, control and invisible characters. */
  visible: boolean;
  /** Holds a control character other than tab, line feed and carriage return. */
  control: boolean;
  /** Holds a lone surrogate: not Unicode text at all, with no UTF-8 form. */
  broken: boolean;
}

type Range = [string, string];

/** Whitespace (Unicode White_Space) and the Default_Ignorable_Code_Point set, in the BMP. */
const BLANK_BMP: Range[] = [
  ['\u0009', '\u000d'],
  [' ', ' '],
  ['\u0085', '\u0085'],
  ['\u00a0', '\u00a0'],
  ['\u00ad', '\u00ad'],
  ['\u034f', '\u034f'],
  ['\u061c', '\u061c'],
  ['\u115f', '\u1160'],
  ['\u1680', '\u1680'],
  ['\u17b4', '\u17b5'],
  ['\u180b', '\u180f'],
  ['\u2000', '\u200f'],
  ['\u2028', '\u202f'],
  ['\u205f', '\u206f'],
  ['\u2800', '\u2800'],
  ['\u3000', '\u3000'],
  ['\u3164', '\u3164'],
  ['\ufe00', '\ufe0f'],
  ['\ufeff', '\ufeff'],
  ['\uffa0', '\uffa0'],
  ['\ufff0', '\ufff8'],
];

/** Default-ignorable astral code points: shorthand format controls, musical format, tags and variation selectors. */
const BLANK_ASTRAL: Range[] = [
  ['\u{1bca0}', '\u{1bca3}'],
  ['\u{1d173}', '\u{1d17a}'],
  ['\u{e0000}', '\u{e0fff}'],
];

const CONTROL: Range[] = [
  ['\u0000', '\u0008'],
  ['\u000b', '\u000c'],
  ['\u000e', '\u001f'],
  ['\u007f', '\u009f'],
];

const within = (ch: string, ranges: Range[]) => ranges.some((r) => ch >= r[0] && ch <= r[1]);

export function textFacts(text: string): TextFacts {
  let codePoints = 0;
  let utf8Bytes = 0;
  let visible = false;
  let control = false;
  let broken = false;
  for (const ch of text) {
    codePoints = codePoints + 1;
    if (ch.length > 1) {
      utf8Bytes = utf8Bytes + 4;
      if (!within(ch, BLANK_ASTRAL)) visible = true;
    } else if (ch >= '\ud800' && ch <= '\udfff') {
      broken = true;
      utf8Bytes = utf8Bytes + 3;
    } else {
      utf8Bytes = utf8Bytes + (ch < '\u0080' ? 1 : ch < '\u0800' ? 2 : 3);
      if (within(ch, CONTROL)) control = true;
      else if (!within(ch, BLANK_BMP)) visible = true;
    }
  }
  return { codePoints, utf8Bytes, visible, control, broken };
}
