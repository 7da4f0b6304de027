// Maps a position in a resolver bundle (code.js, as AppSync names it; cdk.out/asset.<hash>.js on
// disk) back to the TypeScript it was built from, through the bundle's inline source map.
import { SourceMap, type SourceMapPayload } from 'node:module';
import { normalize } from 'node:path';

export interface SourcePosition {
  /** Path from the project root, e.g. resolvers/Query.myUsage.ts. */
  source: string;
  line: number;
  column: number;
}

export interface SourceLocator {
  /** 1-based line and column in code.js → 1-based position in the source, when the map has one. */
  (line: number, column: number): SourcePosition | undefined;
}

const INLINE_MAP = '//# sourceMappingURL=data:application/json;base64,';

/**
 * Bundles are written to build/resolvers/…, inside the project, and name their sources relative
 * to that place ("../../resolvers/lib/caller.ts"): without the leading "../" steps, a source is
 * its path from the project root. cdk.out copies the bundle elsewhere, so the bundle's own
 * location cannot be used to resolve them.
 */
function fromProjectRoot(source: string): string {
  const path = normalize(source.replace(/^[a-z]+:\/\//i, '')).replace(/\\/g, '/');
  return path.split('/').filter((part, i, parts) => !(part === '..' && parts.slice(0, i).every((p) => p === '..'))).join('/');
}

/** Reads the inline source map at the end of a bundle; undefined when there is none (inline code). */
export function sourceLocator(code: string): SourceLocator | undefined {
  const at = code.lastIndexOf(INLINE_MAP);
  if (at < 0) return undefined;
  const encoded = code.slice(at + INLINE_MAP.length).trim();
  let payload: SourceMapPayload;
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as SourceMapPayload;
  } catch {
    return undefined;
  }
  if (!Array.isArray(payload.sources) || typeof payload.mappings !== 'string') return undefined;
  const map = new SourceMap(payload);
  return (line, column) => {
    // findEntry is 0-based on both sides; an empty object means no mapping for that position.
    const entry = map.findEntry(line - 1, Math.max(0, column - 1)) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
    if (typeof entry.originalSource !== 'string' || typeof entry.originalLine !== 'number') return undefined;
    return { source: fromProjectRoot(entry.originalSource), line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
  };
}

/** "resolvers/Query.myUsage.ts:20:5 (code.js:78:3)", or just "code.js:78:3" without a map. */
export function describePosition(locate: SourceLocator | undefined, line: number, column: number): string {
  const original = locate?.(line, column);
  const inBundle = `code.js:${line}:${column}`;
  return original ? `${original.source}:${original.line}:${original.column} (${inBundle})` : inBundle;
}
