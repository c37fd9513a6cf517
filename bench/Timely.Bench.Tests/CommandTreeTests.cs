using System.CommandLine;
using Timely.Bench.Commands;

namespace Timely.Bench.Tests;

/// <summary>
/// The root that <see cref="TimelyCommands.CreateRoot(IReadOnlyList{string})"/> builds for a
/// command line (that command only, when the line starts with its name) parses every line as
/// the whole tree does: same command, same errors, same help.
/// </summary>
public sealed class CommandTreeTests
{
    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (var (name, _) in TimelyCommands.All)
        {
            names.Add(name);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_name_in_the_table_is_the_name_of_the_command_its_factory_builds(string name)
    {
        var factory = TimelyCommands.All.Single(e => e.Name == name).Create;
        Assert.Equal(name, factory().Name);
    }

    [Fact]
    public void The_table_lists_each_command_once()
    {
        var names = TimelyCommands.All.Select(e => e.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(names, TimelyCommands.CreateRoot().Subcommands.Select(c => c.Name));
    }

    [Fact]
    public void A_line_that_starts_with_a_command_builds_that_command_only()
    {
        var root = TimelyCommands.CreateRoot(["wordcount", "-w", "2"]);
        Assert.Equal(["wordcount"], root.Subcommands.Select(c => c.Name));
    }

    [Theory]
    [InlineData]
    [InlineData("--help")]
    [InlineData("--verbose", "wordcount")]
    [InlineData("frobnicate")]
    [InlineData("WordCount")]
    [InlineData("@args.rsp")]
    public void Any_other_line_builds_every_command(params string[] args)
    {
        var root = TimelyCommands.CreateRoot(args);
        Assert.Equal(TimelyCommands.All.Length, root.Subcommands.Count);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_line_parses_alike_in_the_one_command_root_and_in_the_whole_tree(string name)
    {
        string[][] lines =
        [
            [name],
            [name, "--bogus"],
            [name, "1", "2", "3", "4", "5"],
            [name, "-w", "x"],
            [name, "-w", "2", "--json"],
            [name, "hello"],
            [name, "suite", "--quick"],
            [name, "--verbose", "--rounds", "3"],
        ];
        foreach (var line in lines)
        {
            var whole = TimelyCommands.CreateRoot().Parse(line);
            var one = TimelyCommands.CreateRoot(line).Parse(line);
            string what = string.Join(' ', line);
            Assert.True(whole.CommandResult.Command.Name == one.CommandResult.Command.Name, $"command of '{what}'");
            Assert.Equal(whole.Errors.Select(e => e.Message), one.Errors.Select(e => e.Message));
            Assert.Equal(whole.UnmatchedTokens, one.UnmatchedTokens);
            Assert.Equal(Usage(TimelyCommands.CreateRoot(), line), Usage(TimelyCommands.CreateRoot(line), line));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_commands_help_reads_alike_in_the_one_command_root_and_in_the_whole_tree(string name)
    {
        string[] line = [name, "--help"];
        Assert.Equal(Help(TimelyCommands.CreateRoot(), line), Help(TimelyCommands.CreateRoot(line), line));
    }

    [Theory]
    [InlineData]
    [InlineData("frobnicate")]
    [InlineData("--verbose", "wordcount")]
    [InlineData("wordcount", "--help")]
    [InlineData("wordcount", "-?")]
    [InlineData("wordcount", "-w", "2", "--version")]
    [InlineData("wordcount", "-z?")]
    [InlineData("wordcount", "-h", "-?x")]
    [InlineData("[diagram]", "wordcount")]
    [InlineData("wordcount", "[diagram]")]
    [InlineData("wordcount", "@args.rsp")]
    public void A_line_that_may_ask_for_help_a_version_a_directive_or_a_response_file_gets_no_run_root(params string[] args) =>
        Assert.Null(TimelyCommands.CreateRunRoot(args));

    [Theory]
    [MemberData(nameof(Names))]
    public void The_run_root_holds_the_named_command_and_the_verbose_option_and_nothing_that_reads_resources(string name)
    {
        var run = TimelyCommands.CreateRunRoot([name]);
        Assert.NotNull(run);
        Assert.IsNotType<RootCommand>(run);
        Assert.Equal([name], run.Subcommands.Select(c => c.Name));
        Assert.Equal([Cli.Verbose], run.Options);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_line_the_run_root_parses_without_an_error_parses_alike_in_the_whole_tree(string name)
    {
        string[][] lines =
        [
            [name],
            [name, "1", "2", "3"],
            [name, "1000"],
            [name, "10", "1000"],
            [name, "-w", "2"],
            [name, "-w", "2", "--verbose"],
            [name, "-n", "2", "-p", "1", "--transport", "shm", "-w", "1"],
            [name, "--json", "-w", "1"],
            [name, "--quick", "--repeat", "3", "--no-counters", "--filter", "wordcount*"],
            [name, "--", "-w"],
            [name, "--out", "captures", "--workloads", "w.dll", "--assembly", "a.dll"],
            [name, "--out", "captures", "-w", "2"],
            [name, "--workloads", "w.dll", "--trials", "3"],
            [name, "--assembly", "a.dll", "--size", "quick"],
        ];
        int served = 0;
        foreach (var line in lines)
        {
            var run = TimelyCommands.CreateRunRoot(line)!.Parse(line);
            var whole = TimelyCommands.CreateRoot().Parse(line);
            string what = string.Join(' ', line);
            Assert.True(run.Errors.Count == 0 == (whole.Errors.Count == 0), $"errors of '{what}': {string.Join("; ", run.Errors.Select(e => e.Message))} | {string.Join("; ", whole.Errors.Select(e => e.Message))}");
            if (run.Errors.Count == 0)
            {
                served++;
                Assert.Equal(Parsed(whole), Parsed(run));
            }
        }

        Assert.True(served > 0, $"no line of {name} parsed");
    }

    [Theory]
    [InlineData("wordcount", "--bogus")]
    [InlineData("barrier")]
    [InlineData("barrier", "abc")]
    [InlineData("hello", "-w", "0")]
    [InlineData("hello", "-p", "1")]
    [InlineData("frobnicate")]
    [InlineData]
    public void A_usage_error_reads_the_same_through_the_run_root_as_through_the_whole_tree(params string[] line)
    {
        var viaRun = new StringWriter();
        var viaWhole = new StringWriter();
        int run = Cli.Invoke(line, viaRun);
        int whole = Cli.Invoke(TimelyCommands.CreateRoot(line), line, viaWhole);
        Assert.Equal(Cli.UsageExit, run);
        Assert.Equal(whole, run);
        Assert.Equal(viaWhole.ToString(), viaRun.ToString());
        Assert.StartsWith("timely: error: ", viaRun.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, viaRun.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    /// <summary>What a parse hands the command: its path of commands and each option's and argument's tokens, by name.</summary>
    internal static string Parsed(ParseResult result)
    {
        var text = new System.Text.StringBuilder();
        for (var command = result.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
        {
            text.Append(command.Parent is null ? "<root>" : command.Command.Name).Append(';');
        }

        var symbols = result.CommandResult.Command.Options.Cast<Symbol>().Concat(result.CommandResult.Command.Arguments).Append(Cli.Verbose);
        foreach (var symbol in symbols)
        {
            var found = result.GetResult(symbol);
            string tokens = found switch
            {
                System.CommandLine.Parsing.OptionResult option => $"{option.Implicit}:{string.Join(',', option.Tokens.Select(t => t.Value))}",
                System.CommandLine.Parsing.ArgumentResult argument => $"{argument.Implicit}:{string.Join(',', argument.Tokens.Select(t => t.Value))}",
                _ => "-",
            };
            text.Append(symbol.Name).Append('=').Append(tokens).Append(';');
        }

        text.Append("unmatched=").Append(string.Join(',', result.UnmatchedTokens));
        return text.ToString();
    }

    // What the command prints for a usage error: the first error and its hint.
    private static string Usage(RootCommand root, string[] line)
    {
        var error = new StringWriter();
        return Cli.ParseFailure(root.Parse(line), error) is { } code ? $"{code}: {error}" : "parsed";
    }

    private static string Help(RootCommand root, string[] line)
    {
        var output = new StringWriter();
        int code = root.Parse(line).Invoke(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
        return $"{code}: {output}";
    }
}
