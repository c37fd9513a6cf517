using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;

namespace Timely.Bench.Workloads;

/// <summary>
/// Where a workloads assembly is loaded. Every assembly <c>timely</c> itself has (Timely.Dataflow,
/// Timely.Workloads, the framework) comes from <c>timely</c>'s own context, so a workload's
/// <c>Worker</c> and <c>WorkloadContext</c> are the very types <c>timely</c> passes; anything else
/// the assembly needs (its own libraries) is found beside it, through its <c>.deps.json</c> when it
/// has one.
/// </summary>
internal sealed class WorkloadLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;
    private readonly string _directory;

    public WorkloadLoadContext(string assemblyPath)
        : base($"workloads {Path.GetFileName(assemblyPath)}")
    {
        _resolver = new AssemblyDependencyResolver(assemblyPath);
        _directory = Path.GetDirectoryName(assemblyPath)!;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Used only by WorkloadCatalog.Load, which refuses a build without the JIT; a JIT build loads assemblies whole.")]
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        try
        {
            return Default.LoadFromAssemblyName(assemblyName);
        }
        catch (FileNotFoundException)
        {
            // Not one of timely's: the workloads assembly's own dependency.
        }

        string? path = _resolver.ResolveAssemblyToPath(assemblyName);
        if (path is null && assemblyName.Name is { } name)
        {
            string beside = Path.Combine(_directory, name + ".dll");
            path = File.Exists(beside) ? beside : null;
        }

        return path is null ? null : LoadFromAssemblyPath(path);
    }
}
