-- A second domain for the translator's tests: a lending library with authors, their books, members and loans.
-- Deterministic (no random()), dates relative to the moment it is seeded, about two thousand rows.
-- Run once on a fresh database.

CREATE SCHEMA library;

CREATE TABLE library.authors (
    id       int PRIMARY KEY,
    name     text NOT NULL,
    country  text NOT NULL,
    born_on  date NOT NULL
);

CREATE TABLE library.books (
    id            int PRIMARY KEY,
    title         text NOT NULL,
    author_id     int NOT NULL REFERENCES library.authors (id),
    genre         text NOT NULL,
    pages         int NOT NULL,
    published_on  date NOT NULL,
    price         numeric(8, 2) NOT NULL
);

CREATE TABLE library.members (
    id         int PRIMARY KEY,
    name       text NOT NULL,
    city       text NOT NULL,
    tier       text NOT NULL,
    joined_at  timestamptz NOT NULL
);

CREATE TABLE library.loans (
    id           int PRIMARY KEY,
    book_id      int NOT NULL REFERENCES library.books (id),
    member_id    int NOT NULL REFERENCES library.members (id),
    loaned_at    timestamptz NOT NULL,
    returned_at  timestamptz,
    fee          numeric(6, 2) NOT NULL
);

INSERT INTO library.authors (id, name, country, born_on)
SELECT i,
       (ARRAY['Amara', 'Bruno', 'Carmen', 'Dagny', 'Emeka', 'Fiona', 'Goro', 'Hana', 'Ilse', 'Jakub'])[1 + i % 10] || ' ' ||
       (ARRAY['Adeyemi', 'Bauer', 'Castillo', 'Dahl', 'Egan', 'Fujita', 'Haddad', 'Kowalski'])[1 + (i * 3) % 8],
       (ARRAY['Nigeria', 'Chile', 'Norway', 'Ireland', 'Japan', 'Egypt', 'Poland'])[1 + (i * 3) % 7],
       (date_trunc('day', now()) - make_interval(years => 28 + (i * 7) % 61, days => (i * 13) % 365))::date
FROM generate_series(1, 42) AS i;

INSERT INTO library.books (id, title, author_id, genre, pages, published_on, price)
SELECT i,
       (ARRAY['The Silent', 'A Distant', 'The Last', 'Hidden', 'The Burning', 'Broken', 'The Northern', 'Winter'])[1 + i % 8] || ' ' ||
       (ARRAY['River', 'Garden', 'Empire', 'Letters', 'Harbour', 'Clockmaker', 'Orchard', 'Tide', 'Lantern'])[1 + (i * 5) % 9],
       1 + (i * 11) % 42,
       (ARRAY['fiction', 'mystery', 'science', 'history', 'poetry', 'fantasy', 'biography'])[1 + (i * 3 + i / 7) % 7],
       80 + (i * 37) % 620,
       (date_trunc('day', now()) - make_interval(days => (i * 29) % 3650))::date,
       round((5 + ((i * 613) % 4500) / 100.0)::numeric, 2)
FROM generate_series(1, 240) AS i;

INSERT INTO library.members (id, name, city, tier, joined_at)
SELECT i,
       (ARRAY['Ana', 'Bilal', 'Chiara', 'Dmitri', 'Esme', 'Farid', 'Gwen', 'Hugo', 'Isla', 'Joao', 'Keiko'])[1 + i % 11] || ' ' ||
       (ARRAY['Pereira', 'Larsen', 'Murphy', 'Okonkwo', 'Sato', 'Nowak', 'Reyes'])[1 + (i * 2) % 7],
       (ARRAY['Lisbon', 'Oslo', 'Dublin', 'Lagos', 'Kyoto', 'Toronto'])[1 + i % 6],
       (ARRAY['basic', 'basic', 'student', 'silver', 'gold'])[1 + (i * 3) % 5],
       date_trunc('day', now()) - make_interval(days => (i * 17) % 1000, hours => (i * 5) % 24)
FROM generate_series(1, 150) AS i;

INSERT INTO library.loans (id, book_id, member_id, loaned_at, returned_at, fee)
SELECT i,
       1 + (i * 97) % 240,
       1 + (i * 31) % 150,
       l.loaned_at,
       CASE WHEN i % 5 = 0 OR l.loaned_at + make_interval(days => 1 + (i * 3) % 28) > now() THEN NULL
            ELSE l.loaned_at + make_interval(days => 1 + (i * 3) % 28) END,
       round(((i * 7) % 9 * 0.5)::numeric, 2)
FROM generate_series(1, 1500) AS i,
     LATERAL (SELECT date_trunc('hour', now()) - make_interval(days => (i * 11) % 400, hours => (i * 5) % 24) AS loaned_at) AS l;
