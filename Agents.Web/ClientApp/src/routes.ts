import { useEffect, useState } from 'react';

// Hash routes keep the server simple (every path is the app): #/, #/threads/{id}, #/rules, #/rules/{id}.
export type Route = { page: 'threads'; threadId?: string } | { page: 'rules'; ruleId?: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'rules') return { page: 'rules', ruleId: parts[1] };
  if (parts[0] === 'threads' && parts[1]) return { page: 'threads', threadId: parts[1] };
  return { page: 'threads' };
}

export const threadHref = (id: string) => `#/threads/${encodeURIComponent(id)}`;
export const ruleHref = (id?: string) => (id ? `#/rules/${encodeURIComponent(id)}` : '#/rules');

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
