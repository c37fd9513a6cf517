using System.Reflection;

namespace Timely.Bench.Suite;

/// <summary>How to start a build of <c>timely</c>: an apphost executable, or <c>dotnet timely.dll</c>.</summary>
/// <param name="FileName">The program to start.</param>
/// <param name="PrefixArguments">Arguments before timely's own (the dll path for <c>dotnet</c>).</param>
/// <param name="Directory">The build's folder (for its git commit).</param>
public sealed record TimelyExecutable(string FileName, IReadOnlyList<string> PrefixArguments, string Directory)
{
    /// <summary>
    /// This build's <c>timely.dll</c>, for starting it again through <c>dotnet</c>. From the app's
    /// folder, not <c>Assembly.Location</c>, which is empty in a single-file or Native AOT build
    /// (which is never started through <c>dotnet</c>).
    /// </summary>
    public static string OwnDll => Path.Combine(AppContext.BaseDirectory, typeof(TimelyExecutable).Assembly.GetName().Name + ".dll");

    /// <summary>This build: its own apphost when it was started through it, else <c>dotnet</c> with its dll.</summary>
    public static TimelyExecutable Current()
    {
        string dll = OwnDll;
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == Path.GetFileNameWithoutExtension(dll) && Assembly.GetEntryAssembly() == typeof(TimelyExecutable).Assembly)
        {
            return new TimelyExecutable(process, [], Path.GetDirectoryName(process)!);
        }

        return FromPath(dll);
    }

    /// <summary>Another build from the path to its <c>timely.dll</c> or <c>timely</c> executable (or its folder).</summary>
    public static TimelyExecutable FromPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        if (System.IO.Directory.Exists(full))
        {
            full = Path.Combine(full, "timely.dll");
        }

        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"no timely build at {path} (give the path to its timely.dll or timely executable).", full);
        }

        string directory = Path.GetDirectoryName(full)!;
        return full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new TimelyExecutable(DotnetHost(), [full], directory)
            : new TimelyExecutable(full, [], directory);
    }

    /// <summary>The <c>dotnet</c> host: this process's when it is one, else DOTNET_HOST_PATH, else from PATH.</summary>
    private static string DotnetHost()
    {
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return process;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    public override string ToString() => string.Join(' ', new[] { FileName }.Concat(PrefixArguments));
}
