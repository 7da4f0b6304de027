// Where the page is, in the URL's hash (so it survives a reload, can be linked to and works from
// static files): `#/api` is the API view, `#/chat` a new conversation, `#/chat/<id>` one of the
// person's conversations. The hash names the conversation only: whose it is comes from the token,
// so a link to someone else's conversation opens nothing of theirs (the API answers NotFound).
import { useCallback, useEffect, useState } from 'react';

export type Route = { view: 'api' } | { view: 'chat'; conversationId: string | null };

/** A conversation id as the API makes them (a ULID); anything else in the hash is still tried, and found by no one. */
const SEGMENT = /^[\w-]{1,64}$/;

/** The route a hash names; anything unknown is the chat's new conversation. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '').split('/');
  if (path[0] === 'api' && path.length === 1) return { view: 'api' };
  if (path[0] === 'chat' && path.length === 2 && path[1] && SEGMENT.test(decodeURIComponent(path[1]))) return { view: 'chat', conversationId: decodeURIComponent(path[1]) };
  return { view: 'chat', conversationId: null };
}

export function hrefOf(route: Route): string {
  if (route.view === 'api') return '#/api';
  return route.conversationId ? `#/chat/${encodeURIComponent(route.conversationId)}` : '#/chat';
}

export const sameRoute = (a: Route, b: Route) => hrefOf(a) === hrefOf(b);

/**
 * The route and a way to go elsewhere: `push` adds a history entry (Back returns), `replace` does
 * not (a new conversation that the API just named is the same place). Back and Forward change the
 * route through hashchange.
 */
export function useRoute(): [Route, (next: Route, how?: 'push' | 'replace') => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    // Back and Forward between entries pushState made fire popstate (and hashchange); a typed or linked hash, hashchange.
    const onHash = () => setRoute((was) => {
      const now = parseRoute(location.hash);
      return sameRoute(was, now) ? was : now;
    });
    addEventListener('hashchange', onHash);
    addEventListener('popstate', onHash);
    return () => {
      removeEventListener('hashchange', onHash);
      removeEventListener('popstate', onHash);
    };
  }, []);
  const go = useCallback((next: Route, how: 'push' | 'replace' = 'push') => {
    const href = hrefOf(next);
    if (location.hash !== href) {
      if (how === 'replace') history.replaceState(history.state, '', href);
      else history.pushState(history.state, '', href);
    }
    setRoute(next);
  }, []);
  return [route, go];
}
