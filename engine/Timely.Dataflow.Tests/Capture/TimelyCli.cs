using System.Diagnostics;

namespace Timely.Dataflow.Tests.Capture;

/// <summary>Runs the built <c>timely</c> CLI (bench/Timely.Bench, built with the solution) as a child process.</summary>
internal static class TimelyCli
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static string Dll { get; } = Locate();

    /// <summary>Runs <c>dotnet timely.dll args</c>; kills it (only it) if the deadline passes.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Deadline))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"timely {string.Join(' ', args)} did not finish within {Deadline}");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", "Timely.Bench", "bin", "Release", "net10.0", "timely.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"bench/Timely.Bench/bin/Release/net10.0/timely.dll not found above {AppContext.BaseDirectory}; build the solution in Release first");
    }
}
