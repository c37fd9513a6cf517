using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bench.Commands;
using System.CommandLine;
using System.CommandLine.Parsing;

namespace Timely.PropTests.Suite;

/// <summary>
/// <c>timely</c> parses a run's command line against a root of the named command alone
/// (<see cref="TimelyCommands.CreateRunRoot"/>) and runs from that parse when it has no error.
/// For any command and any words after its name (its own options and their aliases, the
/// communication flags, numbers, words, <c>--</c>, misspellings, bundles with <c>-?</c>),
/// a line that parses without an error there parses without one in the whole tree and hands
/// the command the same path, options, arguments and unmatched tokens; and a line the whole
/// tree runs (no error, no help) parses without an error there too, so it takes the fast path.
/// </summary>
public sealed class RunRootProperties
{
    private static readonly string[] Common =
    [
        "-w", "-n", "-p", "-h", "--transport", "shm", "tcp", "auto", "--verbose", "--json", "--", "-",
        "0", "1", "2", "3", "-1", "1000", "4097", "x", "3.5", "true", "false", "--bogus", "-?x", "hello",
        "wordcount", "--rounds", "--ring-bytes", "65536", "--quick", "--repeat", "--filter", "a*", "-z?", "-?w", "-z",
    ];

    [Property(MaxTest = 400)]
    public Property A_run_roots_parse_without_an_error_is_the_whole_trees()
    {
        var line =
            from entry in Gen.Elements(TimelyCommands.All)
            let own = OwnWords(entry.Create())
            from words in Gen.Elements(own.Concat(Common).ToArray()).ListOf()
            select (IReadOnlyList<string>)[entry.Name, .. words];
        return Prop.ForAll(line.ToArbitrary(), args =>
        {
            var run = TimelyCommands.CreateRunRoot(args);
            if (run is null)
            {
                return true.Label("no run root");
            }

            var fast = run.Parse(args);
            var whole = TimelyCommands.CreateRoot().Parse(args);

            // Safe: a line the run root takes (no error) is one the whole tree takes alike.
            bool safe = fast.Errors.Count > 0 || (whole.Errors.Count == 0 && Handed(fast) == Handed(whole));

            // Taken: a line the whole tree runs (no error, not help) the run root takes too.
            bool taken = whole.Errors.Count > 0 || whole.Action is System.CommandLine.Help.HelpAction || fast.Errors.Count == 0;
            return (safe && taken).Label($"'{string.Join(' ', args)}': {Handed(fast)} | {Handed(whole)} | {string.Join("; ", fast.Errors.Select(e => e.Message))} | {string.Join("; ", whole.Errors.Select(e => e.Message))}");
        });
    }

    // What the parse hands the command: its name, each of its symbols' tokens by name (whether
    // given or implicit), the unmatched tokens.
    private static string Handed(ParseResult result)
    {
        var command = result.CommandResult.Command;
        IEnumerable<Symbol> symbols = [.. command.Options, .. command.Arguments, Cli.Verbose];
        var parts = symbols.Select(symbol => result.GetResult(symbol) switch
        {
            OptionResult o => $"{symbol.Name}={o.Implicit}:{string.Join(',', o.Tokens.Select(t => t.Value))}",
            ArgumentResult a => $"{symbol.Name}={a.Implicit}:{string.Join(',', a.Tokens.Select(t => t.Value))}",
            _ => $"{symbol.Name}=-",
        });
        return $"{command.Name}({string.Join(';', parts)}) unmatched {string.Join(',', result.UnmatchedTokens)}";
    }

    // A command's own option names and aliases and its subcommands' names.
    private static string[] OwnWords(System.CommandLine.Command command) =>
        [.. command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)), .. command.Subcommands.Select(c => c.Name)];
}
