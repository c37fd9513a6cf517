using Timely.Examples;

namespace Timely.Bench.Tests;

/// <summary>
/// The examples' native runs (pagerank's out-edges): a run grows through rooms of 4, 8, 16, ...
/// keeping what it holds, a room left behind or freed is taken by the next run of its size
/// before the block grows, truncating is bounded by the count and keeps the room, growing takes
/// nothing from the collector's heap, and disposed runs refuse to grow.
/// </summary>
public sealed class NativeRunsTests
{
    [Fact]
    public void A_run_grows_through_doubled_rooms_and_keeps_every_element()
    {
        using var runs = new NativeRuns<(int, long)>();
        var run = default(NativeRuns<(int, long)>.Run);
        Assert.True(runs.Items(run).IsEmpty);
        var rooms = new List<int>();
        for (int i = 0; i < 40; i++)
        {
            runs.Add(ref run, (i, -i));
            int room = NativeRuns<(int, long)>.Room(run.SizeClass);
            if (rooms.Count == 0 || rooms[^1] != room)
            {
                rooms.Add(room);
            }
        }

        Assert.Equal([4, 8, 16, 32, 64], rooms);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (i, (long)-i)), runs.Items(run).ToArray());
    }

    [Fact]
    public void A_room_left_behind_is_taken_by_the_next_run_of_its_size()
    {
        using var runs = new NativeRuns<(int, long)>();
        var first = default(NativeRuns<(int, long)>.Run);
        for (int i = 0; i < 5; i++)
        {
            runs.Add(ref first, (1, i));
        }

        // first's room of 4 at 0 was left for a room of 8 at 4.
        Assert.Equal((4, 12), (first.Start, runs.BlockLength));
        var second = default(NativeRuns<(int, long)>.Run);
        runs.Add(ref second, (2, 0));
        Assert.Equal((0, 12), (second.Start, runs.BlockLength));

        runs.Free(ref first);
        Assert.Equal(default, first);
        var third = default(NativeRuns<(int, long)>.Run);
        for (int i = 0; i < 5; i++)
        {
            runs.Add(ref third, (3, i));
        }

        // A room of 4 at the end, then first's room of 8 again.
        Assert.Equal((4, 16), (third.Start, runs.BlockLength));
        Assert.Equal([(2, 0L)], runs.Items(second).ToArray());
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (3, (long)i)), runs.Items(third).ToArray());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    [InlineData(int.MinValue)]
    public void Truncating_is_bounded_by_the_count(int count)
    {
        using var runs = new NativeRuns<long>();
        var run = default(NativeRuns<long>.Run);
        runs.Add(ref run, 1);
        runs.Add(ref run, 2);
        runs.Add(ref run, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => NativeRuns<long>.Truncate(ref run, count));
        Assert.Equal(3, run.Count);
    }

    [Fact]
    public void Truncating_keeps_the_room()
    {
        using var runs = new NativeRuns<long>();
        var run = default(NativeRuns<long>.Run);
        for (int i = 0; i < 9; i++)
        {
            runs.Add(ref run, i);
        }

        NativeRuns<long>.Truncate(ref run, 2);
        Assert.Equal((2, 3), (run.Count, run.SizeClass));
        for (int i = 0; i < 14; i++)
        {
            runs.Add(ref run, 100 + i);
        }

        Assert.Equal(3, run.SizeClass);
        Assert.Equal(new long[] { 0, 1 }.Concat(Enumerable.Range(100, 14).Select(i => (long)i)), runs.Items(run).ToArray());
    }

    [Fact]
    public void Growing_a_hundred_thousand_runs_takes_nothing_from_the_collectors_heap()
    {
        // Warm the methods first: their first call may allocate while it is compiled.
        using (var warm = new NativeRuns<(int, long)>())
        {
            var r = default(NativeRuns<(int, long)>.Run);
            for (int i = 0; i < 9; i++)
            {
                warm.Add(ref r, (i, i));
            }

            NativeRuns<(int, long)>.Truncate(ref r, 1);
            warm.Free(ref r);
        }

        var handles = new NativeRuns<(int, long)>.Run[100_000];
        using var runs = new NativeRuns<(int, long)>();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 400_000; i++)
        {
            runs.Add(ref handles[(int)((long)i * 7 % handles.Length)], (i, 1));
        }

        for (int i = 0; i < handles.Length; i += 3)
        {
            runs.Free(ref handles[i]);
        }

        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
    }

    [Fact]
    public void Disposed_runs_refuse_to_grow()
    {
        var runs = new NativeRuns<long>();
        var run = default(NativeRuns<long>.Run);
        runs.Add(ref run, 7);
        runs.Dispose();
        runs.Dispose();
        var fresh = default(NativeRuns<long>.Run);
        Assert.Throws<ObjectDisposedException>(() => runs.Add(ref fresh, 1));
    }

    [Fact]
    public void An_element_smaller_than_an_int_is_refused()
    {
        // A free run keeps the next free run's start in its first element.
        var error = Assert.Throws<TypeInitializationException>(() => new NativeRuns<short>());
        Assert.IsType<NotSupportedException>(error.InnerException);
    }
}
