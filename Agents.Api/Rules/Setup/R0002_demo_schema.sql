-- The demo data the rules query by default: a small shop with customers, products, orders and their items,
-- support tickets, and a catalogue of design patterns. Deterministic (no random()), dates relative to the day
-- it is seeded, a few thousand rows.

CREATE SCHEMA IF NOT EXISTS demo;

CREATE TABLE demo.customers (
    id          int PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL UNIQUE,
    country     text NOT NULL,
    segment     text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE demo.products (
    id          int PRIMARY KEY,
    name        text NOT NULL,
    category    text NOT NULL,
    price       numeric(10, 2) NOT NULL,
    stock       int NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE demo.orders (
    id           int PRIMARY KEY,
    customer_id  int NOT NULL REFERENCES demo.customers (id),
    status       text NOT NULL,
    ordered_at   timestamptz NOT NULL,
    total        numeric(12, 2) NOT NULL DEFAULT 0
);

CREATE TABLE demo.order_items (
    id          int PRIMARY KEY,
    order_id    int NOT NULL REFERENCES demo.orders (id),
    product_id  int NOT NULL REFERENCES demo.products (id),
    quantity    int NOT NULL,
    unit_price  numeric(10, 2) NOT NULL
);

CREATE TABLE demo.tickets (
    id           int PRIMARY KEY,
    customer_id  int NOT NULL REFERENCES demo.customers (id),
    subject      text NOT NULL,
    priority     text NOT NULL,
    status       text NOT NULL,
    opened_at    timestamptz NOT NULL,
    resolved_at  timestamptz
);

CREATE TABLE demo.patterns (
    id           int PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    kind         text NOT NULL,
    description  text NOT NULL,
    created_at   timestamptz NOT NULL
);

INSERT INTO demo.customers (id, name, email, country, segment, created_at)
SELECT i,
       first || ' ' || last,
       lower(first) || '.' || lower(last) || i || '@example.com',
       (ARRAY['France', 'Germany', 'Japan', 'Brazil', 'Canada', 'India', 'Kenya', 'Spain'])[1 + (i * 7) % 8],
       (ARRAY['consumer', 'consumer', 'business', 'enterprise'])[1 + (i * 5 + i / 8) % 4],
       date_trunc('day', now()) - make_interval(days => (i * 37) % 730, hours => (i * 11) % 24)
FROM generate_series(1, 400) AS i,
     LATERAL (SELECT (ARRAY['Ada', 'Ben', 'Chloe', 'Dev', 'Elif', 'Femi', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena'])[1 + i % 12] AS first,
                     (ARRAY['Martin', 'Silva', 'Tanaka', 'Okafor', 'Novak', 'Rossi', 'Khan', 'Muller', 'Garcia', 'Dubois'])[1 + (i * 3) % 10] AS last) AS n;

INSERT INTO demo.products (id, name, category, price, stock, created_at)
SELECT i,
       (ARRAY['Compact', 'Deluxe', 'Classic', 'Smart', 'Eco', 'Pro', 'Mini', 'Travel'])[1 + (i * 5) % 8] || ' ' ||
       (ARRAY['Novel', 'Headphones', 'Rake', 'Puzzle', 'Coffee', 'Ball'])[1 + i % 6] || ' ' || i,
       (ARRAY['books', 'electronics', 'garden', 'toys', 'grocery', 'sports'])[1 + i % 6],
       round((2 + ((i * 7919) % 19800) / 100.0)::numeric, 2),
       (i * 31) % 250,
       date_trunc('day', now()) - make_interval(days => (i * 53) % 900)
FROM generate_series(1, 120) AS i;

INSERT INTO demo.orders (id, customer_id, status, ordered_at)
SELECT i,
       1 + (i * 7919) % 400,
       (ARRAY['pending', 'paid', 'paid', 'shipped', 'delivered', 'delivered', 'delivered', 'cancelled'])[1 + (i * 3 + i / 11) % 8],
       date_trunc('hour', now()) - make_interval(days => (i * 7) % 365, hours => 1 + (i * 13) % 23)
FROM generate_series(1, 3000) AS i;

INSERT INTO demo.order_items (id, order_id, product_id, quantity, unit_price)
SELECT row_number() OVER (ORDER BY o.id, k),
       o.id,
       p.id,
       1 + (o.id + k * 3) % 5,
       p.price
FROM demo.orders AS o
CROSS JOIN LATERAL generate_series(1, 1 + o.id % 4) AS k
JOIN demo.products AS p ON p.id = 1 + (o.id * 31 + k * 17) % 120;

UPDATE demo.orders AS o
SET total = s.total
FROM (SELECT order_id, sum(quantity * unit_price) AS total FROM demo.order_items GROUP BY order_id) AS s
WHERE s.order_id = o.id;

INSERT INTO demo.tickets (id, customer_id, subject, priority, status, opened_at, resolved_at)
SELECT i,
       1 + (i * 127) % 400,
       (ARRAY['Late delivery', 'Damaged item', 'Refund request', 'Wrong size', 'Invoice question', 'Account locked'])[1 + i % 6],
       (ARRAY['low', 'medium', 'medium', 'high', 'urgent'])[1 + (i * 7) % 5],
       s.status,
       opened,
       CASE WHEN s.status = 'closed' THEN opened + make_interval(hours => 2 + (i * 19) % 96) END
FROM generate_series(1, 800) AS i,
     LATERAL (SELECT (ARRAY['open', 'pending', 'closed', 'closed'])[1 + (i * 3) % 4] AS status,
                     date_trunc('minute', now()) - make_interval(days => (i * 5) % 200, hours => (i * 7) % 24) AS opened) AS s;

INSERT INTO demo.patterns (id, name, kind, description, created_at) VALUES
    (1, 'Observer', 'pattern', 'Objects subscribe to events of a subject and are notified when it changes.', now() - interval '400 days'),
    (2, 'Strategy', 'pattern', 'A family of interchangeable algorithms chosen at run time.', now() - interval '380 days'),
    (3, 'Adapter', 'pattern', 'Wraps an interface so that it looks like another one.', now() - interval '200 days'),
    (4, 'Circuit breaker', 'pattern', 'Stops calling a failing dependency for a while, then tries again.', now() - interval '40 days'),
    (5, 'Outbox', 'pattern', 'Stores messages with the data change in one transaction and publishes them afterwards.', now() - interval '3 days'),
    (6, 'God object', 'anti_pattern', 'One class that knows and does too much.', now() - interval '300 days'),
    (7, 'Golden hammer', 'anti_pattern', 'Using one familiar tool for every problem.', now() - interval '120 days'),
    (8, 'Busy waiting', 'anti_pattern', 'Polling in a tight loop instead of waiting for a signal.', now() - interval '20 days'),
    (9, 'Magic numbers', 'anti_pattern', 'Unexplained literals scattered through the code.', now() - interval '8 days'),
    (10, 'RAII', 'idiom', 'Resource lifetime bound to object lifetime.', now() - interval '500 days'),
    (11, 'Early return', 'idiom', 'Handle edge cases first and return, keeping the main path flat.', now() - interval '60 days'),
    (12, 'Null object', 'idiom', 'An object with neutral behaviour instead of a null reference.', now() - interval '1 day');
