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
