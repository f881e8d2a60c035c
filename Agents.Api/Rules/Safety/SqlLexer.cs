using System.Text;

namespace Agents.Api.Rules.Safety;

public enum SqlTokenKind
{
    Word,
    QuotedIdentifier,
    String,
    Number,
    Parameter,
    Symbol,
}

public readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Position);

/// <summary>A SQL text the guard cannot read safely (an unterminated string or comment, a stray character).</summary>
public sealed class SqlLexerException(string message) : Exception(message);

/// <summary>
/// Splits PostgreSQL text into tokens the way the server does for what matters to the guard: strings (standard,
/// E'...', dollar-quoted), quoted identifiers, nested block comments and line comments are recognised, so a semicolon
/// or a function name hidden in one of them is seen for what it is. Comments are dropped.
/// </summary>
public static class SqlLexer
{
    public static List<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var start = i;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && Peek(sql, i + 1) == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && Peek(sql, i + 1) == '*')
            {
                i = SkipBlockComment(sql, i);
            }
            else if ((c is 'E' or 'e') && Peek(sql, i + 1) == '\'')
            {
                i = ReadString(sql, i + 1, backslashEscapes: true, out var text);
                tokens.Add(new(SqlTokenKind.String, text, start));
            }
            else if (c == '\'')
            {
                i = ReadString(sql, i, backslashEscapes: false, out var text);
                tokens.Add(new(SqlTokenKind.String, text, start));
            }
            else if (c == '"')
            {
                i = ReadQuotedIdentifier(sql, i, out var text);
                tokens.Add(new(SqlTokenKind.QuotedIdentifier, text, start));
            }
            else if (c == '$' && char.IsAsciiDigit(Peek(sql, i + 1)))
            {
                i++;
                while (i < sql.Length && char.IsAsciiDigit(sql[i]))
                {
                    i++;
                }
                tokens.Add(new(SqlTokenKind.Parameter, sql[start..i], start));
            }
            else if (c == '$')
            {
                i = ReadDollarString(sql, i, out var text);
                tokens.Add(new(SqlTokenKind.String, text, start));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(sql, i + 1))))
            {
                while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] == '.' || sql[i] == '_'
                       || ((sql[i] is '+' or '-') && sql[i - 1] is 'e' or 'E')))
                {
                    i++;
                }
                tokens.Add(new(SqlTokenKind.Number, sql[start..i], start));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
                {
                    i++;
                }
                tokens.Add(new(SqlTokenKind.Word, sql[start..i].ToLowerInvariant(), start));
            }
            else if ("(),;.[]:+-*/%<>=!~^&|#@?".Contains(c, StringComparison.Ordinal))
            {
                i++;
                tokens.Add(new(SqlTokenKind.Symbol, c.ToString(), start));
            }
            else
            {
                throw new SqlLexerException($"Unexpected character '{c}' at position {i}.");
            }
        }
        return tokens;
    }

    private static char Peek(string sql, int index) => index < sql.Length ? sql[index] : '\0';

    // PostgreSQL block comments nest: /* a /* b */ still a comment */.
    private static int SkipBlockComment(string sql, int i)
    {
        var depth = 0;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && Peek(sql, i + 1) == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && Peek(sql, i + 1) == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }
        throw new SqlLexerException("A comment is not closed.");
    }

    private static int ReadString(string sql, int i, bool backslashEscapes, out string text)
    {
        var value = new StringBuilder();
        i++; // opening quote
        while (i < sql.Length)
        {
            var c = sql[i];
            if (backslashEscapes && c == '\\' && i + 1 < sql.Length)
            {
                value.Append(sql[i + 1]);
                i += 2;
            }
            else if (c == '\'' && Peek(sql, i + 1) == '\'')
            {
                value.Append('\'');
                i += 2;
            }
            else if (c == '\'')
            {
                text = value.ToString();
                return i + 1;
            }
            else
            {
                value.Append(c);
                i++;
            }
        }
        throw new SqlLexerException("A string is not closed.");
    }

    private static int ReadQuotedIdentifier(string sql, int i, out string text)
    {
        var value = new StringBuilder();
        i++;
        while (i < sql.Length)
        {
            if (sql[i] == '"' && Peek(sql, i + 1) == '"')
            {
                value.Append('"');
                i += 2;
            }
            else if (sql[i] == '"')
            {
                text = value.ToString();
                return i + 1;
            }
            else
            {
                value.Append(sql[i++]);
            }
        }
        throw new SqlLexerException("A quoted name is not closed.");
    }

    private static int ReadDollarString(string sql, int i, out string text)
    {
        var tagEnd = i + 1;
        while (tagEnd < sql.Length && (char.IsLetterOrDigit(sql[tagEnd]) || sql[tagEnd] == '_'))
        {
            tagEnd++;
        }
        if (tagEnd >= sql.Length || sql[tagEnd] != '$')
        {
            throw new SqlLexerException($"Unexpected '$' at position {i}.");
        }
        var tag = sql[i..(tagEnd + 1)];
        var close = sql.IndexOf(tag, tagEnd + 1, StringComparison.Ordinal);
        if (close < 0)
        {
            throw new SqlLexerException("A dollar-quoted string is not closed.");
        }
        text = sql[(tagEnd + 1)..close];
        return close + tag.Length;
    }
}
