using Timely.Bench.Examples;
using Timely.Bench.Workloads;
using Timely.Bytes;
using Timely.Communication;

namespace Timely.Bench.Tests;

/// <summary>
/// Every workload and example of <c>timely</c>, over serialized channels (-z), resolves its
/// composite record codecs (tuples, arrays) through the Prepare* path, not the reflection
/// fallback a Native AOT build lacks: otherwise the native <c>timely</c> fails on that row. Nothing
/// else in this test process builds a composite codec, so the reflection list must stay empty.
/// </summary>
public sealed class PreparedCodecTests
{
    [Fact]
    public void Every_example_and_workload_over_serialized_channels_takes_no_reflection_path()
    {
        var z = Config.FromArgs(["-w", "2", "-z"], out _);
        PingPong.Run(z, 10, 3);
        ExchangeRounds.Run(z, 10, 3);
        BarrierRounds.Run(z, 10);
        RoundTrip.Run(z, 10);
        Bfs.Run(z, 30, 70, TextWriter.Null);
        PageRank.Run(z, 20, 60, 3, TextWriter.Null);
        WordCount.Run(z, 3, 4, TextWriter.Null);
        Distinct.Run(z, 3, 40, TextWriter.Null);
        HashJoin.Run(z, 10, 30, 7, TextWriter.Null);
        UnionFind.Run(z, 30, 25, 4);
        EventDriven.Run(z, 2, 1, record: true, 7, TextWriter.Null);
        OpenLoop.Run(z, false, 200, 0.05, TextWriter.Null);
        OpenLoop.Run(z, true, 200, 0.05, TextWriter.Null);
        Sequence.Run(z, 4, TextWriter.Null);

        Type[] reflected = WireCodec.ReflectionBuilt();
        Assert.True(reflected.Length == 0, "built through reflection: " + string.Join("; ", reflected.Select(t => t.ToString())));
    }
}
