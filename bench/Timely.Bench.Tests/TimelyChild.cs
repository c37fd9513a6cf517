using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Timely.Bench.Commands;
using Timely.Bench.Launch;
using Timely.Bench.Suite;
using Timely.Testing;

namespace Timely.Bench.Tests;

/// <summary>
/// One run of the built <c>timely</c> (dotnet timely.dll, beside these tests) with its stdout and
/// stderr collected; killed (by the PID it started) on dispose if it still runs.
/// </summary>
internal sealed class TimelyChild : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private TimelyChild(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>timely <paramref name="args"/></c>; <paramref name="environment"/> adds variables (TIMELY_VERBOSE and a launcher's pid are never inherited).</summary>
    public static TimelyChild Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var exe = TimelyExecutable.FromPath(TimelyDll.Path);
        var start = new ProcessStartInfo(exe.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in exe.PrefixArguments.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove(Cli.VerboseVariable);
        start.Environment.Remove(Launcher.LauncherPidVariable);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var child = new TimelyChild(process);
        process.OutputDataReceived += (_, e) => Append(child._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(child._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs <c>timely <paramref name="args"/></c> to its end (at most <paramref name="deadline"/>).</summary>
    public static (int ExitCode, string[] Stdout, string[] Stderr) Run(IEnumerable<string> args, TimeSpan deadline, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var child = Start(args, environment);
        return child.WaitForExit(deadline);
    }

    /// <summary>Waits for the exit (failing the test after <paramref name="deadline"/>); the exit code and the output lines.</summary>
    public (int ExitCode, string[] Stdout, string[] Stderr) WaitForExit(TimeSpan deadline)
    {
        Assert.True(_process.WaitForExit(deadline), $"timely (pid {_process.Id}) still runs after {deadline.TotalSeconds} s; stderr so far: {Text(_stderr)}");
        _process.WaitForExit();   // drains the redirected output
        return (_process.ExitCode, Lines(_stdout), Lines(_stderr));
    }

    /// <summary>Whether the child's stderr so far holds <paramref name="text"/>.</summary>
    public bool ErrorContains(string text) => Text(_stderr).Contains(text, StringComparison.Ordinal);

    /// <summary>Whether the child's stdout or stderr so far holds <paramref name="text"/>.</summary>
    public bool OutputContains(string text) => Text(_stdout).Contains(text, StringComparison.Ordinal) || ErrorContains(text);

    /// <summary>
    /// Waits until <see cref="OutputContains"/> finds <paramref name="text"/>; fails the test,
    /// saying <paramref name="what"/>, if the child exits first or <paramref name="deadline"/> passes.
    /// </summary>
    public void WaitForOutput(string text, TimeSpan deadline, string what)
    {
        var until = DateTime.UtcNow + deadline;
        while (!OutputContains(text))
        {
            Assert.False(HasExited, $"the child exited before {what}");
            Assert.True(DateTime.UtcNow < until, $"{what} never came");
            Thread.Sleep(10);
        }
    }

    /// <summary>
    /// Whether one of the child's threads is named <paramref name="name"/> now (Linux:
    /// <c>/proc/PID/task/*/comm</c>, where a thread's name is cut to its first 15 bytes).
    /// </summary>
    public bool HasThread(string name)
    {
        try
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
            {
                if (TryReadComm(task) == name)
                {
                    return true;
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // the child has exited
        }

        return false;

        static string? TryReadComm(string task)
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
            }
            catch (IOException)
            {
                return null;   // the thread ended between the listing and the read
            }
        }
    }

    /// <summary>Sends <paramref name="signal"/> (kill(2) numbering) to this child.</summary>
    public void Signal(int signal) => Signal(_process.Id, signal);

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>: only to a process the test started, or one its child started.</summary>
    public static void Signal(int pid, int signal) => Assert.Equal(0, SendSignal(pid, signal));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder into, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (into)
        {
            into.Append(line).Append('\n');
        }
    }

    private static string Text(StringBuilder from)
    {
        lock (from)
        {
            return from.ToString();
        }
    }

    private static string[] Lines(StringBuilder from) => Text(from).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    // DllImport rather than LibraryImport: the generated stub needs unsafe code; kill(2) takes and returns ints.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SendSignal(int pid, int signal);
}
