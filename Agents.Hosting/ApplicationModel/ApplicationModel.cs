namespace Agents.Hosting;

/// <summary>The resources of the model, with the orders to start and stop them in.</summary>
public sealed class ApplicationModel(IEnumerable<IResource> resources)
{
    /// <summary>All resources in the order they were added.</summary>
    public IReadOnlyList<IResource> Resources { get; } = resources.ToArray();

    /// <summary>Finds a resource by name, or throws a message that lists the known names.</summary>
    public IResource Find(string name) =>
        Resources.FirstOrDefault(r => r.Name == name)
        ?? throw new DistributedApplicationException($"No resource named '{name}' in the model; it has: {string.Join(", ", Resources.Select(r => r.Name))}.");

    /// <summary>What a resource depends on: what it waits for, what it references, its parent.</summary>
    public static IEnumerable<IResource> DependenciesOf(IResource resource)
    {
        if (resource is IResourceWithParent child)
        {
            yield return child.Parent;
        }
        if (resource is Resource r)
        {
            foreach (var dependency in r.WaitsFor.Concat(r.References).Distinct())
            {
                yield return dependency;
            }
        }
    }

    /// <summary>Dependencies before dependents; the stop order is its reverse.</summary>
    public static IReadOnlyList<IResource> TopologicalOrder(IEnumerable<IResource> resources)
    {
        var ordered = new List<IResource>();
        var state = new Dictionary<IResource, bool>(); // false: visiting, true: done
        foreach (var resource in resources)
        {
            Visit(resource, []);
        }
        return ordered;

        void Visit(IResource resource, List<IResource> path)
        {
            if (state.TryGetValue(resource, out var done))
            {
                if (!done)
                {
                    var cycle = path.SkipWhile(r => r != resource).Append(resource).Select(r => r.Name);
                    throw new DistributedApplicationException($"The app model has a dependency cycle: {string.Join(" -> ", cycle)}.");
                }
                return;
            }
            state[resource] = false;
            path.Add(resource);
            foreach (var dependency in DependenciesOf(resource))
            {
                Visit(dependency, path);
            }
            path.RemoveAt(path.Count - 1);
            state[resource] = true;
            ordered.Add(resource);
        }
    }

    /// <summary>Checks the model can run: no cycle, every dependency is in the model.</summary>
    public static void Validate(IEnumerable<IResource> resources)
    {
        var all = resources.ToHashSet();
        foreach (var resource in all)
        {
            foreach (var dependency in DependenciesOf(resource))
            {
                if (!all.Contains(dependency))
                {
                    throw new DistributedApplicationException($"Resource '{resource.Name}' depends on '{dependency.Name}', which is not in the model.");
                }
            }
        }
        _ = TopologicalOrder(all);
    }
}
