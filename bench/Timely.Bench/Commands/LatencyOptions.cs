using System.CommandLine;
using Timely.Bench.Suite;

namespace Timely.Bench.Commands;

/// <summary>The options the round-trip commands share: <c>--json</c>, <c>--hist-out FILE</c> and <c>--plot FILE.svg</c>.</summary>
public sealed class LatencyOptions
{
    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON line on stdout (the figures and, per path, KEY_count, KEY_p50_ns .. KEY_p99_99_ns, KEY_max_ns) and the human lines on stderr." };

    public Option<string?> HistOut { get; } = new("--hist-out") { Description = "Write HdrHistogram's percentile distribution (values in µs) of each path to FILE with the path's key before the extension (rt.hgrm -> rt.floor.hgrm).", HelpName = "FILE" };

    public Option<string?> Plot { get; } = new("--plot") { Description = "Write a percentile plot of the paths (SVG, log-scale x of 1/(1-p), log y).", HelpName = "FILE.svg" };

    /// <summary>Adds the options; <paramref name="json"/> false for a command that has its own <c>--json</c>.</summary>
    public void AddTo(Command command, bool json = true)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (json)
        {
            command.Options.Add(Json);
        }

        command.Options.Add(HistOut);
        command.Options.Add(Plot);
    }

    /// <summary>The values, with the output files checked before the run (a <see cref="Timely.Communication.ConfigException"/> if one cannot be written).</summary>
    public (bool Json, string? HistOut, string? Plot) Get(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string? histOut = result.GetValue(HistOut);
        string? plot = result.GetValue(Plot);
        if (histOut is not null)
        {
            OutputPaths.CheckFile("--hist-out", histOut);
        }

        if (plot is not null)
        {
            OutputPaths.CheckFile("--plot", plot);
        }

        return (result.GetValue(Json), histOut, plot);
    }
}
