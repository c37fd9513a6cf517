using System.Reflection;
using Timely.Bench.Commands;
using Timely.Communication;

namespace Timely.Bench.Tests;

/// <summary>How <see cref="Cli"/> words an error and which exit code it picks, in process.</summary>
public sealed class CliMessageTests
{
    [Fact]
    public void A_peer_failure_anywhere_in_the_chain_is_reported_in_its_own_words()
    {
        var peer = new PeerFailedException("process 1 (pid 7, workers 1..1) died: its pid is gone; shm job 'j'.");
        var wrapped = new AggregateException("2 worker(s) failed", new InvalidOperationException("worker 0 failed: x", peer), new InvalidOperationException("other"));
        Assert.Equal(peer.Message, Cli.Describe(wrapped));
    }

    [Fact]
    public void Aggregate_and_reflection_wrappers_give_way_to_the_first_inner_failure_on_one_line()
    {
        var inner = new IOException("capture.bin: truncated record\nat offset 12");
        var wrapped = new AggregateException(new TargetInvocationException(new AggregateException(inner)));
        Assert.Equal("capture.bin: truncated record at offset 12", Cli.Describe(wrapped));
    }

    [Fact]
    public void A_config_error_is_usage_before_the_run_and_a_failure_inside_it()
    {
        var before = new StringWriter();
        Assert.Equal(Cli.UsageExit, Cli.Report(new ConfigException("-w: 0 is outside 1..4096."), verbose: false, before));
        Assert.StartsWith("timely: error: -w: 0 is outside 1..4096.", before.ToString(), StringComparison.Ordinal);

        var during = new StringWriter();
        var thrown = Assert.Throws<ConfigException>(() => Cli.Run(() => throw new ConfigException("process 0: cluster set-up failed: bad magic from 127.0.0.1:5")));
        Assert.Equal(Cli.FailureExit, Cli.Report(thrown, verbose: false, during));
        Assert.Equal("timely: process 0: cluster set-up failed: bad magic from 127.0.0.1:5" + Environment.NewLine, during.ToString());
    }

    [Fact]
    public void A_set_up_failure_in_a_launched_process_0_ends_with_what_the_launcher_sees_of_the_others()
    {
        var asked = new List<bool>();
        string Launched(bool detail)
        {
            asked.Add(detail);
            return detail ? "process 1 (pid 9) is running: ...:\n  thread 9 'timely' S: pipe_write" : "process 1 (pid 9) is running: state S (sleeping) in pipe_write";
        }

        var setup = Assert.Throws<ConfigException>(() => Cli.Run(() => throw new ConfigException("shm job 'j': process 1 never appeared")));
        var line = new StringWriter();
        Assert.Equal(Cli.FailureExit, Cli.Report(setup, verbose: false, line, null, Launched));
        Assert.Equal("timely: shm job 'j': process 1 never appeared [launcher: process 1 (pid 9) is running: state S (sleeping) in pipe_write]" + Environment.NewLine, line.ToString());
        Assert.Equal([false], asked);

        // --verbose: the stack trace, then each thread of the others.
        var verbose = new StringWriter();
        Cli.Report(setup, verbose: true, verbose, null, Launched);
        Assert.EndsWith("[launcher] process 1 (pid 9) is running: ...:\n  thread 9 'timely' S: pipe_write" + Environment.NewLine, verbose.ToString(), StringComparison.Ordinal);

        // A timeout anywhere in the chain is a set-up failure too; any other failure, and a usage
        // error, say only their own words.
        var timeout = new StringWriter();
        Cli.Report(new InvalidOperationException("set-up", new TimeoutException("process 1 never connected")), verbose: false, timeout, null, Launched);
        Assert.EndsWith("[launcher: process 1 (pid 9) is running: state S (sleeping) in pipe_write]" + Environment.NewLine, timeout.ToString(), StringComparison.Ordinal);
        asked.Clear();
        var other = new StringWriter();
        Cli.Report(new InvalidOperationException("worker 0 failed: boom"), verbose: true, other, null, Launched);
        Assert.StartsWith("timely: worker 0 failed: boom" + Environment.NewLine, other.ToString(), StringComparison.Ordinal);
        var usage = new StringWriter();
        Cli.Report(new ConfigException("-w: 0 is outside 1..4096."), verbose: true, usage, null, Launched);
        Assert.DoesNotContain("launcher", usage.ToString(), StringComparison.Ordinal);
        Assert.Empty(asked);
    }

    [Theory]
    [InlineData("Cannot parse argument 'x' for option '--timeout' as expected type 'System.Nullable`1[System.Double]'.", "--timeout: 'x' is not a number.")]
    [InlineData("Cannot parse argument 'y' for option '--ms' as expected type 'System.Int32'.", "--ms: 'y' is not an integer.")]
    [InlineData("Cannot parse argument 'z' for command 'barrier' as expected type 'System.UInt64'.", "barrier: 'z' is not a non-negative integer.")]
    [InlineData("Unrecognized command or argument '--bogus'.", "Unrecognized command or argument '--bogus'.")]
    public void Parse_errors_use_words_not_type_names(string message, string expected) => Assert.Equal(expected, Cli.Humanize(message));

    [Fact]
    public void An_unknown_command_is_named_with_the_commands_there_are()
    {
        var error = new StringWriter();
        Assert.Equal(Cli.UsageExit, Cli.Invoke(TimelyCommands.CreateRoot(), ["frobnicate"], error));
        string first = error.ToString().Split(Environment.NewLine)[0];
        Assert.StartsWith("timely: error: unknown command 'frobnicate' (commands: ", first, StringComparison.Ordinal);
        Assert.Contains("hello", first, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_library_warnings_reach_stderr_through_the_commands_config()
    {
        var config = Config.FromArgs(["-w", "1"], out _);
        Assert.Null(config.Diagnostics);
        var root = TimelyCommands.CreateRoot();
        var result = root.Parse(["hello", "-w", "1"]);
        Assert.NotNull(CommunicationOptions.ConfigOf(result)?.Diagnostics);
    }

    [Fact]
    public void The_tool_carries_no_windows_only_natives()
    {
        // The tool's own output (what its package carries), not this test's, which gets the
        // natives through its own reference to the tracing package.
#if DEBUG
        string output = Timely.Testing.Repository.PathOf("bench/Timely.Bench/bin/Debug/net10.0");
#else
        string output = Timely.Testing.Repository.PathOf("bench/Timely.Bench/bin/Release/net10.0");
#endif
        Assert.True(File.Exists(Path.Combine(output, "timely.dll")), $"{output} holds no built tool");
        var natives = Directory.EnumerateFiles(output, "*.dll", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .Where(f => f is "msdia140.dll" or "KernelTraceControl.dll");
        Assert.Empty(natives);
    }
}
