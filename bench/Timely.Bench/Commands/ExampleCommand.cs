using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json.Nodes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Examples;

namespace Timely.Bench.Commands;

/// <summary>
/// What every example command shares: timely's communication flags, <c>--json</c>, and the
/// report. The example's own lines (what Rust's example prints) go to stdout, or to stderr with
/// <c>--json</c>; then each local worker's <c>&lt;elapsed&gt;\tworker &lt;i&gt; complete</c> line and one
/// <c>result: records R checksum C</c> line for this process's workers (the whole run's result
/// when it is one process; with <c>-n N</c> sum the processes' JSON lines, as the suite does).
/// </summary>
internal static class ExampleCommand
{
    /// <summary>A positional argument that must lie in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Argument<ulong> Integer(string name, string description, ulong min = 0, ulong max = ulong.MaxValue) =>
        new(name) { Description = description, CustomParser = Cli.IntegerIn(name, min, max) };

    /// <summary>An option taking an integer in <paramref name="min"/>..<paramref name="max"/>, <paramref name="fallback"/> when absent.</summary>
    public static Option<ulong> IntegerOption(string name, string description, ulong fallback, ulong min = 0, ulong max = ulong.MaxValue) =>
        new(name) { Description = $"{description} (default {fallback}).", HelpName = "N", CustomParser = Cli.IntegerIn(name, min, max), DefaultValueFactory = _ => fallback };

    /// <summary>
    /// The command <paramref name="name"/>: <paramref name="example"/> reads the example's
    /// arguments and options from the parse result and, given the writer for the example's own
    /// lines, returns what every worker runs.
    /// </summary>
    public static Command Make(string name, string description, IReadOnlyList<Symbol> symbols, Func<ParseResult, TextWriter, Func<Worker, ExampleResult>> example) =>
        Make(name, description, symbols, (result, log, _) => example(result, log), _ => false);

    /// <summary>
    /// As <see cref="Make(string, string, IReadOnlyList{Symbol}, Func{ParseResult, TextWriter, Func{Worker, ExampleResult}})"/>,
    /// for an example that can run until it is stopped, as Rust's does: when
    /// <paramref name="untilStopped"/> says so for the command line, the run's token is cancelled
    /// by the first SIGINT or SIGTERM (<see cref="StopSignals"/>), the example ends its round and
    /// the command reports and exits 0; a second signal ends the process at once.
    /// </summary>
    public static Command Make(string name, string description, IReadOnlyList<Symbol> symbols, Func<ParseResult, TextWriter, CancellationToken, Func<Worker, ExampleResult>> example, Func<ParseResult, bool> untilStopped)
    {
        var options = new CommunicationOptions();
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }

        var json = new Option<bool>("--json") { Description = "Print one JSON summary line per process (elapsed ms, records, checksum, gen0 GCs, allocated bytes) on stdout and nothing else there: the example's lines go to stderr." };
        command.Options.Add(json);
        options.AddTo(command);
        command.SetAction(result =>
        {
            var config = options.ToConfig(result);
            bool machine = result.GetValue(json);
            var human = machine ? Console.Error : Console.Out;
            string[] tokens = ArgumentTokens(result);
            return Cli.Run(() =>
            {
                using var stop = untilStopped(result) ? StopSignals.Register() : null;
                var results = Execute.Run(config, example(result, TextWriter.Synchronized(human), stop?.Token ?? CancellationToken.None));
                Report(name, tokens, config, results, human, machine ? Console.Out : null);
                return 0;
            });
        });
        return command;
    }

    /// <summary>
    /// The example's positional arguments as given. A loop, not a LINQ chain: in a native build
    /// each of LINQ's generic virtual methods (<c>Select</c> on an iterator) is resolved by the
    /// runtime's type loader at its first call, 0.9% of a native <c>timely wordcount</c>'s samples here.
    /// </summary>
    private static string[] ArgumentTokens(ParseResult result)
    {
        var tokens = new List<string>();
        foreach (var child in result.CommandResult.Children)
        {
            if (child is ArgumentResult argument)
            {
                foreach (var token in argument.Tokens)
                {
                    tokens.Add(token.Value);
                }
            }
        }

        return [.. tokens];
    }

    /// <summary>Writes the per-worker lines and the result line to <paramref name="human"/>, and the JSON summary to <paramref name="json"/> when given.</summary>
    public static void Report(string name, IReadOnlyList<string> args, Config config, IReadOnlyList<ExampleResult> results, TextWriter human, TextWriter? json)
    {
        var workloads = results.Select(r => r.Workload).ToArray();
        foreach (var w in workloads.OrderBy(w => w.Worker))
        {
            human.WriteLine($"{RustDuration.Format(w.Elapsed)}\tworker {w.Worker} complete");
        }

        var (records, checksum) = ExampleResult.Total(results);
        human.WriteLine(ResultLine(records, checksum));
        if (json is not null)
        {
            var summary = JsonNode.Parse(WorkloadCommands.Summary(name, [], config, workloads))!.AsObject();
            summary["args"] = new JsonArray(args.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
            summary["checksum"] = checksum;
            json.WriteLine(summary.ToJsonString());
        }
    }

    /// <summary>The result line: <c>result: records 12 checksum 0123456789abcdef</c>.</summary>
    public static string ResultLine(long records, ulong checksum) =>
        $"result: records {records.ToString(CultureInfo.InvariantCulture)} checksum {checksum:x16}";
}
