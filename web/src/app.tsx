// The page: a header with the name mark, the two views (Chat, API) and the account menu. The
// view is in the URL's hash (#/api), so it survives a reload and works from static files.
import { lazy, Suspense, useCallback, useRef, useState, useSyncExternalStore } from 'react';
import { AuthForm } from './auth/auth-form.tsx';
import { ChatView } from './chat/chat-view.tsx';
import { NameMark } from './mark.tsx';
import { problemOf } from './problem.ts';
import { hrefOf, useRoute, type Route } from './route.ts';
import type { Session } from './session.ts';


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
  const [route, go] = useRoute();
  const view = route.view;
  // The Chat link goes back to the conversation that was open before the API view.
  const lastChat = useRef<Route>({ view: 'chat', conversationId: null });
  if (route.view === 'chat') lastChat.current = route;
  const chatHref = hrefOf(lastChat.current);
  const [ApiView] = useState(() => loadApiView(session));

  return (
    <div className={`app view-${view}`}>
      <header className="topbar">
        <a className="brand" href={chatHref} aria-label="Tollgate: chat">
          <NameMark />
        </a>
        <nav aria-label="Views">
          <a href={chatHref} aria-current={view === 'chat' ? 'page' : undefined}>
            Chat
          </a>
          <a href="#/api" aria-current={view === 'api' ? 'page' : undefined}>
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
          <ChatView session={session} key={signedIn.token} conversationId={route.view === 'chat' ? route.conversationId : null} go={go} />
        ) : (
          <AuthForm session={session} />
        )}
      </main>
    </div>
  );
}
