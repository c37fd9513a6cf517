using System.Diagnostics;

namespace Timely.Testing;

/// <summary>
/// One run of the built <c>timely</c> command as a child process (<c>dotnet timely.dll ...</c>),
/// optionally under a wrapper such as <c>unshare</c>: started at once, its output collected, and
/// killed (it alone, by its own process) if it outlives the deadline.
/// </summary>
public sealed class TimelyChild
{
    /// <summary>How long a run may take before it is killed and the test fails.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private TimelyChild(Process process)
    {
        Process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The child (for its pid).</summary>
    public Process Process { get; }

    /// <summary>
    /// Starts <c>dotnet timely.dll <paramref name="arguments"/></c> (space-separated, no quoting),
    /// with <paramref name="environment"/> added, under <paramref name="wrapper"/> when given
    /// (its words come first: <c>unshare --pid --fork --mount-proc</c>).
    /// </summary>
    public static TimelyChild Start(string arguments, IReadOnlyDictionary<string, string>? environment = null, string? wrapper = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var words = (wrapper ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var info = new ProcessStartInfo(words.Count > 0 ? words[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string word in words.Skip(1).Concat(words.Count > 0 ? ["dotnet"] : []))
        {
            info.ArgumentList.Add(word);
        }

        info.ArgumentList.Add(TimelyDll.Path);
        foreach (string argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return new TimelyChild(System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Waits for the exit (killing the child at <see cref="Deadline"/>, which then throws) and returns its code and output.</summary>
    public (int ExitCode, string Stdout, string Stderr) Finish()
    {
        if (!Process.WaitForExit(Deadline))
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
            throw new TimeoutException($"{Process.StartInfo.FileName} {string.Join(' ', Process.StartInfo.ArgumentList)} did not exit within {Deadline.TotalSeconds} s");
        }

        Process.WaitForExit();   // drains the redirected streams
        int code = Process.ExitCode;
        Process.Dispose();
        return (code, _stdout.GetAwaiter().GetResult(), _stderr.GetAwaiter().GetResult());
    }
}
