// The one SignalR connection of a signed-in session: keeps itself connected, shows its state in four words, and
// (re)joins the open thread with the last seq seen, so a reconnect replays exactly what was missed.
import { HttpTransportType, HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr';
import type { ErrorEvent, JoinThreadResult, PresenceEvent, SendMessageResult, ThreadEvent, TypingEvent, WorkflowActionResult } from '../api/types';
import { type ConnectionSignal, type ConnectionState, initialConnection, nextConnection, retryDelayMs } from './connectionState';

export interface ConnectionHandlers {
  threadEvent(event: ThreadEvent): void;
  typing(event: TypingEvent): void;
  presence(event: PresenceEvent): void;
  error(event: ErrorEvent): void;
  /** The open thread was (re)joined: every missed event was sent before this. */
  joined(result: JoinThreadResult): void;
}

interface ActiveThread {
  threadId: string;
  afterSeq: () => number;
}

/** A hub call that failed, with the hub's error code when it gave one ("HubException: code: message"). */
export class HubCallError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
    readonly connectionLost: boolean,
  ) {
    super(message);
  }
}

export function toHubCallError(error: unknown, connected: boolean): HubCallError {
  const text = error instanceof Error ? error.message : String(error);
  const match = /HubException: ([a-z_]+): ([\s\S]*)$/.exec(text);
  if (match) return new HubCallError(match[1], match[2].trim(), false);
  return new HubCallError(undefined, text, !connected || /connection|disconnected|closed/i.test(text));
}

export class AgentConnection {
  private readonly hub: HubConnection;
  private readonly listeners = new Set<() => void>();
  private readonly handlers = new Set<ConnectionHandlers>();
  private active?: ActiveThread;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  state: ConnectionState = initialConnection;

  constructor(accessToken: () => string, url = '/hubs/agent') {
    this.hub = new HubConnectionBuilder()
      // Straight to a WebSocket, without negotiate: Realtime takes such a connection before its HTTP server and runs the
      // hub on the socket itself (README, "The hub taken before the HTTP server"), and every browser we serve has WebSockets.
      .withUrl(url, { accessTokenFactory: accessToken, skipNegotiation: true, transport: HttpTransportType.WebSockets })
      // Never give up on our own: "reconnecting" until it is back (a stopped server is a normal event here).
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => retryDelayMs(context.previousRetryCount) })
      .configureLogging(LogLevel.Warning)
      .build();
    this.hub.on('ThreadEvent', (e: ThreadEvent) => this.handlers.forEach((h) => h.threadEvent(e)));
    this.hub.on('Typing', (e: TypingEvent) => this.handlers.forEach((h) => h.typing(e)));
    this.hub.on('Presence', (e: PresenceEvent) => this.handlers.forEach((h) => h.presence(e)));
    this.hub.on('Error', (e: ErrorEvent) => this.handlers.forEach((h) => h.error(e)));
    this.hub.onreconnecting((error) => this.signal({ type: 'reconnecting', error: error?.message }));
    this.hub.onreconnected(() => {
      this.signal({ type: 'reconnected' });
      void this.joinActive();
    });
    this.hub.onclose((error) => {
      if (this.stopped) return;
      this.signal({ type: 'closed', error: error?.message });
      this.scheduleStart();
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): ConnectionState => this.state;

  addHandlers(handlers: ConnectionHandlers): () => void {
    this.handlers.add(handlers);
    return () => this.handlers.delete(handlers);
  }

  get connected(): boolean {
    return this.hub.state === HubConnectionState.Connected;
  }

  async start(): Promise<void> {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    if (this.hub.state !== HubConnectionState.Disconnected) return;
    this.signal({ type: 'start' });
    try {
      await this.hub.start();
      this.signal({ type: 'started' });
      await this.joinActive();
    } catch (error) {
      this.signal({ type: 'start_failed', error: error instanceof Error ? shorten(error.message) : 'no answer' });
      this.scheduleStart();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.hub.stop();
    this.signal({ type: 'closed' });
  }

  /** Opens a thread: joined now when connected, and again after every reconnect with the last seq seen then. */
  async open(threadId: string, afterSeq: () => number): Promise<void> {
    const previous = this.active;
    this.active = { threadId, afterSeq };
    if (previous && previous.threadId !== threadId && this.connected) {
      await this.hub.invoke('LeaveThread', previous.threadId).catch(() => undefined);
    }
    await this.joinActive();
  }

  async close(threadId: string): Promise<void> {
    if (this.active?.threadId !== threadId) return;
    this.active = undefined;
    if (this.connected) await this.hub.invoke('LeaveThread', threadId).catch(() => undefined);
  }

  sendMessage = (threadId: string, clientMessageId: string, text: string) => this.call<SendMessageResult>('SendMessage', threadId, clientMessageId, text);
  typing = (threadId: string, isTyping: boolean) => this.call<void>('Typing', threadId, isTyping);
  approve = (workflowId: string, approved: boolean, message: string | null, args: Record<string, string> | null) =>
    this.call<WorkflowActionResult>('WorkflowApproval', workflowId, approved, message, args);
  cancel = (workflowId: string) => this.call<WorkflowActionResult>('WorkflowCancel', workflowId);

  private async call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (!this.connected) throw new HubCallError('unavailable', 'Not connected right now.', true);
    try {
      return await this.hub.invoke<T>(method, ...args);
    } catch (error) {
      throw toHubCallError(error, this.connected);
    }
  }

  private async joinActive(): Promise<void> {
    const active = this.active;
    if (!active || !this.connected) return;
    try {
      const result = await this.hub.invoke<JoinThreadResult>('JoinThread', active.threadId, active.afterSeq());
      if (this.active?.threadId === active.threadId) this.handlers.forEach((h) => h.joined(result));
    } catch (error) {
      const failure = toHubCallError(error, this.connected);
      this.handlers.forEach((h) => h.error({ code: failure.code ?? 'unavailable', message: failure.message, operation: 'JoinThread' }));
    }
  }

  private scheduleStart(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.start(), Math.max(1000, retryDelayMs(this.state.failures)));
  }

  private signal(signal: ConnectionSignal): void {
    this.state = nextConnection(this.state, signal);
    this.listeners.forEach((l) => l());
  }
}

const shorten = (message: string) => (message.length > 120 ? `${message.slice(0, 117)}…` : message);
