using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Timely.Communication.Tests;

/// <summary>
/// The child processes of a cross-process contract test (processes 1..N-1 of its cluster; the
/// test process is process 0): each runs one test method through Timely.Testing.Host with the
/// cluster's coordinates in its environment, with its output collected. Signals go only to a
/// child this object started, by its pid; <see cref="JoinAll"/> waits for every child under one
/// deadline and says which did not exit cleanly.
/// </summary>
internal sealed class ClusterChildren
{
    private readonly List<(Process Process, StringBuilder Output)> _children = [];

    /// <summary>Children ended with SIGKILL (their non-zero exit is expected).</summary>
    public HashSet<int> Killed { get; } = [];

    /// <summary>Children killed or stopped by the test.</summary>
    public HashSet<int> Stopped { get; } = [];

    /// <summary>Children stopped with SIGSTOP.</summary>
    public HashSet<int> SigStopped { get; } = [];

    /// <summary>Children resumed with SIGCONT after a SIGSTOP.</summary>
    public HashSet<int> Resumed { get; } = [];

    /// <summary>Starts the child that runs as cluster process <paramref name="process"/> (numbered from 1, in order).</summary>
    public void Start(int process, Type testClass, string method, int[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        Assert.Equal(_children.Count + 1, process);
        string host = Path.Combine(AppContext.BaseDirectory, "Timely.Testing.Host.dll");
        var start = new ProcessStartInfo(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(host);
        start.ArgumentList.Add(testClass.Assembly.GetName().Name!);
        start.ArgumentList.Add(testClass.FullName!);
        start.ArgumentList.Add(method);
        foreach (int argument in arguments)
        {
            start.ArgumentList.Add(argument.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        var child = new Process { StartInfo = start };
        child.OutputDataReceived += (_, e) => Append(output, e.Data);
        child.ErrorDataReceived += (_, e) => Append(output, e.Data);
        child.Start();
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        _children.Add((child, output));
    }

    /// <summary>Waits up to <paramref name="timeout"/> for child <paramref name="process"/> to exit.</summary>
    public bool WaitForExit(int process, TimeSpan timeout) => _children[process - 1].Process.WaitForExit(timeout);

    /// <summary>The pid of child <paramref name="process"/>.</summary>
    public int PidOf(int process) => _children[process - 1].Process.Id;

    public void Kill(int process)
    {
        Stopped.Add(process);
        Killed.Add(process);
        _children[process - 1].Process.Kill();   // SIGKILL on Unix
    }

    public void Stop(int process)
    {
        Stopped.Add(process);
        SigStopped.Add(process);
        Signal(process, "-STOP");
    }

    public void Resume(int process)
    {
        Resumed.Add(process);
        Signal(process, "-CONT");
    }

    /// <summary>
    /// Ends every child still stopped, waits for all of them within <paramref name="deadline"/> in
    /// all (killing one that outlives it), disposes them, and returns one line per child that did not
    /// exit 0 (a killed child's exit is expected) with its output.
    /// </summary>
    public List<string> JoinAll(TimeSpan deadline)
    {
        foreach (int process in SigStopped)
        {
            if (!Resumed.Contains(process) && !Killed.Contains(process))
            {
                Kill(process);   // the test failed before it ended the stopped child
            }
        }

        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < _children.Count; i++)
        {
            var (child, output) = _children[i];
            int process = i + 1;
            var left = deadline - clock.Elapsed;
            if (!child.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                child.Kill();
                child.WaitForExit();
                failures.Add($"process {process} did not finish within {deadline.TotalSeconds} s; output:\n{Snapshot(output)}");
            }
            else
            {
                child.WaitForExit();   // drains the redirected output
                if (!Killed.Contains(process) && child.ExitCode != 0)
                {
                    failures.Add($"process {process} exited {child.ExitCode}; output:\n{Snapshot(output)}");
                }
            }

            child.Dispose();
        }

        return failures;
    }

    /// <summary>Sends <paramref name="signal"/> to child <paramref name="process"/>, by the pid this object started.</summary>
    private void Signal(int process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, _children[process - 1].Process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
