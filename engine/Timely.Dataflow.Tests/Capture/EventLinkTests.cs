using System.Runtime.CompilerServices;
using Timely.Dataflow.Capture;

namespace Timely.Dataflow.Tests.Capture;

public class EventLinkTests
{
    [Fact]
    public void Iterator_sees_pushes_in_order_and_resumes_after_reaching_the_end()
    {
        var pusher = new EventLink<ulong, ulong>();
        EventLink<ulong, ulong> reader = pusher.Fork();
        Assert.False(reader.TryNext(out _));

        pusher.Push(new Event<ulong, ulong>.Messages(0, [1]));
        pusher.Push(new Event<ulong, ulong>.Progress([(0, -1)]));
        Assert.True(reader.TryNext(out var first));
        Assert.Equal("Messages(0, [1])", first.ToString());
        Assert.True(reader.TryNext(out var second));
        Assert.Equal("Progress([(0, -1)])", second.ToString());
        Assert.False(reader.TryNext(out _));

        pusher.Push(new Event<ulong, ulong>.Messages(1, [2]));
        Assert.True(reader.TryNext(out var third));
        Assert.Equal("Messages(1, [2])", third.ToString());
    }

    [Fact]
    public void Forked_readers_walk_independently()
    {
        var pusher = new EventLink<ulong, ulong>();
        var a = pusher.Fork();
        pusher.Push(new Event<ulong, ulong>.Messages(0, [1]));
        var b = pusher.Fork();
        pusher.Push(new Event<ulong, ulong>.Messages(0, [2]));

        Assert.True(a.TryNext(out var a1));
        Assert.Equal("Messages(0, [1])", a1.ToString());
        Assert.True(b.TryNext(out var b1));
        Assert.Equal("Messages(0, [2])", b1.ToString());
        Assert.True(a.TryNext(out var a2));
        Assert.Same(b1, a2);
    }

    [Fact]
    public void Pushing_from_a_position_that_already_has_a_successor_throws()
    {
        var pusher = new EventLink<ulong, ulong>();
        var other = pusher.Fork();
        pusher.Push(new Event<ulong, ulong>.Messages(0, []));
        Assert.Throws<InvalidOperationException>(() => other.Push(new Event<ulong, ulong>.Messages(1, [])));
    }

    [Fact]
    public void A_million_events_are_walked_and_collected_without_recursion()
    {
        WeakReference head = FillAndDrain(1_000_000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(head.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference FillAndDrain(int count)
    {
        var pusher = new EventLink<ulong, ulong>();
        var reader = pusher.Fork();
        var empty = new List<ulong>();
        var firstEvent = new Event<ulong, ulong>.Messages(0, empty);
        pusher.Push(firstEvent);
        for (int i = 1; i < count; i++)
        {
            pusher.Push(new Event<ulong, ulong>.Messages((ulong)i, empty));
        }

        int seen = 0;
        ulong last = 0;
        while (reader.TryNext(out var e))
        {
            last = ((Event<ulong, ulong>.Messages)e).Time;
            seen++;
        }

        Assert.Equal(count, seen);
        Assert.Equal((ulong)(count - 1), last);
        return new WeakReference(firstEvent);
    }
}
