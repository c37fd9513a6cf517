using System.Reflection;

namespace Timely.Bench.Suite;

/// <summary>How to start a build of <c>timely</c>: an apphost or Native AOT executable, or <c>dotnet timely.dll</c>.</summary>
/// <param name="FileName">The program to start.</param>
/// <param name="PrefixArguments">Arguments before timely's own (the dll path for <c>dotnet</c>).</param>
/// <param name="Directory">The build's folder (for its git commit).</param>
public sealed record TimelyExecutable(string FileName, IReadOnlyList<string> PrefixArguments, string Directory)
{
    /// <summary>The name of timely's executable, and of its dll without the extension.</summary>
    private const string Name = "timely";

    /// <summary>
    /// This build's <c>timely.dll</c>, for starting it again through <c>dotnet</c>. From the app's
    /// folder, not <c>Assembly.Location</c>, which is empty in a single-file or Native AOT build
    /// (which is never started through <c>dotnet</c>, and has no dll beside it).
    /// </summary>
    public static string OwnDll => Path.Combine(AppContext.BaseDirectory, typeof(TimelyExecutable).Assembly.GetName().Name + ".dll");

    /// <summary>This build: its own executable when it was started through one, else <c>dotnet</c> with its dll.</summary>
    public static TimelyExecutable Current() =>
        Resolve(Environment.ProcessPath, Assembly.GetEntryAssembly() == typeof(TimelyExecutable).Assembly, OwnDll);

    /// <summary>
    /// This build from what the running process knows of itself: when timely is the entry and the
    /// process is not the <c>dotnet</c> host, the process's own executable (an apphost or a Native
    /// AOT executable, under whatever name it was copied to), since a Native AOT build has no dll
    /// to start; otherwise <c>dotnet</c> with <paramref name="ownDll"/> (a test host, or
    /// <c>dotnet timely.dll</c>).
    /// </summary>
    internal static TimelyExecutable Resolve(string? processPath, bool timelyIsEntry, string ownDll)
    {
        if (timelyIsEntry && processPath is not null && !IsDotnetHost(processPath))
        {
            return new TimelyExecutable(processPath, [], Path.GetDirectoryName(processPath)!);
        }

        return FromPath(ownDll);
    }

    /// <summary>
    /// Another build from the path to its <c>timely.dll</c> or <c>timely</c> executable, or its
    /// folder: the dll in it when there is one (a JIT build), else the executable (a Native AOT
    /// publish has only that).
    /// </summary>
    public static TimelyExecutable FromPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        if (System.IO.Directory.Exists(full))
        {
            string dll = Path.Combine(full, Name + ".dll");
            string executable = Path.Combine(full, Name);
            full = !File.Exists(dll) && File.Exists(executable) ? executable : dll;
        }

        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"no timely build at {path} (give the path to its timely.dll or timely executable, or their folder).", full);
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
        if (process is not null && IsDotnetHost(process))
        {
            return process;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    private static bool IsDotnetHost(string processPath) =>
        Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => string.Join(' ', new[] { FileName }.Concat(PrefixArguments));
}
