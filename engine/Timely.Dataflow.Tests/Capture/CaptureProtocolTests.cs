using Timely.Communication;
using Timely.Dataflow.Capture;

namespace Timely.Dataflow.Tests.Capture;

/// <summary>The protocol checker accepts timely's streams and names the rule each broken stream breaks; replay refuses negative counts.</summary>
public class CaptureProtocolTests
{
    private static Event<ulong, int> P(params (ulong, long)[] updates) => new Event<ulong, int>.Progress([.. updates]);

    private static Event<ulong, int> M(ulong time, params int[] data) => new Event<ulong, int>.Messages(time, [.. data]);

    [Fact]
    public void Accepts_a_stream_that_moves_the_frontier_and_ends_empty()
    {
        Assert.Null(CaptureProtocol.FindViolation([M(0, 1), P((0, -1), (2, 1)), M(2, 5), M(3, 6), P((2, -1))], complete: true));
        Assert.Null(CaptureProtocol.FindViolation([M(0, 1), P((0, -1), (2, 1))], complete: false));
        // Several counts: incrementing 3 is fine while 2 is held, even as 2 is retired in the same event.
        Assert.Null(CaptureProtocol.FindViolation([P((0, -1), (2, 2)), P((2, -2), (3, 1)), M(3, 1), P((3, -1))], complete: true));
    }

    public static TheoryData<string, Event<ulong, int>[]> Broken() => new()
    {
        { "(P1)", [P()] },
        { "(P1)", [P((0, 0))] },
        { "(P1)", [P((2, 1), (0, -1))] },
        { "(P2)", [P((0, -1), (2, 1)), P((1, 1))] },
        { "(P4)", [P((0, -2))] },
        { "(P3)", [P((0, -1), (2, 1)), M(1, 7)] },
        { "(P3)", [M(0)] },
        { "(P5)", [P((0, -1)), M(0, 1)] },
        { "(P5: truncated", [M(0, 1)] },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Names_the_rule_a_stream_breaks(string rule, Event<ulong, int>[] events)
    {
        string? violation = CaptureProtocol.FindViolation(events, complete: true);
        Assert.NotNull(violation);
        Assert.Contains(rule, violation, StringComparison.Ordinal);
        var e = Assert.Throws<InvalidDataException>(() => CaptureProtocol.Validate(events, complete: true, "source.bin"));
        Assert.StartsWith("source.bin: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_throws_when_a_stream_takes_a_count_negative()
    {
        var queue = new CaptureQueue<ulong, int>();
        queue.Push(P((0, -2)));
        var e = Assert.Throws<AggregateException>(() => Execute.Run(Config.Thread, worker =>
            worker.Dataflow<ulong>(scope => new[] { queue }.ReplayInto(scope))));
        Assert.Contains("count at time 0 is -1", Assert.IsType<InvalidDataException>(e.InnerExceptions[0]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_merges_times_sorts_data_and_leaves_out_empty_times()
    {
        var extracted = new Event<ulong, int>[] { M(3, 9, 1), P((0, -1)), M(1, 5), M(3, 4), new Event<ulong, int>.Messages(2, []), M(1, 2) }.Extract();
        Assert.Equal(["(1, [2, 5])", "(3, [1, 4, 9])"], extracted.ToDebugLines());
    }

    [Fact]
    public void Replayed_worker_without_streams_gives_up_its_minimum_capability()
    {
        // One stream on three workers: two own nothing, and the dataflow still completes with all data.
        var source = new CaptureQueue<ulong, int>();
        foreach (var e in new[] { M(0, 1), P((0, -1), (5, 1)), M(5, 2, 3), P((5, -1)) })
        {
            source.Push(e);
        }

        var queues = Execute.Run(Config.Process(3), worker =>
            worker.Dataflow<ulong, CaptureQueue<ulong, int>>(scope => new[] { source }.OwnedBy(worker).ReplayInto(scope).Capture()));
        Assert.Equal(["(0, [1])", "(5, [2, 3])"], queues.SelectMany(q => q.Drain()).Extract().ToDebugLines());
        Assert.Equal(0, source.Count);
    }
}
