-- Threads, their members and messages, and the ordered event log every client reads from.

CREATE TABLE threads (
    id          uuid PRIMARY KEY,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    owner       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_seq    bigint NOT NULL DEFAULT 0  -- the seq of the thread's newest event; bumped under the row lock
);

CREATE TABLE thread_members (
    thread_id   uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    user_name   text NOT NULL,
    role        text NOT NULL CHECK (role IN ('owner', 'member')),
    joined_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, user_name)
);
CREATE INDEX thread_members_by_user ON thread_members (user_name);

CREATE TABLE thread_events (
    thread_id   uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    seq         bigint NOT NULL CHECK (seq > 0),
    type        text NOT NULL,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, seq)
);

CREATE TABLE messages (
    id                 uuid PRIMARY KEY,
    thread_id          uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    author             text NOT NULL,
    client_message_id  text NOT NULL,
    text               text NOT NULL,
    seq                bigint NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    -- A retry of the same client message finds this row instead of adding another.
    UNIQUE (thread_id, author, client_message_id),
    FOREIGN KEY (thread_id, seq) REFERENCES thread_events (thread_id, seq)
);
