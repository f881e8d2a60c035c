// The signed-in user: a development token kept in this browser's storage until it expires or they sign out.
import type { TokenResponse } from '../api/types';

export interface Session {
  userName: string;
  token: string;
  expiresAt: string;
}

const key = 'agents.session';

export function loadSession(storage: Storage = localStorage, now = Date.now()): Session | null {
  try {
    const session = JSON.parse(storage.getItem(key) ?? 'null') as Session | null;
    if (!session?.token || Date.parse(session.expiresAt) <= now) return null;
    return session;
  } catch {
    return null;
  }
}

export function saveSession(token: TokenResponse, storage: Storage = localStorage): Session {
  const session = { userName: token.userName, token: token.accessToken, expiresAt: token.expiresAt };
  storage.setItem(key, JSON.stringify(session));
  return session;
}

export const clearSession = (storage: Storage = localStorage) => storage.removeItem(key);
