using System.CommandLine;

namespace Timely.Bench.Examples;

/// <summary>
/// timely's examples as <c>timely</c> commands, with Rust's argument forms (issue 15 item 4).
/// Each is checked in the tests against a sequential computation of the same result.
/// </summary>
public static class ExampleCommands
{
    /// <summary>The example commands, in the order <c>timely --help</c> lists them.</summary>
    public static IEnumerable<Command> Create()
    {
        yield return Bfs.Create();
        yield return PageRank.Create();
        yield return WordCount.Create();
        yield return HashJoin.Create();
        yield return Distinct.Create();
        yield return UnionFind.Create();
        yield return EventDriven.Create();
        foreach (var command in OpenLoop.Create())
        {
            yield return command;
        }

        yield return Sequence.Create();
    }
}
