-- Storing a sender's messages in one call: what ThreadStore.PostMessagesAsync did in six round trips (the thread's lock,
-- the waiting-run check, then per message the retry check, the event, the message with its run; then the commit)
-- runs here in one statement, in its own transaction. On one shared core each round trip cost 0.1-0.5 ms of the
-- message's way to its first receiver (README, "The store in one call").
--
-- The caller builds the payloads (the event contract stays in C#) and says whether an agent worker is alive. Returns, in
-- order, a row per message (message_id set): a new one with its event (event_type set), or a retry of one stored before,
-- found by its client message id (duplicate, with the first one's seq); and a row per "offline" said (message_id null),
-- at most once. No row at all means the thread does not exist or the author is not a member.
CREATE FUNCTION post_messages(
    p_thread uuid,
    p_author text,
    p_worker_alive boolean,
    p_message_type text,
    p_offline_type text,
    p_message_ids uuid[],
    p_run_ids uuid[],
    p_client_message_ids text[],
    p_texts text[],
    p_traceparents text[],
    p_payloads jsonb[],
    p_offline_payloads jsonb[])
RETURNS TABLE (message_index int, message_id uuid, event_seq bigint, event_type text, event_created_at timestamptz, duplicate boolean)
LANGUAGE plpgsql AS $$
DECLARE
    say_offline boolean;
    stored_id uuid;
    stored_seq bigint;
    appended_seq bigint;
    appended_at timestamptz;
    any_new boolean := false;
BEGIN
    -- Writers of a thread go one at a time (the row lock), and only its members may write.
    PERFORM 1 FROM threads t JOIN thread_members m ON m.thread_id = t.id AND m.user_name = p_author
    WHERE t.id = p_thread FOR UPDATE OF t;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- Nobody can answer now: say so once (while an earlier run still waits, people were told already).
    say_offline := NOT p_worker_alive AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.thread_id = p_thread AND r.status = 'queued');

    FOR i IN 1 .. cardinality(p_message_ids) LOOP
        SELECT m.id, m.seq INTO stored_id, stored_seq FROM messages m
        WHERE m.thread_id = p_thread AND m.author = p_author AND m.client_message_id = p_client_message_ids[i];
        IF FOUND THEN
            RETURN QUERY SELECT i, stored_id, stored_seq, NULL::text, NULL::timestamptz, true;
            CONTINUE;
        END IF;

        UPDATE threads t SET last_seq = t.last_seq + 1 WHERE t.id = p_thread RETURNING t.last_seq INTO appended_seq;
        INSERT INTO thread_events (thread_id, seq, type, payload) VALUES (p_thread, appended_seq, p_message_type, p_payloads[i])
        RETURNING thread_events.created_at INTO appended_at;
        INSERT INTO messages (id, thread_id, author, client_message_id, text, seq)
        VALUES (p_message_ids[i], p_thread, p_author, p_client_message_ids[i], p_texts[i], appended_seq);
        INSERT INTO runs (id, thread_id, kind, status, requested_by, trigger_seq, input, traceparent)
        VALUES (p_run_ids[i], p_thread, 'reply', 'queued', p_author, appended_seq, jsonb_build_object('text', p_texts[i]), p_traceparents[i]);
        any_new := true;
        RETURN QUERY SELECT i, p_message_ids[i], appended_seq, p_message_type, appended_at, false;

        IF say_offline THEN
            UPDATE threads t SET last_seq = t.last_seq + 1 WHERE t.id = p_thread RETURNING t.last_seq INTO appended_seq;
            INSERT INTO thread_events (thread_id, seq, type, payload) VALUES (p_thread, appended_seq, p_offline_type, p_offline_payloads[i])
            RETURNING thread_events.created_at INTO appended_at;
            RETURN QUERY SELECT i, NULL::uuid, appended_seq, p_offline_type, appended_at, false;
            say_offline := false;
        END IF;
    END LOOP;

    IF any_new THEN
        PERFORM pg_notify('runs_queued', '');
    END IF;
END
$$;

-- Functions are executable by everyone unless revoked: only the app's own role (the owner, which the Api and Realtime
-- connect as) stores messages.
REVOKE EXECUTE ON FUNCTION post_messages(uuid, text, boolean, text, text, uuid[], uuid[], text[], text[], text[], jsonb[], jsonb[]) FROM PUBLIC;
