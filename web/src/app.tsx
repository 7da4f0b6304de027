// The page: a header with the name mark, the two views (Chat, API) and the account menu. The
// view is in the URL's hash (#/api), so it survives a reload and works from static files.
import { lazy, Suspense, useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { AuthForm } from './auth/auth-form.tsx';
import { ChatView } from './chat/chat-view.tsx';
import { NameMark } from './mark.tsx';
import { problemOf } from './problem.ts';
import type { Session } from './session.ts';

type View = 'chat' | 'api';

const viewOf = (hash: string): View => (hash === '#/api' ? 'api' : 'chat');

/** GraphiQL and its stylesheet, fetched the first time the API view opens. */
function loadApiView(session: Session) {
  return lazy(async () => {
    const css = new Promise<void>((resolve, reject) => {
      if (document.querySelector(`link[data-api-view]`)) return resolve();
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = session.config.apiViewCss;
      link.dataset.apiView = '';
      link.onload = () => resolve();
      link.onerror = () => reject(new Error(`The API view's stylesheet (${session.config.apiViewCss}) did not load.`));
      document.head.append(link);
    });
    const [module] = await Promise.all([import('./api-view/api-view.tsx'), css]);
    return { default: module.ApiView };
  });
}

function useView(): [View, (view: View) => void] {
  const [view, setView] = useState<View>(() => viewOf(location.hash));
  useEffect(() => {
    const onHash = () => setView(viewOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return [view, (next) => (location.hash = next === 'api' ? '#/api' : '#/chat')];
}

function AccountMenu({ session, email }: { session: Session; email: string }) {
  const [note, setNote] = useState('');
  const everywhere = async () => {
    setNote('Signing out everywhere…');
    try {
      await session.clientFor().logoutEverywhere();
      session.signOut();
    } catch (error) {
      const problem = problemOf(error);
      if (problem.signedOut) session.signOut();
      else setNote(problem.message);
    }
  };
  return (
    <details className="account">
      <summary>
        <span className="visually-hidden">Account: </span>
        <span className="account-email">{email}</span>
      </summary>
      <div className="account-menu">
        <button type="button" onClick={() => session.signOut()}>
          Log out
        </button>
        <button type="button" onClick={() => void everywhere()}>
          Log out everywhere
        </button>
        <p className="hint">Everywhere ends every session of this account, on every device.</p>
        {note && <p role="status">{note}</p>}
      </div>
    </details>
  );
}

export function App({ session }: { session: Session }) {
  const signedIn = useSyncExternalStore(
    useCallback((listener: () => void) => session.subscribe(listener), [session]),
    () => session.current,
  );
  const [view, setView] = useView();
  const [ApiView] = useState(() => loadApiView(session));

  return (
    <div className={`app view-${view}`}>
      <header className="topbar">
        <a className="brand" href="#/chat" aria-label="Tollgate: chat">
          <NameMark />
        </a>
        <nav aria-label="Views">
          <a href="#/chat" aria-current={view === 'chat' ? 'page' : undefined} onClick={() => setView('chat')}>
            Chat
          </a>
          <a href="#/api" aria-current={view === 'api' ? 'page' : undefined} onClick={() => setView('api')}>
            API
          </a>
        </nav>
        {signedIn && <AccountMenu session={session} email={signedIn.email} />}
      </header>
      <main id="main">
        {view === 'api' ? (
          <Suspense fallback={<p className="loading" role="status">Loading the API explorer…</p>}>
            <ApiView session={session} />
          </Suspense>
        ) : signedIn ? (
          <ChatView session={session} key={signedIn.token} />
        ) : (
          <AuthForm session={session} />
        )}
      </main>
    </div>
  );
}
