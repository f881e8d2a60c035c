namespace Agents.Hosting;

/// <summary>
/// Where a .NET project of the app model lives and where its build puts the assembly.
/// Implemented by the generated <c>Projects.*</c> types, as with the Aspire SDK.
/// </summary>
public interface IProjectMetadata
{
    /// <summary>Full path of the project file.</summary>
    string ProjectPath { get; }

    /// <summary>Full path of the built assembly that is started.</summary>
    string TargetPath { get; }
}
