import { createContext, useContext } from 'react';
import type { Session } from './auth/session';
import type { AgentConnection } from './connection/agentConnection';
import type { Outbox } from './outbox/outbox';

export interface AppServices {
  session: Session;
  connection: AgentConnection;
  outbox: Outbox;
  updateOutbox: (change: (outbox: Outbox) => Outbox) => void;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('useApp outside the signed-in app');
  return services;
}
