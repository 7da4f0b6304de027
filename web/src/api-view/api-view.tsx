// The API view: GraphiQL over the whole width, with the schema bundled into the build (no
// introspection needed), the credentials each operation's auth mode needs, and an example for
// every field of the API. This module and GraphiQL load only when the view is first opened.
import { useEditorContext, type GraphiQLPlugin } from '@graphiql/react';
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Session } from '../session.ts';
import { examples, type Example } from './examples.ts';
import { createFetcher } from './fetcher.ts';
import { schema } from './schema.ts';

const INTRO = `# Tollgate's API. Ctrl-Enter runs, Ctrl-Space completes; the docs are in the sidebar.
# register and login go with the API key, everything else with your token: both are set
# for you (log in from the Chat view, or run the Login example). The Examples panel has an
# operation for every field, subscriptions included.

query Today {
  myUsage { queries limit balance resetsAt inputTokens outputTokens tokenLimit }
  models { id name default }
}
`;

function ExamplesIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.8">
      <path d="M5 4h10l4 4v12H5z" />
      <path d="M9 12h6M9 16h6M9 8h3" />
    </svg>
  );
}

function ExamplesPanel({ list }: { list: Example[] }) {
  const { queryEditor, variableEditor } = useEditorContext({ nonNull: true });
  const open = (example: Example) => {
    queryEditor?.setValue(example.query);
    variableEditor?.setValue(example.variables);
  };
  const groups: [Example['kind'], string][] = [
    ['query', 'Queries'],
    ['mutation', 'Mutations'],
    ['subscription', 'Subscriptions'],
  ];
  return (
    <div className="examples">
      <div className="graphiql-doc-explorer-title">Examples</div>
      <p className="hint">One operation for every field. Choosing one puts it in the editor with its variables.</p>
      {groups.map(([kind, title]) => (
        <section key={kind}>
          <h3>{title}</h3>
          <ul>
            {list
              .filter((e) => e.kind === kind)
              .map((e) => (
                <li key={e.field}>
                  <button type="button" onClick={() => open(e)}>
                    {e.field}
                    {e.modes.includes('API_KEY') ? <span className="badge">API key</span> : e.modes.includes('AWS_IAM') && !e.modes.includes('AWS_LAMBDA') ? <span className="badge">IAM only</span> : null}
                  </button>
                </li>
              ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

/**
 * GraphiQL's CodeMirror editors have unlabelled input areas and scroll regions a keyboard cannot
 * reach (axe-core: label, scrollable-region-focusable). Name each editor by where it sits, and let
 * its scroll region take focus, as the editors appear.
 */
function useEditorAccessibility(container: React.RefObject<HTMLDivElement | null>): void {
  useEffect(() => {
    const root = container.current;
    if (!root) return;
    const name = (textarea: HTMLTextAreaElement): string => {
      if (textarea.closest('.graphiql-query-editor')) return 'Query editor';
      if (textarea.closest('.graphiql-response')) return 'Response';
      const editor = textarea.closest('.graphiql-editor');
      const tool = editor?.parentElement;
      if (tool?.classList.contains('graphiql-editor-tool')) return [...tool.children].indexOf(editor!) === 0 ? 'Variables editor' : 'Headers editor';
      return 'Editor';
    };
    const patch = () => {
      for (const textarea of root.querySelectorAll<HTMLTextAreaElement>('.CodeMirror textarea:not([aria-label])')) textarea.setAttribute('aria-label', name(textarea));
      // CodeMirror gives its scroller tabindex -1: reachable by script, not by keyboard.
      for (const scroll of root.querySelectorAll<HTMLElement>('.CodeMirror-scroll:not([aria-label])')) {
        scroll.tabIndex = 0;
        const label = scroll.closest('.CodeMirror')?.querySelector('textarea')?.getAttribute('aria-label');
        scroll.setAttribute('aria-label', `${label ?? 'Editor'} (scroll)`);
      }
    };
    patch();
    const observer = new MutationObserver(patch);
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [container]);
}

export function ApiView({ session }: { session: Session }) {
  const container = useRef<HTMLDivElement>(null);
  useEditorAccessibility(container);
  const signedIn = useSyncExternalStore(
    (l) => session.subscribe(l),
    () => session.current,
  );
  const fetcher = useMemo(() => {
    const ours = createFetcher(session);
    return ((params, opts) => ours(params, opts)) as GraphiQLProps['fetcher'];
  }, [session]);
  const plugin = useMemo<GraphiQLPlugin>(() => {
    const list = examples();
    return { title: 'Examples', icon: ExamplesIcon, content: () => <ExamplesPanel list={list} /> };
  }, []);
  // The examples open beside the editor where there is room for both.
  const [wide] = useState(() => matchMedia('(min-width: 1000px)').matches);
  return (
    <div className="api-view">
      <p className="api-bar" role="status">
        {signedIn ? (
          <>
            Signed in as <strong>{signedIn.email}</strong>: operations go with your token, register and login with the API key.
          </>
        ) : (
          <>Not signed in: register and login work (with the API key); log in for everything else.</>
        )}{' '}
        API <code>{session.graphqlUrl}</code>
      </p>
      <div className="api-graphiql" ref={container}>
        <GraphiQL fetcher={fetcher} schema={schema} plugins={[plugin]} visiblePlugin={wide ? plugin : undefined} defaultQuery={INTRO} defaultEditorToolsVisibility="variables" isHeadersEditorEnabled>
          <GraphiQL.Logo>Tollgate API</GraphiQL.Logo>
        </GraphiQL>
      </div>
    </div>
  );
}
