-- Runs become resumable state machines: who holds a run (and until when), how often it was tried, whether someone
-- asked to cancel it, and its plan and progress.

ALTER TABLE runs
    ADD COLUMN worker_id         text,
    ADD COLUMN heartbeat_at      timestamptz,
    ADD COLUMN attempts          int NOT NULL DEFAULT 0,
    ADD COLUMN cancel_requested  boolean NOT NULL DEFAULT false,
    ADD COLUMN state             jsonb NOT NULL DEFAULT '{}';

-- The sweeper looks for running runs whose holder stopped sending heartbeats.
CREATE INDEX runs_running ON runs (heartbeat_at) WHERE status = 'running';
