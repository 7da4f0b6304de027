// The chat renders model output as Markdown without ever producing HTML from it: hostile input
// (markup, script, event handlers, javascript: and other non-http links, images) comes out as
// text or as plain http(s)/mailto links, whatever the encoding tricks.
import fc from 'fast-check';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown, safeHref } from '../../web/src/chat/markdown.tsx';

const html = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

const ALLOWED_TAGS = new Set(['div', 'p', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'strong', 'em', 's', 'a', 'span', 'code', 'pre', 'br', 'hr']);

/** Every tag and every href in markup we produced ourselves. */
function inspect(markup: string): { tags: string[]; hrefs: string[]; handlers: string[] } {
  return {
    tags: [...markup.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase()),
    hrefs: [...markup.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]!),
    handlers: [...markup.matchAll(/<[^>]*\s(on\w+)=/gi)].map((m) => m[1]!),
  };
}

describe('the chat’s Markdown', () => {
  it('renders what answers use: emphasis, code, lists, headings, quotes, tables and links', () => {
    const out = html(
      '## Plan\n\n**Bold** and *italic* and `code`.\n\n1. one\n2. two\n\n- a\n- b\n\n> quoted\n\n```js\nconst x = "<b>";\n```\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n[docs](https://example.com/docs) and https://aws.amazon.com',
    );
    expect(out).toContain('<h4>Plan</h4>');
    expect(out).toContain('<strong>Bold</strong>');
    expect(out).toContain('<em>italic</em>');
    expect(out).toContain('<code>code</code>');
    expect(out).toContain('<ol start="1"><li>one</li><li>two</li></ol>');
    expect(out).toContain('<ul><li>a</li><li>b</li></ul>');
    expect(out).toContain('<blockquote><p>quoted</p></blockquote>');
    expect(out).toContain('<pre><code data-language="js">const x = &quot;&lt;b&gt;&quot;;\n</code></pre>');
    expect(out).toContain('<td class="md-align-right">2</td>');
    expect(out).toContain('<a href="https://example.com/docs" target="_blank" rel="noopener noreferrer nofollow">docs</a>');
    expect(out).toContain('<a href="https://aws.amazon.com/" target="_blank" rel="noopener noreferrer nofollow">https://aws.amazon.com</a>');
  });

  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['<div onclick="steal()">hi</div>', '&lt;div onclick=&quot;steal()&quot;&gt;hi&lt;/div&gt;'],
    ['<a href="javascript:alert(1)">x</a>', '&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;'],
    ['<svg onload=alert(1)>', '&lt;svg onload=alert(1)&gt;'],
    ['<iframe srcdoc="<b>x</b>"></iframe>', '&lt;iframe srcdoc=&quot;&lt;b&gt;x&lt;/b&gt;&quot;&gt;&lt;/iframe&gt;'],
  ])('shows the markup %s as text', (input, escaped) => {
    const out = html(input);
    expect(out).toContain(escaped);
    const { tags, handlers } = inspect(out);
    expect(tags.every((t) => ALLOWED_TAGS.has(t))).toBe(true);
    expect(handlers).toEqual([]);
  });

  it.each([
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](java&#x09;script:alert(1))',
    '[x]( javascript:alert(1))',
    '[x](vbscript:msgbox(1))',
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[x](file:///etc/passwd)',
    '[x](/relative/path)',
    '[x](//evil.example/x)',
    '<javascript:alert(1)>',
    '[x][r]\n\n[r]: javascript:alert(1)',
    '![x](javascript:alert(1))',
  ])('gives %s no link target that is not http(s) or mailto', (input) => {
    const { hrefs, tags } = inspect(html(input));
    expect(hrefs.filter((h) => !/^(https?:|mailto:)/.test(h))).toEqual([]);
    expect(tags).not.toContain('img');
  });

  it('shows an image as a link to it, so an answer cannot make the page load anything', () => {
    const out = html('![tracking pixel](https://tracker.example/p.png?u=1)');
    expect(inspect(out).tags).not.toContain('img');
    expect(out).toContain('<a href="https://tracker.example/p.png?u=1" target="_blank" rel="noopener noreferrer nofollow">[image: tracking pixel]</a>');
  });

  it('keeps only absolute http(s) and mailto URLs', () => {
    expect(safeHref('https://example.com/a?b=c#d')).toBe('https://example.com/a?b=c#d');
    expect(safeHref('mailto:me@example.com')).toBe('mailto:me@example.com');
    for (const bad of ['javascript:alert(1)', ' JAVASCRIPT:alert(1)', 'data:text/html,hi', 'blob:https://x/y', '/x', 'ftp://example.com', '']) expect(safeHref(bad), bad).toBeNull();
  });

  it('never produces a tag outside its list, an event handler or a non-http link, whatever the input', () => {
    const hostile = fc.constantFrom('<script>', '</script>', '<img src=x onerror=a()>', 'javascript:', '[l](', ')', '![i](', '`', '```', '\n', '*', '_', '<', '>', '"', "'", '&#106;', '|', '- ', '1. ', '> ', 'https://x.example', ' ');
    fc.assert(
      fc.property(fc.array(fc.oneof(hostile, fc.string()), { maxLength: 40 }), (parts) => {
        const { tags, hrefs, handlers } = inspect(html(parts.join('')));
        expect(tags.filter((t) => !ALLOWED_TAGS.has(t))).toEqual([]);
        expect(hrefs.filter((h) => !/^(https?:|mailto:)/.test(h))).toEqual([]);
        expect(handlers).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
