using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Timely.Bench.Suite;

/// <summary>The host block of a saved run.</summary>
public sealed class HostInfo
{
    public string Cpu { get; init; } = "unknown";
    public int Cores { get; init; }
    public string Os { get; init; } = "unknown";
    public string Runtime { get; init; } = "unknown";
    public string GcMode { get; init; } = "unknown";
    public string Commit { get; init; } = "unknown";
    public string VsCommit { get; init; } = "";
    public DateTimeOffset Date { get; init; }

    /// <summary>This machine and build now; <paramref name="vsDirectory"/> names the other build's folder in an A/B run.</summary>
    public static HostInfo Current(string? vsDirectory) => new()
    {
        Cpu = CpuModel(),
        Cores = Environment.ProcessorCount,
        Os = RuntimeInformation.OSDescription,
        Runtime = RuntimeInformation.FrameworkDescription,
        // The children run with the same runtimeconfig as this process (same timely build).
        GcMode = $"{(GCSettings.IsServerGC ? "server" : "workstation")}, {(GCSettings.LatencyMode == GCLatencyMode.Batch ? "non-concurrent" : "concurrent")}",
        Commit = GitCommit(AppContext.BaseDirectory),
        VsCommit = vsDirectory is null ? "" : GitCommit(vsDirectory),
        Date = DateTimeOffset.UtcNow,
    };

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                    {
                        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException e)
        {
            return $"unknown ({e.Message})";
        }

        return $"unknown ({RuntimeInformation.ProcessArchitecture})";
    }

    /// <summary><c>git rev-parse --short HEAD</c> in <paramref name="directory"/>, or "unknown" (no git, not a repository).</summary>
    private static string GitCommit(string directory)
    {
        try
        {
            var info = new ProcessStartInfo("git", ["-C", directory, "rev-parse", "--short", "HEAD"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var git = Process.Start(info);
            if (git is null)
            {
                return "unknown";
            }

            string output = git.StandardOutput.ReadToEnd().Trim();
            git.StandardError.ReadToEnd();
            if (!git.WaitForExit(5000))
            {
                git.Kill();
                return "unknown";
            }

            return git.ExitCode == 0 && output.Length > 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
