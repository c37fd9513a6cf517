using System.CommandLine;
using System.Globalization;

namespace Timely.Bench.Commands;

/// <summary>
/// timely's examples as <c>timely</c> commands: each example's arguments, in Rust's forms, read
/// here and handed to its function in <see cref="Timely.Examples"/>. The tests check each example
/// against a sequential computation of the same result.
/// </summary>
public static class ExampleCommands
{
    /// <summary><c>timely bfs NODES EDGES</c>.</summary>
    public static Command Bfs()
    {
        var nodes = ExampleCommand.Integer("NODES", "Nodes in the random graph (at least 1).", 1, uint.MaxValue);
        var edges = ExampleCommand.Integer("EDGES", "Edges in the random graph.", 0, uint.MaxValue);
        return ExampleCommand.Make(
            "bfs",
            "timely's bfs example: breadth-first search from node 0 over a random graph, one loop iteration per distance.",
            [nodes, edges],
            (result, log) =>
            {
                ulong n = result.GetValue(nodes), e = result.GetValue(edges);
                return worker => Examples.Bfs.Run(worker, n, e, log);
            });
    }

    /// <summary><c>timely pagerank NODES EDGES [--rounds N]</c>.</summary>
    public static Command PageRank()
    {
        var nodes = ExampleCommand.Integer("NODES", "Nodes (at least 1).", 1, int.MaxValue);
        var edges = ExampleCommand.Integer("EDGES", "Edges loaded at time 0.", 0, int.MaxValue);
        var rounds = ExampleCommand.IntegerOption("--rounds", "Rounds of one edge added and one removed", Examples.PageRank.DefaultRounds, 0, 100_000_000);
        return ExampleCommand.Make(
            "pagerank",
            "timely's pagerank example: integer PageRank kept up to date as edges change, in a loop.",
            [nodes, edges, rounds],
            (result, log) =>
            {
                ulong n = result.GetValue(nodes), e = result.GetValue(edges), r = result.GetValue(rounds);
                return worker => Examples.PageRank.Run(worker, n, e, r, log);
            });
    }

    /// <summary><c>timely wordcount [--rounds N] [--words N]</c>.</summary>
    public static Command WordCount()
    {
        var rounds = ExampleCommand.IntegerOption("--rounds", "Rounds, each one line per worker", Examples.WordCount.DefaultRounds, 0, 1_000_000_000);
        var words = ExampleCommand.IntegerOption("--words", "Generated words (w0..w99) added to each line after \"round\"", 0, 0, 1_000_000);
        return ExampleCommand.Make(
            "wordcount",
            "timely's wordcount example: running word counts per round, exchanged by word length.",
            [rounds, words],
            (result, log) =>
            {
                ulong r = result.GetValue(rounds), w = result.GetValue(words);
                return worker => Examples.WordCount.Run(worker, r, w, log);
            });
    }

    /// <summary><c>timely hashjoin KEYS VALS BATCH</c>.</summary>
    public static Command HashJoin()
    {
        var keys = ExampleCommand.Integer("KEYS", "Keys and values are below this (at least 1).", 1);
        var vals = ExampleCommand.Integer("VALS", "Records per input over all workers.", 0, int.MaxValue);
        var batch = ExampleCommand.Integer("BATCH", "Records a worker sends per input before it waits for the join (at least 1).", 1, int.MaxValue);
        return ExampleCommand.Make(
            "hashjoin",
            "timely's hashjoin example: a symmetric hash join of two random inputs, in batches.",
            [keys, vals, batch],
            (result, log) =>
            {
                ulong k = result.GetValue(keys), v = result.GetValue(vals), b = result.GetValue(batch);
                return worker => Examples.HashJoin.Run(worker, k, v, b, log);
            });
    }

    /// <summary><c>timely distinct [--rounds N] [--values V]</c>.</summary>
    public static Command Distinct()
    {
        var rounds = ExampleCommand.IntegerOption("--rounds", "Rounds", Examples.Distinct.DefaultRounds, 0, 1_000_000_000);
        var values = ExampleCommand.IntegerOption("--values", "Generated values (below this number) each worker sends per round; 0 sends Rust's fixed data", 0, 0, 100_000_000);
        return ExampleCommand.Make(
            "distinct",
            "timely's distinct example: the distinct values of each round, exchanged by value.",
            [rounds, values],
            (result, log) =>
            {
                ulong r = result.GetValue(rounds), v = result.GetValue(values);
                return worker => Examples.Distinct.Run(worker, r, v, log);
            });
    }

    /// <summary><c>timely unionfind NODES EDGES BATCH</c>.</summary>
    public static Command UnionFind()
    {
        var nodes = ExampleCommand.Integer("NODES", "Nodes (at least 1).", 1, int.MaxValue);
        var edges = ExampleCommand.Integer("EDGES", "Edges over all workers.", 0, int.MaxValue);
        var batch = ExampleCommand.Integer("BATCH", "Edges a worker sends before it waits for the forest (at least 1).", 1, int.MaxValue);
        return ExampleCommand.Make(
            "unionfind",
            "timely's unionfind example: a spanning forest of a random graph, per worker then on worker 0.",
            [nodes, edges, batch],
            (result, _) =>
            {
                ulong n = result.GetValue(nodes), e = result.GetValue(edges), b = result.GetValue(batch);
                return worker => Examples.UnionFind.Run(worker, n, e, b);
            });
    }

    /// <summary>
    /// <c>timely event_driven DATAFLOWS LENGTH [record] [--rounds N]</c>: without <c>--rounds</c>
    /// it runs until SIGINT or SIGTERM, as Rust's does, then reports and exits 0.
    /// </summary>
    /// <summary><c>timely churn DATAFLOWS</c>: a dataflow per request (not one of timely's examples).</summary>
    public static Command Churn()
    {
        var dataflows = ExampleCommand.Integer("DATAFLOWS", "Dataflows to build and run to completion, one after another.", 0, 100_000_000);
        return ExampleCommand.Make(
            "churn",
            "A dataflow per request: builds DATAFLOWS small dataflows one after another (input -> exchange -> probe, one record per worker), each run to completion before the next; prints the live heap at the end, what completed dataflows left behind.",
            [dataflows],
            (result, log) =>
            {
                ulong n = result.GetValue(dataflows);
                return worker => Examples.DataflowChurn.Run(worker, n, log);
            });
    }

    public static Command EventDriven()
    {
        var dataflows = ExampleCommand.Integer("DATAFLOWS", "Number of dataflows (at least 1).", 1, 1_000_000);
        var length = ExampleCommand.Integer("LENGTH", "Maps in each dataflow's chain.", 0, 1_000_000);
        var record = new Argument<string?>("record") { Description = "The word 'record': send one record per round (else rounds carry progress only).", Arity = ArgumentArity.ZeroOrOne };
        record.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && r.Tokens[0].Value != "record")
            {
                r.AddError($"the third argument may only be 'record', not '{r.Tokens[0].Value}'.");
            }
        });
        var rounds = new Option<ulong>("--rounds") { Description = "Rounds to run; without it, rounds run until SIGINT or SIGTERM (as Rust's example, which never stops), then the run reports and exits 0.", HelpName = "N", CustomParser = Cli.IntegerIn<ulong>("--rounds", 0, 1_000_000_000) };
        return ExampleCommand.Make(
            "event_driven",
            "timely's event_driven example: many dataflows, one advanced per round; steps per round show whether idle dataflows cost anything.",
            [dataflows, length, record, rounds],
            (result, log, stop) =>
            {
                int d = (int)result.GetValue(dataflows), l = (int)result.GetValue(length);
                bool records = result.GetValue(record) is not null;
                ulong r = result.GetResult(rounds) is null ? ulong.MaxValue : result.GetValue(rounds);
                return worker => Examples.EventDriven.Run(worker, d, l, records, r, log, stop);
            },
            result => result.GetResult(rounds) is null);
    }

    /// <summary><c>timely flow_controlled</c> (no arguments, as Rust's).</summary>
    public static Command FlowControlled() => ExampleCommand.Make(
        "flow_controlled",
        "timely's flow_controlled example: an iterator_source feeds 0..100000 ten records at a time, asking for more only once its probe has caught up; every record printed as '@ time: (x, x)'.",
        [],
        (_, log) => worker => Examples.FlowControlled.Run(worker, log));

    /// <summary><c>timely openloop RATE SECONDS</c>.</summary>
    public static Command OpenLoop() => OpenLoopCommand(
        "openloop",
        "timely's openloop example: open-loop latency of a dataflow that only synchronizes (filter(false)), as a distribution.",
        loop: false);

    /// <summary><c>timely loopdemo RATE SECONDS</c>.</summary>
    public static Command LoopDemo() => OpenLoopCommand(
        "loopdemo",
        "timely's loopdemo example: open-loop latency of records iterating a Collatz step in a loop, as a distribution.",
        loop: true);

    /// <summary>
    /// <c>timely sequence [--rounds N] [--as-rust [--sleep-ms MS]]</c>: by default N rounds
    /// (10) without sleeping, ordered by round; with <c>--as-rust</c>, Rust's example as shipped
    /// (sleeps of 1 + i seconds, the elapsed time as the clock), which without <c>--rounds</c> runs
    /// until SIGINT or SIGTERM, as Rust's does, then reports and exits 0.
    /// </summary>
    public static Command Sequence()
    {
        var rounds = ExampleCommand.IntegerOption("--rounds", "Rounds, one element per worker each; with --as-rust and no --rounds, rounds run until SIGINT or SIGTERM (as Rust's example, which never stops)", Examples.Sequence.DefaultRounds, 0, 1_000_000);
        var asRust = new Option<bool>("--as-rust") { Description = "Rust's example as shipped: worker i sleeps 1 + i seconds before each round, elements are ordered by the time elapsed (not by round), and rounds run until SIGINT or SIGTERM unless --rounds is given. Rust's runs 4 workers whatever its arguments: add -w 4 for its configuration." };
        var sleep = new Option<ulong>("--sleep-ms") { Description = "With --as-rust: the sleep unit, worker i sleeping (1 + i) x MS before each round (default 1000, Rust's).", HelpName = "MS", CustomParser = Cli.IntegerIn<ulong>("--sleep-ms", 0, 3_600_000) };
        bool UntilStopped(ParseResult result) => result.GetValue(asRust) && result.GetResult(rounds) is null or { Implicit: true };
        var command = ExampleCommand.Make(
            "sequence",
            "timely's sequence example: all workers' elements, delivered to every worker in one agreed order. By default --rounds rounds without sleeping, ordered by round, so every run prints the same order; --as-rust runs Rust's form (sleeps, elapsed-time order, until stopped).",
            [rounds, asRust, sleep],
            (result, log, stop) =>
            {
                ulong r = result.GetValue(rounds);
                if (!result.GetValue(asRust))
                {
                    return worker => Examples.Sequence.Run(worker, r, log);
                }

                var unit = TimeSpan.FromMilliseconds(result.GetResult(sleep) is null ? 1000 : result.GetValue(sleep));
                ulong n = UntilStopped(result) ? ulong.MaxValue : r;
                return worker => Examples.Sequence.RunAsRust(worker, unit, n, log, stop);
            },
            UntilStopped);
        command.Validators.Add(c =>
        {
            if (c.GetResult(sleep) is not null && !c.GetValue(asRust))
            {
                c.AddError("--sleep-ms applies to --as-rust only (the default form does not sleep).");
            }
        });
        return command;
    }

    private static Command OpenLoopCommand(string name, string description, bool loop)
    {
        var rate = ExampleCommand.Integer("RATE", "Requests per second over all workers (1..1000000000).", 1, 1_000_000_000);
        var seconds = new Argument<double>("SECONDS")
        {
            Description = "Seconds to offer requests for, above 0 (Rust takes whole seconds; a fraction is allowed here, for short runs).",
            CustomParser = r =>
            {
                string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0 && value <= 86_400))
                {
                    r.AddError($"SECONDS: '{text}' is not a number of seconds in (0, 86400].");
                    return 1;
                }

                return value;
            },
        };
        return ExampleCommand.Make(
            name,
            description,
            [rate, seconds],
            (result, log) =>
            {
                ulong r = result.GetValue(rate);
                double s = result.GetValue(seconds);
                return worker => Examples.OpenLoop.Run(worker, loop, r, s, log);
            });
    }
}
