namespace Agents.Tests.Rules;

/// <summary>English rules over the demo shop schema (R0002), each with a reference query whose result the translator must reproduce.</summary>
public static class DemoTranslatorCases
{
    /// <summary>Question, and a hand-written reference query whose result the translator's SQL must reproduce.</summary>
    public static TheoryData<string, string> All => new()
    {
        // The issue's own example (5 rows).
        { "Find all patterns where kind equals pattern", "SELECT p.* FROM demo.patterns p WHERE p.kind = 'pattern'" },

        // Equality: equals, is, =, and a value with an underscore.
        { "Show orders where status is shipped", "SELECT o.* FROM demo.orders o WHERE o.status = 'shipped'" },
        { "list customers where country = Brazil", "SELECT c.* FROM demo.customers c WHERE c.country = 'Brazil'" },
        { "get the products where category equals garden", "SELECT p.* FROM demo.products p WHERE p.category = 'garden'" },
        { "patterns where kind is anti_pattern", "SELECT p.* FROM demo.patterns p WHERE p.kind = 'anti_pattern'" },

        // Inequality: is not, !=.
        { "Which are the orders where status is not cancelled", "SELECT o.* FROM demo.orders o WHERE o.status <> 'cancelled'" },
        { "tickets where priority != low", "SELECT t.* FROM demo.tickets t WHERE t.priority <> 'low'" },

        // Text: contains (case-insensitive substring, quoted or not), starts with.
        { "show products where name contains coffee", "SELECT p.* FROM demo.products p WHERE p.name ILIKE '%coffee%'" },
        { "Find patterns where name contains OBJECT", "SELECT p.* FROM demo.patterns p WHERE p.name ILIKE '%object%'" },
        { "display the patterns where description contains 'one transaction'", "SELECT p.* FROM demo.patterns p WHERE p.description ILIKE '%one transaction%'" },
        { "customers where email contains kofi", "SELECT c.* FROM demo.customers c WHERE c.email ILIKE '%kofi%'" },
        { "list all customers where name starts with Hiro", "SELECT c.* FROM demo.customers c WHERE c.name LIKE 'Hiro%'" },
        { "products where name starts with Deluxe", "SELECT p.* FROM demo.products p WHERE p.name LIKE 'Deluxe%'" },

        // Numeric comparisons: greater than, more than, above, over, at least, less than, below, under, at most, between.
        { "Get products where price greater than 190", "SELECT p.* FROM demo.products p WHERE p.price > 190" },
        { "orders where total more than 1700", "SELECT o.* FROM demo.orders o WHERE o.total > 1700" },
        { "show every product where stock above 240", "SELECT p.* FROM demo.products p WHERE p.stock > 240" },
        { "orders where total at least 1600", "SELECT o.* FROM demo.orders o WHERE o.total >= 1600" },
        { "products where price less than 45", "SELECT p.* FROM demo.products p WHERE p.price < 45" },
        { "list products where stock below 5", "SELECT p.* FROM demo.products p WHERE p.stock < 5" },
        { "orders where total at most 200", "SELECT o.* FROM demo.orders o WHERE o.total <= 200" },
        { "products where price between 110 and 130", "SELECT p.* FROM demo.products p WHERE p.price BETWEEN 110 AND 130" },
        { "order items where quantity at least 5", "SELECT oi.* FROM demo.order_items oi WHERE oi.quantity >= 5" },

        // Lists: in a, b or c; is a or b.
        { "how many orders where status in pending, paid or shipped", "SELECT count(*) FROM demo.orders o WHERE o.status IN ('pending', 'paid', 'shipped')" },
        { "tickets where priority is high or urgent", "SELECT t.* FROM demo.tickets t WHERE t.priority IN ('high', 'urgent')" },
        { "What are the customers where country is Kenya or Spain", "SELECT c.* FROM demo.customers c WHERE c.country IN ('Kenya', 'Spain')" },

        // Bare values of low-cardinality text columns, and quoted values.
        { "pending orders", "SELECT o.* FROM demo.orders o WHERE o.status = 'pending'" },
        { "orders that are cancelled", "SELECT o.* FROM demo.orders o WHERE o.status = 'cancelled'" },
        { "Show customers from France", "SELECT c.* FROM demo.customers c WHERE c.country = 'France'" },
        { "urgent tickets", "SELECT t.* FROM demo.tickets t WHERE t.priority = 'urgent'" },
        { "list the open urgent tickets", "SELECT t.* FROM demo.tickets t WHERE t.status = 'open' AND t.priority = 'urgent'" },
        { "tickets where subject is 'Late delivery'", "SELECT t.* FROM demo.tickets t WHERE t.subject = 'Late delivery'" },
        { "tickets where subject = 'Damaged item' and status is pending", "SELECT t.* FROM demo.tickets t WHERE t.subject = 'Damaged item' AND t.status = 'pending'" },

        // Synonyms: client -> customer, purchase -> order, cost -> price.
        { "give me the clients from Japan", "SELECT c.* FROM demo.customers c WHERE c.country = 'Japan'" },
        { "show purchases where status is delivered", "SELECT o.* FROM demo.orders o WHERE o.status = 'delivered'" },
        { "products where cost over 195", "SELECT p.* FROM demo.products p WHERE p.price > 195" },

        // Several filters joined by "and".
        { "products where category equals garden and price under 60", "SELECT p.* FROM demo.products p WHERE p.category = 'garden' AND p.price < 60" },
        { "customers where segment is business and country is Kenya", "SELECT c.* FROM demo.customers c WHERE c.segment = 'business' AND c.country = 'Kenya'" },

        // Relative and absolute dates, on the named or the table's own date column.
        { "tickets opened today", "SELECT t.* FROM demo.tickets t WHERE t.opened_at >= date_trunc('day', now())" },
        { "patterns created yesterday", "SELECT p.* FROM demo.patterns p WHERE p.created_at >= date_trunc('day', now()) - interval '1 day' AND p.created_at < date_trunc('day', now())" },
        { "how many tickets this week", "SELECT count(*) FROM demo.tickets t WHERE t.opened_at >= date_trunc('week', now())" },
        { "tickets resolved last week", "SELECT t.* FROM demo.tickets t WHERE t.resolved_at >= date_trunc('week', now()) - interval '1 week' AND t.resolved_at < date_trunc('week', now())" },
        { "show orders this month", "SELECT o.* FROM demo.orders o WHERE o.ordered_at >= date_trunc('month', now())" },
        { "orders last month", "SELECT o.* FROM demo.orders o WHERE o.ordered_at >= date_trunc('month', now()) - interval '1 month' AND o.ordered_at < date_trunc('month', now())" },
        { "customers created this year", "SELECT c.* FROM demo.customers c WHERE c.created_at >= date_trunc('year', now())" },
        { "cancelled orders in the last 30 days", "SELECT o.* FROM demo.orders o WHERE o.status = 'cancelled' AND o.ordered_at >= now() - interval '30 days'" },
        { "how many customers created in the last 6 weeks", "SELECT count(*) FROM demo.customers c WHERE c.created_at >= now() - interval '6 weeks'" },
        { "number of tickets in the last 2 months where priority is urgent", "SELECT count(*) FROM demo.tickets t WHERE t.opened_at >= now() - interval '2 months' AND t.priority = 'urgent'" },
        { "orders since 2026-01-01 where status is cancelled", "SELECT o.* FROM demo.orders o WHERE o.ordered_at >= '2026-01-01' AND o.status = 'cancelled'" },
        { "products created after 2026-06-30", "SELECT p.* FROM demo.products p WHERE p.created_at > '2026-06-30'" },
        { "customers created before 2025-06-01", "SELECT c.* FROM demo.customers c WHERE c.created_at < '2025-06-01'" },

        // Counts: how many, count, number of.
        { "How many customers from Kenya", "SELECT count(*) FROM demo.customers c WHERE c.country = 'Kenya'" },
        { "count pending orders", "SELECT count(*) FROM demo.orders o WHERE o.status = 'pending'" },
        { "number of tickets where priority is urgent", "SELECT count(*) FROM demo.tickets t WHERE t.priority = 'urgent'" },
        { "how many products", "SELECT count(*) FROM demo.products p" },

        // Aggregates of a column: total/sum, average, minimum/lowest, maximum/highest.
        { "sum of total of orders where status is delivered", "SELECT sum(o.total) FROM demo.orders o WHERE o.status = 'delivered'" },
        { "total quantity of order items", "SELECT sum(oi.quantity) FROM demo.order_items oi" },
        { "average price of products where category is toys", "SELECT avg(p.price) FROM demo.products p WHERE p.category = 'toys'" },
        { "minimum price of products", "SELECT min(p.price) FROM demo.products p" },
        { "lowest price of electronics products", "SELECT min(p.price) FROM demo.products p WHERE p.category = 'electronics'" },
        { "maximum total of orders", "SELECT max(o.total) FROM demo.orders o" },
        { "what is the highest stock", "SELECT max(p.stock) FROM demo.products p" },
        { "average total of orders last month", "SELECT avg(o.total) FROM demo.orders o WHERE o.ordered_at >= date_trunc('month', now()) - interval '1 month' AND o.ordered_at < date_trunc('month', now())" },

        // Group by: by, per, for each; also with a filter or a date.
        { "how many orders by status", "SELECT o.status, count(*) FROM demo.orders o GROUP BY o.status" },
        { "number of customers per country", "SELECT c.country, count(*) FROM demo.customers c GROUP BY c.country" },
        { "average price for each category", "SELECT p.category, avg(p.price) FROM demo.products p GROUP BY p.category" },
        { "maximum price per category", "SELECT p.category, max(p.price) FROM demo.products p GROUP BY p.category" },
        { "number of tickets per priority this month", "SELECT t.priority, count(*) FROM demo.tickets t WHERE t.opened_at >= date_trunc('month', now()) GROUP BY t.priority" },

        // Group by a column of a related table (one and two hops).
        { "total of orders by country", "SELECT c.country, sum(o.total) FROM demo.orders o JOIN demo.customers c ON c.id = o.customer_id GROUP BY c.country" },
        { "count tickets per segment", "SELECT c.segment, count(*) FROM demo.tickets t JOIN demo.customers c ON c.id = t.customer_id GROUP BY c.segment" },
        { "total quantity of order items by category", "SELECT p.category, sum(oi.quantity) FROM demo.order_items oi JOIN demo.products p ON p.id = oi.product_id GROUP BY p.category" },
        { "number of order items per country", "SELECT c.country, count(*) FROM demo.order_items oi JOIN demo.orders o ON o.id = oi.order_id JOIN demo.customers c ON c.id = o.customer_id GROUP BY c.country" },
        { "how many orders by status where segment is consumer", "SELECT o.status, count(*) FROM demo.orders o JOIN demo.customers c ON c.id = o.customer_id WHERE c.segment = 'consumer' GROUP BY o.status" },

        // Top N and ordering (ties broken by id ascending).
        { "top 5 products by price", "SELECT p.* FROM demo.products p ORDER BY p.price DESC, p.id ASC LIMIT 5" },
        { "show the top 3 pending orders by total", "SELECT o.* FROM demo.orders o WHERE o.status = 'pending' ORDER BY o.total DESC, o.id ASC LIMIT 3" },
        { "3 cheapest products by price", "SELECT p.* FROM demo.products p ORDER BY p.price ASC, p.id ASC LIMIT 3" },
        { "4 lowest products by stock", "SELECT p.* FROM demo.products p ORDER BY p.stock ASC, p.id ASC LIMIT 4" },
        { "top 3 orders by total this month", "SELECT o.* FROM demo.orders o WHERE o.ordered_at >= date_trunc('month', now()) ORDER BY o.total DESC, o.id ASC LIMIT 3" },
        { "products where category is books sorted by price descending", "SELECT p.* FROM demo.products p WHERE p.category = 'books' ORDER BY p.price DESC, p.id ASC" },
        { "urgent tickets ordered by opened at ascending", "SELECT t.* FROM demo.tickets t WHERE t.priority = 'urgent' ORDER BY t.opened_at ASC, t.id ASC" },
        { "newest 5 orders", "SELECT o.* FROM demo.orders o ORDER BY o.ordered_at DESC, o.id ASC LIMIT 5" },
        { "latest 3 tickets", "SELECT t.* FROM demo.tickets t ORDER BY t.opened_at DESC, t.id ASC LIMIT 3" },
        { "most recent 4 customers", "SELECT c.* FROM demo.customers c ORDER BY c.created_at DESC, c.id ASC LIMIT 4" },
        { "oldest 2 patterns", "SELECT p.* FROM demo.patterns p ORDER BY p.created_at ASC, p.id ASC LIMIT 2" },

        // Filters on a related table: one hop.
        { "orders where country is Japan", "SELECT o.* FROM demo.orders o JOIN demo.customers c ON c.id = o.customer_id WHERE c.country = 'Japan'" },
        { "order items where category is books", "SELECT oi.* FROM demo.order_items oi JOIN demo.products p ON p.id = oi.product_id WHERE p.category = 'books'" },
        { "tickets of enterprise customers", "SELECT t.* FROM demo.tickets t JOIN demo.customers c ON c.id = t.customer_id WHERE c.segment = 'enterprise'" },
        { "tickets where country is India and priority is high", "SELECT t.* FROM demo.tickets t JOIN demo.customers c ON c.id = t.customer_id WHERE c.country = 'India' AND t.priority = 'high'" },
        { "pending orders where total over 500 and country is Spain", "SELECT o.* FROM demo.orders o JOIN demo.customers c ON c.id = o.customer_id WHERE o.status = 'pending' AND o.total > 500 AND c.country = 'Spain'" },
        { "average total of orders from enterprise customers", "SELECT avg(o.total) FROM demo.orders o JOIN demo.customers c ON c.id = o.customer_id WHERE c.segment = 'enterprise'" },
        { "sum of quantity of order items where category is electronics", "SELECT sum(oi.quantity) FROM demo.order_items oi JOIN demo.products p ON p.id = oi.product_id WHERE p.category = 'electronics'" },
        { "how many orders where country is Spain in the last 30 days", "SELECT count(*) FROM demo.orders o JOIN demo.customers c ON c.id = o.customer_id WHERE c.country = 'Spain' AND o.ordered_at >= now() - interval '30 days'" },
        { "top 5 order items by unit price where category is toys", "SELECT oi.* FROM demo.order_items oi JOIN demo.products p ON p.id = oi.product_id WHERE p.category = 'toys' ORDER BY oi.unit_price DESC, oi.id ASC LIMIT 5" },

        // Filters on a related table: two hops (and one through the items of an order, which needs DISTINCT).
        { "order items from customers in Kenya", "SELECT oi.* FROM demo.order_items oi JOIN demo.orders o ON o.id = oi.order_id JOIN demo.customers c ON c.id = o.customer_id WHERE c.country = 'Kenya'" },
        { "highest unit price of order items where country is Canada", "SELECT max(oi.unit_price) FROM demo.order_items oi JOIN demo.orders o ON o.id = oi.order_id JOIN demo.customers c ON c.id = o.customer_id WHERE c.country = 'Canada'" },
        { "order items where segment is business and quantity above 3", "SELECT oi.* FROM demo.order_items oi JOIN demo.orders o ON o.id = oi.order_id JOIN demo.customers c ON c.id = o.customer_id WHERE c.segment = 'business' AND oi.quantity > 3" },
        { "orders where category is garden", "SELECT DISTINCT o.* FROM demo.orders o JOIN demo.order_items oi ON oi.order_id = o.id JOIN demo.products p ON p.id = oi.product_id WHERE p.category = 'garden'" },
    };
}
