-- "Is a run of this thread still waiting?" (asked when a message arrives while no worker is alive): only waiting runs.
CREATE INDEX runs_queued_by_thread ON runs (thread_id) WHERE status = 'queued';
