// Model output as Markdown, safely: markdown-it parses (HTML switched off, so tags in the text
// stay text) and we build React elements from its tokens — never an HTML string, never
// innerHTML — so nothing the model writes can become markup or script. Links keep only http(s)
// and mailto targets; anything else (javascript:, data:, vbscript:, file:, relative) is shown as
// plain text. Images are shown as links, so an answer cannot make the page fetch anything.
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { createElement, type ReactNode } from 'react';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

/** The URL when it is an absolute http(s) or mailto link, else null. */
export function safeHref(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:' ? url.href : null;
}

/** The elements each block or inline token may open; nothing else is ever created. */
const TAGS: Readonly<Record<string, string>> = {
  paragraph_open: 'p',
  heading_open: 'h',
  bullet_list_open: 'ul',
  ordered_list_open: 'ol',
  list_item_open: 'li',
  blockquote_open: 'blockquote',
  table_open: 'table',
  thead_open: 'thead',
  tbody_open: 'tbody',
  tr_open: 'tr',
  th_open: 'th',
  td_open: 'td',
  strong_open: 'strong',
  em_open: 'em',
  s_open: 's',
  link_open: 'a',
};

const HEADINGS: Readonly<Record<string, string>> = { h1: 'h3', h2: 'h4', h3: 'h5', h4: 'h6', h5: 'h6', h6: 'h6' };

interface Frame {
  tag: string;
  props: Record<string, unknown>;
  children: ReactNode[];
}

function align(token: Token): string | undefined {
  const style = token.attrGet('style');
  const match = style ? /text-align:(left|right|center)/.exec(style) : null;
  return match ? `md-align-${match[1]}` : undefined;
}

function openProps(token: Token, key: number): { tag: string; props: Record<string, unknown> } {
  const kind = TAGS[token.type]!;
  if (kind === 'h') return { tag: HEADINGS[token.tag] ?? 'h6', props: { key } };
  if (kind === 'ol') {
    const start = Number(token.attrGet('start') ?? 1);
    return { tag: 'ol', props: { key, start: Number.isInteger(start) ? start : 1 } };
  }
  if (kind === 'th' || kind === 'td') return { tag: kind, props: { key, className: align(token) } };
  if (kind === 'a') {
    const href = safeHref(token.attrGet('href'));
    // A refused link keeps its text and loses its target: a span, not an anchor.
    return href ? { tag: 'a', props: { key, href, target: '_blank', rel: 'noopener noreferrer nofollow' } } : { tag: 'span', props: { key, className: 'md-refused-link' } };
  }
  return { tag: kind, props: { key } };
}

/** React nodes for a flat markdown-it token list (block tokens, or one inline token's children). */
function build(tokens: Token[], keys: { next: number }): ReactNode[] {
  const root: Frame = { tag: '', props: {}, children: [] };
  const stack: Frame[] = [root];
  const top = () => stack[stack.length - 1]!;
  for (const token of tokens) {
    const key = keys.next++;
    // Paragraphs of a tight list are hidden: their text goes straight into the list item.
    if (token.hidden && token.type.startsWith('paragraph_')) continue;
    if (token.nesting === 1 && TAGS[token.type]) {
      const { tag, props } = openProps(token, key);
      stack.push({ tag, props, children: [] });
      continue;
    }
    if (token.nesting === -1 && TAGS[token.type.replace(/_close$/, '_open')]) {
      const frame = stack.length > 1 ? stack.pop()! : null;
      if (frame) top().children.push(createElement(frame.tag, frame.props, ...frame.children));
      continue;
    }
    const out = top().children;
    switch (token.type) {
      case 'inline':
        out.push(...build(token.children ?? [], keys));
        break;
      case 'text':
      case 'html_inline':
      case 'html_block':
        out.push(token.content);
        break;
      case 'code_inline':
        out.push(createElement('code', { key }, token.content));
        break;
      case 'fence':
      case 'code_block': {
        const language = token.info.trim().split(/\s+/)[0] ?? '';
        out.push(createElement('pre', { key }, createElement('code', { 'data-language': language || undefined }, token.content)));
        break;
      }
      case 'softbreak':
        out.push('\n');
        break;
      case 'hardbreak':
        out.push(createElement('br', { key }));
        break;
      case 'hr':
        out.push(createElement('hr', { key }));
        break;
      case 'image': {
        const href = safeHref(token.attrGet('src'));
        const label = `[image: ${token.content || 'no description'}]`;
        out.push(href ? createElement('a', { key, href, target: '_blank', rel: 'noopener noreferrer nofollow' }, label) : label);
        break;
      }
      default:
        // Tokens without markup of their own (tight-list paragraphs are hidden, …) add their text only.
        if (token.content && !token.hidden) out.push(token.content);
        else if (token.children) out.push(...build(token.children, keys));
    }
  }
  // Unclosed frames (never from markdown-it, but cheap to be safe about) fold into their parents.
  while (stack.length > 1) {
    const frame = stack.pop()!;
    top().children.push(createElement(frame.tag, frame.props, ...frame.children));
  }
  return root.children;
}

/** The markdown as React nodes. Pure: the same text gives the same tree. */
export function renderMarkdown(text: string): ReactNode[] {
  return build(md.parse(text, {}), { next: 0 });
}

export function Markdown({ text }: { text: string }) {
  return <div className="md">{renderMarkdown(text)}</div>;
}
