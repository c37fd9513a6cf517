using System.Diagnostics;
using System.Globalization;
using Timely.Bench.Workloads;
using Timely.Communication;
using Timely.Workloads;

namespace Timely.Bench.Suite;

/// <summary>
/// The workloads of a user's assembly (<c>--workloads</c>), listed by a child <c>timely workload
/// --list</c> so that the suite's own process never loads the user's code: every run of it happens
/// in children, as for the built-in rows.
/// </summary>
public static class UserWorkloads
{
    /// <summary>
    /// The workloads of <paramref name="path"/> (checked first), listed by <paramref name="exe"/>;
    /// an unusable assembly, or a listing that fails or takes longer than <paramref name="deadline"/>,
    /// is a <see cref="ConfigException"/> of one line naming <paramref name="option"/> and the path.
    /// </summary>
    public static IReadOnlyList<(string Name, WorkloadConfigurations Configurations)> Discover(TimelyExecutable exe, string option, string path, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(exe);
        string full = WorkloadCatalog.CheckPath(option, path);
        var info = new ProcessStartInfo(exe.FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in exe.PrefixArguments.Concat([WorkloadCommand.Name, "--list", "--assembly", full]))
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new ConfigException($"{option} {path}: could not start {exe} to list its workloads.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(deadline))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new ConfigException($"{option} {path}: listing its workloads took more than {deadline.TotalSeconds:0} s (a type initializer that hangs?).");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            string first = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(l => !l.StartsWith("Try '", StringComparison.Ordinal)) ?? $"exit code {process.ExitCode}";
            first = first.TrimStart(Commands.Cli.UsageMark);
            foreach (string prefix in new[] { "timely: error: --assembly ", "timely: error: ", "timely: " })
            {
                if (first.StartsWith(prefix, StringComparison.Ordinal))
                {
                    first = first[prefix.Length..];
                    break;
                }
            }

            // The child names the path it was given (the full one); say it as the user did.
            first = first.StartsWith(full, StringComparison.Ordinal) ? first[full.Length..].TrimStart(':', ' ') : first;
            throw new ConfigException($"{option} {path}: {first}");
        }

        return ParseList(stdout.Result);
    }

    /// <summary>The workloads of a <c>timely workload --list</c> output: name, a tab, the configurations as a number, a tab, their names; other lines are ignored.</summary>
    public static IReadOnlyList<(string Name, WorkloadConfigurations Configurations)> ParseList(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var found = new List<(string, WorkloadConfigurations)>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] cells = line.TrimEnd('\r').Split('\t');
            if (cells.Length >= 2 && WorkloadCatalog.IsValidName(cells[0])
                && int.TryParse(cells[1], NumberStyles.None, CultureInfo.InvariantCulture, out int flags) && flags <= (int)WorkloadConfigurations.All)
            {
                found.Add((cells[0], (WorkloadConfigurations)flags));
            }
        }

        return found;
    }
}
