using Timely.Bench.TransportBench;
using Timely.Bytes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Examples;

namespace Timely.Bench.Tests;

/// <summary>
/// Every workload and example of <c>timely</c>, over serialized channels (-z), resolves its
/// composite record codecs (tuples, arrays) from codecs prepared ahead (by the codec generator,
/// which the examples and the tool build with and which leaves them no Prepare call, or by the
/// engine itself), not the reflection fallback a Native AOT build lacks: otherwise the native
/// <c>timely</c> fails on that row. Nothing
/// else in this test process builds a composite codec, so the reflection list must stay empty.
/// </summary>
public sealed class PreparedCodecTests
{
    [Fact]
    public void Every_example_and_workload_over_serialized_channels_takes_no_reflection_path()
    {
        var z = Config.FromArgs(["-w", "2", "-z"], out _);
        Execute.Run(z, w => PingPong.Run(w, 10, 3));
        Execute.Run(z, w => ExchangeRounds.Run(w, 10, 3));
        Execute.Run(z, w => BarrierRounds.Run(w, 10));
        RoundTrip.Run(z, 10);
        Execute.Run(z, w => Bfs.Run(w, 30, 70, TextWriter.Null));
        Execute.Run(z, w => PageRank.Run(w, 20, 60, 3, TextWriter.Null));
        Execute.Run(z, w => WordCount.Run(w, 3, 4, TextWriter.Null));
        Execute.Run(z, w => Distinct.Run(w, 3, 40, TextWriter.Null));
        Execute.Run(z, w => HashJoin.Run(w, 10, 30, 7, TextWriter.Null));
        Execute.Run(z, w => UnionFind.Run(w, 30, 25, 4));
        Execute.Run(z, w => EventDriven.Run(w, 2, 1, record: true, 7, TextWriter.Null));
        Execute.Run(z, w => OpenLoop.Run(w, false, 200, 0.05, TextWriter.Null));
        Execute.Run(z, w => OpenLoop.Run(w, true, 200, 0.05, TextWriter.Null));
        Execute.Run(z, w => Sequence.Run(w, 4, TextWriter.Null));

        Type[] reflected = WireCodec.ReflectionBuilt();
        Assert.True(reflected.Length == 0, "built through reflection: " + string.Join("; ", reflected.Select(t => t.ToString())));
    }
}
