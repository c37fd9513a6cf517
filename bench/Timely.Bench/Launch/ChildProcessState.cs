using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Timely.Bench.Launch;

/// <summary>
/// What the launcher can see of one process it started, at one moment: whether it exited (and
/// how), else its scheduler state, where in the kernel it waits, its threads and CPU time, and
/// whether it has exec'd its command yet; with the lines of output relayed from it so far.
/// Written when process 0's set-up fails, so that "process 1 never reached the rendezvous" says
/// whether process 1 was dead, stopped, blocked in the kernel or still starting its runtime.
/// </summary>
/// <remarks>
/// Everything comes from <c>/proc/PID</c> (Linux; elsewhere only exited or running is known):
/// <c>stat</c> for the state, the thread count and the CPU ticks (USER_HZ, 100 on every Linux
/// ABI), <c>wchan</c> for the kernel function a sleeping thread waits in, or, where the kernel
/// hides it (it reads <c>0</c> on this host's kernel), the top frame of <c>stack</c> (readable by
/// root only); <c>cmdline</c> against the arguments it was started with tells a child that runs
/// the launcher's image still (between the fork and the exec) from one that exec'd. A kill by a
/// signal is read from the exit code as .NET reports it on Unix, 128 + the signal.
/// </remarks>
internal sealed record ChildProcessState
{
    /// <summary>USER_HZ: the unit of the CPU times in <c>/proc/PID/stat</c>, 100 on every Linux ABI.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>The process's index in the cluster.</summary>
    public required int Index { get; init; }

    /// <summary>Its pid.</summary>
    public required int Pid { get; init; }

    /// <summary>Its exit code when it has exited (a kill by signal N reads 128 + N), else null.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The state letter of <c>/proc/PID/stat</c> (R, S, D, T, t, Z, ...), or null when not readable.</summary>
    public char? State { get; init; }

    /// <summary>The kernel function its main thread waits in (wchan, or the top frame of its kernel stack), or null.</summary>
    public string? WaitsIn { get; init; }

    /// <summary>Its threads, 0 when not readable.</summary>
    public int Threads { get; init; }

    /// <summary>User + system CPU it has used, seconds; NaN when not readable.</summary>
    public double CpuSeconds { get; init; } = double.NaN;

    /// <summary>Whether its command line is the one it was started with (false: it still runs the launcher's image, before its exec), or null when not readable.</summary>
    public bool? Execed { get; init; }

    /// <summary>Lines of its output the launcher has relayed so far.</summary>
    public long OutputLines { get; init; }

    /// <summary>One line per thread (tid, name, state, where it waits, its kernel stack when readable), for <c>--verbose</c>.</summary>
    public IReadOnlyList<string> ThreadDetail { get; init; } = [];

    /// <summary>
    /// Reads the state of <paramref name="child"/>, process <paramref name="index"/>, started with
    /// <paramref name="arguments"/> (after the program), of which <paramref name="outputLines"/>
    /// lines were relayed; with <paramref name="detail"/>, each thread's line too.
    /// </summary>
    public static ChildProcessState Capture(int index, Process child, IReadOnlyList<string> arguments, long outputLines, bool detail)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(arguments);
        int pid = child.Id;
        if (child.HasExited)
        {
            return new ChildProcessState { Index = index, Pid = pid, ExitCode = child.ExitCode, OutputLines = outputLines };
        }

        return CaptureRunning(index, pid, arguments, outputLines, detail);
    }

    /// <summary>
    /// The state of running process <paramref name="index"/>, pid <paramref name="pid"/> (the
    /// launcher's own, for process 0), from its <c>/proc</c> entry; <paramref name="arguments"/>
    /// null when there is no command line to hold it against.
    /// </summary>
    public static ChildProcessState CaptureRunning(int index, int pid, IReadOnlyList<string>? arguments, long outputLines, bool detail)
    {
        string directory = $"/proc/{pid}";
        var state = new ChildProcessState { Index = index, Pid = pid, OutputLines = outputLines };
        if (Read($"{directory}/stat") is { } stat && TryParseStat(stat, out char letter, out int threads, out long ticks))
        {
            state = state with { State = letter, Threads = threads, CpuSeconds = ticks / TicksPerSecond };
        }

        if (arguments is not null && Read($"{directory}/cmdline") is { } cmdline)
        {
            state = state with { Execed = HasArguments(cmdline, arguments) };
        }

        state = state with { WaitsIn = WaitChannel(directory) };
        return detail ? state with { ThreadDetail = ThreadLines(directory) } : state;
    }

    /// <summary>
    /// The state letter, thread count and user + system CPU ticks of a <c>/proc/PID/stat</c> line.
    /// The name in parentheses may hold spaces and parentheses itself, so the fields are counted
    /// from the last <c>)</c>: state is field 3, utime 14, stime 15, num_threads 20 (proc(5)).
    /// </summary>
    public static bool TryParseStat(string stat, out char state, out int threads, out long cpuTicks)
    {
        ArgumentNullException.ThrowIfNull(stat);
        state = '\0';
        threads = 0;
        cpuTicks = 0;
        int close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return false;
        }

        string[] fields = stat[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // fields[0] is field 3 of proc(5): field n is fields[n - 3].
        if (fields.Length < 18 || fields[0].Length != 1
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out long user)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out long system)
            || !int.TryParse(fields[17], NumberStyles.None, CultureInfo.InvariantCulture, out threads))
        {
            threads = 0;
            return false;
        }

        state = fields[0][0];
        cpuTicks = user + system;
        return true;
    }

    /// <summary>Whether a <c>/proc/PID/cmdline</c> (arguments NUL-separated) ends with <paramref name="arguments"/>, after its program.</summary>
    public static bool HasArguments(string cmdline, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(cmdline);
        ArgumentNullException.ThrowIfNull(arguments);
        string[] words = cmdline.TrimEnd('\0').Split('\0');
        if (words.Length < arguments.Count + 1)
        {
            return false;
        }

        int first = words.Length - arguments.Count;
        for (int i = 0; i < arguments.Count; i++)
        {
            if (!string.Equals(words[first + i], arguments[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The words for a state letter of <c>/proc/PID/stat</c>.</summary>
    public static string StateName(char state) => state switch
    {
        'R' => "running on a CPU or runnable",
        'S' => "sleeping",
        'D' => "in uninterruptible wait",
        'T' => "stopped by a signal",
        't' => "stopped by a tracer",
        'Z' => "a zombie: exited, not yet reaped",
        'X' => "dead",
        'I' => "idle",
        'P' => "parked",
        _ => "unknown",
    };

    /// <summary>The name of signal <paramref name="signal"/> (Linux numbering), or null for one without a common name here.</summary>
    public static string? SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => null,
    };

    /// <summary>The state in one clause: "process 1 (pid 42) is running: state S (sleeping) in pipe_write, 1 thread, ...".</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"process {Index} (pid {Pid}) ");
        if (ExitCode is int code)
        {
            // .NET reports a child killed by signal N as 128 + N; timely's own exit codes are 0..3.
            if (code > 128 && SignalName(code - 128) is { } signal)
            {
                text.Append(CultureInfo.InvariantCulture, $"was killed by signal {code - 128} ({signal}; exit code {code})");
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"exited with code {code}");
            }
        }
        else if (State is char letter)
        {
            text.Append(CultureInfo.InvariantCulture, $"is running: state {letter} ({StateName(letter)})");
            if (WaitsIn is { } function)
            {
                text.Append(CultureInfo.InvariantCulture, $" in {function}");
            }

            text.Append(CultureInfo.InvariantCulture, $", {Threads} thread{(Threads == 1 ? "" : "s")}, {CpuSeconds:0.00} s of CPU");
            if (Execed == false)
            {
                text.Append(", not yet exec'd (its command line is still its launcher's)");
            }
        }
        else
        {
            text.Append("is running (its /proc entry is not readable)");
        }

        text.Append(CultureInfo.InvariantCulture, $", {OutputLines} line{(OutputLines == 1 ? "" : "s")} of output");
        return text.ToString();
    }

    /// <summary>Where the main thread of <paramref name="directory"/> (a /proc/PID or /proc/PID/task/TID) waits in the kernel, or null when not sleeping there or not readable.</summary>
    private static string? WaitChannel(string directory)
    {
        if (Read($"{directory}/wchan") is { Length: > 0 } wchan && wchan != "0")
        {
            return wchan.Trim();
        }

        return KernelStack(directory) is [var top, ..] ? top : null;
    }

    /// <summary>The kernel stack's function names, innermost first (<c>[&lt;0&gt;] pipe_write+0x1c/0x4a0</c> gives <c>pipe_write</c>), or empty when not readable.</summary>
    private static string[] KernelStack(string directory)
    {
        if (Read($"{directory}/stack") is not { } stack)
        {
            return [];
        }

        return [.. stack.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line[(line.IndexOf(']', StringComparison.Ordinal) + 1)..].Trim())
            .Select(frame => frame.Split('+')[0])
            .Where(frame => frame.Length > 0)];
    }

    /// <summary>One line per thread of <paramref name="directory"/> (a /proc/PID): tid, name, state, kernel stack.</summary>
    private static string[] ThreadLines(string directory)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"{directory}/task");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var lines = new List<string>();
        foreach (string task in tasks.OrderBy(t => int.TryParse(Path.GetFileName(t), NumberStyles.None, CultureInfo.InvariantCulture, out int tid) ? tid : int.MaxValue))
        {
            string name = Read($"{task}/comm")?.Trim() ?? "?";
            char? letter = Read($"{task}/stat") is { } stat && TryParseStat(stat, out char s, out _, out _) ? s : null;
            string[] stack = KernelStack(task);
            string where = stack.Length > 0 ? string.Join(" < ", stack) : (WaitChannel(task) ?? "(kernel stack not readable)");
            lines.Add($"thread {Path.GetFileName(task)} '{name}' {letter?.ToString() ?? "?"}: {where}");
        }

        return [.. lines];
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;   // exited meanwhile, not Linux, or not ours to read
        }
    }
}
