using System.Collections.Concurrent;
using Timely.Communication;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>
/// What the operator tests share: the three configurations (one worker, two workers in process,
/// two over the serializing allocator), 200 records over 8 times, and a run that feeds each worker
/// the records whose index is its own modulo the peers, in time order, and collects what comes out.
/// </summary>
internal static class OperatorHarness
{
    public static TheoryData<string> Configs => new() { "thread", "process2", "binary2" };

    public static readonly (ulong Time, int Value)[] Records =
        Enumerable.Range(0, 200).Select(i => ((ulong)(i / 25), (i * 37 % 101) - 50)).ToArray();

    public static Config ConfigFor(string name) => name switch
    {
        "thread" => Config.Thread,
        "process2" => Config.Process(2),
        "binary2" => Config.ProcessBinary(2),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static int PeersOf(string name) => name == "thread" ? 1 : 2;

    public static void Run(string config, Action<Worker> logic)
    {
        var task = Task.Run(() => Execute.Run(ConfigFor(config), logic));
        Assert.True(task.Wait(TimeSpan.FromSeconds(30)), $"{config}: the computation did not finish");
    }

    /// <summary>Feeds this worker's share of <see cref="Records"/> into <paramref name="input"/>, a time at a time.</summary>
    public static void Feed(Worker worker, InputHandle<ulong, int> input, (ulong Time, int Value)[] records)
    {
        for (int i = 0; i < records.Length; i++)
        {
            if (i % worker.Peers != worker.Index)
            {
                continue;
            }

            if (records[i].Time != input.Time)
            {
                input.AdvanceTo(records[i].Time);
                worker.Step();
            }

            input.Send(records[i].Value);
        }

        input.Close();
    }

    /// <summary>Runs <paramref name="build"/> over the fed records and returns what reaches its end, with times.</summary>
    public static List<(ulong Time, TOut Value)> Through<TOut>(string config, Func<Stream<ulong, int>, Stream<ulong, TOut>> build, (ulong Time, int Value)[]? records = null)
    {
        var seen = new ConcurrentBag<(ulong, TOut)>();
        Run(config, worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope => build(scope.InputFrom(input)).InspectTime((t, x) => seen.Add((t, x))));
            Feed(worker, input, records ?? Records);
        });
        return seen.ToList();
    }
}
