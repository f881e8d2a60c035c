-- The W3C trace context of the request that queued a run, so the run's work joins that trace.
ALTER TABLE runs ADD COLUMN traceparent text;
