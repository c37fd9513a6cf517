using System.CommandLine;
using Timely.Communication;

namespace Timely.Bench.Tracing;

/// <summary>The <c>--trace FILE</c> option of the workloads: checked before the run, written after it.</summary>
public static class TraceOptions
{
    /// <summary>Adds <c>--trace</c> to <paramref name="command"/>.</summary>
    public static Option<string?> AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var trace = new Option<string?>("--trace")
        {
            Description = "Write the run's dataflow log as Chrome trace-event JSON (open in ui.perfetto.dev or chrome://tracing; summarize with `timely trace-report`): one track per worker, schedules and parks as slices, messages as flows, progress as instants. Process i > 0 of a cluster writes FILE.p<i>. Logging costs time: compare traced runs with traced runs.",
            HelpName = "FILE",
        };
        command.Options.Add(trace);
        return trace;
    }

    /// <summary>When <c>--trace</c> was given: checks that its file can be written and makes a recorder <see cref="TraceRecorder.Active"/>; returns this process's path.</summary>
    public static string? Start(ParseResult result, Option<string?> trace, Config config)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(config);
        if (result.GetValue(trace) is not { } file)
        {
            TraceRecorder.Active = null;
            return null;
        }

        string path = TraceRecorder.PathFor(file, config.ProcessIndex);
        try
        {
            using (new FileStream(path, FileMode.Create, FileAccess.Write))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ConfigException($"--trace {file}: cannot write {path} ({e.Message.ReplaceLineEndings(" ")})");
        }

        TraceRecorder.Active = new TraceRecorder();
        return path;
    }

    /// <summary>Writes the trace (if one was recorded) and says where on <paramref name="output"/>.</summary>
    public static void Finish(string? path, Config config, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(output);
        if (path is null || TraceRecorder.Active is not { } recorder)
        {
            return;
        }

        recorder.Write(path, config.ProcessIndex);
        output.WriteLine($"trace: {path} ({recorder.EventCount} events)");
        TraceRecorder.Active = null;
    }
}
