// Wire shapes of the Api and the hub. Hub envelopes are camelCase; event payloads are snake_case (Agents.Protocol).

export interface ThreadSummary {
  id: string;
  title: string;
  owner: string;
  lastSeq: number;
  createdAt: string;
}

export interface Member {
  userName: string;
  role: string;
  joinedAt: string;
}

export interface ThreadDetails extends ThreadSummary {
  members: Member[];
}

export interface ThreadEvent {
  threadId: string;
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface TypingEvent {
  threadId: string;
  userName: string;
  isTyping: boolean;
}

export interface PresenceEvent {
  threadId: string;
  users: string[];
}

export interface ErrorEvent {
  code: string;
  message: string;
  operation?: string;
}

export interface JoinThreadResult {
  threadId: string;
  lastSeq: number;
  replayed: number;
  online: string[];
}

export interface SendMessageResult {
  threadId: string;
  messageId: string;
  seq: number;
  duplicate: boolean;
}

export interface WorkflowActionResult {
  workflowId: string;
  status: string;
}

export interface TokenResponse {
  accessToken: string;
  expiresAt: string;
  userName: string;
}
