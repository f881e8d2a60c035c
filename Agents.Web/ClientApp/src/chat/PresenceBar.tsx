import { describeBot } from './threadState';

export function PresenceBar({ online, typing, bot, me }: { online: string[]; typing: string[]; bot: string; me: string }) {
  return (
    <div className="presence">
      <ul className="online" aria-label="Online now" data-testid="online">
        {online.map((name) => (
          <li key={name} className="person"><span className="dot" aria-hidden="true" />{name}{name === me ? ' (you)' : ''}</li>
        ))}
      </ul>
      <p className={`bot ${bot}`} role="status" data-testid="bot-status" data-status={bot}>{describeBot(bot)}</p>
      <p className="typing" role="status" aria-live="polite" data-testid="typing">
        {typing.length > 0 && (
          <>
            {typing.join(', ')} {typing.length === 1 ? 'is' : 'are'} typing
            <span className="typing-dots" aria-hidden="true"><span>.</span><span>.</span><span>.</span></span>
          </>
        )}
      </p>
    </div>
  );
}
