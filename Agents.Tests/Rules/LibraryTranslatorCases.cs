namespace Agents.Tests.Rules;

/// <summary>English rules over the lending-library schema (LibrarySchema.sql), phrased unlike the demo ones, each with a reference query.</summary>
public static class LibraryTranslatorCases
{
    /// <summary>Question, and a hand-written reference query whose result the translator's SQL must reproduce.</summary>
    public static TheoryData<string, string> All => new()
    {
        // Equality, inequality and lists.
        { "Which are the books where genre is poetry", "SELECT b.* FROM library.books b WHERE b.genre = 'poetry'" },
        { "display every author where country is Chile or Norway", "SELECT a.* FROM library.authors a WHERE a.country IN ('Chile', 'Norway')" },
        { "members where tier is not basic", "SELECT m.* FROM library.members m WHERE m.tier <> 'basic'" },
        { "how many books where genre in science, history or biography", "SELECT count(*) FROM library.books b WHERE b.genre IN ('science', 'history', 'biography')" },

        // Bare values.
        { "mystery books", "SELECT b.* FROM library.books b WHERE b.genre = 'mystery'" },
        { "get members from Oslo", "SELECT m.* FROM library.members m WHERE m.city = 'Oslo'" },
        { "list the gold members", "SELECT m.* FROM library.members m WHERE m.tier = 'gold'" },
        { "student members in Lagos", "SELECT m.* FROM library.members m WHERE m.tier = 'student' AND m.city = 'Lagos'" },
        { "members in Lisbon where tier != basic", "SELECT m.* FROM library.members m WHERE m.city = 'Lisbon' AND m.tier <> 'basic'" },

        // Text.
        { "books where title contains river", "SELECT b.* FROM library.books b WHERE b.title ILIKE '%river%'" },
        { "books where title contains 'burning orchard'", "SELECT b.* FROM library.books b WHERE b.title ILIKE '%burning orchard%'" },
        { "authors where name starts with Goro", "SELECT a.* FROM library.authors a WHERE a.name LIKE 'Goro%'" },
        { "books where title starts with Winter", "SELECT b.* FROM library.books b WHERE b.title LIKE 'Winter%'" },

        // Numbers, including a decimal value and the cost -> price synonym.
        { "books where pages between 200 and 300", "SELECT b.* FROM library.books b WHERE b.pages BETWEEN 200 AND 300" },
        { "books where cost under 10", "SELECT b.* FROM library.books b WHERE b.price < 10" },
        { "fantasy books where pages over 650", "SELECT b.* FROM library.books b WHERE b.genre = 'fantasy' AND b.pages > 650" },
        { "loans where fee at least 3.5", "SELECT l.* FROM library.loans l WHERE l.fee >= 3.5" },
        { "how many loans where fee is 0", "SELECT count(*) FROM library.loans l WHERE l.fee = 0" },
        { "books where price at most 6", "SELECT b.* FROM library.books b WHERE b.price <= 6" },

        // Dates: timestamp and date columns, named or the table's own.
        { "members joined in the last 90 days", "SELECT m.* FROM library.members m WHERE m.joined_at >= now() - interval '90 days'" },
        { "members joined this year", "SELECT m.* FROM library.members m WHERE m.joined_at >= date_trunc('year', now())" },
        { "books published since 2025-01-01", "SELECT b.* FROM library.books b WHERE b.published_on >= '2025-01-01'" },
        { "books published last month", "SELECT b.* FROM library.books b WHERE b.published_on >= date_trunc('month', now()) - interval '1 month' AND b.published_on < date_trunc('month', now())" },
        { "authors born before 1950-01-01", "SELECT a.* FROM library.authors a WHERE a.born_on < '1950-01-01'" },
        { "loans returned in the last 10 days", "SELECT l.* FROM library.loans l WHERE l.returned_at >= now() - interval '10 days'" },
        { "how many loans last week", "SELECT count(*) FROM library.loans l WHERE l.loaned_at >= date_trunc('week', now()) - interval '1 week' AND l.loaned_at < date_trunc('week', now())" },
        { "loans this month", "SELECT l.* FROM library.loans l WHERE l.loaned_at >= date_trunc('month', now())" },
        { "loans in the last 3 weeks", "SELECT l.* FROM library.loans l WHERE l.loaned_at >= now() - interval '3 weeks'" },

        // Aggregates.
        { "how many loans where fee above 3", "SELECT count(*) FROM library.loans l WHERE l.fee > 3" },
        { "What is the average fee of loans", "SELECT avg(l.fee) FROM library.loans l" },
        { "lowest price of fantasy books", "SELECT min(b.price) FROM library.books b WHERE b.genre = 'fantasy'" },
        { "maximum fee of loans last week", "SELECT max(l.fee) FROM library.loans l WHERE l.loaned_at >= date_trunc('week', now()) - interval '1 week' AND l.loaned_at < date_trunc('week', now())" },
        { "total pages of books where genre is history", "SELECT sum(b.pages) FROM library.books b WHERE b.genre = 'history'" },

        // Group by, on the table itself and through one or two joins.
        { "number of members per tier", "SELECT m.tier, count(*) FROM library.members m GROUP BY m.tier" },
        { "average pages of books for each genre", "SELECT b.genre, avg(b.pages) FROM library.books b GROUP BY b.genre" },
        { "total fee of loans by city", "SELECT m.city, sum(l.fee) FROM library.loans l JOIN library.members m ON m.id = l.member_id GROUP BY m.city" },
        { "sum of fee of loans by genre", "SELECT b.genre, sum(l.fee) FROM library.loans l JOIN library.books b ON b.id = l.book_id GROUP BY b.genre" },
        { "how many loans by country", "SELECT a.country, count(*) FROM library.loans l JOIN library.books b ON b.id = l.book_id JOIN library.authors a ON a.id = b.author_id GROUP BY a.country" },
        { "count books per country", "SELECT a.country, count(*) FROM library.books b JOIN library.authors a ON a.id = b.author_id GROUP BY a.country" },

        // Top N and ordering.
        { "top 3 books by pages", "SELECT b.* FROM library.books b ORDER BY b.pages DESC, b.id ASC LIMIT 3" },
        { "the 5 cheapest books by cost", "SELECT b.* FROM library.books b ORDER BY b.price ASC, b.id ASC LIMIT 5" },
        { "newest 4 members", "SELECT m.* FROM library.members m ORDER BY m.joined_at DESC, m.id ASC LIMIT 4" },
        { "oldest 3 authors", "SELECT a.* FROM library.authors a ORDER BY a.born_on ASC, a.id ASC LIMIT 3" },
        { "top 2 poetry books by price", "SELECT b.* FROM library.books b WHERE b.genre = 'poetry' ORDER BY b.price DESC, b.id ASC LIMIT 2" },
        { "most recent 5 loans of gold members", "SELECT l.* FROM library.loans l JOIN library.members m ON m.id = l.member_id WHERE m.tier = 'gold' ORDER BY l.loaned_at DESC, l.id ASC LIMIT 5" },

        // Filters on related tables.
        { "loans of gold members", "SELECT l.* FROM library.loans l JOIN library.members m ON m.id = l.member_id WHERE m.tier = 'gold'" },
        { "loans from members in Dublin", "SELECT l.* FROM library.loans l JOIN library.members m ON m.id = l.member_id WHERE m.city = 'Dublin'" },
        { "books where country is Egypt and genre is history", "SELECT b.* FROM library.books b JOIN library.authors a ON a.id = b.author_id WHERE a.country = 'Egypt' AND b.genre = 'history'" },
        { "loans where genre is poetry and city is Kyoto", "SELECT l.* FROM library.loans l JOIN library.books b ON b.id = l.book_id JOIN library.members m ON m.id = l.member_id WHERE b.genre = 'poetry' AND m.city = 'Kyoto'" },
        { "loans where country is Japan", "SELECT l.* FROM library.loans l JOIN library.books b ON b.id = l.book_id JOIN library.authors a ON a.id = b.author_id WHERE a.country = 'Japan'" },
        { "average fee of loans where country is Nigeria", "SELECT avg(l.fee) FROM library.loans l JOIN library.books b ON b.id = l.book_id JOIN library.authors a ON a.id = b.author_id WHERE a.country = 'Nigeria'" },
        { "authors where genre is science", "SELECT DISTINCT a.* FROM library.authors a JOIN library.books b ON b.author_id = a.id WHERE b.genre = 'science'" },
    };
}
