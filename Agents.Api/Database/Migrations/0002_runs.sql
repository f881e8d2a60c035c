-- Agent runs: one row per task (a reply, a plan, a rule) with a durable status.

CREATE TABLE runs (
    id            uuid PRIMARY KEY,
    thread_id     uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('reply', 'plan', 'rule')),
    status        text NOT NULL CHECK (status IN ('queued', 'running', 'waiting_approval', 'completed', 'failed', 'cancelled')),
    requested_by  text NOT NULL,
    trigger_seq   bigint NOT NULL,
    input         jsonb NOT NULL DEFAULT '{}',
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
-- Workers take the oldest queued run; this index holds only those.
CREATE INDEX runs_queued ON runs (created_at) WHERE status = 'queued';
CREATE INDEX runs_by_thread ON runs (thread_id, created_at);
