import { type FormEvent, useState } from 'react';
import { useApp } from '../appContext';
import type { ApprovalRequest, Plan, PlanStep } from './threadState';
import { Markdown } from '../markdown/Markdown';

const stepIcon: Record<PlanStep['status'], string> = {
  pending: '○', waiting_approval: '⏸', running: '◔', completed: '✓', failed: '✗', cancelled: '⊘', rejected: '⊘',
};
const stepWord: Record<PlanStep['status'], string> = {
  pending: 'pending', waiting_approval: 'waiting for approval', running: 'running', completed: 'done', failed: 'failed', cancelled: 'cancelled', rejected: 'rejected',
};
const planWord: Record<Plan['status'], string> = {
  planning: 'Planning', running: 'Running', waiting_approval: 'Waiting for approval', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled',
};

export function PlanCard({ plan, live }: { plan: Plan; live: boolean }) {
  const { connection } = useApp();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const finished = plan.status === 'completed' || plan.status === 'failed' || plan.status === 'cancelled';

  async function act(action: () => Promise<unknown>, what: string) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      setError(`Could not ${what}: ${message}${/conflict|already/i.test(message) ? ' (someone else decided first; the card shows what happened)' : ' Try again when connected.'}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className={`plan ${plan.status}`} aria-label={`Plan: ${plan.goal}`} data-testid="plan" data-status={plan.status}>
      <header>
        <h3>Plan: {plan.goal}</h3>
        <span className={`pill ${plan.status}`}>{planWord[plan.status]}</span>
      </header>
      <div className="progress" role="progressbar" aria-label="Plan progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={plan.percentage}>
        <div style={{ width: `${plan.percentage}%` }} />
      </div>
      {plan.stage && !finished && <p className="muted">{plan.stage}</p>}
      <ol className="steps">
        {plan.steps.map((step) => (
          <li key={step.stepNumber} className={`step ${step.status}`} data-testid="plan-step" data-status={step.status}>
            <span className="icon" aria-hidden="true">{stepIcon[step.status]}</span>
            <span className="action">{step.action || `Step ${step.stepNumber}`}</span>
            <span className="visually-hidden">: {stepWord[step.status]}</span>
            {step.tool && <code className="tool">{step.tool}</code>}
            {step.command && <code className="command">$ {step.command}</code>}
            {step.output !== undefined && (
              <details className="output">
                <summary>
                  Output{step.exitCode !== undefined ? ` (exit ${step.exitCode}` : ' ('}{step.durationMs !== undefined ? `, ${Math.round(step.durationMs)} ms` : ''})
                  {step.truncated ? ', truncated' : ''}{step.timedOut ? ', timed out' : ''}
                </summary>
                <pre>{step.output || '(no output)'}</pre>
              </details>
            )}
          </li>
        ))}
      </ol>
      {plan.approval && !finished && (
        <Approval key={`${plan.workflowId}-${plan.approval.stepNumber}`} request={plan.approval} disabled={busy || !live}
          onDecide={(approved, args) => act(() => connection.approve(plan.workflowId, approved, approved ? 'approved in the browser' : 'rejected in the browser', args), approved ? 'approve' : 'reject')} />
      )}
      {!finished && (
        <button type="button" className="secondary" disabled={busy || !live} onClick={() => act(() => connection.cancel(plan.workflowId), 'cancel')}>Cancel plan</button>
      )}
      {!live && !finished && <p className="muted">Approve, reject and cancel come back when the connection does.</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {plan.summary && <div className="result"><strong>Result</strong><Markdown text={plan.summary} /></div>}
      {plan.status === 'failed' && <p className="error">The plan failed{plan.error ? `: ${plan.error}` : ''}. Ask again, maybe with different arguments.</p>}
      {plan.status === 'cancelled' && <p className="muted">Cancelled{plan.error ? `: ${plan.error}` : ''}.</p>}
    </section>
  );
}

function Approval({ request, disabled, onDecide }: { request: ApprovalRequest; disabled: boolean; onDecide: (approved: boolean, args: Record<string, string> | null) => void }) {
  const [editing, setEditing] = useState(false);
  const [args, setArgs] = useState(request.arguments);

  function approve(event: FormEvent) {
    event.preventDefault();
    onDecide(true, editing ? args : null);
  }

  return (
    <form className="approval" onSubmit={approve} aria-label={`Approval for step ${request.stepNumber}`}>
      <p><strong>Step {request.stepNumber} needs your approval:</strong> {request.action}</p>
      {request.details && <p className="muted">{request.details}</p>}
      {editing ? (
        <fieldset>
          <legend>Arguments for <code>{request.tool}</code></legend>
          {Object.entries(args).map(([name, value]) => (
            <label key={name}>
              {name}
              <input value={value} onChange={(e) => setArgs({ ...args, [name]: e.target.value })} />
            </label>
          ))}
        </fieldset>
      ) : (
        Object.keys(request.arguments).length > 0 && (
          <dl className="arguments">
            {Object.entries(request.arguments).map(([name, value]) => (
              <div key={name}><dt>{name}</dt><dd><code>{value || '(empty)'}</code></dd></div>
            ))}
          </dl>
        )
      )}
      <div className="row">
        <button type="submit" disabled={disabled}>{editing ? 'Approve with these arguments' : 'Approve'}</button>
        {!editing && Object.keys(request.arguments).length > 0 && (
          <button type="button" className="secondary" disabled={disabled} onClick={() => setEditing(true)}>Edit arguments</button>
        )}
        <button type="button" className="danger" disabled={disabled} onClick={() => onDecide(false, null)}>Reject</button>
      </div>
    </form>
  );
}
