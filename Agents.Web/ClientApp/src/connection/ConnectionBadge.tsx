import { type ConnectionState, describeConnection } from './connectionState';

export function ConnectionBadge({ state, onReconnect }: { state: ConnectionState; onReconnect: () => void }) {
  const { label, explanation } = describeConnection(state);
  return (
    <div className={`connection ${state.status}`} role="status" aria-live="polite" data-testid="connection-status" data-status={state.status}>
      <span className="dot" aria-hidden="true" />
      <span title={explanation}>{label}</span>
      {state.status === 'disconnected' && (
        <button type="button" className="link" onClick={onReconnect}>Reconnect</button>
      )}
    </div>
  );
}
