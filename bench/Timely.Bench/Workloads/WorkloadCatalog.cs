using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Timely.Communication;
using Timely.Workloads;

namespace Timely.Bench.Workloads;

/// <summary>
/// Finds the <see cref="WorkloadAttribute">[Workload]</see> methods of a workloads assembly. Every
/// way an assembly or a method can be unusable is a <see cref="ConfigException"/> of one line
/// naming the file or the method.
/// </summary>
public static partial class WorkloadCatalog
{
    /// <summary>The longest workload name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Whether <paramref name="name"/> can name a workload: 1..64 of letters, digits, '-', '_' and '.', starting with a letter or digit.</summary>
    public static bool IsValidName(string? name) => name is { Length: > 0 and <= MaxNameLength } && NamePattern().IsMatch(name);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>
    /// The full path of the workloads assembly <paramref name="path"/> given to <paramref name="option"/>,
    /// or a <see cref="ConfigException"/>: it must be an existing, non-empty regular <c>.dll</c> file,
    /// not a symbolic link (the suite loads only the file it was given, never what a link points at;
    /// and a FIFO or device, which would block or never end, has no length and is refused too).
    /// </summary>
    public static string CheckPath(string option, string path)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            throw new ConfigException($"{option}: an empty path; give the path to your workloads assembly (.dll).");
        }

        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ConfigException($"{option} {path}: is a directory; give the path to the workloads assembly (.dll) in it.");
        }

        var file = new FileInfo(full);
        if (file.LinkTarget is not null)
        {
            throw new ConfigException($"{option} {path}: is a symbolic link; give the assembly's own path (the suite does not follow links).");
        }

        if (!file.Exists)
        {
            throw new ConfigException($"{option} {path}: no such file (build your workloads project and give its .dll).");
        }

        if (!full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigException($"{option} {path}: not a .dll; give the workloads assembly your project builds (bin/Release/net10.0/<Project>.dll).");
        }

        if (file.Length == 0)
        {
            throw new ConfigException($"{option} {path}: empty, or not a regular file; give the workloads assembly your project builds.");
        }

        return full;
    }

    /// <summary>Loads the assembly at <paramref name="path"/> (checked by <see cref="CheckPath"/>) and returns its workloads, in the order of their names.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Refused up front in a build without the JIT (Native AOT), where no assembly can be loaded; a JIT build keeps every member of the loaded assembly.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "As above: the workloads assembly is loaded whole, untrimmed.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above: refused when dynamic code is not supported.")]
    public static IReadOnlyList<WorkloadEntry> Load(string option, string path)
    {
        string full = CheckPath(option, path);
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            throw new ConfigException($"{option}: this timely is a Native AOT build, which cannot load assemblies; run the JIT build (dotnet timely.dll, or the timely .NET tool).");
        }

        Assembly assembly;
        try
        {
            assembly = new WorkloadLoadContext(full).LoadFromAssemblyPath(full);
        }
        catch (BadImageFormatException)
        {
            throw new ConfigException($"{option} {path}: not a .NET assembly.");
        }
        catch (Exception e) when (e is FileLoadException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{option} {path}: cannot be loaded ({e.GetType().Name}: {OneLine(e.Message)}).");
        }

        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException or TypeLoadException)
        {
            throw new ConfigException($"{option} {path}: its types cannot be loaded ({e.GetType().Name}: {OneLine(e.Message)}); is it built against this timely's Timely.Workloads and Timely.Dataflow?");
        }

        var found = new List<WorkloadEntry>();
        foreach (var type in types)
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<WorkloadAttribute>() is not { } attribute)
                {
                    continue;
                }

                string where = $"{type.FullName}.{method.Name}";
                if (!method.IsStatic || !method.IsPublic || method.ReturnType != typeof(WorkloadOutcome) || method.IsGenericMethodDefinition
                    || method.GetParameters() is not [{ } parameter] || parameter.ParameterType != typeof(WorkloadContext))
                {
                    throw new ConfigException($"{option} {path}: [Workload] {where} must be 'public static WorkloadOutcome {method.Name}(WorkloadContext context)'.");
                }

                if (!IsValidName(attribute.Name))
                {
                    throw new ConfigException($"{option} {path}: [Workload(\"{attribute.Name}\")] on {where}: a name is 1 to {MaxNameLength} letters, digits, '-', '_' or '.', starting with a letter or digit.");
                }

                if (found.Find(f => string.Equals(f.Name, attribute.Name, StringComparison.OrdinalIgnoreCase)) is { } twin)
                {
                    throw new ConfigException($"{option} {path}: two workloads named '{attribute.Name}': {twin.Method} and {where}.");
                }

                found.Add(new WorkloadEntry(attribute.Name, attribute.Configurations & WorkloadConfigurations.All, where, method.CreateDelegate<Func<WorkloadContext, WorkloadOutcome>>()));
            }
        }

        if (found.Count == 0)
        {
            throw new ConfigException($"{option} {path}: no [Workload] methods (a workload is 'public static WorkloadOutcome Name(WorkloadContext context)' of a public type, marked [Workload(\"name\")]).");
        }

        return found.OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
