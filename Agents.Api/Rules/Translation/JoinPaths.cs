using Agents.Api.Rules.Schema;

namespace Agents.Api.Rules.Translation;

/// <summary>One hop along a foreign key: up (to the row it references, at most one) or down (to the rows referencing it).</summary>
public sealed record JoinStep(SchemaForeignKey ForeignKey, bool Up)
{
    public SchemaTable Target => Up ? ForeignKey.To : ForeignKey.From;
}

/// <summary>Shortest foreign-key paths between tables (breadth first, both directions, at most three hops).</summary>
public sealed class JoinPaths(SchemaModel schema)
{
    private const int MaxHops = 3;

    public int? Distance(SchemaTable from, SchemaTable to) => PathBetween(from, to)?.Count;

    public IReadOnlyList<JoinStep>? PathBetween(SchemaTable from, SchemaTable to)
    {
        if (from == to)
        {
            return [];
        }
        var previous = new Dictionary<SchemaTable, (SchemaTable From, JoinStep Step)>();
        var frontier = new List<SchemaTable> { from };
        var seen = new HashSet<SchemaTable> { from };
        for (var hop = 0; hop < MaxHops && frontier.Count > 0; hop++)
        {
            var next = new List<SchemaTable>();
            foreach (var table in frontier)
            {
                foreach (var step in StepsFrom(table))
                {
                    if (seen.Add(step.Target))
                    {
                        previous[step.Target] = (table, step);
                        next.Add(step.Target);
                    }
                }
            }
            if (previous.ContainsKey(to))
            {
                var path = new List<JoinStep>();
                for (var at = to; at != from; at = previous[at].From)
                {
                    path.Insert(0, previous[at].Step);
                }
                return path;
            }
            frontier = next;
        }
        return null;
    }

    public SchemaForeignKey? DirectForeignKey(SchemaTable from, SchemaTable to)
    {
        var keys = schema.ForeignKeys.Where(f => f.From == from && f.To == to).ToList();
        return keys.Count == 1 ? keys[0] : null;
    }

    public bool IsForeignKey(SchemaTable table, string column) => schema.ForeignKeys.Any(f => f.From == table && f.FromColumn == column);

    // Up steps first, so that of two equally short paths the one that cannot multiply rows wins.
    private IEnumerable<JoinStep> StepsFrom(SchemaTable table) =>
        schema.ForeignKeys.Where(f => f.From == table && f.To != table).Select(f => new JoinStep(f, Up: true))
            .Concat(schema.ForeignKeys.Where(f => f.To == table && f.From != table).Select(f => new JoinStep(f, Up: false)));
}
